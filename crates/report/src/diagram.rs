//! The diagrams as Graphviz `dot` graphs, drawn from the report's data: one overview
//! (accounts → VPCs, Transit Gateways, VPN and Direct Connect, named networks, the internet)
//! and one per VPC (account → VPC → Availability Zone → subnets in role order → what lives in
//! them, with the Transit Gateway, VPN, named networks, internet and inspection appliances it
//! reaches). Positions come from `dot`; this module only says what is connected and grouped.
//!
//! Every node, edge and cluster gets an SVG id (`d<n>n<i>`, `d<n>e<i>`, `d<n>c<i>`) and the
//! attributes the page's script uses to find it ([`Element::attrs`]): `data-resource` (the AWS
//! id a witness path names it by), `data-eni` (the interface, for per-interface nodes),
//! `data-kind`, and for edges `data-a`/`data-b` (the node keys it joins).
//!
//! Edges between nodes are the hops that witness paths take (consecutive hops, skipping the
//! VPC and subnet hops, which are clusters) plus the fixed attachments (attachment → Transit
//! Gateway, VPN → attachment, network → VPN, internet gateway → internet, endpoint →
//! appliance). An edge is drawn solid green when every path using it crosses an inspection
//! appliance, dashed red when some path using it does not.

use crate::data::*;
use crate::topology::{role_rank, service_label};
use koban_net::trace::{Hop, HopType};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

/// One diagram: its `dot` source and the attributes to add to its SVG elements.
#[derive(Debug, Clone)]
pub struct Diagram {
    /// `d0`, `d1`, …: prefix of every SVG id in it.
    pub id: String,
    /// `overview` or `vpc`.
    pub kind: &'static str,
    pub vpc: Option<String>,
    pub account: Option<String>,
    pub title: String,
    pub dot: String,
    pub elements: Vec<Element>,
}

/// Attributes for one SVG element (`<g id="…">`).
#[derive(Debug, Clone)]
pub struct Element {
    pub svg_id: String,
    pub attrs: Vec<(&'static str, String)>,
}

/// A hop as the diagram needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopLite {
    pub resource: String,
    pub hop_type: String,
    pub interface: Option<String>,
}

impl HopLite {
    fn from_hop(h: &Hop) -> HopLite {
        HopLite { resource: h.resource.clone(), hop_type: hop_type_name(h.hop_type), interface: h.interface.clone() }
    }
}

pub fn hop_type_name(t: HopType) -> String {
    serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Hops of a finding's evidence (`witness`, `reply`), as the checks wrote them.
fn hops_of_value(v: &serde_json::Value) -> Vec<HopLite> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|h| {
                    Some(HopLite {
                        resource: h.get("resource")?.as_str()?.to_string(),
                        hop_type: h.get("type")?.as_str()?.to_string(),
                        interface: h.get("interface").and_then(|i| i.as_str()).map(str::to_string),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every path of the report: (hops, inspected).
fn all_paths(data: &ReportData) -> Vec<(Vec<HopLite>, bool)> {
    let table: Vec<HopLite> = data.paths.hops.iter().map(HopLite::from_hop).collect();
    let resolve = |ix: &[u32]| -> Vec<HopLite> { ix.iter().filter_map(|i| table.get(*i as usize).cloned()).collect() };
    let mut out = Vec::new();
    let mut seen: HashSet<Vec<u32>> = HashSet::new();
    let mut add = |ix: &[u32], inspected: bool, out: &mut Vec<(Vec<HopLite>, bool)>| {
        if !ix.is_empty() && seen.insert(ix.to_vec()) {
            out.push((resolve(ix), inspected));
        }
    };
    for p in &data.reach.pairs {
        for path in &p.paths {
            add(&path.hops, path.inspected, &mut out);
            add(&path.reply_hops, path.reply_inspected, &mut out);
        }
    }
    for s in &data.exposure.sources {
        for e in &s.exposed {
            add(&e.path, e.inspected, &mut out);
            add(&e.reply_path, e.reply_inspected, &mut out);
        }
    }
    for f in &data.checks.findings {
        for key in ["witness", "reply"] {
            if let Some(v) = f.evidence.get(key) {
                let hops = hops_of_value(v);
                if !hops.is_empty() {
                    let inspected = hops.iter().any(|h| h.hop_type == "inspection-appliance");
                    out.push((hops, inspected));
                }
            }
        }
    }
    out
}

/// The node keys a path's consecutive hops join in a diagram. VPC and subnet hops are
/// clusters and are skipped (but a path from a host in a subnet starts at the subnet's box,
/// key `subnet:<id>`); an inspection appliance is joined to the endpoint before it and
/// the path goes on from that endpoint; a hop with no node in the diagram breaks the chain.
/// (The page's script applies the same rules.)
pub fn chain(hops: &[HopLite], lookup: &Lookup) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut prev: Option<String> = None;
    for (i, h) in hops.iter().enumerate() {
        // A path from a host in a subnet starts at the subnet's box.
        if i == 0 && h.hop_type == "subnet" {
            let key = format!("subnet:{}", h.resource);
            if lookup.keys.contains(&key) {
                prev = Some(key);
            }
            continue;
        }
        if h.hop_type == "vpc" || h.hop_type == "subnet" {
            continue;
        }
        let key = lookup.key_of(h);
        if h.hop_type == "inspection-appliance" {
            if let (Some(p), Some(k)) = (&prev, &key) {
                out.push((p.clone(), k.clone()));
            }
            continue;
        }
        match key {
            Some(k) => {
                if let Some(p) = &prev {
                    if p != &k {
                        out.push((p.clone(), k.clone()));
                    }
                }
                prev = Some(k);
            }
            None => prev = None,
        }
    }
    out
}

/// Which node a hop lands on: its interface's node, else the only node of its resource.
#[derive(Debug, Default)]
pub struct Lookup {
    keys: HashSet<String>,
    by_resource: HashMap<String, Vec<String>>,
}

impl Lookup {
    fn add(&mut self, key: &str, resource: &str) {
        self.keys.insert(key.to_string());
        self.by_resource.entry(resource.to_string()).or_default().push(key.to_string());
    }

    pub fn key_of(&self, h: &HopLite) -> Option<String> {
        if let Some(i) = &h.interface {
            if self.keys.contains(i) {
                return Some(i.clone());
            }
        }
        match self.by_resource.get(&h.resource).map(Vec::as_slice) {
            Some([only]) => Some(only.clone()),
            _ => None,
        }
    }
}

fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// An HTML-like `dot` label: a title line, then smaller grey lines.
fn label(title: &str, lines: &[String]) -> String {
    let mut s = format!("<<FONT POINT-SIZE=\"10\" COLOR=\"#111827\">{}</FONT>", xml(title));
    for l in lines.iter().filter(|l| !l.is_empty()) {
        let _ = write!(s, "<BR/><FONT POINT-SIZE=\"8\" COLOR=\"#4b5563\">{}</FONT>", xml(l));
    }
    s.push('>');
    s
}

fn cluster_label(title: &str, lines: &[String]) -> String {
    let mut s = format!("<<FONT POINT-SIZE=\"11\" COLOR=\"#111827\">{}</FONT>", xml(title));
    for l in lines.iter().filter(|l| !l.is_empty()) {
        let _ = write!(s, "<BR ALIGN=\"LEFT\"/><FONT POINT-SIZE=\"9\" COLOR=\"#374151\">{}</FONT>", xml(l));
    }
    s.push_str("<BR ALIGN=\"LEFT\"/>>");
    s
}

/// Fill and border per kind of node.
fn node_style(kind: &str, live: bool) -> String {
    let (fill, border) = match kind {
        "instance" => ("#fff4e5", "#d97706"),
        "nat-gateway" | "internet-gateway" | "vpn-gateway" => ("#f3eefe", "#7c3aed"),
        "gateway-load-balancer-endpoint" | "inspection-appliance" => ("#e7f6ec", "#15803d"),
        "interface-endpoint" | "gateway-endpoint" => ("#eaf1ff", "#2563eb"),
        "transit-gateway-attachment" | "transit-gateway" => ("#fdeef6", "#be185d"),
        "vpn-connection" | "direct-connect-gateway" => ("#fdeef6", "#9d174d"),
        "network" | "internet" => ("#f1f5f9", "#334155"),
        "vpc" => ("#f5f3ff", "#6d28d9"),
        "empty" => ("#ffffff", "#d1d5db"),
        _ => ("#f8fafc", "#64748b"),
    };
    let style = if !live { "rounded,filled,dashed" } else { "rounded,filled" };
    let (fill, border) = if !live { ("#f3f4f6", "#9ca3af") } else { (fill, border) };
    format!("style=\"{style}\" fillcolor=\"{fill}\" color=\"{border}\"")
}

fn role_fill(role: &str) -> (&'static str, &'static str) {
    match role {
        "public" => ("#effaf1", "#4d9a5b"),
        "inspection" => ("#fff8e6", "#c2870a"),
        "endpoints" => ("#eef5ff", "#5b87c9"),
        "transit" => ("#fdf0f6", "#c0648f"),
        "instances" => ("#f3f4fb", "#6b74a8"),
        _ => ("#f9fafb", "#9ca3af"),
    }
}

/// A `dot` graph under construction.
struct Dot {
    prefix: String,
    out: String,
    elements: Vec<Element>,
    names: HashMap<String, String>,
    /// `subnet:<id>` → the cluster's `dot` name, for edges that start at a subnet's box.
    clusters_by_key: HashMap<String, String>,
    lookup: Lookup,
    nodes: usize,
    edges: usize,
    clusters: usize,
    depth: usize,
}

impl Dot {
    fn new(prefix: &str, name: &str) -> Dot {
        let mut out = String::new();
        let _ = writeln!(out, "digraph \"{}\" {{", name.replace(['"', '\\'], "_"));
        out.push_str(
            "  graph [fontname=\"DejaVu Sans\", compound=true, newrank=true, rankdir=TB, nodesep=0.22, ranksep=0.34, pad=0.15, \
             bgcolor=\"transparent\", labeljust=l, outputorder=edgesfirst, mclimit=0.1];\n  node [fontname=\"DejaVu Sans\", shape=box, \
             margin=\"0.10,0.05\", penwidth=1.2];\n  edge [dir=none, color=\"#9ca3af\", penwidth=1.3];\n",
        );
        Dot {
            prefix: prefix.to_string(),
            out,
            elements: Vec::new(),
            names: HashMap::new(),
            clusters_by_key: HashMap::new(),
            lookup: Lookup::default(),
            nodes: 0,
            edges: 0,
            clusters: 0,
            depth: 1,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Add a node for `key` (an interface id or a resource id); returns its `dot` name.
    fn node(&mut self, key: &str, resource: &str, eni: Option<&str>, kind: &str, label: String, style: String) -> String {
        if let Some(n) = self.names.get(key) {
            return n.clone();
        }
        let name = format!("n{}", self.nodes);
        let svg_id = format!("{}n{}", self.prefix, self.nodes);
        self.nodes += 1;
        self.indent();
        let _ = writeln!(self.out, "{name} [id=\"{svg_id}\", class=\"k-{kind}\", label={label}, {style}];");
        let mut attrs = vec![("data-key", key.to_string()), ("data-resource", resource.to_string()), ("data-kind", kind.to_string())];
        if let Some(e) = eni {
            attrs.push(("data-eni", e.to_string()));
        }
        self.elements.push(Element { svg_id, attrs });
        self.names.insert(key.to_string(), name.clone());
        self.lookup.add(key, resource);
        name
    }

    fn open(&mut self, resource: Option<&str>, kind: &str, label: String, style: &str) {
        let svg_id = format!("{}c{}", self.prefix, self.clusters);
        self.indent();
        let _ = writeln!(self.out, "subgraph cluster_{} {{", self.clusters);
        self.clusters += 1;
        self.depth += 1;
        self.indent();
        let _ = writeln!(self.out, "id=\"{svg_id}\"; class=\"k-{kind}\"; label={label}; {style}");
        let mut attrs = vec![("data-kind", kind.to_string())];
        if let Some(r) = resource {
            attrs.push(("data-resource", r.to_string()));
        }
        self.elements.push(Element { svg_id, attrs });
    }

    fn close(&mut self) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("}\n");
    }

    /// Let edges start at the box of the cluster just closed: `key` (`subnet:<id>`) stands for
    /// it, drawn from its node `anchor`.
    fn cluster_key(&mut self, key: &str, anchor: &str) {
        let Some(node) = self.names.get(anchor).cloned() else { return };
        let index = self.clusters.saturating_sub(1);
        self.clusters_by_key.insert(key.to_string(), format!("cluster_{index}"));
        self.names.insert(key.to_string(), node);
        self.lookup.keys.insert(key.to_string());
        let svg_id = format!("{}c{index}", self.prefix);
        if let Some(el) = self.elements.iter_mut().rev().find(|e| e.svg_id == svg_id) {
            el.attrs.push(("data-key", key.to_string()));
        }
    }

    fn edge(&mut self, a: &str, b: &str, class: &str, resource: Option<&str>) {
        let (Some(na), Some(nb)) = (self.names.get(a).cloned(), self.names.get(b).cloned()) else { return };
        let mut tails = String::new();
        if let Some(c) = self.clusters_by_key.get(a) {
            let _ = write!(tails, ", ltail={c}");
        }
        if let Some(c) = self.clusters_by_key.get(b) {
            let _ = write!(tails, ", lhead={c}");
        }
        let svg_id = format!("{}e{}", self.prefix, self.edges);
        self.edges += 1;
        let style = match class {
            "e-inspected" => "color=\"#16a34a\", penwidth=2",
            "e-bypass" => "color=\"#dc2626\", penwidth=2, style=dashed",
            _ => "",
        };
        let _ = writeln!(self.out, "  {na} -> {nb} [id=\"{svg_id}\", class=\"{class}\", constraint=false{tails}, {style}];");
        let mut attrs = vec![("data-a", a.to_string()), ("data-b", b.to_string())];
        if let Some(r) = resource {
            attrs.push(("data-resource", r.to_string()));
        }
        self.elements.push(Element { svg_id, attrs });
    }

    /// An invisible edge that only orders ranks (top to bottom).
    fn order(&mut self, a: &str, b: &str) {
        if let (Some(na), Some(nb)) = (self.names.get(a), self.names.get(b)) {
            let _ = writeln!(self.out, "  {na} -> {nb} [style=invis, weight=4];");
        }
    }

    fn same_rank(&mut self, keys: &[&str]) {
        let names: Vec<String> = keys.iter().filter_map(|k| self.names.get(*k).cloned()).collect();
        if names.len() > 1 {
            self.indent();
            let _ = writeln!(self.out, "{{rank=same; {}}}", names.join("; "));
        }
    }

    fn finish(mut self, id: &str, kind: &'static str, vpc: Option<String>, account: Option<String>, title: String) -> Diagram {
        self.out.push_str("}\n");
        Diagram { id: id.to_string(), kind, vpc, account, title, dot: self.out, elements: self.elements }
    }
}

fn cidr_line(c: &CidrView) -> String {
    if c.from_networks.is_empty() {
        return c.cidr.clone();
    }
    let parts: Vec<String> = c
        .from_networks
        .iter()
        .map(|r| match r.status {
            "routable" => format!("routable from {}", r.network),
            "partly-routable" => format!("routable from {} except {}", r.network, r.unrouted.join(", ")),
            _ => format!("not routable from {}", r.network),
        })
        .collect();
    format!("{} ({})", c.cidr, parts.join(", "))
}

fn placed_label(p: &PlacedResource) -> String {
    let ip = p.private_ips.first().cloned().unwrap_or_default();
    let public = p.public_ips.first().map(|x| format!("public {x}")).unwrap_or_default();
    let state = if p.live { String::new() } else { p.detail.clone().unwrap_or_else(|| "not live".into()) };
    match p.kind {
        "instance" => {
            let title = p.name.clone().unwrap_or_else(|| p.resource.clone());
            let id = if p.name.is_some() { p.resource.clone() } else { String::new() };
            label(&format!("EC2 {title}"), &[id, ip, public, state])
        }
        "nat-gateway" => {
            let addr = match p.public_ips.first() {
                Some(pub_ip) => format!("{ip} \u{2192} {pub_ip}"),
                None => ip,
            };
            label(&format!("NAT gateway {}", p.name.clone().unwrap_or_default()), &[p.resource.clone(), addr])
        }
        "gateway-load-balancer-endpoint" => {
            label(&format!("GWLB endpoint {}", p.name.clone().unwrap_or_default()), &[p.resource.clone(), ip])
        }
        "interface-endpoint" => {
            let svc = p.detail.as_deref().map(service_label).or_else(|| p.name.clone()).unwrap_or_default();
            label(&format!("endpoint {svc}"), &[p.resource.clone(), ip])
        }
        "transit-gateway-attachment" => {
            label("TGW attachment", &[p.resource.clone(), format!("{} {ip}", p.eni.clone().unwrap_or_default()).trim().to_string()])
        }
        other => label(
            &format!("{} {}", other.replace('-', " "), p.name.clone().unwrap_or_default()),
            &[p.resource.clone(), p.eni.clone().filter(|e| *e != p.resource).unwrap_or_default(), ip, state],
        ),
    }
}

/// Columns of the grid a crowded subnet's nodes are laid out in.
const SUBNET_COLUMNS: usize = 4;

/// Everything external a VPC's diagram shows next to it.
struct Surroundings<'a> {
    tgws: Vec<&'a TransitGatewayView>,
    /// Non-VPC attachments of those Transit Gateways (VPN, Direct Connect, peering).
    edge_attachments: Vec<(&'a TransitGatewayView, &'a AttachmentView)>,
    vpns: Vec<&'a VpnView>,
    networks: Vec<&'a NetworkView>,
}

fn surroundings<'a>(data: &'a ReportData, v: &VpcView) -> Surroundings<'a> {
    let tgws: Vec<&TransitGatewayView> =
        data.transit_gateways.iter().filter(|t| t.attachments.iter().any(|a| v.transit_gateway_attachments.contains(&a.id))).collect();
    let edge_attachments: Vec<(&TransitGatewayView, &AttachmentView)> =
        tgws.iter().flat_map(|t| t.attachments.iter().filter(|a| a.resource_type != "vpc").map(move |a| (*t, a))).collect();
    let vgws: Vec<&str> = v.vpn_gateways.iter().map(|g| g.id.as_str()).collect();
    let vpns: Vec<&VpnView> = data
        .vpn_connections
        .iter()
        .filter(|c| {
            edge_attachments.iter().any(|(_, a)| a.resource.as_deref() == Some(c.id.as_str()))
                || c.vpn_gateway.as_deref().map(|g| vgws.contains(&g)).unwrap_or(false)
        })
        .collect();
    let mut reached: HashSet<&str> = vpns.iter().map(|c| c.id.as_str()).collect();
    for (_, a) in &edge_attachments {
        reached.insert(a.id.as_str());
        if let Some(r) = &a.resource {
            reached.insert(r.as_str());
        }
    }
    reached.extend(vgws.iter().copied());
    let networks = data.networks.iter().filter(|n| n.via.iter().any(|x| reached.contains(x.as_str()))).collect();
    Surroundings { tgws, edge_attachments, vpns, networks }
}

/// Classify the edges paths take: (a, b) unordered → (some path inspected, some path not).
fn classify_edges(paths: &[&(Vec<HopLite>, bool)], lookup: &Lookup) -> BTreeMap<(String, String), (bool, bool)> {
    let mut out: BTreeMap<(String, String), (bool, bool)> = BTreeMap::new();
    for (hops, inspected) in paths {
        for (a, b) in chain(hops, lookup) {
            let key = if a < b { (a, b) } else { (b, a) };
            let e = out.entry(key).or_default();
            if *inspected {
                e.0 = true;
            } else {
                e.1 = true;
            }
        }
    }
    out
}

fn vpc_diagram(
    data: &ReportData,
    v: &VpcView,
    id: &str,
    paths: &[&(Vec<HopLite>, bool)],
    appliances: &HashMap<&str, &ApplianceView>,
) -> Diagram {
    let mut d = Dot::new(id, &v.id);
    let s = surroundings(data, v);
    let account_of_tgw = |t: &TransitGatewayView| t.account.clone().unwrap_or_else(|| "unknown".into());
    let vpc_account = v.account.clone().unwrap_or_else(|| "unknown".into());

    // Outside AWS and the internet.
    let has_igw = !v.internet_gateways.is_empty();
    outside_nodes(&mut d, has_igw, s.networks.iter().copied());

    // Accounts: the VPC's own, then the Transit Gateway owners'.
    let mut other_accounts: BTreeMap<String, (Vec<&TransitGatewayView>, Vec<&VpnView>)> = BTreeMap::new();
    for t in &s.tgws {
        other_accounts.entry(account_of_tgw(t)).or_default().0.push(t);
    }
    for c in &s.vpns {
        other_accounts.entry(c.account.clone().unwrap_or_else(|| "unknown".into())).or_default().1.push(c);
    }
    let own_extras = other_accounts.remove(&vpc_account).unwrap_or_default();

    let mut subnet_spans: Vec<Vec<(u8, String, String)>> = Vec::new();
    d.open(None, "account", cluster_label(&format!("account {vpc_account}"), &[]), "style=\"rounded\"; color=\"#374151\"; penwidth=1.4;");
    let name_line = match &v.name {
        Some(n) => format!("VPC {n} \u{b7} {}", v.id),
        None => format!("VPC {}", v.id),
    };
    let mut lines: Vec<String> = v.cidrs.iter().map(cidr_line).collect();
    lines.extend(v.ipv6_cidrs.iter().map(|c| format!("{c} (IPv6, not analysed)")));
    d.open(
        Some(&v.id),
        "vpc",
        cluster_label(&name_line, &lines),
        "style=\"rounded,filled\"; fillcolor=\"#fbfaff\"; color=\"#6d28d9\"; penwidth=1.6;",
    );
    for g in &v.internet_gateways {
        d.node(
            &g.id,
            &g.id,
            None,
            "internet-gateway",
            label(&format!("Internet gateway {}", g.name.clone().unwrap_or_default()), std::slice::from_ref(&g.id)),
            node_style("internet-gateway", true),
        );
    }
    for g in &v.vpn_gateways {
        d.node(
            &g.id,
            &g.id,
            None,
            "vpn-gateway",
            label(&format!("Virtual private gateway {}", g.name.clone().unwrap_or_default()), std::slice::from_ref(&g.id)),
            node_style("vpn-gateway", true),
        );
    }
    for e in &v.gateway_endpoints {
        d.node(
            &e.id,
            &e.id,
            None,
            "gateway-endpoint",
            label(&format!("gateway endpoint {}", service_label(&e.service)), std::slice::from_ref(&e.id)),
            node_style("gateway-endpoint", true),
        );
    }
    for az in &v.availability_zones {
        d.open(None, "availability-zone", cluster_label(&az.name, &[]), "style=\"dashed,rounded\"; color=\"#9ca3af\";");
        let mut spans = Vec::new();
        for sn in &az.subnets {
            let role = sn.roles.first().map(String::as_str).unwrap_or("empty");
            let (fill, border) = role_fill(role);
            let title = match &sn.name {
                Some(n) => format!("{n} \u{b7} {}", sn.id),
                None => sn.id.clone(),
            };
            let detail = format!("{} \u{b7} {}", sn.cidr.clone().unwrap_or_else(|| "no IPv4 CIDR".into()), sn.roles.join(", "));
            d.open(
                Some(&sn.id),
                "subnet",
                cluster_label(&title, &[detail]),
                &format!("style=\"filled,rounded\"; fillcolor=\"{fill}\"; color=\"{border}\";"),
            );
            let mut keys: Vec<String> = Vec::new();
            for p in &sn.resources {
                let key = p.eni.clone().unwrap_or_else(|| p.resource.clone());
                d.node(&key, &p.resource, p.eni.as_deref(), p.kind, placed_label(p), node_style(p.kind, p.live));
                keys.push(key);
            }
            if keys.is_empty() {
                let key = format!("{}:empty", sn.id);
                d.node(&key, &format!("{}:empty", sn.id), None, "empty", label("no interfaces", &[]), node_style("empty", true));
                keys.push(key);
            }
            for row in keys.chunks(SUBNET_COLUMNS) {
                let row: Vec<&str> = row.iter().map(String::as_str).collect();
                d.same_rank(&row);
            }
            d.close();
            d.cluster_key(&format!("subnet:{}", sn.id), &keys[0]);
            // A crowded subnet is a grid: each node above the one SUBNET_COLUMNS later.
            for i in SUBNET_COLUMNS..keys.len() {
                let (a, b) = (keys[i - SUBNET_COLUMNS].clone(), keys[i].clone());
                d.order(&a, &b);
            }
            let first = keys[0].clone();
            let last = keys[(keys.len() - 1) / SUBNET_COLUMNS * SUBNET_COLUMNS].clone();
            spans.push((role_rank(role), first, last));
        }
        d.close();
        subnet_spans.push(spans);
    }
    d.close(); // VPC
    for t in &own_extras.0 {
        tgw_nodes(&mut d, t, &s);
    }
    for c in &own_extras.1 {
        vpn_node(&mut d, c);
    }
    d.close(); // account
    for (acct, (tgws, vpns)) in &other_accounts {
        d.open(None, "account", cluster_label(&format!("account {acct}"), &[]), "style=\"rounded\"; color=\"#374151\"; penwidth=1.4;");
        for t in tgws {
            tgw_nodes(&mut d, t, &s);
        }
        for c in vpns {
            vpn_node(&mut d, c);
        }
        d.close();
    }
    let mut appliance_ids: BTreeSet<&str> = BTreeSet::new();
    for ep in v.endpoints.iter().filter(|e| e.endpoint_type == "gateway-load-balancer") {
        if let Some(a) = appliances.values().find(|a| a.endpoints.contains(&ep.id)) {
            appliance_ids.insert(a.id.as_str());
        }
    }
    for a in &appliance_ids {
        let service = appliances.get(a).map(|x| x.service.clone()).unwrap_or_default();
        let lines = if *a == service { vec![service] } else { vec![a.to_string(), service] };
        d.node(
            a,
            a,
            None,
            "inspection-appliance",
            label("Inspection appliance (GWLB)", &lines),
            node_style("inspection-appliance", true) + ", shape=component",
        );
    }

    // Rows: internet, gateways, then each AZ's subnets in role order, then the Transit Gateway side.
    let igw_keys: Vec<String> = v.internet_gateways.iter().map(|g| g.id.clone()).collect();
    for g in &igw_keys {
        d.order("internet", g);
    }
    let mut bottoms: Vec<String> = Vec::new();
    for spans in &subnet_spans {
        let mut sorted = spans.clone();
        sorted.sort_by_key(|(r, _, _)| *r);
        if let Some((_, first, _)) = sorted.first() {
            for g in &igw_keys {
                d.order(g, first);
            }
        }
        for w in sorted.windows(2) {
            d.order(&w[0].2, &w[1].1);
        }
        if let Some((_, _, last)) = sorted.last() {
            bottoms.push(last.clone());
        }
    }
    for t in &s.tgws {
        for b in &bottoms {
            d.order(b, &t.id);
        }
    }
    // Inspection appliances beside the inspection row.
    for a in &appliance_ids {
        let row: Vec<String> = subnet_spans
            .iter()
            .flat_map(|spans| spans.iter().filter(|(r, _, _)| *r == role_rank("inspection")).map(|(_, f, _)| f.clone()))
            .take(1)
            .collect();
        if let Some(first) = row.first() {
            d.order(first, a);
        }
    }

    // Fixed connections.
    let mut fixed: Vec<(String, String, Option<String>)> = Vec::new();
    for g in &igw_keys {
        fixed.push((g.clone(), "internet".into(), None));
    }
    for az in &v.availability_zones {
        for sn in &az.subnets {
            for p in &sn.resources {
                let key = p.eni.clone().unwrap_or_else(|| p.resource.clone());
                if p.kind == "transit-gateway-attachment" {
                    if let Some(t) = s.tgws.iter().find(|t| t.attachments.iter().any(|a| a.id == p.resource)) {
                        fixed.push((key.clone(), t.id.clone(), None));
                    }
                }
                if p.kind == "gateway-load-balancer-endpoint" {
                    if let Some(a) = appliances.values().find(|a| a.endpoints.contains(&p.resource)) {
                        fixed.push((key.clone(), a.id.clone(), None));
                    }
                }
            }
        }
    }
    for (t, a) in &s.edge_attachments {
        fixed.push((a.id.clone(), t.id.clone(), None));
        if let Some(r) = &a.resource {
            fixed.push((r.clone(), a.id.clone(), None));
        }
    }
    for c in &s.vpns {
        if let Some(g) = &c.vpn_gateway {
            fixed.push((g.clone(), c.id.clone(), None));
        }
    }
    for n in &s.networks {
        for via in &n.via {
            fixed.push((via.clone(), n.name.clone(), None));
        }
    }
    let classes = classify_edges(paths, &d.lookup);
    let mut drawn: HashSet<(String, String)> = HashSet::new();
    for ((a, b), (ok, bypass)) in &classes {
        let class = if *bypass {
            "e-bypass"
        } else if *ok {
            "e-inspected"
        } else {
            "e-structure"
        };
        d.edge(a, b, class, None);
        drawn.insert((a.clone(), b.clone()));
    }
    for (a, b, resource) in fixed {
        let key = if a < b { (a.clone(), b.clone()) } else { (b.clone(), a.clone()) };
        if drawn.insert(key) {
            d.edge(&a, &b, "e-structure", resource.as_deref());
        }
    }
    // Rank the Transit Gateway side: TGW, its other attachments, VPN, networks.
    for (t, a) in &s.edge_attachments {
        d.order(&t.id, &a.id);
        if let Some(r) = &a.resource {
            d.order(&a.id, r);
        }
    }
    for n in &s.networks {
        for via in &n.via {
            d.order(via, &n.name);
        }
    }
    let title = match &v.name {
        Some(n) => format!("{n} ({})", v.id),
        None => v.id.clone(),
    };
    d.finish(id, "vpc", Some(v.id.clone()), v.account.clone(), title)
}

fn tgw_nodes(d: &mut Dot, t: &TransitGatewayView, s: &Surroundings) {
    let asn = t.amazon_side_asn.map(|a| format!("ASN {a}")).unwrap_or_default();
    d.node(
        &t.id,
        &t.id,
        None,
        "transit-gateway",
        label(&format!("Transit Gateway {}", t.name.clone().unwrap_or_default()), &[t.id.clone(), asn]),
        node_style("transit-gateway", true) + ", penwidth=2",
    );
    for (tt, a) in &s.edge_attachments {
        if tt.id != t.id {
            continue;
        }
        let rt = a.route_table.as_ref().map(|r| format!("route table {r}")).unwrap_or_default();
        d.node(
            &a.id,
            &a.id,
            None,
            "transit-gateway-attachment",
            label(&format!("{} attachment {}", a.resource_type.to_uppercase(), a.name.clone().unwrap_or_default()), &[a.id.clone(), rt]),
            node_style("transit-gateway-attachment", true),
        );
    }
}

fn vpn_node(d: &mut Dot, c: &VpnView) {
    let cgw = c.customer_gateway.as_ref().map(|g| format!("customer gateway {g}")).unwrap_or_default();
    d.node(
        &c.id,
        &c.id,
        None,
        "vpn-connection",
        label(&format!("Site-to-Site VPN {}", c.name.clone().unwrap_or_default()), &[c.id.clone(), cgw]),
        node_style("vpn-connection", true),
    );
}

/// The nodes outside AWS: the internet (when an internet gateway leads to it) and the named
/// networks.
fn outside_nodes<'a>(d: &mut Dot, internet: bool, networks: impl Iterator<Item = &'a NetworkView>) {
    if internet {
        d.node("internet", "internet", None, "internet", label("Internet", &[]), node_style("internet", true) + ", shape=oval");
    }
    for n in networks {
        d.node(
            &n.name,
            &n.name,
            None,
            "network",
            label(&format!("network {}", n.name), &[n.cidrs.join(", ")]),
            node_style("network", true) + ", shape=box3d",
        );
    }
}

/// Columns of the VPC grid in an account of the overview.
const OVERVIEW_COLUMNS: usize = 6;

fn overview(data: &ReportData, id: &str) -> Diagram {
    let mut d = Dot::new(id, "overview");
    let any_igw = data.vpcs.iter().any(|v| !v.internet_gateways.is_empty());
    outside_nodes(&mut d, any_igw, data.networks.iter());
    let vpcs: HashMap<&str, &VpcView> = data.vpcs.iter().map(|v| (v.id.as_str(), v)).collect();
    let mut rows_last: Vec<String> = Vec::new();
    let mut rows_first: Vec<String> = Vec::new();
    for a in &data.accounts {
        d.open(None, "account", cluster_label(&format!("account {}", a.id), &[]), "style=\"rounded\"; color=\"#374151\"; penwidth=1.4;");
        let mut keys = Vec::new();
        for vid in &a.vpcs {
            let Some(v) = vpcs.get(vid.as_str()) else { continue };
            let title = match &v.name {
                Some(n) => format!("VPC {n}"),
                None => "VPC".to_string(),
            };
            let mut lines = vec![v.id.clone()];
            lines.extend(v.cidrs.iter().map(cidr_line));
            let subnets: usize = v.availability_zones.iter().map(|z| z.subnets.len()).sum();
            lines.push(format!("{subnets} subnets \u{b7} {} instances \u{b7} {} ENIs", v.instances, v.network_interfaces));
            d.node(&v.id, &v.id, None, "vpc", label(&title, &lines), node_style("vpc", true));
            keys.push(v.id.clone());
        }
        for t in data.transit_gateways.iter().filter(|t| a.transit_gateways.contains(&t.id)) {
            let asn = t.amazon_side_asn.map(|x| format!("ASN {x}")).unwrap_or_default();
            d.node(
                &t.id,
                &t.id,
                None,
                "transit-gateway",
                label(&format!("Transit Gateway {}", t.name.clone().unwrap_or_default()), &[t.id.clone(), asn]),
                node_style("transit-gateway", true) + ", penwidth=2",
            );
        }
        for c in data.vpn_connections.iter().filter(|c| a.vpn_connections.contains(&c.id)) {
            vpn_node(&mut d, c);
        }
        d.close();
        for i in OVERVIEW_COLUMNS..keys.len() {
            let (x, y) = (keys[i - OVERVIEW_COLUMNS].clone(), keys[i].clone());
            d.order(&x, &y);
        }
        if let Some(f) = keys.first() {
            rows_first.push(f.clone());
            rows_last.push(keys[(keys.len() - 1) / OVERVIEW_COLUMNS * OVERVIEW_COLUMNS].clone());
        }
    }
    for dx in &data.direct_connect_gateways {
        d.node(
            &dx.id,
            &dx.id,
            None,
            "direct-connect-gateway",
            label(&format!("Direct Connect gateway {}", dx.name.clone().unwrap_or_default()), std::slice::from_ref(&dx.id)),
            node_style("direct-connect-gateway", true),
        );
    }
    for f in &rows_first {
        d.order("internet", f);
    }
    for t in &data.transit_gateways {
        for l in &rows_last {
            if l != &t.id {
                d.order(l, &t.id);
            }
        }
    }
    // Connections: attachments, internet gateways, peering, networks.
    for t in &data.transit_gateways {
        for a in &t.attachments {
            match a.resource.as_deref() {
                Some(r) if a.resource_type == "peering" => d.edge(&t.id, r, "e-structure", Some(&a.id)),
                Some(r) => d.edge(r, &t.id, "e-structure", Some(&a.id)),
                None => {}
            }
            if let Some(r) = a.resource.as_deref() {
                if a.resource_type != "vpc" {
                    d.order(&t.id, r);
                }
            }
        }
    }
    for v in &data.vpcs {
        for g in &v.internet_gateways {
            d.edge("internet", &v.id, "e-structure", Some(&g.id));
        }
    }
    for p in &data.vpc_peering_connections {
        d.edge(&p.requester, &p.accepter, "e-structure", Some(&p.id));
    }
    for c in &data.vpn_connections {
        if let Some(g) = &c.vpn_gateway {
            if let Some(v) = data.vpcs.iter().find(|v| v.vpn_gateways.iter().any(|x| &x.id == g)) {
                d.edge(&v.id, &c.id, "e-structure", Some(g));
            }
        }
    }
    for dx in &data.direct_connect_gateways {
        for g in &dx.gateways {
            d.edge(&dx.id, g, "e-structure", None);
        }
    }
    for n in &data.networks {
        for via in &n.via {
            d.edge(via, &n.name, "e-structure", None);
            d.order(via, &n.name);
        }
    }
    d.finish(id, "overview", None, None, "Organisation overview".into())
}

/// Every diagram of the report: the overview first, then one per VPC.
pub fn diagrams(data: &ReportData) -> Vec<Diagram> {
    let paths = all_paths(data);
    // Paths by the VPCs they cross, so that each VPC's diagram looks only at its own.
    let mut by_vpc: HashMap<&str, Vec<&(Vec<HopLite>, bool)>> = HashMap::new();
    for p in &paths {
        let vpcs: BTreeSet<&str> = p.0.iter().filter(|h| h.hop_type == "vpc").map(|h| h.resource.as_str()).collect();
        for v in vpcs {
            by_vpc.entry(v).or_default().push(p);
        }
    }
    let appliances: HashMap<&str, &ApplianceView> = data.inspection_appliances.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut out = vec![overview(data, "d0")];
    let built: Vec<Diagram> = {
        use rayon::prelude::*;
        data.vpcs
            .par_iter()
            .enumerate()
            .map(|(i, v)| {
                let empty = Vec::new();
                let ps = by_vpc.get(v.id.as_str()).unwrap_or(&empty);
                vpc_diagram(data, v, &format!("d{}", i + 1), ps, &appliances)
            })
            .collect()
    };
    out.extend(built);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(r: &str, t: &str, i: Option<&str>) -> HopLite {
        HopLite { resource: r.into(), hop_type: t.into(), interface: i.map(str::to_string) }
    }

    fn lookup() -> Lookup {
        let mut l = Lookup::default();
        l.add("onprem", "onprem");
        l.add("vpn-1", "vpn-1");
        l.add("tgw-1", "tgw-1");
        l.add("eni-ta", "tgw-attach-1");
        l.add("eni-tb", "tgw-attach-1");
        l.add("eni-g", "vpce-1");
        l.add("svc", "svc");
        l.add("eni-i", "i-1");
        l
    }

    #[test]
    fn chain_skips_clusters_returns_from_the_appliance_and_breaks_on_unknown_hops() {
        let hops = vec![
            hop("onprem", "external-network", None),
            hop("vpn-1", "vpn-connection", None),
            hop("tgw-attach-9", "transit-gateway-attachment", None),
            hop("tgw-1", "transit-gateway", None),
            hop("tgw-attach-1", "transit-gateway-attachment", Some("eni-ta")),
            hop("vpc-1", "vpc", None),
            hop("vpce-1", "gateway-load-balancer-endpoint", Some("eni-g")),
            hop("svc", "inspection-appliance", None),
            hop("subnet-1", "subnet", None),
            hop("i-1", "instance", Some("eni-i")),
        ];
        let c = chain(&hops, &lookup());
        let s: Vec<(&str, &str)> = c.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(s, vec![("onprem", "vpn-1"), ("tgw-1", "eni-ta"), ("eni-ta", "eni-g"), ("eni-g", "svc"), ("eni-g", "eni-i")]);
    }

    #[test]
    fn a_path_from_a_subnet_host_starts_at_the_subnet_box() {
        let mut l = lookup();
        l.keys.insert("subnet:subnet-1".into());
        let hops = vec![
            hop("subnet-1", "subnet", None),
            hop("vpc-1", "vpc", None),
            hop("tgw-attach-1", "transit-gateway-attachment", Some("eni-ta")),
        ];
        assert_eq!(chain(&hops, &l), vec![("subnet:subnet-1".to_string(), "eni-ta".to_string())]);
        // A subnet hop later in the path is only a cluster.
        let later = vec![
            hop("i-1", "instance", Some("eni-i")),
            hop("subnet-1", "subnet", None),
            hop("vpce-1", "gateway-load-balancer-endpoint", Some("eni-g")),
        ];
        assert_eq!(chain(&later, &l), vec![("eni-i".to_string(), "eni-g".to_string())]);
    }

    #[test]
    fn a_hop_without_interface_on_a_resource_with_two_nodes_is_ambiguous() {
        let l = lookup();
        assert_eq!(l.key_of(&hop("tgw-attach-1", "transit-gateway-attachment", None)), None);
        assert_eq!(l.key_of(&hop("tgw-attach-1", "transit-gateway-attachment", Some("eni-tb"))), Some("eni-tb".into()));
        assert_eq!(l.key_of(&hop("vpce-1", "gateway-load-balancer-endpoint", None)), Some("eni-g".into()));
    }

    #[test]
    fn labels_escape_markup() {
        let l = label("a<b>&\"c\"", &["x > y".into()]);
        assert!(l.contains("a&lt;b&gt;&amp;&quot;c&quot;"));
        assert!(l.contains("x &gt; y"));
    }
}
