//! Detectors over Route 53 Resolver query logs (`dns`): queries for domains on a threat list
//! (the `!DNS` finding forms), data exfiltration through long high-entropy subdomains of one
//! domain, and queries for algorithmically generated domains (DGA). The querying resource is
//! the instance from `srcids.instance`, else the source address.

use super::{detected, Context, Detected, DetectorInfo, Rows};
use crate::engine::EngineError;
use crate::threat::Category;
use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const THREAT_DOMAINS: DetectorInfo = DetectorInfo {
    id: "threat-domains",
    types: &[
        "Backdoor:EC2/C&CActivity.B!DNS",
        "CryptoCurrency:EC2/BitcoinTool.B!DNS",
        "UnauthorizedAccess:EC2/TorClient!DNS",
        "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom!DNS",
    ],
    table: "dns",
    needs_twin: false,
    description: "queries for a domain (or a subdomain of one) on a --threat-list",
};
pub const EXFILTRATION: DetectorInfo = DetectorInfo {
    id: "dns-exfiltration",
    types: &["Trojan:EC2/DNSDataExfiltration"],
    table: "dns",
    needs_twin: false,
    description: "many distinct long, high-entropy subdomains of one domain within an hour",
};
pub const DGA: DetectorInfo = DetectorInfo {
    id: "dga",
    types: &["Trojan:EC2/DGADomainRequest.B"],
    table: "dns",
    needs_twin: false,
    description: "queries for many algorithmically generated domains, mostly NXDOMAIN",
};

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts.iter().filter(|&&c| c > 0).map(|&c| (c as f64 / n) * -(c as f64 / n).log2()).sum()
}

/// The registered domain of a name, approximated by its last two labels (three under the
/// common two-level public suffixes such as `co.uk`).
pub fn registered_domain(name: &str) -> String {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    let n = labels.len();
    if n <= 2 {
        return labels.join(".");
    }
    let second = labels[n - 2];
    let take = if ["co", "com", "net", "org", "ac", "gov", "edu"].contains(&second) && labels[n - 1].len() == 2 { 3 } else { 2 };
    labels[n - take.min(n)..].join(".")
}

/// Looks machine-generated: a long label with high entropy, few vowels or many digits.
pub fn looks_generated(label: &str) -> bool {
    if label.len() < 10 || label.contains('-') {
        return false;
    }
    let vowels = label.bytes().filter(|b| b"aeiou".contains(b)).count() as f64;
    let digits = label.bytes().filter(u8::is_ascii_digit).count() as f64;
    let n = label.len() as f64;
    let mut run = 0;
    let mut max_run = 0;
    for b in label.bytes() {
        if b.is_ascii_alphabetic() && !b"aeiou".contains(&b) {
            run += 1;
            max_run = max_run.max(run);
        } else {
            run = 0;
        }
    }
    entropy(label) >= 3.0 && (vowels / n < 0.25 || digits / n > 0.2 || max_run >= 5)
}

pub fn run(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    if cx.enabled("threat-domains") && !cx.threats.is_empty() {
        threat_domains(cx, out)?;
    }
    if cx.enabled("dns-exfiltration") {
        exfiltration(cx, out)?;
    }
    if cx.enabled("dga") {
        dga(cx, out)?;
    }
    Ok(())
}

fn threat_domains(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let names = Rows::new(&cx.engine.sql("SELECT DISTINCT lower(btrim(query_name, '.')) AS name FROM dns")?);
    let hits: Vec<String> = (0..names.len()).map(|r| names.string(r, "name")).filter(|n| cx.threats.match_domain(n).is_some()).collect();
    if hits.is_empty() {
        return Ok(());
    }
    let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, false)]));
    let b = RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(hits))])?;
    cx.engine.register_batches("threat_names", schema, vec![b], 1)?;
    let rows = Rows::new(&cx.engine.sql(
        r#"SELECT coalesce(d.srcids_instance, d.srcaddr) AS src, min(d.vpc_id) AS vpc_id, lower(btrim(d.query_name, '.')) AS name,
       count(*) AS queries, min(d.rcode) AS rcode, max(d.firewall_rule_action) AS firewall_action,
       min(d.query_timestamp) AS first_t, max(d.query_timestamp) AS last_t, min(d.log_file) AS log_file, min(d.log_location) AS log_location
FROM dns d JOIN threat_names t ON lower(btrim(d.query_name, '.')) = t.name
GROUP BY coalesce(d.srcids_instance, d.srcaddr), lower(btrim(d.query_name, '.'))"#,
    )?);
    for r in 0..rows.len() {
        let (src, name) = (rows.string(r, "src"), rows.string(r, "name"));
        let Some(entry) = cx.threats.match_domain(&name) else { continue };
        let (ty, sev, what) = match entry.category {
            Category::CommandAndControl => ("Backdoor:EC2/C&CActivity.B!DNS", 8.0, "a known command-and-control domain"),
            Category::Mining => ("CryptoCurrency:EC2/BitcoinTool.B!DNS", 8.0, "a cryptocurrency mining domain"),
            Category::Tor => ("UnauthorizedAccess:EC2/TorClient!DNS", 8.0, "a Tor-related domain"),
            Category::Custom => ("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom!DNS", 5.0, "a domain on a custom threat list"),
        };
        let blocked = rows.str(r, "firewall_action") == Some("BLOCK");
        let mut evidence = rows.json(r);
        evidence["threat_list_entry"] = json!(entry);
        out.push(detected(
            ty,
            "koban-detect:threat-domains",
            sev,
            &src,
            &[&name],
            format!("{src} is querying {name}, {what}"),
            format!(
                "{src} sent {} DNS queries for {name} (listed as {:?} in {}){}.",
                rows.i(r, "queries"),
                entry.indicator,
                entry.list,
                if blocked { "; Route 53 Resolver DNS Firewall blocked them" } else { "" }
            ),
            evidence,
            "Find the process resolving this domain; block the domain in Route 53 Resolver DNS Firewall and treat the instance as compromised.",
            rows.i(r, "first_t"),
            rows.i(r, "last_t"),
            rows.i(r, "queries") as u64,
        ));
    }
    Ok(())
}

fn exfiltration(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let rows = Rows::new(&cx.engine.sql(
        r#"WITH q AS (SELECT coalesce(srcids_instance, srcaddr) AS src, vpc_id, lower(btrim(query_name, '.')) AS name, query_timestamp AS t FROM dns),
d AS (SELECT src, vpc_id, name, t, regexp_replace(name, '^.*?([^.]+\.[^.]+)$', '${1}') AS domain FROM q)
SELECT src, min(vpc_id) AS vpc_id, domain, date_bin(INTERVAL '1 hour', t) AS hour, count(*) AS queries, count(DISTINCT name) AS names,
       avg(length(name) - length(domain)) AS avg_sub, max(length(name)) AS max_len, min(name) AS sample_a, max(name) AS sample_b,
       min(t) AS first_t, max(t) AS last_t
FROM d
GROUP BY src, domain, date_bin(INTERVAL '1 hour', t)
HAVING count(DISTINCT name) >= 50 AND avg(length(name) - length(domain)) >= 30"#,
    )?);
    for r in 0..rows.len() {
        let (src, domain) = (rows.string(r, "src"), rows.string(r, "domain"));
        // The data rides in long labels: check the longest label of the samples.
        let samples = [rows.string(r, "sample_a"), rows.string(r, "sample_b")];
        let encoded = samples.iter().all(|s| {
            let sub = s.strip_suffix(domain.as_str()).unwrap_or(s);
            sub.split('.').map(|l| (l.len(), entropy(l))).max_by_key(|x| x.0).is_some_and(|(len, h)| len >= 24 && h >= 3.5)
        });
        if !encoded {
            continue;
        }
        out.push(detected(
            EXFILTRATION.types[0],
            "koban-detect:dns-exfiltration",
            8.0,
            &src,
            &[&domain],
            format!("{src} is exfiltrating data through DNS queries to {domain}"),
            format!(
                "{src} queried {} distinct subdomains of {domain} in one hour ({} queries, subdomains of {:.0} characters on average, e.g. {}): data encoded into DNS names.",
                rows.i(r, "names"),
                rows.i(r, "queries"),
                rows.float(r, "avg_sub").unwrap_or(0.0),
                samples[0]
            ),
            rows.json(r),
            "Block the domain in Route 53 Resolver DNS Firewall, find the process issuing the queries, and treat the instance and the data it could read as compromised.",
            rows.i(r, "first_t"),
            rows.i(r, "last_t"),
            rows.i(r, "queries") as u64,
        ));
    }
    Ok(())
}

fn dga(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let rows = Rows::new(&cx.engine.sql(
        r#"SELECT coalesce(srcids_instance, srcaddr) AS src, lower(btrim(query_name, '.')) AS name, count(*) AS queries,
       sum(CASE WHEN rcode = 'NXDOMAIN' THEN 1 ELSE 0 END) AS nx, min(query_timestamp) AS first_t, max(query_timestamp) AS last_t
FROM dns GROUP BY coalesce(srcids_instance, srcaddr), lower(btrim(query_name, '.'))"#,
    )?);
    #[derive(Default)]
    struct Acc {
        domains: BTreeSet<String>,
        queries: i64,
        nx: i64,
        first: i64,
        last: i64,
    }
    let mut per: BTreeMap<String, Acc> = BTreeMap::new();
    for r in 0..rows.len() {
        let name = rows.string(r, "name");
        let reg = registered_domain(&name);
        let sld = reg.split('.').next().unwrap_or("");
        if !looks_generated(sld) {
            continue;
        }
        let a = per.entry(rows.string(r, "src")).or_insert_with(|| Acc { first: i64::MAX, ..Default::default() });
        a.domains.insert(reg);
        a.queries += rows.i(r, "queries");
        a.nx += rows.i(r, "nx");
        a.first = a.first.min(rows.i(r, "first_t"));
        a.last = a.last.max(rows.i(r, "last_t"));
    }
    for (src, a) in per {
        if a.domains.len() < 8 || a.nx * 2 < a.queries {
            continue;
        }
        let sample: Vec<&String> = a.domains.iter().take(10).collect();
        out.push(detected(
            DGA.types[0],
            "koban-detect:dga",
            8.0,
            &src,
            &[],
            format!("{src} is querying algorithmically generated domains"),
            format!(
                "{src} queried {} distinct random-looking domains ({} queries, {} NXDOMAIN), e.g. {}: the pattern of malware looking for its command-and-control server.",
                a.domains.len(),
                a.queries,
                a.nx,
                sample.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            json!({"domains": a.domains.iter().take(50).collect::<Vec<_>>(), "queries": a.queries, "nxdomain": a.nx}),
            "Find the process issuing the queries and treat the instance as compromised; Route 53 Resolver DNS Firewall's managed lists block known DGA domains.",
            a.first,
            a.last,
            a.queries as u64,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_labels() {
        assert!(looks_generated("xjwqkzpvbnmt"));
        assert!(looks_generated("a8f3k2j9x7q1"));
        assert!(!looks_generated("amazonaws"));
        assert!(!looks_generated("ubuntu"));
        assert!(!looks_generated("cloudfront"));
        assert!(!looks_generated("microsoft-online"));
    }

    #[test]
    fn domains_and_entropy() {
        assert_eq!(registered_domain("a.b.example.com."), "example.com");
        assert_eq!(registered_domain("x.y.example.co.uk"), "example.co.uk");
        assert!(entropy("abcdefghijklmnop") > 3.9);
        assert!(entropy("aaaaaaaa") < 0.1);
    }
}
