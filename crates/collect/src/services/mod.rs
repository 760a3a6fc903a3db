//! The collectors, one module per AWS service, and what they share: [`Ctx`], the account,
//! region and output directory of one collection step, which writes each file and records the
//! outcome of each call in the manifest.

pub mod cognito;
pub mod dns;
pub mod ec2;
pub mod elb;
pub mod events;
pub mod iam;
pub mod org;
pub mod patch;
pub mod policies;
pub mod secrets;
pub mod security;
pub mod trail;

use crate::error::CollectError;
use crate::manifest::{Entry, ErrorKind, Status};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where one collection step writes and records.
#[derive(Clone)]
pub struct Ctx {
    pub account: String,
    /// The region of the calls, or `global`.
    pub region: String,
    /// The output directory (root of the snapshot).
    pub out: PathBuf,
    /// The directory of this step's files, relative to `out` (`<account>/<region>`,
    /// `<account>/iam`, `<account>/organizations`).
    pub dir: PathBuf,
    pub entries: Arc<Mutex<Vec<Entry>>>,
    pub progress: Option<indicatif::ProgressBar>,
}

/// How a failed call is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Status,
    pub kind: Option<ErrorKind>,
    pub code: Option<String>,
    pub message: String,
}

impl Ctx {
    /// The same step writing into another directory under the account.
    pub fn with_dir(&self, region: &str, dir: impl AsRef<Path>) -> Ctx {
        Ctx { region: region.to_string(), dir: PathBuf::from(&self.account).join(dir), ..self.clone() }
    }

    fn push(&self, e: Entry) {
        if let Ok(mut v) = self.entries.lock() {
            v.push(e);
        }
    }

    /// Write `doc` to `file` (relative to this step's directory) and record `operation` as ok.
    pub fn write(&self, service: &str, operation: &str, file: &str, doc: &Value) -> Result<(), CollectError> {
        let rel = self.dir.join(file);
        let path = self.out.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CollectError::Write { path: parent.to_path_buf(), source })?;
        }
        let text = serde_json::to_string_pretty(doc).unwrap_or_default();
        std::fs::write(&path, text + "\n").map_err(|source| CollectError::Write { path: path.clone(), source })?;
        self.succeeded(service, operation, Some(rel.to_string_lossy().replace('\\', "/")), None);
        if let Some(p) = &self.progress {
            p.set_message(format!("{} {} {service}:{operation}", self.account, self.region));
        }
        Ok(())
    }

    /// Record a call that succeeded with nothing to write (a bucket without a policy, which
    /// the AWS CLI reports as an error and prints nothing for).
    pub fn absent(&self, service: &str, operation: &str, message: &str) {
        self.succeeded(service, operation, None, Some(message.to_string()));
    }

    /// Record a call that succeeded: the file it wrote, or why there is none.
    fn succeeded(&self, service: &str, operation: &str, file: Option<String>, message: Option<String>) {
        self.push(Entry {
            account: self.account.clone(),
            region: self.region.clone(),
            service: service.into(),
            operation: operation.into(),
            status: Status::Ok,
            error_kind: None,
            code: None,
            message,
            file,
        });
    }

    /// Record a failed call; the collection goes on.
    pub fn fail<E>(&self, service: &str, operation: &str, err: &SdkError<E, HttpResponse>)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let f = classify(err);
        self.push(Entry {
            account: self.account.clone(),
            region: self.region.clone(),
            service: service.into(),
            operation: operation.into(),
            status: f.status,
            error_kind: f.kind,
            code: f.code,
            message: Some(f.message),
            file: None,
        });
    }

    /// The value of a call, or None after recording its failure.
    pub fn ok<T, E>(&self, service: &str, operation: &str, r: Result<T, SdkError<E, HttpResponse>>) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(service, operation, &e);
                None
            }
        }
    }

    /// A call whose whole output becomes one file: written on success, recorded either way.
    pub fn save<T, E>(
        &self,
        service: &str,
        operation: &str,
        file: &str,
        r: Result<T, SdkError<E, HttpResponse>>,
        doc: impl FnOnce(&T) -> Value,
    ) -> Result<Option<T>, CollectError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match self.ok(service, operation, r) {
            Some(v) => {
                self.write(service, operation, file, &doc(&v))?;
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }
}

/// A file name from an id that may hold `/` or `:` (ARNs, hosted zone ids).
pub fn file_name(id: &str) -> String {
    id.chars().map(|c| if matches!(c, '/' | ':' | '\\') { '_' } else { c }).collect()
}

/// How a failed call is recorded: AWS's error code decides the kind; an endpoint that
/// answers HTTP 500/501 (or 404) without an AWS error code (as moto does for an operation it
/// does not implement) or with a code saying so is `not-implemented`.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_string);
    let message = err.message().map(str::to_string).unwrap_or_else(|| error_chain(err));
    let failure = |kind| Failure { status: Status::Error, kind: Some(kind), code: code.clone(), message: message.clone() };
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => return failure(ErrorKind::Network),
        SdkError::ConstructionFailure(_) => return failure(ErrorKind::Refused),
        _ => {}
    }
    let not_implemented = Failure { status: Status::NotImplemented, kind: None, code: code.clone(), message: message.clone() };
    match code.as_deref() {
        Some(c) if is_access_denied(c) => failure(ErrorKind::AccessDenied),
        Some(c) if is_opt_in(c) => failure(ErrorKind::OptIn),
        Some(c) if is_throttling(c) => failure(ErrorKind::Throttled),
        Some(
            "NotImplemented" | "InvalidAction" | "UnknownOperationException" | "UnsupportedOperation" | "UnsupportedOperationException",
        ) => not_implemented,
        Some(_) => failure(ErrorKind::Service),
        None if matches!(status, Some(404 | 500 | 501)) => Failure {
            message: format!("HTTP {} without an AWS error: the endpoint does not implement this operation", status.unwrap_or_default()),
            ..not_implemented
        },
        None => failure(ErrorKind::Service),
    }
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthFailure"
            | "UnauthorizedException"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "AWSOrganizationsNotInUseException"
    )
}

fn is_opt_in(code: &str) -> bool {
    matches!(code, "OptInRequired" | "SubscriptionRequiredException" | "InvalidRegion" | "UnrecognizedRegion")
}

fn is_throttling(code: &str) -> bool {
    matches!(
        code,
        "Throttling" | "ThrottlingException" | "RequestLimitExceeded" | "TooManyRequestsException" | "RequestThrottled" | "SlowDown"
    )
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        s.push_str(": ");
        s.push_str(&e.to_string());
        cur = e.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_ids() {
        assert_eq!(file_name("/hostedzone/Z1"), "_hostedzone_Z1");
        assert_eq!(file_name("arn:aws:secretsmanager:eu-west-1:1:secret:a/b"), "arn_aws_secretsmanager_eu-west-1_1_secret_a_b");
    }

    #[test]
    fn codes_decide_the_kind() {
        assert!(is_access_denied("UnauthorizedOperation"));
        assert!(is_opt_in("OptInRequired"));
        assert!(is_throttling("RequestLimitExceeded"));
        assert!(!is_access_denied("InvalidVpcID.NotFound"));
    }
}
