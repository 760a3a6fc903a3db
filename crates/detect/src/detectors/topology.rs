//! Topology-aware detectors (`--twin`): flows between instance ENIs and the internet or
//! on-premises that never cross an inspection endpoint (Gateway Load Balancer endpoint) ENI,
//! the traffic volume the inspection endpoints carried per path and direction, and probes of
//! ports the twin's exposure shows open to the internet (`Recon:EC2/PortProbeUnprotectedPort`).

use super::{detected, iso_s, Context, Detected, DetectorInfo, Rows};
use crate::engine::EngineError;
use crate::twin::{EniRole, Place, TwinView};
use datafusion::arrow::array::StringArray;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// (transit ENI, direction, from, to) of traffic the transit ENIs logged.
type TransitConversation = (String, String, String, String);
/// (bytes, packets, records) of a conversation.
type Volume = (i64, i64, i64);
/// (ENI, protocol, port) probed from the internet.
type ProbedPort = (String, i64, i64);
/// (probing sources, records, first second, last second) of a probed port.
type Probes = (BTreeSet<String>, i64, i64, i64);

pub const BYPASS: DetectorInfo = DetectorInfo {
    id: "inspection-bypass",
    types: &["koban:Network/InspectionBypassObserved"],
    table: "flows",
    needs_twin: true,
    description: "an instance's flow to the internet or on-premises that no inspection endpoint ENI logged",
};
pub const PORT_PROBE: DetectorInfo = DetectorInfo {
    id: "port-probe",
    types: &["Recon:EC2/PortProbeUnprotectedPort"],
    table: "flows",
    needs_twin: true,
    description: "a scanner reached a port the twin's exposure shows open to the internet",
};

/// Bytes and packets an inspection endpoint carried along one path in one direction.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InspectedTraffic {
    /// The Gateway Load Balancer endpoint's ENI and the endpoint.
    pub endpoint_eni: String,
    pub endpoint: String,
    /// `outbound` (from the twin's VPCs out), `inbound`, or `internal`.
    pub direction: String,
    /// The path's ends: an instance or ENI id, a VPC, `internet`, `network:<name>`.
    pub from: String,
    pub to: String,
    pub bytes: i64,
    pub packets: i64,
    pub records: i64,
}

fn register_enis(cx: &Context, twin: &TwinView) -> Result<(), EngineError> {
    let (mut ids, mut roles, mut addrs) = (vec![], vec![], vec![]);
    for e in twin.enis.values() {
        for ip in &e.ips {
            ids.push(e.id.clone());
            roles.push(e.role.name().to_string());
            addrs.push(ip.to_string());
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("interface_id", DataType::Utf8, false),
        Field::new("role", DataType::Utf8, false),
        Field::new("addr", DataType::Utf8, false),
    ]));
    let b = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(StringArray::from(ids)), Arc::new(StringArray::from(roles)), Arc::new(StringArray::from(addrs))],
    )?;
    cx.engine.register_batches("enis", schema, vec![b], 1)
}

/// Run the topology detectors; the inspection volume goes to `inspected`.
pub fn run_with(cx: &Context, out: &mut Vec<Detected>, inspected: &mut Vec<InspectedTraffic>) -> Result<(), EngineError> {
    let Some(twin) = cx.twin else { return Ok(()) };
    register_enis(cx, twin)?;
    if cx.enabled("inspection-bypass") {
        bypass(cx, twin, out, inspected)?;
    }
    if cx.enabled("port-probe") {
        port_probe(cx, twin, out)?;
    }
    Ok(())
}

/// A path end's label: the instance for an instance ENI, the ENI otherwise.
fn label(twin: &TwinView, place: &Place) -> String {
    match place {
        Place::Eni(e) => match twin.enis.get(e) {
            Some(i) if i.role == EniRole::Instance => i.owner.clone(),
            _ => e.clone(),
        },
        other => other.label(),
    }
}

fn bypass(cx: &Context, twin: &TwinView, out: &mut Vec<Detected>, inspected: &mut Vec<InspectedTraffic>) -> Result<(), EngineError> {
    let instance_flows = Rows::new(&cx.engine.sql(
        r#"WITH inst AS (
  SELECT f.interface_id AS eni, f.srcaddr AS local, f.dstaddr AS remote, 'egress' AS dir, f.bytes, f.packets, f."start", f."end"
    FROM flows f JOIN enis e ON f.interface_id = e.interface_id AND f.srcaddr = e.addr WHERE e.role = 'instance' AND f.dstaddr IS NOT NULL
  UNION ALL
  SELECT f.interface_id AS eni, f.dstaddr AS local, f.srcaddr AS remote, 'ingress' AS dir, f.bytes, f.packets, f."start", f."end"
    FROM flows f JOIN enis e ON f.interface_id = e.interface_id AND f.dstaddr = e.addr WHERE e.role = 'instance' AND f.srcaddr IS NOT NULL)
SELECT eni, local, remote, dir, sum(bytes) AS bytes, sum(packets) AS packets, count(*) AS records, min("start") AS first_s, max("end") AS last_s
FROM inst GROUP BY eni, local, remote, dir"#,
    )?);
    let transit = Rows::new(&cx.engine.sql(
        r#"SELECT f.interface_id, e.role, f.srcaddr, f.dstaddr, sum(f.bytes) AS bytes, sum(f.packets) AS packets, count(*) AS records
FROM flows f JOIN (SELECT DISTINCT interface_id, role FROM enis WHERE role IN ('gwlb-endpoint', 'nat-gateway', 'transit-gateway-attachment')) e
  ON f.interface_id = e.interface_id
WHERE f.srcaddr IS NOT NULL AND f.dstaddr IS NOT NULL
GROUP BY f.interface_id, e.role, f.srcaddr, f.dstaddr"#,
    )?);
    // Which transit ENIs logged each (unordered) address pair.
    let mut seen: HashMap<(String, String), BTreeSet<(String, String)>> = HashMap::new();
    let mut endpoints_logged = BTreeSet::new();
    let mut volume: BTreeMap<TransitConversation, Volume> = BTreeMap::new();
    for r in 0..transit.len() {
        let (eni, role) = (transit.string(r, "interface_id"), transit.string(r, "role"));
        let (a, b) = (transit.string(r, "srcaddr"), transit.string(r, "dstaddr"));
        let key = if a <= b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        seen.entry(key).or_default().insert((eni.clone(), role.clone()));
        if role == "gwlb-endpoint" {
            endpoints_logged.insert(eni.clone());
            let (pa, pb) = (twin.place(&a), twin.place(&b));
            let direction = match (pa.is_outside(), pb.is_outside()) {
                (false, true) => "outbound",
                (true, false) => "inbound",
                _ => "internal",
            };
            let v = volume.entry((eni, direction.to_string(), label(twin, &pa), label(twin, &pb))).or_default();
            v.0 += transit.i(r, "bytes");
            v.1 += transit.i(r, "packets");
            v.2 += transit.i(r, "records");
        }
    }
    for ((eni, direction, from, to), (bytes, packets, records)) in volume {
        let endpoint = twin.enis.get(&eni).map(|e| e.owner.clone()).unwrap_or_default();
        inspected.push(InspectedTraffic { endpoint_eni: eni, endpoint, direction, from, to, bytes, packets, records });
    }
    // Group uninspected outside flows per (instance ENI, egress ENI, destination class).
    #[derive(Default)]
    struct Acc {
        remotes: BTreeSet<String>,
        bytes: i64,
        packets: i64,
        records: i64,
        first: i64,
        last: i64,
        directions: BTreeSet<String>,
    }
    let mut groups: BTreeMap<(String, String, String), Acc> = BTreeMap::new();
    for r in 0..instance_flows.len() {
        let (eni, local, remote) = (instance_flows.string(r, "eni"), instance_flows.string(r, "local"), instance_flows.string(r, "remote"));
        let place = twin.place(&remote);
        if !place.is_outside() {
            continue;
        }
        let key = if local <= remote { (local.clone(), remote.clone()) } else { (remote.clone(), local.clone()) };
        let via = seen.get(&key);
        if via.is_some_and(|v| v.iter().any(|(_, role)| role == "gwlb-endpoint")) {
            continue;
        }
        let egress: Vec<String> = via.map(|v| v.iter().map(|(e, _)| e.clone()).collect()).unwrap_or_default();
        if egress.is_empty() && endpoints_logged.is_empty() {
            // Neither an egress ENI nor any endpoint ENI is in the logs: nothing shows the path.
            continue;
        }
        let class = match &place {
            Place::Network(n) => format!("network:{n}"),
            Place::Private => "private".to_string(),
            _ => "internet".to_string(),
        };
        let via_label = if egress.is_empty() { "-".to_string() } else { egress.join(",") };
        let a = groups.entry((eni.clone(), via_label, class)).or_insert_with(|| Acc { first: i64::MAX, ..Default::default() });
        if a.remotes.len() < 20 {
            a.remotes.insert(remote.clone());
        }
        a.bytes += instance_flows.i(r, "bytes");
        a.packets += instance_flows.i(r, "packets");
        a.records += instance_flows.i(r, "records");
        a.first = a.first.min(instance_flows.i(r, "first_s"));
        a.last = a.last.max(instance_flows.i(r, "last_s"));
        a.directions.insert(instance_flows.string(r, "dir"));
    }
    for ((eni, via, class), a) in groups {
        let info = twin.enis.get(&eni);
        let instance = info.map(|i| i.owner.clone()).unwrap_or_else(|| eni.clone());
        let vpc = info.map(|i| i.vpc.clone()).unwrap_or_default();
        let endpoints: Vec<String> =
            twin.enis_with(EniRole::InspectionEndpoint).filter(|e| e.vpc == vpc).map(|e| format!("{} ({})", e.id, e.owner)).collect();
        let via_desc: Vec<String> = via
            .split(',')
            .filter(|v| *v != "-")
            .map(|v| match twin.enis.get(v) {
                Some(i) => format!("{v} ({} {})", i.role.name(), i.owner),
                None => v.to_string(),
            })
            .collect();
        let dest = if class == "internet" { "the internet".to_string() } else { class.clone() };
        let title = if via_desc.is_empty() {
            format!("{instance} ({eni}) exchanged traffic with {dest} that no inspection endpoint logged")
        } else {
            format!("{instance} ({eni}) reached {dest} through {} without crossing an inspection endpoint", via.replace(',', ", "))
        };
        let description = format!(
            "Flow logs show {} records ({} bytes, {} packets; {}) between {instance}'s interface {eni} and {dest} ({}) from {} to {}. {} The VPC's inspection endpoint ENIs ({}) logged none of these flows, so the IPS never saw them.",
            a.records,
            a.bytes,
            a.packets,
            a.directions.iter().cloned().collect::<Vec<_>>().join("/"),
            a.remotes.iter().cloned().collect::<Vec<_>>().join(", "),
            iso_s(a.first),
            iso_s(a.last),
            if via_desc.is_empty() { "No egress ENI logged them either.".to_string() } else { format!("They crossed {}.", via_desc.join(", ")) },
            if endpoints.is_empty() { "none in this VPC".to_string() } else { endpoints.join(", ") }
        );
        let evidence = json!({
            "instance_eni": eni,
            "instance": instance,
            "egress_enis": via.split(',').filter(|v| *v != "-").collect::<Vec<_>>(),
            "inspection_endpoint_enis": twin.enis_with(EniRole::InspectionEndpoint).filter(|e| e.vpc == vpc).map(|e| e.id.clone()).collect::<Vec<_>>(),
            "destination": class,
            "remotes": a.remotes,
            "bytes": a.bytes,
            "packets": a.packets,
            "records": a.records,
        });
        out.push(detected(
            BYPASS.types[0],
            "koban-detect:inspection-bypass",
            7.5,
            &instance,
            &[&eni, &via, &class],
            title,
            description,
            evidence,
            "Route the subnet's traffic to the Gateway Load Balancer endpoint of its Availability Zone (see `koban check`, KBN-NET-001), then confirm with fresh flow logs that the endpoint ENI carries these flows.",
            a.first * 1000,
            a.last * 1000,
            a.records as u64,
        ));
    }
    Ok(())
}

fn port_probe(cx: &Context, twin: &TwinView, out: &mut Vec<Detected>) -> Result<(), EngineError> {
    if twin.exposed.is_empty() {
        return Ok(());
    }
    let rows = Rows::new(&cx.engine.sql(
        r#"WITH s AS (SELECT srcaddr FROM flows WHERE protocol IN (6, 17) AND dstport IS NOT NULL AND srcaddr IS NOT NULL
           GROUP BY srcaddr HAVING count(DISTINCT dstport) >= 5)
SELECT f.interface_id, f.srcaddr, f.dstaddr, f.dstport, f.protocol, count(*) AS records, min(f."start") AS first_s, max(f."end") AS last_s
FROM flows f JOIN s ON f.srcaddr = s.srcaddr
WHERE f.action = 'ACCEPT' AND f.protocol IN (6, 17) AND f.interface_id IS NOT NULL
GROUP BY f.interface_id, f.srcaddr, f.dstaddr, f.dstport, f.protocol"#,
    )?);
    // One finding per (ENI, port), listing the probing sources.
    let mut groups: BTreeMap<ProbedPort, Probes> = BTreeMap::new();
    for r in 0..rows.len() {
        let eni = rows.string(r, "interface_id");
        let (src, dst) = (rows.string(r, "srcaddr"), rows.string(r, "dstaddr"));
        let (port, proto) = (rows.i(r, "dstport"), rows.i(r, "protocol"));
        if twin.place(&src) != Place::Internet || !twin.enis.get(&eni).is_some_and(|e| e.ips.iter().any(|i| i.to_string() == dst)) {
            continue;
        }
        if !twin.is_exposed(&eni, proto as u8, port as u16) {
            continue;
        }
        let g = groups.entry((eni, proto, port)).or_insert_with(|| (BTreeSet::new(), 0, i64::MAX, 0));
        g.0.insert(src);
        g.1 += rows.i(r, "records");
        g.2 = g.2.min(rows.i(r, "first_s"));
        g.3 = g.3.max(rows.i(r, "last_s"));
    }
    for ((eni, proto, port), (sources, records, first, last)) in groups {
        let resource = super::flow::resource_of(cx, &eni);
        let sev = if port == 9200 || port == 9300 { 5.0 } else { 2.0 };
        let p = super::protocol_name(proto);
        out.push(detected(
            PORT_PROBE.types[0],
            "koban-detect:port-probe",
            sev,
            &resource,
            &[&eni, &p, &port.to_string()],
            format!("Unprotected port {p}/{port} on {resource} is being probed"),
            format!(
                "The twin's exposure shows {p}/{port} on {eni} open to the internet, and scanners ({}) reached it ({records} accepted flow records, {} to {}).",
                sources.iter().cloned().collect::<Vec<_>>().join(", "),
                iso_s(first),
                iso_s(last)
            ),
            json!({"interface_id": eni, "protocol": p, "port": port, "sources": sources, "records": records}),
            "Close the port to the internet (security group, network ACL) or put the service behind a load balancer; `koban exposure` shows the path that admits it.",
            first * 1000,
            last * 1000,
            records as u64,
        ));
    }
    Ok(())
}
