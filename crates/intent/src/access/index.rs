//! Every policy document of the twin parsed once (in parallel), under the name answers use
//! for it, with a diagnostic (file and JSON path) for each document that does not parse or
//! that AWS would reject; plus the lookups the questions need (SCP and RCP levels of an
//! account, the policies of a principal, the resource policy of an ARN).

use koban_model as m;
use koban_model::{Diagnostic, Severity, Twin};
use koban_policy::validate::{validate_parsed, PolicyKind};
use koban_policy::{parse_policy, NamedPolicy, OrgLevel};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Where a document comes from: the key it is stored under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    /// A managed policy's default version, by ARN.
    Managed(String),
    /// An inline policy: (owner ARN, policy name).
    Inline(String, String),
    /// A role's trust policy, by role ARN.
    Trust(String),
    /// A secret's resource policy, by ARN.
    Secret(String),
    /// A bucket policy, by bucket name.
    Bucket(String),
    /// A KMS key policy, by the key's map key (ARN or id).
    Key(String),
    /// An event bus policy, by ARN.
    EventBus(String),
    /// A VPC endpoint policy, by endpoint id.
    Endpoint(String),
    /// An SCP or RCP, by policy id.
    Org(String),
}

/// A document that could not be used: why, and whose it is.
#[derive(Debug, Clone)]
pub struct Broken {
    pub owner: String,
    pub reason: String,
}

/// The twin's policies, parsed, and lookups over them.
pub struct AccessIndex<'t> {
    pub twin: &'t Twin,
    docs: HashMap<DocKey, NamedPolicy>,
    broken: HashMap<DocKey, Broken>,
    /// Parse errors and policies AWS would reject, with file and JSON path.
    pub diagnostics: Vec<Diagnostic>,
    /// Lower-cased condition keys used anywhere (to know which keys can matter).
    pub used_keys: HashSet<String>,
}

struct Pending<'t> {
    key: DocKey,
    name: String,
    owner: String,
    text: &'t m::PolicyText,
    kind: PolicyKind,
}

/// The name answers give an inline policy (`<owner ARN>:inline/<name>`).
pub fn inline_name(owner: &str, name: &str) -> String {
    format!("{owner}:inline/{name}")
}

/// The name answers give a role's trust policy.
pub fn trust_name(role: &str) -> String {
    format!("{role}:trust-policy")
}

fn collect(twin: &Twin) -> Vec<Pending<'_>> {
    let mut out = Vec::new();
    let mut add = |key: DocKey, name: String, owner: &str, text, kind: PolicyKind| {
        out.push(Pending { key, name, owner: owner.to_string(), text, kind });
    };
    let iam = &twin.iam;
    for p in iam.policies.values() {
        if let Some(d) = &p.document {
            add(DocKey::Managed(p.arn.clone()), p.arn.clone(), &p.arn, d, PolicyKind::IdentityPolicy);
        }
    }
    let inline = |owner: &str, list: &[m::InlinePolicy]| -> Vec<(DocKey, String, String)> {
        list.iter().map(|p| (DocKey::Inline(owner.to_string(), p.name.clone()), inline_name(owner, &p.name), p.name.clone())).collect()
    };
    for r in iam.roles.values() {
        for ((key, name, _), p) in inline(&r.arn, &r.inline_policies).into_iter().zip(&r.inline_policies) {
            add(key, name, &r.arn, &p.document, PolicyKind::IdentityPolicy);
        }
        if let Some(t) = &r.trust_policy {
            add(DocKey::Trust(r.arn.clone()), trust_name(&r.arn), &r.arn, t, PolicyKind::ResourcePolicy);
        }
    }
    for u in iam.users.values() {
        for ((key, name, _), p) in inline(&u.arn, &u.inline_policies).into_iter().zip(&u.inline_policies) {
            add(key, name, &u.arn, &p.document, PolicyKind::IdentityPolicy);
        }
    }
    for g in iam.groups.values() {
        for ((key, name, _), p) in inline(&g.arn, &g.inline_policies).into_iter().zip(&g.inline_policies) {
            add(key, name, &g.arn, &p.document, PolicyKind::IdentityPolicy);
        }
    }
    let rp = &twin.resource_policies;
    for s in rp.secrets.values() {
        if let Some(p) = s.policy.policy() {
            add(DocKey::Secret(s.arn.clone()), s.arn.clone(), &s.arn, p, PolicyKind::ResourcePolicy);
        }
    }
    for b in rp.buckets.values() {
        if let Some(p) = b.policy.policy() {
            let arn = format!("arn:aws:s3:::{}", b.name);
            add(DocKey::Bucket(b.name.clone()), arn.clone(), &arn, p, PolicyKind::ResourcePolicy);
        }
    }
    for (k, key) in &rp.keys {
        if let Some(p) = key.policy.policy() {
            add(DocKey::Key(k.clone()), k.clone(), k, p, PolicyKind::ResourcePolicy);
        }
    }
    for b in rp.event_buses.values() {
        if let Some(p) = b.policy.policy() {
            add(DocKey::EventBus(b.arn.clone()), b.arn.clone(), &b.arn, p, PolicyKind::ResourcePolicy);
        }
    }
    for p in twin.organizations.policies.values() {
        let kind = match p.kind {
            m::OrgPolicyKind::ServiceControlPolicy => PolicyKind::ServiceControlPolicy,
            m::OrgPolicyKind::ResourceControlPolicy => PolicyKind::ResourceControlPolicy,
            m::OrgPolicyKind::Other => continue,
        };
        if let Some(c) = &p.content {
            add(DocKey::Org(p.id.clone()), p.name.clone(), &p.id, c, kind);
        }
    }
    out
}

/// Endpoint policies are kept on the network model as text without an origin of their own:
/// the endpoint's origin and `/PolicyDocument` stand in.
fn endpoint_texts(twin: &Twin) -> Vec<(String, m::PolicyText)> {
    twin.vpc_endpoints
        .values()
        .filter_map(|e| {
            let text = e.policy_document.clone()?;
            let origin = m::Origin::new(e.origin.file.clone(), format!("{}/PolicyDocument", e.origin.location));
            Some((e.id.clone(), m::PolicyText { text, origin, in_string: true }))
        })
        .collect()
}

enum Parsed {
    Ok(NamedPolicy, Vec<Diagnostic>),
    Err(Broken, Diagnostic),
}

fn parse_one(p: &Pending<'_>) -> Parsed {
    let value: serde_json::Value = match serde_json::from_str(&p.text.text) {
        Ok(v) => v,
        Err(e) => {
            let reason = format!("the policy document is not valid JSON (line {}, column {}): {e}", e.line(), e.column());
            return Parsed::Err(
                Broken { owner: p.owner.clone(), reason: reason.clone() },
                Diagnostic {
                    severity: Severity::Error,
                    origin: p.text.origin.clone(),
                    message: format!("{}: {reason}", p.name),
                    resource: Some(p.owner.clone()),
                },
            );
        }
    };
    match parse_policy(&value) {
        Ok(document) => {
            let mut diags = Vec::new();
            for f in validate_parsed(&document, &value, p.kind).into_iter().filter(|f| f.rejects()) {
                diags.push(Diagnostic {
                    severity: Severity::Warning,
                    origin: p.text.origin_of(&f.path),
                    message: format!("{}: AWS would reject this policy: {} ({})", p.name, f.message, f.code),
                    resource: Some(p.owner.clone()),
                });
            }
            Parsed::Ok(NamedPolicy { name: p.name.clone(), document: document.into() }, diags)
        }
        Err(e) => {
            let reason = format!("the policy document does not follow the policy grammar: {e}");
            Parsed::Err(
                Broken { owner: p.owner.clone(), reason: reason.clone() },
                Diagnostic {
                    severity: Severity::Error,
                    origin: p.text.origin_of(e.path()),
                    message: format!("{}: {reason}", p.name),
                    resource: Some(p.owner.clone()),
                },
            )
        }
    }
}

impl<'t> AccessIndex<'t> {
    /// Parse and validate every policy document of the twin.
    pub fn new(twin: &'t Twin) -> AccessIndex<'t> {
        let endpoint_docs = endpoint_texts(twin);
        let mut pending = collect(twin);
        for (id, text) in &endpoint_docs {
            pending.push(Pending {
                key: DocKey::Endpoint(id.clone()),
                name: id.clone(),
                owner: id.clone(),
                text,
                kind: PolicyKind::VpcEndpointPolicy,
            });
        }
        let parsed: Vec<(DocKey, Parsed)> = pending.par_iter().map(|p| (p.key.clone(), parse_one(p))).collect();
        let mut docs = HashMap::with_capacity(parsed.len());
        let mut broken = HashMap::new();
        let mut diagnostics = Vec::new();
        let mut used_keys = HashSet::new();
        for (key, p) in parsed {
            match p {
                Parsed::Ok(doc, diags) => {
                    for s in &doc.document.statements {
                        for c in &s.conditions {
                            used_keys.insert(c.key_lower.clone());
                        }
                    }
                    diagnostics.extend(diags);
                    docs.insert(key, doc);
                }
                Parsed::Err(b, d) => {
                    diagnostics.push(d);
                    broken.insert(key, b);
                }
            }
        }
        diagnostics.sort_by(|a, b| (&a.origin.file, &a.origin.location).cmp(&(&b.origin.file, &b.origin.location)));
        AccessIndex { twin, docs, broken, diagnostics, used_keys }
    }

    /// A parsed document.
    pub fn doc(&self, key: &DocKey) -> Option<&NamedPolicy> {
        self.docs.get(key)
    }

    /// Why a document is unusable, when it is.
    pub fn broken(&self, key: &DocKey) -> Option<&Broken> {
        self.broken.get(key)
    }

    /// A document, or a note for `unknowns` saying why it is missing.
    pub fn doc_or_note(&self, key: &DocKey, what: &str, unknowns: &mut Vec<String>) -> Option<&NamedPolicy> {
        if let Some(d) = self.docs.get(key) {
            return Some(d);
        }
        match self.broken.get(key) {
            Some(b) => unknowns.push(format!("{what} of {}: {} (left out of the evaluation)", b.owner, b.reason)),
            None => unknowns.push(format!("{what} is not in the snapshot (left out of the evaluation)")),
        }
        None
    }

    /// Whether any policy of the twin uses a condition key (lower-case).
    pub fn uses_key(&self, key_lower: &str) -> bool {
        self.used_keys.contains(key_lower)
    }

    /// The SCP (`ServiceControlPolicy`) or RCP levels of an account, root first; empty for
    /// the management account, outside an organization, or when the policy type is not
    /// enabled. Problems (an account not placed in the tree, a policy without content) go to
    /// `unknowns`.
    pub fn org_levels(&self, account: &str, kind: m::OrgPolicyKind, unknowns: &mut Vec<String>) -> Vec<OrgLevel> {
        let org = &self.twin.organizations;
        if org.is_empty() || !org.enabled(kind) || org.is_management_account(account) {
            return Vec::new();
        }
        let label = if kind == m::OrgPolicyKind::ServiceControlPolicy { "SCPs" } else { "RCPs" };
        let Some(path) = org.path_of_account(account) else {
            if org.accounts.contains_key(account) {
                unknowns.push(format!("{label} of {account}: its place in the organization is not in the snapshot; {label} are left out"));
            } else if org.organization.is_some() {
                unknowns.push(format!("{label} of {account}: the account is not listed in the organization; {label} are left out"));
            }
            return Vec::new();
        };
        path.iter()
            .map(|level| {
                let mut policies = Vec::new();
                for p in org.attached(kind, level) {
                    // RCPFullAWSAccess is implied on every level by the evaluator itself.
                    if kind == m::OrgPolicyKind::ResourceControlPolicy && p.aws_managed {
                        continue;
                    }
                    if let Some(d) = self.doc_or_note(&DocKey::Org(p.id.clone()), &format!("{} {}", p.kind.as_str(), p.name), unknowns) {
                        policies.push(d.clone());
                    }
                }
                OrgLevel { id: level.clone(), policies }
            })
            .collect()
    }

    /// The organization's id, when `account` belongs to it.
    pub fn org_id_of(&self, account: &str) -> Option<&str> {
        let org = &self.twin.organizations;
        let o = org.organization.as_ref()?;
        (org.accounts.contains_key(account) || o.management_account.as_deref() == Some(account)).then_some(o.id.as_str())
    }
}
