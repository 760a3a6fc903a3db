//! Detectors over CloudTrail (`cloudtrail`): the GuardDuty IAM finding types (logging
//! disabled, root credential use, penetration-testing distributions, instance credentials used
//! off the instance, console logins from several networks, a principal's rare discovery calls)
//! and koban's rules for attack steps GuardDuty has no type for (resources shared with other
//! accounts, trust given to other accounts, bulk secret reads, …). Each plan selects the few
//! candidate records with SQL; the finishing step reads the records' request and response
//! details and applies time windows on the time-sorted stream.

use super::{detected, iso_ms, Context, Detected, DetectorInfo, Rows};
use crate::engine::EngineError;
use crate::read::cloudtrail::lookup;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const LOGGING_DISABLED: DetectorInfo = DetectorInfo {
    id: "cloudtrail-logging",
    types: &["Stealth:IAMUser/CloudTrailLoggingDisabled", "koban:Stealth/CloudTrailLoggingDisableAttempted"],
    table: "cloudtrail",
    needs_twin: false,
    description: "StopLogging, DeleteTrail, or event selectors that stop management-event logging",
};
pub const ROOT_USAGE: DetectorInfo = DetectorInfo {
    id: "root-usage",
    types: &["Policy:IAMUser/RootCredentialUsage"],
    table: "cloudtrail",
    needs_twin: false,
    description: "API calls made with the root user's credentials",
};
pub const PENTEST: DetectorInfo = DetectorInfo {
    id: "pentest",
    types: &["PenTest:IAMUser/KaliLinux", "PenTest:IAMUser/ParrotLinux", "PenTest:IAMUser/PentooLinux"],
    table: "cloudtrail",
    needs_twin: false,
    description: "API calls from a penetration-testing Linux distribution (user agent)",
};
pub const CREDENTIAL_EXFILTRATION: DetectorInfo = DetectorInfo {
    id: "instance-credentials",
    types: &["UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"],
    table: "cloudtrail",
    needs_twin: false,
    description: "an instance role session used from an address that is not the instance's",
};
pub const CONSOLE_LOGIN: DetectorInfo = DetectorInfo {
    id: "console-login",
    types: &["UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B"],
    table: "cloudtrail",
    needs_twin: false,
    description: "successful console logins of one user from several networks within an hour",
};
pub const ANOMALOUS_DISCOVERY: DetectorInfo = DetectorInfo {
    id: "anomalous-discovery",
    types: &["Discovery:IAMUser/AnomalousBehavior"],
    table: "cloudtrail",
    needs_twin: false,
    description: "discovery APIs a principal calls rarely and only late in its own history",
};
pub const API_RULES: DetectorInfo = DetectorInfo {
    id: "api-rules",
    types: &[
        "DefenseImpairment:EC2/DisableOrModifyTools",
        "DefenseImpairment:Organizations/ModifyCloudResourceHierarchy",
        "CredentialAccess:EC2/UnsecuredCredentials",
        "koban:Stealth/DnsQueryLoggingDeleted",
        "koban:Stealth/CloudTrailBucketLifecycleShortened",
        "koban:Exfiltration/ResourceSharedExternally",
        "koban:Persistence/ExternalTrustAdded",
        "koban:Persistence/CredentialsCreatedForOtherUser",
        "koban:PrivilegeEscalation/AdministratorPolicyAttached",
        "koban:Persistence/RolesAnywhereTrustAnchorCreated",
        "koban:Persistence/FederationTokenCreated",
        "koban:CredentialAccess/SecretsRetrievedInBulk",
        "koban:Discovery/EC2UserDataBulkRetrieval",
        "koban:Execution/EC2UserDataModified",
        "koban:Execution/UnusualInstanceTypeLaunched",
        "koban:LateralMovement/RemoteAccessToManyInstances",
        "koban:Impact/BedrockModelAccessEnabled",
        "koban:Network/SecurityGroupOpenedToInternet",
    ],
    table: "cloudtrail",
    needs_twin: false,
    description: "attack steps seen in single API calls or short bursts (Stratus Red Team techniques)",
};

/// One candidate record.
#[derive(Debug, Clone)]
struct Ev {
    t: i64,
    name: String,
    source: String,
    error: Option<String>,
    user_type: String,
    arn: String,
    user_name: String,
    ip: String,
    agent: String,
    key: String,
    account: String,
    v: Value,
    at: String,
}

impl Ev {
    fn ok(&self) -> bool {
        self.error.is_none()
    }
    fn principal(&self) -> &str {
        if self.arn.is_empty() {
            &self.user_type
        } else {
            &self.arn
        }
    }
    fn req(&self, path: &str) -> Option<&Value> {
        self.v.get("requestParameters").and_then(|r| lookup(r, path))
    }
    fn req_str(&self, path: &str) -> Option<&str> {
        self.req(path).and_then(|v| v.as_str())
    }
    fn evidence(&self) -> Value {
        json!({
            "eventTime": self.v.get("eventTime"),
            "eventSource": self.source,
            "eventName": self.name,
            "eventID": self.v.get("eventID"),
            "errorCode": self.error,
            "principal": self.principal(),
            "sourceIPAddress": self.ip,
            "userAgent": self.agent,
            "requestParameters": self.v.get("requestParameters"),
            "location": self.at,
        })
    }
}

fn load(cx: &Context, filter: &str) -> Result<Vec<Ev>, EngineError> {
    let q = format!(
        "SELECT CAST(event_time AS BIGINT) AS t, event_name, event_source, error_code, user_type, user_arn, user_name, source_ip_address, \
         user_agent, access_key_id, recipient_account_id, record, log_file, log_location FROM cloudtrail WHERE {filter}"
    );
    let rows = Rows::new(&cx.engine.sql(&q)?);
    let mut out = Vec::with_capacity(rows.len());
    for r in 0..rows.len() {
        let v: Value = rows.str(r, "record").and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
        out.push(Ev {
            t: rows.i(r, "t"),
            name: rows.string(r, "event_name"),
            source: rows.string(r, "event_source"),
            error: rows.str(r, "error_code").filter(|e| !e.is_empty() && *e != "Success").map(str::to_string),
            user_type: rows.string(r, "user_type"),
            arn: rows.string(r, "user_arn"),
            user_name: rows.string(r, "user_name"),
            ip: rows.string(r, "source_ip_address"),
            agent: rows.string(r, "user_agent"),
            key: rows.string(r, "access_key_id"),
            account: rows.string(r, "recipient_account_id"),
            v,
            at: format!("{}:{}", rows.string(r, "log_file"), rows.string(r, "log_location")),
        });
    }
    out.sort_by(|a, b| a.t.cmp(&b.t).then_with(|| a.at.cmp(&b.at)));
    Ok(out)
}

fn sql_list(names: &[&str]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

pub fn run(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    if cx.enabled("cloudtrail-logging") {
        logging_disabled(cx, out)?;
    }
    if cx.enabled("root-usage") {
        root_usage(cx, out)?;
    }
    if cx.enabled("pentest") {
        pentest(cx, out)?;
    }
    if cx.enabled("instance-credentials") {
        instance_credentials(cx, out)?;
    }
    if cx.enabled("console-login") {
        console_login(cx, out)?;
    }
    if cx.enabled("anomalous-discovery") {
        anomalous_discovery(cx, out)?;
    }
    if cx.enabled("api-rules") {
        api_rules(cx, out)?;
    }
    Ok(())
}

/// One finding from a group of records.
#[allow(clippy::too_many_arguments)]
fn emit(
    out: &mut Vec<Detected>,
    ty: &str,
    detector: &str,
    sev: f32,
    resource: &str,
    facts: &[&str],
    title: String,
    description: String,
    evs: &[&Ev],
    remediation: &str,
) {
    let (Some(first), Some(last)) = (evs.first(), evs.last()) else { return };
    let evidence = json!({
        "records": evs.iter().take(5).map(|e| e.evidence()).collect::<Vec<_>>(),
        "record_count": evs.len(),
    });
    out.push(detected(
        ty,
        &format!("koban-detect:{detector}"),
        sev,
        resource,
        facts,
        title,
        description,
        evidence,
        remediation,
        first.t,
        last.t,
        evs.len() as u64,
    ));
}

fn logging_disabled(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, "event_source = 'cloudtrail.amazonaws.com' AND event_name IN ('StopLogging', 'DeleteTrail', 'PutEventSelectors')")?;
    let mut groups: BTreeMap<(bool, String, String, String), Vec<&Ev>> = BTreeMap::new();
    for e in &evs {
        if e.name == "PutEventSelectors" {
            let selectors = e.req("eventSelectors").and_then(|s| s.as_array()).cloned().unwrap_or_default();
            let off = selectors.iter().any(|s| {
                s.get("includeManagementEvents") == Some(&Value::Bool(false))
                    || s.get("readWriteType").and_then(|r| r.as_str()) == Some("ReadOnly")
            });
            if !off {
                continue;
            }
        }
        let trail = e.req_str("name").or_else(|| e.req_str("trailName")).unwrap_or("trail").to_string();
        groups.entry((e.ok(), e.principal().to_string(), trail, e.name.clone())).or_default().push(e);
    }
    for ((ok, principal, trail, api), evs) in groups {
        let errors: BTreeSet<&str> = evs.iter().filter_map(|e| e.error.as_deref()).collect();
        let (ty, title, desc) = if ok {
            (
                LOGGING_DISABLED.types[0],
                format!("CloudTrail logging was disabled by {principal} ({api} on {trail})"),
                format!("{principal} called cloudtrail:{api} on {trail} {} time(s); management events are no longer recorded, hiding what comes next.", evs.len()),
            )
        } else {
            (
                LOGGING_DISABLED.types[1],
                format!("{principal} tried to disable CloudTrail logging ({api} on {trail})"),
                format!(
                    "{principal} called cloudtrail:{api} on {trail} {} time(s) and failed ({}): an attempt to blind the account's audit log.",
                    evs.len(),
                    errors.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
        };
        emit(out, ty, LOGGING_DISABLED.id, 2.0, &trail, &[&principal, &api, if ok { "ok" } else { "failed" }], title, desc, &evs,
            "Restart logging (StartLogging, restore the event selectors or recreate the trail), find out who holds the principal's credentials, and deny cloudtrail:StopLogging/DeleteTrail/PutEventSelectors with an SCP.");
    }
    Ok(())
}

fn root_usage(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, "user_type = 'Root' AND invoked_by IS NULL AND (event_type IS NULL OR event_type <> 'AwsServiceEvent')")?;
    let mut per: BTreeMap<String, Vec<&Ev>> = BTreeMap::new();
    for e in &evs {
        per.entry(e.account.clone()).or_default().push(e);
    }
    for (account, evs) in per {
        let apis: BTreeSet<&str> = evs.iter().map(|e| e.name.as_str()).collect();
        emit(
            out,
            ROOT_USAGE.types[0],
            ROOT_USAGE.id,
            2.0,
            &format!("arn:aws:iam::{account}:root"),
            &[],
            format!("The root user of account {account} was used"),
            format!("{} API calls with root credentials ({}).", evs.len(), apis.into_iter().take(10).collect::<Vec<_>>().join(", ")),
            &evs,
            "Use IAM roles for daily work; lock the root user away with MFA and no access keys.",
        );
    }
    Ok(())
}

fn pentest(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, "lower(user_agent) LIKE '%kali%' OR lower(user_agent) LIKE '%parrot%' OR lower(user_agent) LIKE '%pentoo%'")?;
    let mut per: BTreeMap<(String, &str), Vec<&Ev>> = BTreeMap::new();
    for e in &evs {
        let a = e.agent.to_ascii_lowercase();
        let ty = if a.contains("kali") {
            PENTEST.types[0]
        } else if a.contains("parrot") {
            PENTEST.types[1]
        } else {
            PENTEST.types[2]
        };
        per.entry((e.principal().to_string(), ty)).or_default().push(e);
    }
    for ((principal, ty), evs) in per {
        let distro = ty.rsplit('/').next().unwrap_or("");
        emit(out, ty, PENTEST.id, 5.0, &principal, &[], format!("API calls by {principal} from a {distro} machine"),
            format!("{} calls by {principal} came with a {distro} user agent ({}), a penetration-testing distribution.", evs.len(), evs[0].agent),
            &evs, "If no penetration test is under way, treat the principal's credentials as compromised: deactivate its access keys and review what it did.");
    }
    Ok(())
}

/// A `sourceIPAddress` that is an AWS service rather than an address.
fn is_service_source(ip: &str) -> bool {
    ip.is_empty()
        || ip == "AWS Internal"
        || ip.ends_with(".amazonaws.com")
        || ip.parse::<std::net::Ipv4Addr>().is_err() && !ip.contains(':') && !looks_like_ip(ip)
}

/// True for addresses with leading-zero octets as anonymised logs write them.
fn looks_like_ip(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn instance_credentials(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, r"user_type = 'AssumedRole' AND regexp_like(user_arn, ':assumed-role/[^/]+/i-[0-9a-fA-F]{8,17}$')")?;
    if evs.is_empty() {
        return Ok(());
    }
    let ips: BTreeSet<&str> = evs.iter().map(|e| e.ip.as_str()).filter(|ip| !is_service_source(ip)).collect();
    // Which other principals (not instance sessions) used the same addresses.
    let mut others: HashMap<String, BTreeSet<String>> = HashMap::new();
    if !ips.is_empty() {
        let list = ips.iter().map(|i| format!("'{}'", i.replace('\'', "''"))).collect::<Vec<_>>().join(", ");
        let rows = Rows::new(&cx.engine.sql(&format!(
            r"SELECT DISTINCT source_ip_address, coalesce(user_arn, user_type) AS who FROM cloudtrail
               WHERE source_ip_address IN ({list}) AND NOT (user_type = 'AssumedRole' AND regexp_like(user_arn, ':assumed-role/[^/]+/i-[0-9a-fA-F]{{8,17}}$'))"
        ))?);
        for r in 0..rows.len() {
            others.entry(rows.string(r, "source_ip_address")).or_default().insert(rows.string(r, "who"));
        }
    }
    let mut sessions: BTreeMap<String, Vec<&Ev>> = BTreeMap::new();
    for e in &evs {
        sessions.entry(e.arn.clone()).or_default().push(e);
    }
    for (arn, evs) in sessions {
        let instance = arn.rsplit('/').next().unwrap_or("").to_string();
        let home = evs.iter().find(|e| !is_service_source(&e.ip)).map(|e| (e.ip.clone(), e.key.clone()));
        let mut per_ip: BTreeMap<&str, Vec<&Ev>> = BTreeMap::new();
        for e in &evs {
            if !is_service_source(&e.ip) {
                per_ip.entry(e.ip.as_str()).or_default().push(e);
            }
        }
        for (ip, calls) in per_ip {
            let twin_view = cx.twin;
            let mut reasons = vec![];
            if let Some(t) = twin_view {
                let inside = t.owns(ip) || !t.place(ip).is_outside();
                if !inside && t.instance_profiles.keys().any(|i| i.eq_ignore_ascii_case(&instance)) {
                    reasons.push(format!("{ip} is not an address of the twin, which holds {instance}"));
                }
            }
            if let Some(o) = others.get(ip) {
                reasons.push(format!("{ip} is also the source of calls by {}", o.iter().take(3).cloned().collect::<Vec<_>>().join(", ")));
            }
            if let Some((home_ip, home_key)) = &home {
                let keys: BTreeSet<&str> = calls.iter().map(|e| e.key.as_str()).collect();
                if ip != home_ip && !keys.contains(home_key.as_str()) {
                    reasons.push(format!(
                        "the session's first calls came from {home_ip} with key {home_key}; these used {}",
                        keys.into_iter().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            if reasons.is_empty() {
                continue;
            }
            let apis: BTreeSet<&str> = calls.iter().map(|e| e.name.as_str()).collect();
            emit(out, CREDENTIAL_EXFILTRATION.types[0], CREDENTIAL_EXFILTRATION.id, 8.0, &arn, &[ip],
                format!("Credentials of instance {instance} were used from {ip}"),
                format!("The instance-role session {arn} called {} from {ip}: {}. Instance credentials should only be used on the instance.",
                    apis.into_iter().collect::<Vec<_>>().join(", "), reasons.join("; ")),
                &calls,
                "Revoke the role's active sessions (an inline deny on aws:TokenIssueTime), require IMDSv2 on the instance, find how the credentials were read (SSRF, SSM command, user data) and rotate what the role can reach.");
        }
    }
    Ok(())
}

fn network16(ip: &str) -> String {
    ip.split('.').take(2).collect::<Vec<_>>().join(".")
}

fn console_login(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, "event_name = 'ConsoleLogin'")?;
    let mut per: BTreeMap<String, Vec<&Ev>> = BTreeMap::new();
    for e in evs.iter().filter(|e| lookup(&e.v, "responseElements.ConsoleLogin").and_then(|v| v.as_str()) == Some("Success")) {
        per.entry(e.principal().to_string()).or_default().push(e);
    }
    for (principal, logins) in per {
        for (i, a) in logins.iter().enumerate() {
            let window: Vec<&Ev> = logins[i..].iter().copied().take_while(|b| b.t - a.t <= 3_600_000).collect();
            let nets: BTreeSet<String> = window.iter().map(|e| network16(&e.ip)).collect();
            if nets.len() >= 2 {
                let ips: BTreeSet<&str> = window.iter().map(|e| e.ip.as_str()).collect();
                emit(out, CONSOLE_LOGIN.types[0], CONSOLE_LOGIN.id, 5.0, &principal, &[&iso_ms(a.t)],
                    format!("{principal} signed in to the console from {} networks within an hour", nets.len()),
                    format!("Successful console logins of {principal} from {} within an hour: one set of credentials used from several places.", ips.into_iter().collect::<Vec<_>>().join(", ")),
                    &window, "Confirm the logins with the user; if one is unknown, reset the password and MFA device and review the sessions' activity.");
                break;
            }
        }
    }
    Ok(())
}

fn anomalous_discovery(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let rows = Rows::new(&cx.engine.sql(
        r#"WITH c AS (SELECT coalesce(session_issuer_arn, user_arn) AS principal, event_source, event_name, CAST(event_time AS BIGINT) AS t
             FROM cloudtrail WHERE user_type IN ('IAMUser', 'AssumedRole', 'FederatedUser') AND coalesce(session_issuer_arn, user_arn) IS NOT NULL),
tot AS (SELECT principal, count(*) AS n, min(t) AS t0, max(t) AS t1 FROM c GROUP BY principal),
api AS (SELECT principal, event_source, event_name, count(*) AS calls, min(t) AS first_t, max(t) AS last_t FROM c
        WHERE event_name LIKE 'List%' OR event_name LIKE 'Describe%' OR event_name LIKE 'Get%' GROUP BY principal, event_source, event_name)
SELECT api.principal, api.event_source, api.event_name, api.calls, api.first_t, api.last_t, tot.n, tot.t0, tot.t1
FROM api JOIN tot ON api.principal = tot.principal
WHERE tot.n >= 200 AND api.calls <= 2 AND api.first_t >= tot.t0 + (tot.t1 - tot.t0) / 2"#,
    )?);
    let mut per: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for r in 0..rows.len() {
        per.entry(rows.string(r, "principal")).or_default().push(r);
    }
    for (principal, rs) in per {
        if rs.len() < 3 {
            continue;
        }
        let apis: Vec<String> = rs
            .iter()
            .map(|&r| format!("{}:{}", rows.string(r, "event_source").trim_end_matches(".amazonaws.com"), rows.string(r, "event_name")))
            .collect();
        let first = rs.iter().map(|&r| rows.i(r, "first_t")).min().unwrap_or(0);
        let last = rs.iter().map(|&r| rows.i(r, "last_t")).max().unwrap_or(0);
        out.push(detected(ANOMALOUS_DISCOVERY.types[0], "koban-detect:anomalous-discovery", 2.0, &principal, &[],
            format!("{principal} called discovery APIs it had not used before"),
            format!("After {} calls of its own, {principal} started calling {} discovery APIs it had not used in the first half of its activity: {}.", rows.i(rs[0], "n"), apis.len(), apis.join(", ")),
            json!({"apis": apis, "principal_calls": rows.i(rs[0], "n")}),
            "Confirm the activity with the principal's owner; unexpected enumeration often precedes privilege escalation or data theft.",
            first, last, rs.iter().map(|&r| rows.i(r, "calls") as u64).sum()));
    }
    Ok(())
}

/// The account ids and `*` named as AWS principals in a policy document.
fn policy_principals(doc: &Value) -> Vec<String> {
    let mut out = vec![];
    let stmts = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => vec![],
    };
    for s in stmts {
        if s.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
            continue;
        }
        match s.get("Principal") {
            Some(Value::String(p)) => out.push(p.clone()),
            Some(Value::Object(m)) => {
                for key in ["AWS"] {
                    match m.get(key) {
                        Some(Value::String(p)) => out.push(p.clone()),
                        Some(Value::Array(a)) => out.extend(a.iter().filter_map(|p| p.as_str()).map(str::to_string)),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The account of a principal (`123456789012`, `arn:aws:iam::123456789012:root`), or `*`.
fn principal_account(p: &str) -> Option<String> {
    if p == "*" {
        return Some("*".into());
    }
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return Some(p.into());
    }
    p.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_string)
}

fn parse_policy(v: Option<&Value>) -> Option<Value> {
    match v? {
        Value::String(s) => serde_json::from_str(s).ok(),
        o @ Value::Object(_) => Some(o.clone()),
        _ => None,
    }
}

fn foreign(cx: &Context, e: &Ev, account: &str) -> bool {
    account == "*" || (account != e.account && !cx.twin.is_some_and(|t| t.accounts.contains(account)))
}

const API_EVENTS: &[&str] = &[
    "DeleteFlowLogs",
    "LeaveOrganization",
    "GetPasswordData",
    "DeleteResolverQueryLogConfig",
    "DisassociateResolverQueryLogConfig",
    "PutBucketLifecycle",
    "PutBucketLifecycleConfiguration",
    "CreateTrail",
    "UpdateTrail",
    "ModifyImageAttribute",
    "ModifySnapshotAttribute",
    "ModifyDBSnapshotAttribute",
    "ModifyDBClusterSnapshotAttribute",
    "PutBucketPolicy",
    "AddPermission20150331v2",
    "AddPermission20150331",
    "AddPermission",
    "UpdateAssumeRolePolicy",
    "CreateRole",
    "CreateAccessKey",
    "CreateLoginProfile",
    "UpdateLoginProfile",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "CreateTrustAnchor",
    "GetFederationToken",
    "GetSecretValue",
    "BatchGetSecretValue",
    "GetParameters",
    "GetParameter",
    "DescribeInstanceAttribute",
    "ModifyInstanceAttribute",
    "RunInstances",
    "StartSession",
    "SendSSHPublicKey",
    "SendSerialConsoleSSHPublicKey",
    "SendCommand",
    "PutUseCaseForModelAccess",
    "CreateFoundationModelAgreement",
    "PutFoundationModelEntitlement",
    "AuthorizeSecurityGroupIngress",
];

/// Records grouped per principal whose distinct `key` values reach `min` within `window_ms`;
/// returns each burst.
fn bursts<'a>(
    evs: &[&'a Ev],
    key: impl Fn(&Ev) -> Vec<String>,
    min: usize,
    window_ms: i64,
) -> Vec<(String, Vec<&'a Ev>, BTreeSet<String>)> {
    let mut per: BTreeMap<String, Vec<&Ev>> = BTreeMap::new();
    for e in evs {
        per.entry(e.principal().to_string()).or_default().push(e);
    }
    let mut out = vec![];
    for (p, list) in per {
        let mut i = 0;
        while i < list.len() {
            let window: Vec<&Ev> = list[i..].iter().copied().take_while(|b| b.t - list[i].t <= window_ms).collect();
            let keys: BTreeSet<String> = window.iter().flat_map(|e| key(e)).collect();
            if keys.len() >= min {
                let n = window.len();
                out.push((p.clone(), window, keys));
                i += n;
            } else {
                i += 1;
            }
        }
    }
    out
}

fn api_rules(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let evs = load(cx, &format!("event_name IN ({})", sql_list(API_EVENTS)))?;
    let of = |names: &[&str]| -> Vec<&Ev> { evs.iter().filter(|e| names.contains(&e.name.as_str())).collect() };
    let id = API_RULES.id;

    for e in of(&["DeleteFlowLogs"]).into_iter().filter(|e| e.ok()) {
        let ids = e.req("DeleteFlowLogsRequest.FlowLogId").or_else(|| e.req("flowLogIds")).map(|v| v.to_string()).unwrap_or_default();
        emit(
            out,
            API_RULES.types[0],
            id,
            7.0,
            e.principal(),
            &[&ids],
            format!("{} deleted VPC flow logs", e.principal()),
            format!("{} called ec2:DeleteFlowLogs ({ids}): network activity is no longer recorded.", e.principal()),
            &[e],
            "Recreate the flow logs and deny ec2:DeleteFlowLogs outside the network team's role with an SCP.",
        );
    }
    for e in of(&["LeaveOrganization"]) {
        let outcome = e.error.as_deref().map(|c| format!(" (failed: {c})")).unwrap_or_default();
        emit(
            out,
            API_RULES.types[1],
            id,
            7.0,
            &format!("arn:aws:organizations::{}:account", e.account),
            &[e.principal()],
            format!("{} tried to take account {} out of the organization", e.principal(), e.account),
            format!(
                "organizations:LeaveOrganization by {}{outcome}: outside the organization the SCPs and central logging no longer apply.",
                e.principal()
            ),
            &[e],
            "Deny organizations:LeaveOrganization in an SCP and investigate the principal.",
        );
    }
    for (p, burst, ids) in
        bursts(&of(&["GetPasswordData"]), |e| e.req_str("instanceId").map(|s| vec![s.to_string()]).unwrap_or_default(), 1, 600_000)
    {
        let failed = burst.iter().filter(|e| !e.ok()).count();
        emit(out, API_RULES.types[2], id, 5.0, &p, &[&iso_ms(burst[0].t)], format!("{p} retrieved EC2 password data of {} instance(s)", ids.len()),
            format!("{p} called ec2:GetPasswordData {} times for {} instances ({failed} failed) within 10 minutes: Windows administrator passwords.", burst.len(), ids.len()), &burst,
            "Restrict ec2:GetPasswordData to the administrators who need it; rotate the instances' local administrator passwords.");
    }
    for e in of(&["DeleteResolverQueryLogConfig", "DisassociateResolverQueryLogConfig"]).into_iter().filter(|e| e.ok()) {
        let cfg = e.req_str("resolverQueryLogConfigId").unwrap_or("").to_string();
        emit(
            out,
            API_RULES.types[3],
            id,
            5.0,
            if cfg.is_empty() { e.principal() } else { &cfg },
            &[e.principal()],
            format!("{} deleted Route 53 Resolver query logging", e.principal()),
            format!("route53resolver:{} by {}: DNS queries are no longer logged.", e.name, e.principal()),
            &[e],
            "Recreate the query logging configuration and deny its deletion with an SCP.",
        );
    }
    // Buckets that receive CloudTrail logs, from the trails created or updated in the logs.
    let mut trail_buckets: BTreeSet<String> = BTreeSet::new();
    for e in of(&["CreateTrail", "UpdateTrail"]) {
        if let Some(b) = e.req_str("s3BucketName") {
            trail_buckets.insert(b.to_string());
        }
    }
    for e in of(&["PutBucketLifecycle", "PutBucketLifecycleConfiguration"]).into_iter().filter(|e| e.ok()) {
        let bucket = e.req_str("bucketName").unwrap_or("").to_string();
        let text = e.req("LifecycleConfiguration").map(|v| v.to_string()).unwrap_or_default();
        let days = regex_days(&text);
        if days.is_some_and(|d| d <= 7) && (trail_buckets.contains(&bucket) || bucket.to_ascii_lowercase().contains("cloudtrail")) {
            emit(out, API_RULES.types[4], id, 5.0, &format!("arn:aws:s3:::{bucket}"), &[e.principal()],
                format!("{} set CloudTrail bucket {bucket} to delete logs after {} day(s)", e.principal(), days.unwrap_or(0)),
                format!("s3:PutBucketLifecycle on {bucket}, which receives CloudTrail logs, expires objects after {} day(s): the audit trail will disappear.", days.unwrap_or(0)), &[e],
                "Remove the lifecycle rule, turn on S3 Object Lock for the log bucket and deny s3:PutLifecycleConfiguration on it.");
        }
    }
    shares(cx, &evs, out);
    for e in of(&["CreateAccessKey", "CreateLoginProfile", "UpdateLoginProfile"]).into_iter().filter(|e| e.ok()) {
        let target = e
            .req_str("userName")
            .map(str::to_string)
            .or_else(|| lookup(&e.v, "responseElements.accessKey.userName").and_then(|v| v.as_str()).map(str::to_string));
        let Some(target) = target else { continue };
        if e.user_type == "IAMUser" && e.user_name == target {
            continue;
        }
        let what = if e.name == "CreateAccessKey" { "an access key" } else { "a console password" };
        emit(
            out,
            API_RULES.types[7],
            id,
            5.0,
            &format!("arn:aws:iam::{}:user/{target}", e.account),
            &[e.principal(), &e.name],
            format!("{} created {what} for user {target}", e.principal()),
            format!(
                "iam:{} by {} for another user, {target}: a way back in that survives the caller's own credentials being revoked.",
                e.name,
                e.principal()
            ),
            &[e],
            "Check that the change was requested; delete unknown keys or login profiles and review the target user's permissions.",
        );
    }
    for e in of(&["AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy"]).into_iter().filter(|e| e.ok()) {
        let policy = e.req_str("policyArn").unwrap_or("");
        if !policy.ends_with(":policy/AdministratorAccess") {
            continue;
        }
        let target = e.req_str("userName").or_else(|| e.req_str("roleName")).or_else(|| e.req_str("groupName")).unwrap_or("").to_string();
        emit(
            out,
            API_RULES.types[8],
            id,
            7.0,
            &target,
            &[e.principal(), &e.name],
            format!("{} gave {target} AdministratorAccess", e.principal()),
            format!("iam:{} attached {policy} to {target}.", e.name),
            &[e],
            "Remove the attachment unless approved; grant least-privilege policies and alert on AdministratorAccess attachments.",
        );
    }
    for e in of(&["CreateTrustAnchor"]).into_iter().filter(|e| e.ok()) {
        let name = e.req_str("name").unwrap_or("trust anchor").to_string();
        emit(out, API_RULES.types[9], id, 5.0, &name, &[e.principal()], format!("{} created IAM Roles Anywhere trust anchor {name}", e.principal()),
            format!("rolesanywhere:CreateTrustAnchor by {}: anyone holding a certificate from this anchor's CA can obtain role credentials from outside AWS.", e.principal()), &[e],
            "Delete the trust anchor unless it is approved; restrict rolesanywhere:CreateTrustAnchor.");
    }
    for e in of(&["GetFederationToken"]).into_iter().filter(|e| e.ok()) {
        let name = e.req_str("name").unwrap_or("").to_string();
        emit(
            out,
            API_RULES.types[10],
            id,
            3.0,
            e.principal(),
            &[&name],
            format!("{} created federation token {name}", e.principal()),
            format!(
                "sts:GetFederationToken by {}: federated credentials last up to 36 hours and survive the deactivation of the calling key.",
                e.principal()
            ),
            &[e],
            "Deny sts:GetFederationToken to IAM users that do not need it; revoke by denying the user (federated sessions inherit it).",
        );
    }
    let secret_reads: Vec<&Ev> = of(&["GetSecretValue"]).into_iter().filter(|e| e.ok()).collect();
    for (p, burst, ids) in bursts(&secret_reads, |e| e.req_str("secretId").map(|s| vec![s.to_string()]).unwrap_or_default(), 10, 600_000) {
        emit(
            out,
            API_RULES.types[11],
            id,
            5.0,
            &p,
            &[&iso_ms(burst[0].t), "GetSecretValue"],
            format!("{p} read {} secrets within 10 minutes", ids.len()),
            format!("{p} called secretsmanager:GetSecretValue for {} distinct secrets within 10 minutes.", ids.len()),
            &burst,
            "Rotate the secrets read, and scope the principal's secretsmanager:GetSecretValue permission to the secrets it needs.",
        );
    }
    for e in of(&["BatchGetSecretValue"]).into_iter().filter(|e| e.ok()) {
        emit(
            out,
            API_RULES.types[11],
            id,
            5.0,
            e.principal(),
            &[&iso_ms(e.t), "BatchGetSecretValue"],
            format!("{} read secrets in bulk", e.principal()),
            format!(
                "secretsmanager:BatchGetSecretValue by {} (filters: {}).",
                e.principal(),
                e.req("filters").map(|v| v.to_string()).unwrap_or_default()
            ),
            &[e],
            "Rotate the secrets read, and deny secretsmanager:BatchGetSecretValue to principals that do not need it.",
        );
    }
    let param_reads: Vec<&Ev> = of(&["GetParameters", "GetParameter"])
        .into_iter()
        .filter(|e| e.ok() && e.req("withDecryption") == Some(&Value::Bool(true)))
        .collect();
    let names = |e: &Ev| -> Vec<String> {
        match e.req("names") {
            Some(Value::Array(a)) => a.iter().filter_map(|n| n.as_str()).map(str::to_string).collect(),
            _ => e.req_str("name").map(|n| vec![n.to_string()]).unwrap_or_default(),
        }
    };
    for (p, burst, ids) in bursts(&param_reads, names, 10, 600_000) {
        emit(
            out,
            API_RULES.types[11],
            id,
            5.0,
            &p,
            &[&iso_ms(burst[0].t), "GetParameters"],
            format!("{p} decrypted {} SSM parameters within 10 minutes", ids.len()),
            format!("{p} read {} SecureString parameters with decryption ({} calls) within 10 minutes.", ids.len(), burst.len()),
            &burst,
            "Rotate the parameters' values and scope ssm:GetParameter* and kms:Decrypt to what the principal needs.",
        );
    }
    let userdata: Vec<&Ev> =
        of(&["DescribeInstanceAttribute"]).into_iter().filter(|e| e.req_str("attribute") == Some("userData")).collect();
    for (p, burst, ids) in bursts(&userdata, |e| e.req_str("instanceId").map(|s| vec![s.to_string()]).unwrap_or_default(), 10, 1_800_000) {
        emit(out, API_RULES.types[12], id, 5.0, &p, &[&iso_ms(burst[0].t)], format!("{p} downloaded the user data of {} instances", ids.len()),
            format!("{p} called ec2:DescribeInstanceAttribute (userData) {} times for {} instances within 30 minutes ({} failed); user data often holds secrets.", burst.len(), ids.len(), burst.iter().filter(|e| !e.ok()).count()), &burst,
            "Keep secrets out of user data; restrict ec2:DescribeInstanceAttribute.");
    }
    for e in of(&["ModifyInstanceAttribute"]).into_iter().filter(|e| e.ok() && e.req("userData").is_some()) {
        let inst = e.req_str("instanceId").unwrap_or("").to_string();
        emit(
            out,
            API_RULES.types[13],
            id,
            5.0,
            &inst,
            &[e.principal()],
            format!("{} replaced the user data of {inst}", e.principal()),
            format!("ec2:ModifyInstanceAttribute by {} changed the user data of {inst}; it runs as root at the next start.", e.principal()),
            &[e],
            "Restore the user data, check what ran at the last start, and restrict ec2:ModifyInstanceAttribute.",
        );
    }
    for e in of(&["RunInstances"]) {
        let ty = e.req_str("instanceType").unwrap_or("");
        let max = e.req("maxCount").and_then(|v| v.as_i64()).unwrap_or(1);
        let family = ty.split('.').next().unwrap_or("");
        let gpu =
            ["p2", "p3", "p4d", "p4de", "p5", "p5e", "g3", "g4dn", "g4ad", "g5", "g5g", "g6", "g6e", "inf1", "inf2", "trn1", "dl1", "dl2q"]
                .contains(&family);
        if !gpu && max < 10 {
            continue;
        }
        let outcome = e.error.as_deref().map(|c| format!(" (failed: {c})")).unwrap_or_default();
        emit(out, API_RULES.types[14], id, 5.0, e.principal(), &[&iso_ms(e.t)], format!("{} launched up to {max} {ty} instances", e.principal()),
            format!("ec2:RunInstances by {} asked for {max} instance(s) of type {ty}{outcome}: GPU or bulk launches are how stolen credentials mine cryptocurrency.", e.principal()), &[e],
            "Confirm the launch; limit instance types and counts with SCPs or service quotas.");
    }
    let remote: Vec<&Ev> =
        of(&["StartSession", "SendSSHPublicKey", "SendSerialConsoleSSHPublicKey", "SendCommand"]).into_iter().filter(|e| e.ok()).collect();
    let targets = |e: &Ev| -> Vec<String> {
        let mut t: Vec<String> = ["target", "instanceId"].iter().filter_map(|k| e.req_str(k)).map(str::to_string).collect();
        if let Some(Value::Array(a)) = e.req("instanceIds") {
            t.extend(a.iter().filter_map(|x| x.as_str()).map(str::to_string));
        }
        t
    };
    for (p, burst, ids) in bursts(&remote, targets, 3, 300_000) {
        let apis: BTreeSet<&str> = burst.iter().map(|e| e.name.as_str()).collect();
        emit(
            out,
            API_RULES.types[15],
            id,
            5.0,
            &p,
            &[&iso_ms(burst[0].t)],
            format!("{p} opened remote access to {} instances within 5 minutes", ids.len()),
            format!(
                "{p} used {} on {} within 5 minutes.",
                apis.into_iter().collect::<Vec<_>>().join(", "),
                ids.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            &burst,
            "Confirm the sessions; restrict ssm:StartSession/SendCommand and EC2 Instance Connect to the instances each operator needs.",
        );
    }
    for e in
        of(&["PutUseCaseForModelAccess", "CreateFoundationModelAgreement", "PutFoundationModelEntitlement"]).into_iter().filter(|e| e.ok())
    {
        emit(
            out,
            API_RULES.types[16],
            id,
            5.0,
            &format!("arn:aws:bedrock:::account/{}", e.account),
            &[e.principal()],
            format!("{} enabled Bedrock model access", e.principal()),
            format!("bedrock:{} by {}: model access is the first step of LLMjacking with stolen credentials.", e.name, e.principal()),
            &[e],
            "Confirm the need; deny bedrock:InvokeModel and the model-access APIs to principals that should not use Bedrock.",
        );
    }
    for e in of(&["AuthorizeSecurityGroupIngress"]).into_iter().filter(|e| e.ok()) {
        let mut perms = e.req("ipPermissions.items").and_then(|v| v.as_array()).cloned().unwrap_or_default();
        // The older request form puts one permission at the top level (ipProtocol, fromPort,
        // toPort, cidrIp) beside an empty ipPermissions.
        let flat = e.v.get("requestParameters").filter(|r| r.get("ipProtocol").is_some()).cloned();
        perms.extend(flat);
        let text = Value::Array(perms.clone()).to_string();
        let world = |p: &Value| {
            let s = p.to_string();
            s.contains("/0\"") || s.contains("\"cidrIp\":\"0.0.0.0/0\"") || s.contains("::/0")
        };
        let admin = |p: &Value| {
            let proto = p.get("ipProtocol").and_then(|v| v.as_str()).unwrap_or("");
            let from = p.get("fromPort").and_then(|v| v.as_i64()).unwrap_or(-1);
            let to = p.get("toPort").and_then(|v| v.as_i64()).unwrap_or(-1);
            proto == "-1" || [22, 3389].iter().any(|&port| from <= port && port <= to)
        };
        if !perms.iter().any(|p| world(p) && admin(p)) {
            continue;
        }
        let group = e.req_str("groupId").unwrap_or("").to_string();
        emit(
            out,
            API_RULES.types[17],
            id,
            5.0,
            &group,
            &[e.principal(), &iso_ms(e.t)],
            format!("{} opened {group} to the internet on an administration port", e.principal()),
            format!("ec2:AuthorizeSecurityGroupIngress by {} admits the whole internet: {text}.", e.principal()),
            &[e],
            "Remove the rule; reach instances with Session Manager instead of SSH/RDP from the internet.",
        );
    }
    Ok(())
}

fn regex_days(text: &str) -> Option<i64> {
    let re = regex::Regex::new(r#""Days"\s*:\s*"?(\d+)"#).ok()?;
    re.captures_iter(text).filter_map(|c| c[1].parse().ok()).min()
}

fn shares(cx: &Context, evs: &[Ev], out: &mut Vec<Detected>) {
    let id = API_RULES.id;
    for e in evs.iter().filter(|e| e.ok()) {
        let mut accounts: Vec<String> = vec![];
        let (resource, what) = match e.name.as_str() {
            "ModifyImageAttribute" | "ModifySnapshotAttribute" => {
                let key = if e.name == "ModifyImageAttribute" { "launchPermission.add.items" } else { "createVolumePermission.add.items" };
                if let Some(Value::Array(items)) = e.req(key) {
                    for i in items {
                        if let Some(u) = i.get("userId").and_then(|u| u.as_str()) {
                            accounts.push(u.to_string());
                        }
                        if i.get("group").and_then(|g| g.as_str()) == Some("all") {
                            accounts.push("*".into());
                        }
                    }
                }
                let r = e.req_str("imageId").or_else(|| e.req_str("snapshotId")).unwrap_or("").to_string();
                (r, if e.name == "ModifyImageAttribute" { "AMI" } else { "EBS snapshot" })
            }
            "ModifyDBSnapshotAttribute" | "ModifyDBClusterSnapshotAttribute" => {
                if e.req_str("attributeName") == Some("restore") {
                    if let Some(Value::Array(a)) = e.req("valuesToAdd") {
                        accounts
                            .extend(a.iter().filter_map(|x| x.as_str()).map(|x| if x == "all" { "*".to_string() } else { x.to_string() }));
                    }
                }
                (
                    e.req_str("dBSnapshotIdentifier").or_else(|| e.req_str("dBClusterSnapshotIdentifier")).unwrap_or("").to_string(),
                    "RDS snapshot",
                )
            }
            "PutBucketPolicy" => {
                if let Some(doc) = parse_policy(e.req("bucketPolicy")) {
                    accounts.extend(policy_principals(&doc).iter().filter_map(|p| principal_account(p)));
                }
                (format!("arn:aws:s3:::{}", e.req_str("bucketName").unwrap_or("")), "S3 bucket")
            }
            n if n.starts_with("AddPermission") && e.source == "lambda.amazonaws.com" => {
                if let Some(p) = e.req_str("principal") {
                    if let Some(a) = principal_account(p) {
                        accounts.push(a);
                    }
                }
                (e.req_str("functionName").unwrap_or("").to_string(), "Lambda function")
            }
            "UpdateAssumeRolePolicy" | "CreateRole" => {
                let mut found = vec![];
                if let Some(doc) = parse_policy(e.req("policyDocument").or_else(|| e.req("assumeRolePolicyDocument"))) {
                    found.extend(policy_principals(&doc).iter().filter_map(|p| principal_account(p)));
                }
                let ext: Vec<String> = found.into_iter().filter(|a| foreign(cx, e, a)).collect();
                if !ext.is_empty() {
                    let role = e.req_str("roleName").unwrap_or("").to_string();
                    emit(out, API_RULES.types[6], id, 7.0, &role, &[e.principal(), &ext.join(",")],
                        format!("{} let {} assume role {role}", e.principal(), ext.join(", ")),
                        format!("iam:{} by {} trusts principals of another account ({}) to assume {role}: a backdoor into the account.", e.name, e.principal(), ext.join(", ")), &[e],
                        "Remove the foreign principal from the trust policy unless the cross-account access is approved; use an SCP or RCP to limit trusts to the organization.");
                }
                continue;
            }
            _ => continue,
        };
        let ext: Vec<String> = accounts.into_iter().filter(|a| foreign(cx, e, a)).collect();
        if ext.is_empty() {
            continue;
        }
        let to = ext.iter().map(|a| if a == "*" { "everyone".to_string() } else { format!("account {a}") }).collect::<Vec<_>>().join(", ");
        emit(out, API_RULES.types[5], id, 7.0, &resource, &[e.principal(), &ext.join(",")], format!("{} shared {what} {resource} with {to}", e.principal()),
            format!("{}:{} by {} grants {to} access to {what} {resource}: data can be copied out of the organization.", e.source.trim_end_matches(".amazonaws.com"), e.name, e.principal()), &[e],
            "Remove the permission unless the sharing is approved; block public and cross-organization sharing with SCPs / RCPs and the services' block-public-access settings.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_of_policies() {
        let doc: Value = serde_json::from_str(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::193672423079:root","111122223333"]},"Action":"sts:AssumeRole"}]}"#).unwrap();
        let accts: Vec<String> = policy_principals(&doc).iter().filter_map(|p| principal_account(p)).collect();
        assert_eq!(accts, vec!["193672423079", "111122223333"]);
        assert_eq!(principal_account("*"), Some("*".into()));
    }

    #[test]
    fn service_sources_and_anonymised_ips() {
        assert!(is_service_source("AWS Internal"));
        assert!(is_service_source("ssm.amazonaws.com"));
        assert!(!is_service_source("035.249.253.232"));
        assert!(!is_service_source("18.236.253.47"));
        assert_eq!(regex_days(r#"{"Rule":[{"Expiration":{"Days":1}}]}"#), Some(1));
    }
}
