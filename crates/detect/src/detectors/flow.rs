//! Detectors over VPC flow logs (`flows`): port scans, SSH/RDP brute force, unusual server
//! ports and unusual traffic volume (baselines from the logs themselves), and traffic with
//! addresses on a threat list. Which side of a record is the ENI's own address comes from the
//! record's `flow-direction` (v5), the twin's ENI addresses, or else the logs: for a
//! finding, the side whose address more of the ENI's records carry (an ENI's own addresses are
//! in every record logged for it); for the baselines, the address the ENI's records carry most.

use super::{detected, iso_s, protocol_name, Context, Detected, DetectorInfo, Rows};
use crate::engine::EngineError;
use crate::threat::Category;
use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub const PORTSCAN: DetectorInfo = DetectorInfo {
    id: "portscan",
    types: &["Recon:EC2/Portscan", "koban:Recon/InboundPortscan"],
    table: "flows",
    needs_twin: false,
    description: "one source probing many ports of one host within a window",
};
pub const BRUTE_FORCE: DetectorInfo = DetectorInfo {
    id: "brute-force",
    types: &["UnauthorizedAccess:EC2/SSHBruteForce", "UnauthorizedAccess:EC2/RDPBruteForce"],
    table: "flows",
    needs_twin: false,
    description: "many TCP connections to port 22 or 3389 from one source within an hour",
};
pub const PORT_UNUSUAL: DetectorInfo = DetectorInfo {
    id: "port-unusual",
    types: &["Behavior:EC2/NetworkPortUnusual"],
    table: "flows",
    needs_twin: false,
    description: "an ENI starts connecting out on a server port it has not used before",
};
pub const VOLUME_UNUSUAL: DetectorInfo = DetectorInfo {
    id: "volume-unusual",
    types: &["Behavior:EC2/TrafficVolumeUnusual"],
    table: "flows",
    needs_twin: false,
    description: "an hour of outbound bytes to one host far above the ENI's own baseline",
};
pub const THREAT_IPS: DetectorInfo = DetectorInfo {
    id: "threat-ips",
    types: &[
        "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
        "Backdoor:EC2/C&CActivity.B",
        "UnauthorizedAccess:EC2/TorClient",
        "UnauthorizedAccess:EC2/TorIPCaller",
        "CryptoCurrency:EC2/BitcoinTool.B",
    ],
    table: "flows",
    needs_twin: false,
    description: "traffic with an address on a --threat-list",
};

/// The SQL of the port-scan plan: distinct destination ports per (ENI, source, destination)
/// and window. Records that look like replies (a well-known source port answering an
/// ephemeral one) are left out. The plan first finds the (destination, window) pairs that
/// reach the threshold over all sources, a much coarser grouping: a scan's ports are among
/// its destination's, so only those pairs' records need the full grouping.
pub fn portscan_sql(window_s: i64, ports: i64) -> String {
    let probes = "protocol IN (6, 17) AND dstport IS NOT NULL AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL
  AND interface_id IS NOT NULL AND NOT (srcport < 1024 AND dstport >= 1024)";
    format!(
        r#"WITH targets AS (
  SELECT dstaddr AS target, ("start" - "start" % {window_s}) AS target_win FROM flows
  WHERE {probes}
  GROUP BY dstaddr, ("start" - "start" % {window_s})
  HAVING count(DISTINCT dstport) >= {ports})
SELECT interface_id, srcaddr, dstaddr, flow_direction, ("start" - "start" % {window_s}) AS win,
  count(DISTINCT dstport) AS ports, count(*) AS records,
  sum(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejected,
  min("start") AS first_s, max("end") AS last_s, min(dstport) AS low_port, max(dstport) AS high_port
FROM flows JOIN targets ON dstaddr = target AND ("start" - "start" % {window_s}) = target_win
WHERE {probes}
GROUP BY interface_id, srcaddr, dstaddr, flow_direction, ("start" - "start" % {window_s})
HAVING count(DISTINCT dstport) >= {ports}"#
    )
}

/// The SQL of the brute-force plan: distinct TCP connections (source ports) to 22 or 3389
/// per (ENI, source, destination, port) and window.
pub fn brute_force_sql(window_s: i64, connections: i64) -> String {
    format!(
        r#"SELECT interface_id, srcaddr, dstaddr, dstport, flow_direction, ("start" - "start" % {window_s}) AS win,
  count(DISTINCT srcport) AS connections, count(*) AS records,
  sum(CASE WHEN action = 'ACCEPT' THEN 1 ELSE 0 END) AS accepted,
  min("start") AS first_s, max("end") AS last_s
FROM flows
WHERE protocol = 6 AND dstport IN (22, 3389) AND srcaddr IS NOT NULL AND dstaddr IS NOT NULL AND interface_id IS NOT NULL
GROUP BY interface_id, srcaddr, dstaddr, dstport, flow_direction, ("start" - "start" % {window_s})
HAVING count(DISTINCT srcport) >= {connections}"#
    )
}

/// Which addresses are each ENI's own, for the baseline detectors: from the twin where it
/// knows the ENI, else the address the ENI's records carry most.
pub struct LocalAddrs {
    map: HashMap<String, HashSet<String>>,
}

impl LocalAddrs {
    pub fn build(cx: &Context, enis: &BTreeSet<String>) -> Result<LocalAddrs, EngineError> {
        let mut map: HashMap<String, HashSet<String>> = HashMap::new();
        let mut unknown = vec![];
        for e in enis {
            match cx.twin.and_then(|t| t.enis.get(e)) {
                Some(info) => {
                    map.insert(e.clone(), info.ips.iter().map(|i| i.to_string()).collect());
                }
                None => unknown.push(e.clone()),
            }
        }
        if !unknown.is_empty() {
            let list = unknown.iter().map(|e| format!("'{}'", e.replace('\'', "''"))).collect::<Vec<_>>().join(", ");
            let q = format!(
                r#"SELECT interface_id, addr FROM (
  SELECT interface_id, addr, row_number() OVER (PARTITION BY interface_id ORDER BY n DESC, addr) AS rn FROM (
    SELECT interface_id, addr, count(*) AS n FROM (
      SELECT interface_id, srcaddr AS addr FROM flows WHERE interface_id IN ({list}) AND srcaddr IS NOT NULL
      UNION ALL
      SELECT interface_id, dstaddr AS addr FROM flows WHERE interface_id IN ({list}) AND dstaddr IS NOT NULL) a
    GROUP BY interface_id, addr) c) r
WHERE rn = 1"#
            );
            let rows = Rows::new(&cx.engine.sql(&q)?);
            for r in 0..rows.len() {
                map.entry(rows.string(r, "interface_id")).or_default().insert(rows.string(r, "addr"));
            }
        }
        Ok(LocalAddrs { map })
    }

    /// As a table `local_addrs(interface_id, addr)` for joins.
    pub fn register(&self, cx: &Context) -> Result<(), EngineError> {
        let mut enis = vec![];
        let mut addrs = vec![];
        for (e, s) in &self.map {
            for a in s {
                enis.push(e.clone());
                addrs.push(a.clone());
            }
        }
        register_pairs(cx, "local_addrs", enis, addrs)
    }
}

/// Register a table `name(interface_id, addr)`.
fn register_pairs(cx: &Context, name: &str, enis: Vec<String>, addrs: Vec<String>) -> Result<(), EngineError> {
    let schema = Arc::new(Schema::new(vec![Field::new("interface_id", DataType::Utf8, false), Field::new("addr", DataType::Utf8, false)]));
    let b = RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(enis)), Arc::new(StringArray::from(addrs))])?;
    cx.engine.register_batches(name, schema, vec![b], 1)
}

/// Which side of a finding's record is the ENI, when neither the record (`flow-direction`)
/// nor the twin says: the side whose address more of the ENI's records carry. An ENI's own
/// addresses (primary or secondary) are in every record logged for it; a peer only in its own
/// conversations. On a tie (the ENI's records are all one conversation) the side with a
/// private address is the ENI (flow logs record an ENI's private addresses), else the
/// destination.
pub struct Sides {
    /// How many of the ENI's records carry the address, per (ENI, address) of the findings.
    records: HashMap<(String, String), i64>,
}

impl Sides {
    /// Count, in one plan, the records carrying each address of the findings' rows that the
    /// record and the twin leave undecided.
    pub fn build(cx: &Context, findings: &[&Rows]) -> Result<Sides, EngineError> {
        let mut pairs = BTreeSet::new();
        for rows in findings {
            for r in 0..rows.len() {
                let (eni, src, dst) = (rows.string(r, "interface_id"), rows.string(r, "srcaddr"), rows.string(r, "dstaddr"));
                if known_side(cx, rows, r, &eni, &src, &dst).is_none() {
                    pairs.insert((eni.clone(), src));
                    pairs.insert((eni, dst));
                }
            }
        }
        let mut records = HashMap::new();
        if pairs.is_empty() {
            return Ok(Sides { records });
        }
        let (enis, addrs) = pairs.into_iter().unzip();
        register_pairs(cx, "finding_addrs", enis, addrs)?;
        let rows = Rows::new(&cx.engine.sql(
            "SELECT c.interface_id, c.addr, count(*) AS n FROM flows f JOIN finding_addrs c
               ON f.interface_id = c.interface_id AND (f.srcaddr = c.addr OR f.dstaddr = c.addr)
             GROUP BY c.interface_id, c.addr",
        )?);
        for r in 0..rows.len() {
            records.insert((rows.string(r, "interface_id"), rows.string(r, "addr")), rows.i(r, "n"));
        }
        Ok(Sides { records })
    }

    fn records(&self, eni: &str, addr: &str) -> i64 {
        self.records.get(&(eni.to_string(), addr.to_string())).copied().unwrap_or(0)
    }

    /// True when the source of row `r` is the ENI.
    fn source_is_local(&self, cx: &Context, rows: &Rows, r: usize, eni: &str, src: &str, dst: &str) -> bool {
        known_side(cx, rows, r, eni, src, dst).unwrap_or_else(|| match self.records(eni, src).cmp(&self.records(eni, dst)) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => is_private(src) && !is_private(dst),
        })
    }
}

/// A private address: RFC 1918, shared (100.64.0.0/10) or IPv6 unique local.
fn is_private(addr: &str) -> bool {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => a.is_private() || (a.octets()[0] == 100 && a.octets()[1] & 0xc0 == 64),
        Ok(std::net::IpAddr::V6(a)) => a.segments()[0] & 0xfe00 == 0xfc00,
        Err(_) => false,
    }
}

/// The side the record's `flow-direction` or the twin's ENI addresses give (true: the source).
fn known_side(cx: &Context, rows: &Rows, r: usize, eni: &str, src: &str, dst: &str) -> Option<bool> {
    match rows.str(r, "flow_direction") {
        Some("egress") => return Some(true),
        Some("ingress") => return Some(false),
        _ => {}
    }
    let ips = &cx.twin?.enis.get(eni)?.ips;
    let own = |a: &str| a.parse::<std::net::Ipv4Addr>().is_ok_and(|a| ips.contains(&a));
    if own(src) {
        Some(true)
    } else if own(dst) {
        Some(false)
    } else {
        None
    }
}

/// The resource a finding is about: the instance owning the ENI when the twin knows it.
pub fn resource_of(cx: &Context, eni: &str) -> String {
    match cx.twin.and_then(|t| t.enis.get(eni)) {
        Some(i) if i.role == crate::twin::EniRole::Instance => i.owner.clone(),
        _ => eni.to_string(),
    }
}

pub fn run(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let p = cx.params;
    let scans =
        if cx.enabled("portscan") { Some(Rows::new(&cx.engine.sql(&portscan_sql(p.portscan_window_s, p.portscan_ports))?)) } else { None };
    let brute = if cx.enabled("brute-force") {
        Some(Rows::new(&cx.engine.sql(&brute_force_sql(p.brute_force_window_s, p.brute_force_connections))?))
    } else {
        None
    };
    let found: Vec<&Rows> = [&scans, &brute].into_iter().flatten().collect();
    let sides = Sides::build(cx, &found)?;
    if let Some(rows) = &scans {
        portscans(cx, &sides, rows, out);
    }
    if let Some(rows) = &brute {
        brute_force(cx, &sides, rows, out);
    }
    if cx.enabled("port-unusual") || cx.enabled("volume-unusual") {
        let all = Rows::new(&cx.engine.sql("SELECT DISTINCT interface_id FROM flows WHERE interface_id IS NOT NULL")?);
        let enis = (0..all.len()).map(|r| all.string(r, "interface_id")).collect();
        LocalAddrs::build(cx, &enis)?.register(cx)?;
        if cx.enabled("port-unusual") {
            port_unusual(cx, out)?;
        }
        if cx.enabled("volume-unusual") {
            volume_unusual(cx, out)?;
        }
    }
    if cx.enabled("threat-ips") && !cx.threats.is_empty() {
        threat_ips(cx, out)?;
    }
    Ok(())
}

fn portscans(cx: &Context, sides: &Sides, rows: &Rows, out: &mut Vec<Detected>) {
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let (src, dst) = (rows.string(r, "srcaddr"), rows.string(r, "dstaddr"));
        let resource = resource_of(cx, &eni);
        let ports = rows.i(r, "ports");
        let (first, last) = (rows.i(r, "first_s"), rows.i(r, "last_s"));
        let mut evidence = rows.json(r);
        evidence["interface_id"] = json!(eni);
        if sides.source_is_local(cx, rows, r, &eni, &src, &dst) {
            out.push(detected(
                "Recon:EC2/Portscan",
                "koban-detect:portscan",
                5.0,
                &resource,
                &[&src, &dst],
                format!("{resource} is performing outbound port scans against {dst}"),
                format!(
                    "{resource} ({eni}, {src}) probed {ports} distinct ports (from {} to {}) of {dst} between {} and {}; {} of the {} flow records were rejected. This is how an attacker maps services from a compromised instance.",
                    rows.i(r, "low_port"), rows.i(r, "high_port"), iso_s(first), iso_s(last), rows.i(r, "rejected"), rows.i(r, "records")
                ),
                evidence,
                "Find out which process on the instance sends the probes; if it is not an authorised scanner, isolate the instance (a security group without rules), snapshot its volumes and rotate its credentials.",
                first * 1000,
                last * 1000,
                rows.i(r, "records") as u64,
            ));
        } else {
            out.push(detected(
                "koban:Recon/InboundPortscan",
                "koban-detect:portscan",
                2.0,
                &resource,
                &[&src, &dst],
                format!("{src} is port-scanning {resource}"),
                format!(
                    "{src} probed {ports} distinct ports of {resource} ({eni}, {dst}) between {} and {}; {} of {} flow records were rejected, the rest reached the instance.",
                    iso_s(first), iso_s(last), rows.i(r, "rejected"), rows.i(r, "records")
                ),
                evidence,
                "Check that only the intended ports are open to this source (security groups, network ACLs); block the source if it keeps probing.",
                first * 1000,
                last * 1000,
                rows.i(r, "records") as u64,
            ));
        }
    }
}

fn brute_force(cx: &Context, sides: &Sides, rows: &Rows, out: &mut Vec<Detected>) {
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let (src, dst) = (rows.string(r, "srcaddr"), rows.string(r, "dstaddr"));
        let port = rows.i(r, "dstport");
        let (ty, proto) =
            if port == 22 { ("UnauthorizedAccess:EC2/SSHBruteForce", "SSH") } else { ("UnauthorizedAccess:EC2/RDPBruteForce", "RDP") };
        let resource = resource_of(cx, &eni);
        let conns = rows.i(r, "connections");
        let (first, last) = (rows.i(r, "first_s"), rows.i(r, "last_s"));
        let mut evidence = rows.json(r);
        evidence["interface_id"] = json!(eni);
        let outbound = sides.source_is_local(cx, rows, r, &eni, &src, &dst);
        let (sev, title, desc, remediation) = if outbound {
            (
                8.0,
                format!("{resource} is performing {proto} brute force attacks against {dst}"),
                format!("{resource} ({eni}, {src}) opened {conns} {proto} connections to {dst}:{port} between {} and {}: the instance is the attacker.", iso_s(first), iso_s(last)),
                "The instance is likely compromised: isolate it, snapshot its volumes for forensics, rotate the credentials it holds and rebuild it.",
            )
        } else {
            (
                2.0,
                format!("{src} is performing {proto} brute force attacks against {resource}"),
                format!(
                    "{src} opened {conns} {proto} connections to {resource} ({eni}, {dst}:{port}) between {} and {}; {} of {} records were accepted.",
                    iso_s(first), iso_s(last), rows.i(r, "accepted"), rows.i(r, "records")
                ),
                "Do not expose SSH/RDP: remove the security-group rule that admits the source (use Session Manager instead), or restrict it to known addresses; check the instance's logs for a successful login.",
            )
        };
        out.push(detected(
            ty,
            "koban-detect:brute-force",
            sev,
            &resource,
            &[&src, &dst, &port.to_string()],
            title,
            desc,
            evidence,
            remediation,
            first * 1000,
            last * 1000,
            rows.i(r, "records") as u64,
        ));
    }
}

/// Outbound client connections (`local_addrs` says the source is the ENI's own address; a
/// source port above the destination port marks the client side).
const OUTBOUND: &str = r#"SELECT f.interface_id, f.dstaddr, f.dstport, f.protocol, f."start" AS t, f.bytes
  FROM flows f JOIN local_addrs l ON f.interface_id = l.interface_id AND f.srcaddr = l.addr
  WHERE (f.flow_direction IS NULL OR f.flow_direction = 'egress') AND f.dstaddr IS NOT NULL"#;

fn port_unusual(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let q = format!(
        r#"WITH o AS ({OUTBOUND} AND f.protocol IN (6, 17) AND f.dstport IS NOT NULL AND f.srcport >= 1024 AND f.srcport > f.dstport AND f.action = 'ACCEPT'),
span AS (SELECT interface_id, min(t) AS t0, max(t) AS t1, count(*) AS n FROM o GROUP BY interface_id),
ports AS (SELECT interface_id, protocol, dstport, min(t) AS first_s, max(t) AS last_s, count(*) AS n, count(DISTINCT dstaddr) AS hosts, min(dstaddr) AS host, sum(bytes) AS bytes
          FROM o GROUP BY interface_id, protocol, dstport)
SELECT p.interface_id, p.protocol, p.dstport, p.first_s, p.last_s, p.n AS records, p.hosts, p.host, p.bytes, s.n AS baseline_records, s.t0, s.t1
FROM ports p JOIN span s ON p.interface_id = s.interface_id
WHERE s.n >= 100 AND s.t1 - s.t0 >= 3600 AND p.first_s >= s.t0 + (s.t1 - s.t0) / 2 AND p.n * 100 <= s.n"#
    );
    let rows = Rows::new(&cx.engine.sql(&q)?);
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let resource = resource_of(cx, &eni);
        let port = rows.i(r, "dstport");
        let proto = protocol_name(rows.i(r, "protocol"));
        let (first, last) = (rows.i(r, "first_s"), rows.i(r, "last_s"));
        out.push(detected(
            "Behavior:EC2/NetworkPortUnusual",
            "koban-detect:port-unusual",
            5.0,
            &resource,
            &[&proto, &port.to_string()],
            format!("{resource} is communicating on the unusual server port {proto}/{port}"),
            format!(
                "{resource} ({eni}) connected to {} host(s) (e.g. {}) on {proto}/{port} from {}, a port absent from its first {} of outbound traffic ({} records, baseline of {} records from {}).",
                rows.i(r, "hosts"), rows.string(r, "host"), iso_s(first), humantime(rows.i(r, "t1") - rows.i(r, "t0")), rows.i(r, "records"), rows.i(r, "baseline_records"), iso_s(rows.i(r, "t0"))
            ),
            rows.json(r),
            "Find the process using this port; if it is not expected, treat the instance as compromised and restrict egress (security groups, Network Firewall).",
            first * 1000,
            last * 1000,
            rows.i(r, "records") as u64,
        ));
    }
    Ok(())
}

fn humantime(s: i64) -> String {
    if s >= 86400 {
        format!("{:.1} days", s as f64 / 86400.0)
    } else {
        format!("{:.1} hours", s as f64 / 3600.0)
    }
}

fn volume_unusual(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let q = format!(
        r#"WITH o AS ({OUTBOUND} AND f.bytes IS NOT NULL),
h AS (SELECT interface_id, dstaddr, (t - t % 3600) AS hour, sum(bytes) AS b, min(t) AS first_s, max(t) AS last_s, count(*) AS records FROM o GROUP BY interface_id, dstaddr, (t - t % 3600)),
s AS (SELECT interface_id, sum(b) AS total, count(*) AS buckets FROM h GROUP BY interface_id)
SELECT h.interface_id, h.dstaddr, h.hour, h.b AS bytes, h.first_s, h.last_s, h.records, s.buckets,
       (s.total - h.b) / (s.buckets - 1) AS baseline
FROM h JOIN s ON h.interface_id = s.interface_id
WHERE s.buckets >= 12 AND h.b >= 52428800 AND h.b > 10 * ((s.total - h.b) / (s.buckets - 1))"#
    );
    let rows = Rows::new(&cx.engine.sql(&q)?);
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let resource = resource_of(cx, &eni);
        let dst = rows.string(r, "dstaddr");
        let bytes = rows.i(r, "bytes");
        let (first, last) = (rows.i(r, "first_s"), rows.i(r, "last_s"));
        out.push(detected(
            "Behavior:EC2/TrafficVolumeUnusual",
            "koban-detect:volume-unusual",
            5.0,
            &resource,
            &[&dst, &rows.i(r, "hour").to_string()],
            format!("{resource} sent an unusually large amount of traffic to {dst}"),
            format!(
                "{resource} ({eni}) sent {} MiB to {dst} in the hour from {}, more than 10 times its average of {} MiB per host-hour over {} host-hours.",
                bytes / 1048576, iso_s(rows.i(r, "hour")), rows.i(r, "baseline") / 1048576, rows.i(r, "buckets")
            ),
            rows.json(r),
            "Check what the instance sent (exfiltration, a backup, a misbehaving job); restrict egress to the destinations the workload needs.",
            first * 1000,
            last * 1000,
            rows.i(r, "records") as u64,
        ));
    }
    Ok(())
}

fn threat_ips(cx: &Context, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    let distinct = Rows::new(&cx.engine.sql(
        "SELECT DISTINCT addr FROM (SELECT srcaddr AS addr FROM flows UNION ALL SELECT dstaddr AS addr FROM flows) a WHERE addr IS NOT NULL",
    )?);
    let mut hits = vec![];
    for r in 0..distinct.len() {
        let a = distinct.string(r, "addr");
        if cx.threats.match_ip(&a).is_some() {
            hits.push(a);
        }
    }
    if hits.is_empty() {
        return Ok(());
    }
    let schema = Arc::new(Schema::new(vec![Field::new("addr", DataType::Utf8, false)]));
    let b = RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(hits))])?;
    cx.engine.register_batches("threat_hits", schema, vec![b], 1)?;
    // One conversation per (interface, listed address): the replies of a connection are part of
    // it. The side that initiated is the one that sent to the other's service port (the lower
    // port); without ports (ICMP) traffic towards the listed address counts as outbound.
    let q = r#"SELECT interface_id, threat,
       min(CASE WHEN srcaddr = threat THEN dstaddr ELSE srcaddr END) AS local_addr,
       count(*) AS records, sum(bytes) AS bytes, sum(packets) AS packets, min("start") AS first_s, max("end") AS last_s,
       sum(CASE WHEN action = 'ACCEPT' THEN 1 ELSE 0 END) AS accepted,
       sum(CASE WHEN dstaddr = threat AND dstport < srcport THEN 1 ELSE 0 END) AS initiated_out,
       sum(CASE WHEN srcaddr = threat AND dstport < srcport THEN 1 ELSE 0 END) AS initiated_in,
       sum(CASE WHEN dstaddr = threat THEN 1 ELSE 0 END) AS towards_threat,
       min(CASE WHEN dstaddr = threat AND dstport < srcport THEN dstport WHEN srcaddr = threat AND srcport < dstport THEN srcport ELSE dstport END) AS low_port,
       max(CASE WHEN dstaddr = threat AND dstport < srcport THEN dstport WHEN srcaddr = threat AND srcport < dstport THEN srcport ELSE dstport END) AS high_port
FROM (SELECT f.*, t.addr AS threat FROM flows f JOIN threat_hits t ON f.srcaddr = t.addr
      UNION ALL SELECT f.*, t.addr AS threat FROM flows f JOIN threat_hits t ON f.dstaddr = t.addr AND f.srcaddr <> t.addr) x
WHERE interface_id IS NOT NULL
GROUP BY interface_id, threat"#;
    let rows = Rows::new(&cx.engine.sql(q)?);
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let threat = rows.string(r, "threat");
        let Some(entry) = cx.threats.match_ip(&threat) else { continue };
        let outbound = if rows.i(r, "initiated_out") > 0 {
            true
        } else if rows.i(r, "initiated_in") > 0 {
            false
        } else {
            rows.i(r, "towards_threat") > 0
        };
        let resource = resource_of(cx, &eni);
        let (ty, sev, what) = match (entry.category, outbound) {
            (Category::CommandAndControl, true) => ("Backdoor:EC2/C&CActivity.B", 8.0, "a known command-and-control server"),
            (Category::Tor, true) => ("UnauthorizedAccess:EC2/TorClient", 8.0, "a Tor network node"),
            (Category::Tor, false) => ("UnauthorizedAccess:EC2/TorIPCaller", 5.0, "a Tor exit node"),
            (Category::Mining, true) => ("CryptoCurrency:EC2/BitcoinTool.B", 8.0, "a cryptocurrency mining pool"),
            _ => ("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", 5.0, "an address on a custom threat list"),
        };
        let dir = if outbound { "outbound to" } else { "inbound from" };
        let (first, last) = (rows.i(r, "first_s"), rows.i(r, "last_s"));
        let mut evidence = rows.json(r);
        evidence["threat_list_entry"] = json!(entry);
        out.push(detected(
            ty,
            "koban-detect:threat-ips",
            sev,
            &resource,
            &[&threat],
            format!("{resource} is communicating {dir} {threat}, {what}"),
            format!(
                "{resource} ({eni}) exchanged {} flow records ({} bytes, {} accepted) {dir} {threat}, listed as {:?} in {} between {} and {}.",
                rows.i(r, "records"), rows.i(r, "bytes"), rows.i(r, "accepted"), entry.indicator, entry.list, iso_s(first), iso_s(last)
            ),
            evidence,
            "Block the address (network ACL or Network Firewall), find the process talking to it, and treat the instance as compromised if the traffic was outbound.",
            first * 1000,
            last * 1000,
            rows.i(r, "records") as u64,
        ));
    }
    Ok(())
}
