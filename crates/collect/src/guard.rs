//! The read-only guard: an SDK interceptor installed on every client the collector builds. It
//! refuses, before anything is serialised, signed or sent, any operation that is not on the
//! allow-list ([`crate::allow`]), so that a mistake in a collector fails instead of writing.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Refuses operations outside the allow-list.
#[derive(Debug, Default, Clone)]
pub struct ReadOnlyGuard;

/// The error an operation outside the allow-list fails with.
#[derive(Debug, thiserror::Error)]
#[error("koban collect refused {service}:{operation}: not on the read-only allow-list")]
pub struct Refused {
    pub service: String,
    pub operation: String,
}

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "koban-read-only-guard"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(m) if crate::allow::is_allowed(m.name()) => Ok(()),
            Some(m) => Err(Box::new(Refused { service: m.service().to_string(), operation: m.name().to_string() })),
            None => Err(Box::new(Refused { service: "?".into(), operation: "(an operation without metadata)".into() })),
        }
    }
}
