//! Declarations beyond the network — IAM, resource-based policies, AWS Organizations, DNS,
//! security services and Cognito — and the links between them that templates and plans
//! declare as resources of their own (a policy attached to a role by name, a secret's
//! resource policy, a bucket policy, an event-bus policy statement, an organization policy's
//! targets, a hosted zone's records, a Resolver endpoint's addresses, an identity pool's
//! roles, a rule's targets). The readers record them here; [`Links::finish`] joins them the
//! way AWS does once everything is declared, and reports what names something outside the
//! inputs.

use super::Assembly;
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Twin, Unknown};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Which kind of IAM identity a link names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityKind {
    Role,
    User,
    Group,
}

impl IdentityKind {
    fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Role => "role",
            IdentityKind::User => "user",
            IdentityKind::Group => "group",
        }
    }
}

/// An IAM identity named by a link: its account and its name (or ARN).
#[derive(Debug, Clone)]
pub struct IdentityRef {
    pub kind: IdentityKind,
    pub account: String,
    pub name: String,
}

/// A statement added to an event bus's policy on its own (`AWS::Events::EventBusPolicy`,
/// `aws_cloudwatch_event_permission`), or the whole policy (`aws_cloudwatch_event_bus_policy`).
#[derive(Debug, Clone)]
pub enum BusPolicyPart {
    Statement(serde_json::Value),
    Document(m::PolicyText),
}

/// The ARN of an IAM entity: `arn:PARTITION:iam::ACCOUNT:KIND/PATH…NAME`.
pub fn iam_arn(partition: &str, account: &str, kind: &str, path: &str, name: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("arn:{partition}:iam::{account}:{kind}{path}{name}")
}

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    crate::snapshot::access::fields::partition(region)
}

/// A stand-in for the six random characters AWS appends to a secret's ARN: stable, made
/// from the declaration's logical id or address, so that partial ARNs still name the secret.
pub fn secret_suffix(base: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in base.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|_| {
            let c = ALPHABET[(h % ALPHABET.len() as u64) as usize] as char;
            h /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

/// The links recorded so far.
#[derive(Default)]
pub struct Links {
    inline: Vec<(IdentityRef, m::InlinePolicy, Origin)>,
    attachments: Vec<(IdentityRef, String, Origin)>,
    memberships: Vec<(String, String, String, Origin)>,
    profile_roles: Vec<(String, String, String, Origin)>,
    secret_policies: Vec<(String, m::PolicyText, Origin)>,
    bucket_policies: Vec<(String, Option<String>, m::PolicyText, Origin)>,
    bus_policies: Vec<(String, m::Placement, BusPolicyPart, Origin)>,
    org_targets: Vec<(String, String, Origin)>,
    zone_vpcs: Vec<(String, m::HostedZoneVpc, Origin)>,
    records: Vec<(String, m::ResourceRecordSet, Origin)>,
    endpoint_interfaces: Vec<(String, String, String)>,
    pool_roles: Vec<(String, Option<String>, Option<String>, Origin)>,
    rule_targets: Vec<(String, m::Placement, String, Origin)>,
}

impl Assembly {
    pub fn iam_role(&mut self, x: m::IamRole) {
        if !self.twin.iam.accounts.contains(&x.account) {
            self.twin.iam.accounts.push(x.account.clone());
        }
        let o = x.origin.clone();
        unique(&mut self.twin.iam.roles, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "IAM role");
    }

    pub fn iam_user(&mut self, x: m::IamUser) {
        if !self.twin.iam.accounts.contains(&x.account) {
            self.twin.iam.accounts.push(x.account.clone());
        }
        let o = x.origin.clone();
        unique(&mut self.twin.iam.users, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "IAM user");
    }

    pub fn iam_group(&mut self, x: m::IamGroup) {
        let o = x.origin.clone();
        unique(&mut self.twin.iam.groups, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "IAM group");
    }

    pub fn managed_policy(&mut self, x: m::ManagedPolicy) {
        let o = x.origin.clone();
        unique(&mut self.twin.iam.policies, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "managed policy");
    }

    pub fn instance_profile(&mut self, x: m::InstanceProfile) {
        let o = x.origin.clone();
        unique(&mut self.twin.iam.instance_profiles, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "instance profile");
    }

    /// An inline policy embedded in a role, user or group declared elsewhere.
    pub fn inline_policy(&mut self, to: IdentityRef, policy: m::InlinePolicy, origin: &Origin) {
        self.links.inline.push((to, policy, origin.clone()));
    }

    /// A managed policy (by ARN) attached to a role, user or group.
    pub fn attach_policy(&mut self, to: IdentityRef, policy_arn: &str, origin: &Origin) {
        self.links.attachments.push((to, policy_arn.to_string(), origin.clone()));
    }

    /// A user (by name) joins a group (by name) of the same account.
    pub fn group_member(&mut self, account: &str, user: &str, group: &str, origin: &Origin) {
        self.links.memberships.push((account.to_string(), user.to_string(), group.to_string(), origin.clone()));
    }

    /// A role (by name or ARN) goes into an instance profile (by ARN).
    pub fn profile_role(&mut self, profile_arn: &str, account: &str, role: &str, origin: &Origin) {
        self.links.profile_roles.push((profile_arn.to_string(), account.to_string(), role.to_string(), origin.clone()));
    }

    pub fn secret(&mut self, x: m::Secret) {
        let o = x.origin.clone();
        unique(&mut self.twin.resource_policies.secrets, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "secret");
    }

    /// The resource policy of a secret (by ARN or name).
    pub fn secret_policy(&mut self, secret: &str, policy: m::PolicyText, origin: &Origin) {
        self.links.secret_policies.push((secret.to_string(), policy, origin.clone()));
    }

    pub fn kms_key(&mut self, x: m::KmsKey) {
        let o = x.origin.clone();
        let k = x.arn.clone().unwrap_or_else(|| x.key_id.clone());
        unique(&mut self.twin.resource_policies.keys, &mut self.twin.diagnostics, k, x, &o, "KMS key");
    }

    /// A bucket: without a policy until a bucket policy names it.
    pub fn bucket(&mut self, x: m::Bucket) {
        let o = x.origin.clone();
        unique(&mut self.twin.resource_policies.buckets, &mut self.twin.diagnostics, x.name.clone(), x, &o, "bucket");
    }

    pub fn bucket_policy(&mut self, bucket: &str, account: Option<String>, policy: m::PolicyText, origin: &Origin) {
        self.links.bucket_policies.push((bucket.to_string(), account, policy, origin.clone()));
    }

    pub fn event_bus(&mut self, x: m::EventBus) {
        let o = x.origin.clone();
        unique(&mut self.twin.resource_policies.event_buses, &mut self.twin.diagnostics, x.arn.clone(), x, &o, "event bus");
    }

    /// A statement of (or the whole) policy of an event bus, by name or ARN.
    pub fn event_bus_policy(&mut self, bus: &str, placement: m::Placement, part: BusPolicyPart, origin: &Origin) {
        self.links.bus_policies.push((bus.to_string(), placement, part, origin.clone()));
    }

    pub fn organization(&mut self, x: m::OrganizationInfo, root: m::OrgRoot) {
        if let Some(first) = &self.twin.organizations.organization {
            let message = format!("a second organization {}: koban models one; keeping {}", x.id, first.id);
            self.diagnostic(Severity::Warning, &x.origin, message, Some(x.id.clone()));
            return;
        }
        self.twin.organizations.roots.insert(root.id.clone(), root);
        self.twin.organizations.organization = Some(x);
    }

    pub fn organizational_unit(&mut self, x: m::OrganizationalUnit) {
        let o = x.origin.clone();
        unique(&mut self.twin.organizations.units, &mut self.twin.diagnostics, x.id.clone(), x, &o, "organizational unit");
    }

    /// An account of the organization; one met again (the management account, which the
    /// organization itself names) gains what the later declaration adds.
    pub fn org_account(&mut self, x: m::OrgAccount) {
        if let Some(existing) = self.twin.organizations.accounts.get_mut(&x.id).filter(|e| e.name.is_none()) {
            existing.name = x.name;
            existing.arn = existing.arn.take().or(x.arn);
            existing.origin = x.origin;
            return;
        }
        let o = x.origin.clone();
        unique(&mut self.twin.organizations.accounts, &mut self.twin.diagnostics, x.id.clone(), x, &o, "organization account");
    }

    pub fn org_policy(&mut self, x: m::OrgPolicy) {
        let o = x.origin.clone();
        unique(&mut self.twin.organizations.policies, &mut self.twin.diagnostics, x.id.clone(), x, &o, "organization policy");
    }

    /// An organization policy attached to a root, OU or account.
    pub fn org_policy_target(&mut self, policy: &str, target: &str, origin: &Origin) {
        self.links.org_targets.push((policy.to_string(), target.to_string(), origin.clone()));
    }

    pub fn resolver_endpoint(&mut self, x: m::ResolverEndpoint) {
        let o = x.origin.clone();
        unique(&mut self.twin.dns.resolver_endpoints, &mut self.twin.diagnostics, x.id.clone(), x, &o, "Resolver endpoint");
    }

    /// The interface AWS creates for one address of a Resolver endpoint; its address is read
    /// once interfaces have their addresses.
    /// One address of a Resolver endpoint: its requester-managed interface `eni` in `subnet`
    /// (at `ip` when given), linked to the endpoint as address `ip_id`.
    #[allow(clippy::too_many_arguments)]
    pub fn resolver_endpoint_address(
        &mut self,
        endpoint: &str,
        eni: String,
        ip_id: &str,
        subnet: String,
        ip: Option<Ipv4Addr>,
        security_groups: Vec<String>,
        origin: Origin,
    ) {
        self.links.endpoint_interfaces.push((endpoint.to_string(), eni.clone(), ip_id.to_string()));
        self.interface(super::InterfaceRequest {
            id: eni,
            subnet,
            owner: m::EniOwner::ResolverEndpoint(endpoint.to_string()),
            interface_type: "interface".into(),
            description: Some(format!("Route 53 Resolver: {endpoint}:{ip_id}")),
            private_ips: ip.into_iter().collect(),
            count: 1,
            security_groups,
            source_dest_check: true,
            requester_managed: true,
            public_ip_at_launch: Some(false),
            default_security_group: false,
            tags: Vec::new(),
            origin,
        });
    }

    pub fn resolver_rule(&mut self, x: m::ResolverRule) {
        let o = x.origin.clone();
        unique(&mut self.twin.dns.resolver_rules, &mut self.twin.diagnostics, x.id.clone(), x, &o, "Resolver rule");
    }

    pub fn resolver_rule_association(&mut self, x: m::ResolverRuleAssociation) {
        let o = x.origin.clone();
        unique(&mut self.twin.dns.resolver_rule_associations, &mut self.twin.diagnostics, x.id.clone(), x, &o, "Resolver rule association");
    }

    pub fn hosted_zone(&mut self, x: m::HostedZone) {
        let o = x.origin.clone();
        unique(&mut self.twin.dns.hosted_zones, &mut self.twin.diagnostics, x.id.clone(), x, &o, "hosted zone");
    }

    /// A VPC associated with a private zone (by id) on its own.
    pub fn zone_vpc(&mut self, zone: &str, vpc: m::HostedZoneVpc, origin: &Origin) {
        self.links.zone_vpcs.push((zone.to_string(), vpc, origin.clone()));
    }

    /// A record of a zone named by its id or (CloudFormation's `HostedZoneName`) its name.
    pub fn record(&mut self, zone: &str, record: m::ResourceRecordSet, origin: &Origin) {
        self.links.records.push((zone.to_string(), record, origin.clone()));
    }

    pub fn user_pool(&mut self, x: m::UserPool) {
        let o = x.origin.clone();
        unique(&mut self.twin.cognito.user_pools, &mut self.twin.diagnostics, x.id.clone(), x, &o, "user pool");
    }

    pub fn identity_pool(&mut self, x: m::IdentityPool) {
        let o = x.origin.clone();
        unique(&mut self.twin.cognito.identity_pools, &mut self.twin.diagnostics, x.id.clone(), x, &o, "identity pool");
    }

    pub fn identity_pool_roles(&mut self, pool: &str, authenticated: Option<String>, unauthenticated: Option<String>, origin: &Origin) {
        self.links.pool_roles.push((pool.to_string(), authenticated, unauthenticated, origin.clone()));
    }

    /// A GuardDuty detector; its account and region count as collected.
    pub fn detector(&mut self, x: m::GuardDutyDetector) {
        if let (Some(a), Some(r)) = (&x.placement.account, &x.placement.region) {
            self.twin.monitoring.detector_scopes.insert((a.clone(), r.clone()));
        }
        self.twin.monitoring.detectors.push(x);
    }

    pub fn guardduty_member(&mut self, x: m::GuardDutyMember) {
        self.twin.monitoring.guardduty_members.push(x);
    }

    pub fn delegated_administrator(&mut self, x: m::DelegatedAdministrator) {
        self.twin.monitoring.delegated_services.insert(x.service.clone());
        self.twin.monitoring.delegated_administrators.push(x);
    }

    pub fn inspector_status(&mut self, x: m::InspectorStatus) {
        self.twin.monitoring.inspector.push(x);
    }

    pub fn flow_log(&mut self, x: m::FlowLog) {
        if let (Some(a), Some(r)) = (&x.placement.account, &x.placement.region) {
            self.twin.monitoring.flow_log_scopes.insert((a.clone(), r.clone()));
        }
        self.twin.monitoring.flow_logs.push(x);
    }

    pub fn trail(&mut self, x: m::Trail) {
        if let (Some(a), Some(r)) = (&x.placement.account, &x.placement.region) {
            self.twin.monitoring.trail_scopes.insert((a.clone(), r.clone()));
        }
        self.twin.monitoring.trails.push(x);
    }

    /// An EventBridge rule; declared targets come with it (`targets_collected`).
    pub fn event_rule(&mut self, x: m::EventRule) {
        if let (Some(a), Some(r)) = (&x.placement.account, &x.placement.region) {
            self.twin.monitoring.event_rule_scopes.insert((a.clone(), r.clone()));
        }
        self.twin.monitoring.event_rules.push(x);
    }

    /// A target added to a rule (by name or ARN) on its own (`aws_cloudwatch_event_target`).
    pub fn event_rule_target(&mut self, rule: &str, placement: m::Placement, target: &str, origin: &Origin) {
        self.links.rule_targets.push((rule.to_string(), placement, target.to_string(), origin.clone()));
    }
}

fn unique<T>(map: &mut BTreeMap<String, T>, diags: &mut Vec<Diagnostic>, key: String, value: T, origin: &Origin, what: &str) {
    if map.contains_key(&key) {
        diags.push(Diagnostic {
            severity: Severity::Warning,
            origin: origin.clone(),
            message: format!("duplicate {what} {key}: already declared; keeping the first declaration"),
            resource: Some(key),
        });
        return;
    }
    map.insert(key, value);
}

fn outside(t: &mut Twin, resource: &str, reason: String, origin: &Origin) {
    t.unknowns.push(Unknown { resource: resource.to_string(), reason, origin: Some(origin.clone()) });
}

/// The ARN of the identity a link names: an ARN as given, else the identity of that account
/// and name.
fn identity_arn(t: &Twin, r: &IdentityRef) -> Option<String> {
    let iam = &t.iam;
    let by = |arn: &str, name: &str, account: &str| (arn == r.name || (account == r.account && name == r.name)).then(|| arn.to_string());
    match r.kind {
        IdentityKind::Role => iam.roles.values().find_map(|x| by(&x.arn, &x.name, &x.account)),
        IdentityKind::User => iam.users.values().find_map(|x| by(&x.arn, &x.name, &x.account)),
        IdentityKind::Group => iam.groups.values().find_map(|x| by(&x.arn, &x.name, &x.account)),
    }
}

impl Links {
    /// Join every link to what it names. Runs after interfaces have their addresses.
    pub fn finish(self, t: &mut Twin) {
        self.identities(t);
        self.resources(t);
        full_access_policies(t);
        super::aws_managed::add_attached(t);
        t.iam.accounts.sort();
        crate::snapshot::access::references(t);
    }

    fn identities(&self, t: &mut Twin) {
        for (to, policy, origin) in &self.inline {
            let Some(arn) = identity_arn(t, to) else {
                let reason =
                    format!("inline policy {} is added to {} {}, which is outside the inputs", policy.name, to.kind.as_str(), to.name);
                outside(t, &to.name, reason, origin);
                continue;
            };
            let list = match to.kind {
                IdentityKind::Role => t.iam.roles.get_mut(&arn).map(|x| &mut x.inline_policies),
                IdentityKind::User => t.iam.users.get_mut(&arn).map(|x| &mut x.inline_policies),
                IdentityKind::Group => t.iam.groups.get_mut(&arn).map(|x| &mut x.inline_policies),
            };
            list.into_iter().for_each(|l| l.push(policy.clone()));
        }
        for (to, policy_arn, origin) in &self.attachments {
            let Some(arn) = identity_arn(t, to) else {
                let reason =
                    format!("managed policy {policy_arn} is attached to {} {}, which is outside the inputs", to.kind.as_str(), to.name);
                outside(t, &to.name, reason, origin);
                continue;
            };
            let name = t.iam.policies.get(policy_arn).map(|p| p.name.clone()).unwrap_or_else(|| policy_name(policy_arn));
            let attached = m::AttachedPolicy { name, arn: policy_arn.clone() };
            let list = match to.kind {
                IdentityKind::Role => t.iam.roles.get_mut(&arn).map(|x| &mut x.attached_policies),
                IdentityKind::User => t.iam.users.get_mut(&arn).map(|x| &mut x.attached_policies),
                IdentityKind::Group => t.iam.groups.get_mut(&arn).map(|x| &mut x.attached_policies),
            };
            if let Some(l) = list {
                if !l.contains(&attached) {
                    l.push(attached);
                }
            }
        }
        for (account, user, group, origin) in &self.memberships {
            let r = IdentityRef { kind: IdentityKind::User, account: account.clone(), name: user.clone() };
            match identity_arn(t, &r).and_then(|a| t.iam.users.get_mut(&a)) {
                Some(u) if !u.groups.contains(group) => u.groups.push(group.clone()),
                Some(_) => {}
                None => outside(t, user, format!("user {user} is added to group {group}, but the user is outside the inputs"), origin),
            }
        }
        for (profile, account, role, origin) in &self.profile_roles {
            let r = IdentityRef { kind: IdentityKind::Role, account: account.clone(), name: role.clone() };
            let arn = identity_arn(t, &r);
            match (arn, t.iam.instance_profiles.get_mut(profile)) {
                (Some(a), Some(p)) => {
                    if !p.roles.contains(&a) {
                        p.roles.push(a);
                    }
                }
                (None, _) => outside(t, role, format!("instance profile {profile} holds role {role}, which is outside the inputs"), origin),
                (_, None) => {}
            }
        }
    }

    fn resources(self, t: &mut Twin) {
        self.bus_policies(t);
        for (secret, policy, origin) in self.secret_policies {
            let found = t
                .resource_policies
                .secrets
                .values_mut()
                .find(|s| s.arn == secret || s.name == secret || m::partial_secret_arn(&s.arn) == Some(secret.as_str()));
            match found {
                Some(s) => s.policy = m::ResourcePolicyState::Present(policy),
                None => outside(t, &secret, format!("a resource policy is set on secret {secret}, which is outside the inputs"), &origin),
            }
        }
        for (bucket, account, policy, origin) in self.bucket_policies {
            let b = t.resource_policies.buckets.entry(bucket.clone()).or_insert_with(|| m::Bucket {
                name: bucket.clone(),
                account,
                policy: m::ResourcePolicyState::Absent,
                origin: origin.clone(),
            });
            b.policy = m::ResourcePolicyState::Present(policy);
        }
        for (policy, target, origin) in self.org_targets {
            match t.organizations.policies.get_mut(&policy) {
                Some(p) => {
                    let list = p.targets.get_or_insert_with(Vec::new);
                    if !list.contains(&target) {
                        list.push(target);
                    }
                }
                None => outside(
                    t,
                    &policy,
                    format!("organization policy {policy} is attached to {target}, but the policy is outside the inputs"),
                    &origin,
                ),
            }
        }
        for (zone, vpc, origin) in self.zone_vpcs {
            match t.dns.hosted_zones.get_mut(&zone) {
                Some(z) => {
                    if !z.vpcs.contains(&vpc) {
                        z.vpcs.push(vpc);
                    }
                }
                None => outside(
                    t,
                    &zone,
                    format!("VPC {} is associated with hosted zone {zone}, which is outside the inputs", vpc.vpc),
                    &origin,
                ),
            }
        }
        for (zone, record, origin) in self.records {
            let name = m::normalise_domain(&zone);
            match t.dns.hosted_zones.values_mut().find(|z| z.id == zone || z.name == name) {
                Some(z) => z.records.push(record),
                None => outside(
                    t,
                    &zone,
                    format!("record {} {} is in hosted zone {zone}, which is outside the inputs", record.name, record.record_type),
                    &origin,
                ),
            }
        }
        for (endpoint, eni, ip_id) in self.endpoint_interfaces {
            let Some(i) = t.network_interfaces.get(&eni) else { continue };
            let address = m::ResolverEndpointAddress {
                ip_id: Some(ip_id),
                subnet: i.subnet.clone(),
                ip: i.private_ips.first().copied(),
                status: None,
            };
            if let Some(e) = t.dns.resolver_endpoints.get_mut(&endpoint) {
                // The endpoint's VPC is its subnets' (CloudFormation does not name it).
                if e.vpc.is_empty() {
                    e.vpc = i.vpc.clone();
                }
                e.addresses.push(address);
            }
        }
        for (pool, auth, unauth, origin) in self.pool_roles {
            if !t.cognito.set_identity_pool_roles(&pool, auth, unauth) {
                outside(t, &pool, format!("roles are set on identity pool {pool}, which is outside the inputs"), &origin);
            }
        }
        for (rule, placement, target, origin) in self.rule_targets {
            let found = t.monitoring.event_rules.iter_mut().find(|r| {
                r.arn == rule
                    || (r.name == rule
                        && (placement.account.is_none() || r.placement.account == placement.account)
                        && (placement.region.is_none() || r.placement.region == placement.region))
            });
            match found {
                Some(r) => r.targets.push(target),
                None => {
                    outside(t, &rule, format!("target {target} is added to EventBridge rule {rule}, which is outside the inputs"), &origin)
                }
            }
        }
    }

    /// Statements added to a bus one by one make up its policy; a whole document replaces
    /// them. The `default` bus exists in every account and region without a declaration.
    fn bus_policies(&self, t: &mut Twin) {
        let mut statements: BTreeMap<String, (Vec<serde_json::Value>, Origin)> = BTreeMap::new();
        for (bus, placement, part, origin) in &self.bus_policies {
            let arn = match t.resource_policies.event_buses.values().find(|b| {
                b.arn == *bus
                    || (b.name == *bus && b.account == placement.account && (placement.region.is_none() || b.region == placement.region))
            }) {
                Some(b) => b.arn.clone(),
                None if bus == "default" || bus.is_empty() => {
                    let (Some(account), Some(region)) = (&placement.account, &placement.region) else {
                        outside(t, bus, "a policy is set on the default event bus of an unknown account or region".into(), origin);
                        continue;
                    };
                    let arn = format!("arn:{}:events:{region}:{account}:event-bus/default", partition(region));
                    t.resource_policies.event_buses.entry(arn.clone()).or_insert_with(|| m::EventBus {
                        arn: arn.clone(),
                        name: "default".into(),
                        account: Some(account.clone()),
                        region: Some(region.clone()),
                        policy: m::ResourcePolicyState::Absent,
                        origin: origin.clone(),
                    });
                    arn
                }
                None => {
                    outside(t, bus, format!("a policy is set on event bus {bus}, which is outside the inputs"), origin);
                    continue;
                }
            };
            match part {
                BusPolicyPart::Document(d) => {
                    if let Some(b) = t.resource_policies.event_buses.get_mut(&arn) {
                        b.policy = m::ResourcePolicyState::Present(d.clone());
                    }
                }
                BusPolicyPart::Statement(s) => statements.entry(arn).or_insert_with(|| (Vec::new(), origin.clone())).0.push(s.clone()),
            }
        }
        for (arn, (list, origin)) in statements {
            let Some(b) = t.resource_policies.event_buses.get_mut(&arn) else { continue };
            let mut all: Vec<serde_json::Value> =
                match b.policy.policy().and_then(|p| serde_json::from_str::<serde_json::Value>(&p.text).ok()) {
                    Some(serde_json::Value::Object(o)) => match o.get("Statement") {
                        Some(serde_json::Value::Array(a)) => a.clone(),
                        Some(other) => vec![other.clone()],
                        None => Vec::new(),
                    },
                    _ => Vec::new(),
                };
            all.extend(list);
            let text = serde_json::json!({"Version": "2012-10-17", "Statement": all}).to_string();
            b.policy = m::ResourcePolicyState::Present(m::PolicyText { text, origin, in_string: false });
        }
    }
}

/// When a policy type is enabled on a root, AWS attaches its AWS managed full-access policy
/// (`p-FullAWSAccess`, `p-RCPFullAWSAccess`) to the root and to every OU and account.
fn full_access_policies(t: &mut Twin) {
    let org = &mut t.organizations;
    for (kind, id, name) in [
        (m::OrgPolicyKind::ServiceControlPolicy, "p-FullAWSAccess", "FullAWSAccess"),
        (m::OrgPolicyKind::ResourceControlPolicy, "p-RCPFullAWSAccess", "RCPFullAWSAccess"),
    ] {
        let Some(origin) = org.roots.values().find(|r| r.enabled(kind)).map(|r| r.origin.clone()) else { continue };
        if org.policies.contains_key(id) {
            continue;
        }
        let statement = match kind {
            m::OrgPolicyKind::ServiceControlPolicy => serde_json::json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
            _ => serde_json::json!({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}),
        };
        let text = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string();
        let targets = org.roots.keys().chain(org.units.keys()).chain(org.accounts.keys()).cloned().collect();
        org.policies.insert(
            id.to_string(),
            m::OrgPolicy {
                id: id.to_string(),
                arn: None,
                name: name.to_string(),
                kind,
                aws_managed: true,
                content: Some(m::PolicyText { text, origin: origin.clone(), in_string: false }),
                targets: Some(targets),
                origin,
            },
        );
    }
}

/// The name at the end of a policy ARN (`arn:aws:iam::aws:policy/service-role/X` → `X`).
fn policy_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_secret_suffixes() {
        assert_eq!(iam_arn("aws", "111111111111", "role", "/", "app"), "arn:aws:iam::111111111111:role/app");
        assert_eq!(iam_arn("aws", "111111111111", "role", "/ci/", "deploy"), "arn:aws:iam::111111111111:role/ci/deploy");
        let s = secret_suffix("ProdDbSecret");
        assert_eq!(s.len(), 6);
        assert_eq!(s, secret_suffix("ProdDbSecret"));
        assert_ne!(s, secret_suffix("LegacyApiKey"));
        let arn = format!("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db-{s}");
        assert_eq!(m::partial_secret_arn(&arn), Some("arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/db"));
        assert_eq!(
            policy_name("arn:aws:iam::aws:policy/service-role/AmazonSSMRoleForInstancesQuickSetup"),
            "AmazonSSMRoleForInstancesQuickSetup"
        );
    }

    #[test]
    fn links_join_what_they_name_and_report_the_rest() {
        let mut a = Assembly::default();
        let o = Origin::new("t.yaml", "3:3");
        a.iam_role(m::IamRole {
            arn: "arn:aws:iam::111111111111:role/app".into(),
            name: "app".into(),
            id: None,
            path: "/".into(),
            account: "111111111111".into(),
            trust_policy: None,
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
            permissions_boundary: None,
            tags: Vec::new(),
            origin: o.clone(),
        });
        let doc = m::PolicyText { text: "{}".into(), origin: o.clone(), in_string: false };
        let role = IdentityRef { kind: IdentityKind::Role, account: "111111111111".into(), name: "app".into() };
        a.inline_policy(role.clone(), m::InlinePolicy { name: "read".into(), document: doc.clone() }, &o);
        a.attach_policy(role, "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", &o);
        let ghost = IdentityRef { kind: IdentityKind::Role, account: "111111111111".into(), name: "ghost".into() };
        a.inline_policy(ghost, m::InlinePolicy { name: "x".into(), document: doc.clone() }, &o);
        let statement = serde_json::json!({"Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents"});
        let place = m::Placement { account: Some("333333333333".into()), region: Some("eu-west-1".into()) };
        a.event_bus_policy("default", place, BusPolicyPart::Statement(statement), &o);
        let t = a.finish();
        let r = &t.iam.roles["arn:aws:iam::111111111111:role/app"];
        assert_eq!(r.inline_policies.len(), 1);
        assert_eq!(r.attached_policies[0].name, "AmazonSSMManagedInstanceCore");
        assert!(t.unknowns.iter().any(|u| u.resource == "ghost"), "{:?}", t.unknowns);
        let bus = &t.resource_policies.event_buses["arn:aws:events:eu-west-1:333333333333:event-bus/default"];
        assert!(bus.policy.policy().is_some_and(|p| p.text.contains("events:PutEvents")));
    }
}
