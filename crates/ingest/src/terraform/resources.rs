//! Terraform's `aws_*` resources (and data sources) into the twin: typed access to attributes
//! that recovers values unknown at plan time from the configuration's references, and one
//! converter per resource type, feeding the same assembly as CloudFormation.

use super::{Document, Instance, Json, PathStep};
use crate::iac::rules::{nacl_entry, sg_rule, v4net, v6net, Peer};
use crate::iac::{Assembly, Eip, EipAssociation, InterfaceRequest, RouteDecl, VpcDefaults};
use koban_model as m;
use koban_model::Severity;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The id prefix AWS uses for a Terraform resource type.
pub fn prefix(ty: &str) -> &'static str {
    match ty {
        "aws_vpc" | "aws_default_vpc" => "vpc-",
        "aws_subnet" | "aws_default_subnet" => "subnet-",
        "aws_route_table" | "aws_default_route_table" => "rtb-",
        "aws_internet_gateway" => "igw-",
        "aws_egress_only_internet_gateway" => "eigw-",
        "aws_nat_gateway" => "nat-",
        "aws_eip" => "eipalloc-",
        "aws_ec2_transit_gateway" => "tgw-",
        "aws_ec2_transit_gateway_vpc_attachment" => "tgw-attach-",
        "aws_ec2_transit_gateway_route_table" => "tgw-rtb-",
        "aws_vpn_connection" => "vpn-",
        "aws_vpn_gateway" => "vgw-",
        "aws_customer_gateway" => "cgw-",
        "aws_vpc_endpoint" => "vpce-",
        "aws_vpc_endpoint_service" => "vpce-svc-",
        "aws_security_group" | "aws_default_security_group" => "sg-",
        "aws_security_group_rule" | "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => "sgr-",
        "aws_network_acl" | "aws_default_network_acl" => "acl-",
        "aws_instance" => "i-",
        "aws_network_interface" => "eni-",
        "aws_vpc_peering_connection" => "pcx-",
        "aws_ec2_managed_prefix_list" => "pl-",
        "aws_route_table_association" => "rtbassoc-",
        _ => "",
    }
}

/// The symbolic value of an id attribute a plan does not know yet (ids AWS creates along
/// with the resource), as the converters name them.
pub fn computed(ty: &str, address: &str, attr: &str) -> Option<String> {
    Some(match (ty, attr) {
        ("aws_vpn_connection", "transit_gateway_attachment_id") => format!("tgw-attach-{address}"),
        ("aws_vpc", "main_route_table_id") | ("aws_vpc", "default_route_table_id") => format!("rtb-{address}.main"),
        ("aws_vpc", "default_network_acl_id") => format!("acl-{address}.default"),
        ("aws_vpc", "default_security_group_id") => format!("sg-{address}.default"),
        ("aws_nat_gateway", "network_interface_id") | ("aws_instance", "primary_network_interface_id") => format!("eni-{address}.0"),
        ("aws_eip", "allocation_id") => symbolic(ty, address),
        _ => return None,
    })
}

/// The symbolic id of a resource whose id is not known yet.
pub fn symbolic(ty: &str, address: &str) -> String {
    format!("{}{address}", prefix(ty))
}

pub(super) struct Err {
    pub(super) message: String,
    pub(super) deploy_time: bool,
}

pub(super) type R<T> = Result<T, Err>;

pub(super) fn err(message: impl Into<String>) -> Err {
    Err { message: message.into(), deploy_time: false }
}

/// A view of an instance's attributes (or of one nested block).
#[derive(Clone)]
pub(super) struct Tf<'a> {
    pub(super) doc: &'a Document<'a>,
    pub(super) inst: &'a Instance<'a>,
    path: Vec<PathStep>,
}

fn walk<'v, 'a>(mut v: &'v Json<'a>, path: &[PathStep]) -> Option<&'v Json<'a>> {
    for s in path {
        v = match (s, v) {
            (PathStep::Key(k), Json::Object(_)) => v.get(k)?,
            (PathStep::Index(i), Json::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn unknown_at(u: &Json, path: &[PathStep]) -> bool {
    let mut cur = u;
    for s in path {
        if matches!(cur, Json::Bool(true)) {
            return true;
        }
        cur = match (s, cur) {
            (PathStep::Key(k), Json::Object(_)) => match cur.get(k) {
                Some(x) => x,
                None => return false,
            },
            (PathStep::Index(i), Json::Array(a)) => match a.get(*i) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match cur {
        Json::Bool(b) => *b,
        Json::Array(a) => a.iter().any(|x| matches!(x, Json::Bool(true))),
        _ => false,
    }
}

/// An attribute's value: read in place, or recovered from the configuration's references.
enum Got<'v, 'a> {
    In(Option<&'v Json<'a>>),
    Resolved(Json<'a>),
}

impl<'a> Got<'_, 'a> {
    fn get(&self) -> Option<&Json<'a>> {
        match self {
            Got::In(v) => *v,
            Got::Resolved(v) => Some(v),
        }
    }
}

impl<'a> Tf<'a> {
    fn key(&self, k: &str) -> Vec<PathStep> {
        let mut p = self.path.clone();
        p.push(PathStep::Key(k.to_string()));
        p
    }

    /// The attribute `k` where it is written (`None` when absent).
    fn here(&self, k: &str) -> Option<&'a Json<'a>> {
        walk(&self.inst.values, &self.path).and_then(|b| b.get(k))
    }

    /// The value of an attribute, recovered from the configuration when the plan does not
    /// know it yet. `all`: a list attribute (every instance of a referenced resource).
    fn got(&self, k: &str, all: bool) -> R<Got<'a, 'a>> {
        let v = self.here(k).filter(|v| !v.is_null());
        let incomplete = match v {
            Some(Json::Array(a)) => a.iter().any(Json::is_null),
            Some(_) => false,
            None => true,
        };
        if !incomplete || !self.doc.has_config() {
            return Ok(Got::In(v));
        }
        let path = self.key(k);
        let expr = self.doc.expression(self.inst, &path).filter(|e| e.get("references").is_some());
        let Some(expr) = expr.filter(|_| unknown_at(&self.inst.unknown, &path) || v.is_none()) else {
            // Known (possibly absent), or computed by the provider and not set in the configuration.
            return Ok(Got::In(v));
        };
        let refs: Vec<&str> =
            expr.get("references").and_then(Json::as_array).map(|r| r.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
        let mut found: Vec<Value> = Vec::new();
        for r in &refs {
            for x in self.doc.resolve_all(self.inst, r, 0, all) {
                if !found.contains(&x) {
                    found.push(x);
                }
            }
        }
        if found.is_empty() {
            return Err(Err { message: format!("{k} is known only after apply (references: {})", refs.join(", ")), deploy_time: true });
        }
        Ok(Got::Resolved(Json::from_value(if all { Value::Array(found) } else { found.swap_remove(0) })))
    }

    /// [`Tf::got`] as a `serde_json::Value`.
    pub(super) fn value(&self, k: &str, all: bool) -> R<Option<Value>> {
        Ok(self.got(k, all)?.get().map(Json::to_value))
    }

    pub(super) fn s(&self, k: &str) -> R<Option<String>> {
        Ok(match self.got(k, false)?.get() {
            None => None,
            Some(Json::String(s)) if s.is_empty() => None,
            Some(Json::String(s)) => Some(s.to_string()),
            Some(Json::Number(n)) => Some(n.to_string()),
            Some(Json::Bool(b)) => Some(b.to_string()),
            Some(other) => return Err(err(format!("{k}: expected a string, got {other}"))),
        })
    }

    pub(super) fn req(&self, k: &str) -> R<String> {
        self.s(k)?.ok_or_else(|| err(format!("{k} is required")))
    }

    pub(super) fn list(&self, k: &str) -> R<Vec<String>> {
        Ok(match self.got(k, true)?.get() {
            None => Vec::new(),
            Some(Json::Array(a)) => a.iter().filter_map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string)).collect(),
            Some(Json::String(s)) => vec![s.to_string()],
            Some(other) => return Err(err(format!("{k}: expected a list, got {other}"))),
        })
    }

    pub(super) fn flag(&self, k: &str, default: bool) -> R<bool> {
        Ok(match self.got(k, false)?.get() {
            Some(Json::Bool(b)) => *b,
            Some(Json::String(s)) => s == "true",
            _ => default,
        })
    }

    pub(super) fn num(&self, k: &str) -> R<Option<i64>> {
        Ok(match self.got(k, false)?.get() {
            Some(Json::Number(n)) => n.as_i64(),
            Some(Json::String(s)) if !s.is_empty() => {
                Some(s.trim().parse().map_err(|_| err(format!("{k}: expected a number, got {s:?}")))?)
            }
            _ => None,
        })
    }

    /// The nested blocks under `k`.
    pub(super) fn blocks(&self, k: &str) -> Vec<Tf<'a>> {
        let n = self.here(k).and_then(Json::as_array).map(Vec::len).unwrap_or(0);
        let path = self.key(k);
        (0..n)
            .map(|i| {
                let mut p = path.clone();
                p.push(PathStep::Index(i));
                Tf { doc: self.doc, inst: self.inst, path: p }
            })
            .collect()
    }

    /// The string-valued tags, by key (the last of a repeated key).
    pub(super) fn tags(&self) -> m::Tags {
        let Some(Json::Object(entries)) = self.here("tags") else { return Vec::new() };
        // Latest first, so that the stable sort puts the last of a repeated key first.
        let mut latest: Vec<&(std::borrow::Cow<str>, Json)> = entries.iter().rev().collect();
        latest.sort_by(|x, y| x.0.cmp(&y.0));
        latest.dedup_by(|later, first| later.0 == first.0);
        latest.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k.to_string(), s.to_string()))).collect()
    }

    pub(super) fn id(&self) -> String {
        self.doc.id_of(self.inst)
    }

    pub(super) fn derived(&self, prefix: &str, suffix: impl std::fmt::Display) -> String {
        format!("{prefix}{}.{suffix}", self.inst.address)
    }

    pub(super) fn origin(&self) -> m::Origin {
        self.inst.origin.clone()
    }

    pub(super) fn placement(&self) -> m::Placement {
        let region = self
            .s("region")
            .ok()
            .flatten()
            .or_else(|| self.s("arn").ok().flatten().and_then(|a| a.split(':').nth(3).map(str::to_string)).filter(|r| !r.is_empty()));
        let account = self.s("owner_id").ok().flatten();
        let provider = || self.doc.provider_place(self.inst);
        m::Placement { account: account.or_else(|| provider().account), region: region.or_else(|| provider().region) }
    }
}

fn ip(s: &str, k: &str) -> R<Ipv4Addr> {
    s.trim().parse().map_err(|_| err(format!("{k}: expected an IPv4 address, got {s:?}")))
}

fn net(s: &str, k: &str) -> R<ipnet::Ipv4Net> {
    v4net(s).map_err(|e| err(format!("{k}: {e}")))
}

/// Add one instance to the assembly; what cannot be modelled is reported.
pub fn convert(doc: &Document, inst: &Instance, a: &mut Assembly) {
    let t = Tf { doc, inst, path: Vec::new() };
    let result = match inst.ty.as_ref() {
        "aws_vpc" | "aws_default_vpc" => vpc(&t, a),
        "aws_vpc_ipv4_cidr_block_association" => (|| {
            let v = t.req("vpc_id")?;
            a.vpc_cidr(&v, net(&t.req("cidr_block")?, "cidr_block")?);
            Ok(())
        })(),
        "aws_subnet" | "aws_default_subnet" => subnet(&t, a),
        "aws_route_table" | "aws_default_route_table" => route_table(&t, a),
        "aws_route" => route(&t, &t, "destination_cidr_block", "destination_ipv6_cidr_block", a).map(|_| ()),
        "aws_route_table_association" => (|| {
            let rt = t.req("route_table_id")?;
            match t.s("subnet_id")? {
                Some(s) => a.associate_subnet(&rt, &s),
                None => a.associate_gateway(&rt, &t.req("gateway_id")?),
            }
            Ok(())
        })(),
        "aws_main_route_table_association" => (|| {
            let rt = t.req("route_table_id")?;
            a.associate_main(&rt, &t.req("vpc_id")?);
            Ok(())
        })(),
        "aws_internet_gateway" => (|| {
            let id = t.id();
            a.internet_gateway(m::InternetGateway {
                id: id.clone(),
                placement: t.placement(),
                vpcs: Vec::new(),
                egress_only: false,
                tags: t.tags(),
                origin: t.origin(),
            });
            if let Some(v) = t.s("vpc_id")? {
                a.attach_gateway(&id, &v);
            }
            Ok(())
        })(),
        "aws_internet_gateway_attachment" | "aws_vpn_gateway_attachment" => (|| {
            let gw = match t.s("internet_gateway_id")? {
                Some(g) => g,
                None => t.req("vpn_gateway_id")?,
            };
            a.attach_gateway(&gw, &t.req("vpc_id")?);
            Ok(())
        })(),
        "aws_egress_only_internet_gateway" => (|| {
            a.internet_gateway(m::InternetGateway {
                id: t.id(),
                placement: t.placement(),
                vpcs: vec![t.req("vpc_id")?],
                egress_only: true,
                tags: t.tags(),
                origin: t.origin(),
            });
            Ok(())
        })(),
        "aws_nat_gateway" => nat_gateway(&t, a),
        "aws_eip" => eip(&t, a),
        "aws_eip_association" => (|| {
            let target = match t.s("network_interface_id")? {
                Some(e) => e,
                None => t.req("instance_id")?,
            };
            let private_ip = t.s("private_ip_address")?.map(|p| ip(&p, "private_ip_address")).transpose()?;
            a.eip_association(EipAssociation { allocation: t.req("allocation_id")?, target, private_ip, origin: t.origin() });
            Ok(())
        })(),
        "aws_ec2_transit_gateway" => transit_gateway(&t, a),
        "aws_ec2_transit_gateway_vpc_attachment" => tgw_vpc_attachment(&t, a),
        "aws_ec2_transit_gateway_route_table" => (|| {
            a.transit_gateway_route_table(m::TransitGatewayRouteTable {
                id: t.id(),
                transit_gateway: t.req("transit_gateway_id")?,
                default_association: t.flag("default_association_route_table", false)?,
                default_propagation: t.flag("default_propagation_route_table", false)?,
                routes: Vec::new(),
                propagations: Vec::new(),
                routes_known: true,
                propagations_known: true,
                placement: t.placement(),
                tags: t.tags(),
                origin: t.origin(),
            });
            Ok(())
        })(),
        "aws_ec2_transit_gateway_route" => (|| {
            let blackhole = t.flag("blackhole", false)?;
            let attachments = if blackhole { Vec::new() } else { vec![t.req("transit_gateway_attachment_id")?] };
            let route = m::TransitGatewayRoute {
                destination: m::TgwRouteDestination::Ipv4(net(&t.req("destination_cidr_block")?, "destination_cidr_block")?),
                attachments,
                route_type: m::TgwRouteType::Static,
                active: !blackhole,
                origin: t.origin(),
            };
            a.tgw_route(&t.req("transit_gateway_route_table_id")?, route);
            Ok(())
        })(),
        "aws_ec2_transit_gateway_route_table_association" => (|| {
            let x = t.req("transit_gateway_attachment_id")?;
            a.tgw_association(&x, &t.req("transit_gateway_route_table_id")?);
            Ok(())
        })(),
        "aws_ec2_transit_gateway_route_table_propagation" => (|| {
            let rt = t.req("transit_gateway_route_table_id")?;
            a.tgw_propagation(&rt, &t.req("transit_gateway_attachment_id")?);
            Ok(())
        })(),
        "aws_customer_gateway" => (|| {
            a.customer_gateway(m::CustomerGateway {
                id: t.id(),
                ip_address: t.s("ip_address")?,
                bgp_asn: t.s("bgp_asn")?,
                origin: t.origin(),
            });
            Ok(())
        })(),
        "aws_vpn_gateway" => (|| {
            let id = t.id();
            a.vpn_gateway(m::VpnGateway {
                id: id.clone(),
                placement: t.placement(),
                vpcs: Vec::new(),
                amazon_side_asn: t.num("amazon_side_asn")?.and_then(|n| u64::try_from(n).ok()),
                tags: t.tags(),
                origin: t.origin(),
            });
            if let Some(v) = t.s("vpc_id")? {
                a.attach_gateway(&id, &v);
            }
            Ok(())
        })(),
        "aws_vpn_connection" => vpn_connection(&t, a),
        "aws_vpn_connection_route" => (|| {
            let v = t.req("vpn_connection_id")?;
            a.vpn_route(&v, net(&t.req("destination_cidr_block")?, "destination_cidr_block")?);
            Ok(())
        })(),
        "aws_vpn_gateway_route_propagation" => (|| {
            let rt = t.req("route_table_id")?;
            a.vgw_propagation(&rt, &t.req("vpn_gateway_id")?);
            Ok(())
        })(),
        "aws_vpc_endpoint" => vpc_endpoint(&t, a),
        "aws_vpc_endpoint_service" => (|| {
            let gwlb = t.list("gateway_load_balancer_arns")?;
            let service_name = t
                .s("service_name")?
                .unwrap_or_else(|| format!("com.amazonaws.vpce.{}.{}", t.placement().region.unwrap_or_default(), t.id()));
            a.endpoint_service(m::VpcEndpointService {
                service_name,
                service_id: Some(t.id()),
                service_type: Some(if gwlb.is_empty() { "Interface" } else { "GatewayLoadBalancer" }.into()),
                gateway_load_balancer_arns: gwlb,
                network_load_balancer_arns: t.list("network_load_balancer_arns")?,
                origin: t.origin(),
            });
            Ok(())
        })(),
        "aws_lb" | "aws_alb" => load_balancer(&t, a),
        "aws_security_group" | "aws_default_security_group" => security_group(&t, a),
        "aws_security_group_rule" => security_group_rule(&t, a),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => vpc_security_group_rule(&t, a),
        "aws_network_acl" | "aws_default_network_acl" => network_acl(&t, a),
        "aws_network_acl_rule" => (|| {
            let ports = match (t.num("from_port")?, t.num("to_port")?) {
                (None, None) => None,
                (f, to) => Some((f.unwrap_or(0), to.unwrap_or(65535))),
            };
            let icmp = match (t.num("icmp_type")?, t.num("icmp_code")?) {
                (None, None) => None,
                (x, y) => Some((x.unwrap_or(-1), y.unwrap_or(-1))),
            };
            let e = nacl_entry(
                t.num("rule_number")?.unwrap_or(0),
                t.flag("egress", false)?,
                &t.req("rule_action")?,
                &t.req("protocol")?,
                ports,
                icmp,
                t.s("cidr_block")?.as_deref(),
                t.s("ipv6_cidr_block")?.as_deref(),
            )
            .map_err(err)?;
            a.nacl_entry(&t.req("network_acl_id")?, e);
            Ok(())
        })(),
        "aws_network_acl_association" => (|| {
            let acl = t.req("network_acl_id")?;
            a.associate_nacl(&acl, &t.req("subnet_id")?);
            Ok(())
        })(),
        "aws_instance" => instance(&t, a),
        "aws_network_interface" => network_interface(&t, a),
        "aws_network_interface_attachment" => (|| {
            let index = t.num("device_index")?.and_then(|n| u32::try_from(n).ok()).unwrap_or(1);
            a.attach_interface(&t.req("network_interface_id")?, &t.req("instance_id")?, index);
            Ok(())
        })(),
        "aws_vpc_peering_connection" => (|| {
            let requester = m::PeeringSide { vpc: t.req("vpc_id")?, owner: None, region: None, cidrs: Vec::new() };
            let accepter =
                m::PeeringSide { vpc: t.req("peer_vpc_id")?, owner: t.s("peer_owner_id")?, region: t.s("peer_region")?, cidrs: Vec::new() };
            a.vpc_peering_connection(m::VpcPeeringConnection { id: t.id(), requester, accepter, tags: t.tags(), origin: t.origin() });
            Ok(())
        })(),
        "aws_ec2_managed_prefix_list" => (|| {
            let mut cidrs = Vec::new();
            let mut ipv6 = Vec::new();
            for e in t.blocks("entry") {
                let c = e.req("cidr")?;
                if c.contains(':') {
                    ipv6.push(v6net(&c).map_err(err)?);
                } else {
                    cidrs.push(net(&c, "entry.cidr")?);
                }
            }
            a.prefix_list(m::PrefixList {
                id: t.id(),
                name: t.s("name")?,
                placement: t.placement(),
                cidrs,
                ipv6_cidrs: ipv6,
                origin: t.origin(),
            });
            Ok(())
        })(),
        "aws_networkfirewall_firewall" => network_firewall(&t, a),
        ty if super::services::modelled(ty) => super::services::convert(&t, a),
        ty if !inst.data => {
            a.unknown(inst.address.to_string(), format!("resource type {ty} is not modelled"), &inst.origin);
            Ok(())
        }
        // Data sources of other types only read things.
        _ => Ok(()),
    };
    if let Err(e) = result {
        let who = inst.address.to_string();
        if e.deploy_time {
            a.unknown(who, format!("{}: {}", inst.address, e.message), &inst.origin);
        } else {
            a.diagnostic(Severity::Error, &inst.origin, format!("{} ({}): {}", inst.address, inst.ty, e.message), Some(who));
        }
    }
}

fn vpc(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let Some(cidr) = t.s("cidr_block")? else {
        return Err(Err { message: "the VPC's CIDR block comes from an IPAM pool at apply".into(), deploy_time: true });
    };
    a.vpc(m::Vpc {
        id: id.clone(),
        placement: t.placement(),
        cidrs: vec![net(&cidr, "cidr_block")?],
        ipv6_cidrs: Vec::new(),
        is_default: t.inst.ty == "aws_default_vpc",
        tags: t.tags(),
        origin: t.origin(),
    });
    if t.inst.data {
        a.unknown(
            id,
            "an existing VPC read by a data source: its route tables, network ACLs and security groups are not in the plan",
            &t.origin(),
        );
        return Ok(());
    }
    let or = |k: &str, prefix: &str, suffix: &str| t.s(k).ok().flatten().unwrap_or_else(|| t.derived(prefix, suffix));
    a.vpc_defaults(VpcDefaults {
        vpc: id,
        main_route_table: or("main_route_table_id", "rtb-", "main"),
        network_acl: or("default_network_acl_id", "acl-", "default"),
        security_group: or("default_security_group_id", "sg-", "default"),
        origin: t.origin(),
    });
    Ok(())
}

fn subnet(t: &Tf, a: &mut Assembly) -> R<()> {
    let cidr = t.s("cidr_block")?.map(|c| net(&c, "cidr_block")).transpose()?;
    let az = t.s("availability_zone").ok().flatten();
    let mut placement = t.placement();
    if let Some(r) = az.as_deref().and_then(crate::snapshot::location::region_of_az) {
        placement.region = Some(r);
    }
    a.subnet(m::Subnet {
        id: t.id(),
        vpc: t.req("vpc_id")?,
        placement,
        availability_zone: az,
        availability_zone_id: t.s("availability_zone_id").ok().flatten(),
        cidr,
        ipv6_cidrs: Vec::new(),
        map_public_ip_on_launch: t.flag("map_public_ip_on_launch", false)?,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

/// A route (an `aws_route`, or a `route` block of a table): destination and target.
fn route(t: &Tf, owner: &Tf, v4: &str, v6: &str, a: &mut Assembly) -> R<bool> {
    use m::RouteTarget as T;
    let table = if owner.inst.ty == "aws_route" {
        owner.req("route_table_id")?
    } else if owner.inst.ty == "aws_default_route_table" {
        owner.req("default_route_table_id")?
    } else {
        owner.id()
    };
    let destination = if let Some(c) = t.s(v4)? {
        m::RouteDestination::Ipv4(net(&c, v4)?)
    } else if let Some(c) = t.s(v6)? {
        m::RouteDestination::Ipv6(v6net(&c).map_err(err)?)
    } else if let Some(p) = t.s("destination_prefix_list_id")? {
        m::RouteDestination::PrefixList(p)
    } else {
        return Err(err("the route has no destination"));
    };
    let target = if let Some(x) = t.s("nat_gateway_id")? {
        T::NatGateway(x)
    } else if let Some(x) = t.s("transit_gateway_id")? {
        T::TransitGateway(x)
    } else if let Some(x) = t.s("vpc_peering_connection_id")? {
        T::VpcPeeringConnection(x)
    } else if let Some(x) = t.s("vpc_endpoint_id")? {
        T::VpcEndpoint(x)
    } else if let Some(x) = t.s("egress_only_gateway_id")? {
        T::EgressOnlyInternetGateway(x)
    } else if let Some(x) = t.s("gateway_id")? {
        crate::iac::gateway_target(&x)
    } else if let Some(x) = t.s("network_interface_id")? {
        T::NetworkInterface(x)
    } else if let Some(x) = t.s("instance_id")? {
        T::Instance(x)
    } else if let Some(x) = t.s("carrier_gateway_id")?.or(t.s("local_gateway_id")?).or(t.s("core_network_arn")?) {
        T::Unsupported(x)
    } else {
        return Err(err("the route has no target"));
    };
    a.route(RouteDecl { table, destination, target, origin: t.origin() });
    Ok(true)
}

fn route_table(t: &Tf, a: &mut Assembly) -> R<()> {
    let default = t.inst.ty == "aws_default_route_table";
    let id = if default { t.req("default_route_table_id")? } else { t.id() };
    a.route_table(m::RouteTable {
        id: id.clone(),
        vpc: t.s("vpc_id")?.unwrap_or_default(),
        placement: t.placement(),
        main: default,
        subnets: Vec::new(),
        gateways: Vec::new(),
        routes: Vec::new(),
        tags: t.tags(),
        origin: t.origin(),
    });
    for b in t.blocks("route") {
        route(&b, t, "cidr_block", "ipv6_cidr_block", a)?;
    }
    for vgw in t.list("propagating_vgws")? {
        a.vgw_propagation(&id, &vgw);
    }
    Ok(())
}

fn nat_gateway(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let subnet = t.req("subnet_id")?;
    let connectivity =
        if t.s("connectivity_type")?.as_deref() == Some("private") { m::NatConnectivity::Private } else { m::NatConnectivity::Public };
    let eni = t.s("network_interface_id").ok().flatten().unwrap_or_else(|| t.derived("eni-", 0));
    let private_ips = t.s("private_ip")?.map(|p| ip(&p, "private_ip")).transpose()?.into_iter().collect();
    a.nat_interface(&id, &eni, &subnet, private_ips, &t.origin());
    if connectivity == m::NatConnectivity::Public {
        if let Some(alloc) = t.s("allocation_id")? {
            a.nat_allocation(&id, &alloc);
        }
    }
    a.nat_gateway(m::NatGateway {
        id,
        vpc: String::new(),
        subnet,
        placement: t.placement(),
        connectivity,
        addresses: vec![m::NatGatewayAddress { network_interface: Some(eni), private_ip: None, public_ip: None }],
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn eip(t: &Tf, a: &mut Assembly) -> R<()> {
    let allocation = t.s("allocation_id").ok().flatten().unwrap_or_else(|| t.id());
    let address = match t.s("public_ip").ok().flatten().or(t.s("address")?) {
        Some(p) => Some(ip(&p, "public_ip")?),
        None => None,
    };
    a.eip(Eip { allocation: allocation.clone(), address, origin: t.origin() });
    let target = t.s("network_interface")?.or(t.s("instance")?);
    if let Some(target) = target {
        let private_ip = t.s("associate_with_private_ip")?.map(|p| ip(&p, "associate_with_private_ip")).transpose()?;
        a.eip_association(EipAssociation { allocation, target, private_ip, origin: t.origin() });
    }
    Ok(())
}

fn enabled(t: &Tf, k: &str) -> R<bool> {
    Ok(t.s(k)?.map(|v| v == "enable").unwrap_or(true))
}

fn transit_gateway(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let assoc = enabled(t, "default_route_table_association")?;
    let prop = enabled(t, "default_route_table_propagation")?;
    let default_table = t.s("association_default_route_table_id").ok().flatten().unwrap_or_else(|| t.derived("tgw-rtb-", "default"));
    let prop_table = t.s("propagation_default_route_table_id").ok().flatten().unwrap_or_else(|| default_table.clone());
    if (assoc || prop) && !a.declares_tgw_route_table(&default_table) {
        a.transit_gateway_route_table(m::TransitGatewayRouteTable {
            id: default_table.clone(),
            transit_gateway: id.clone(),
            default_association: assoc,
            default_propagation: prop && prop_table == default_table,
            routes: Vec::new(),
            propagations: Vec::new(),
            routes_known: true,
            propagations_known: true,
            placement: t.placement(),
            tags: Vec::new(),
            origin: t.origin(),
        });
    }
    a.transit_gateway(m::TransitGateway {
        id,
        owner: t.s("owner_id").ok().flatten(),
        placement: t.placement(),
        amazon_side_asn: t.num("amazon_side_asn")?.and_then(|n| u64::try_from(n).ok()),
        default_association_route_table: assoc.then(|| default_table.clone()),
        default_propagation_route_table: prop.then_some(prop_table),
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn tgw_vpc_attachment(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let subnets = t.list("subnet_ids")?;
    a.attachment_interfaces(&id, &subnets, |i| t.derived("eni-", i), &t.origin());
    let tgw = t.req("transit_gateway_id")?;
    // Terraform turns the gateway's default association/propagation off per attachment.
    a.tgw_defaults(
        &id,
        t.flag("transit_gateway_default_route_table_association", true)?,
        t.flag("transit_gateway_default_route_table_propagation", true)?,
    );
    a.transit_gateway_attachment(m::TransitGatewayAttachment {
        id,
        transit_gateway: tgw,
        resource_type: m::AttachmentResourceType::Vpc,
        resource_id: Some(t.req("vpc_id")?),
        resource_owner: t.s("vpc_owner_id").ok().flatten(),
        associations: BTreeMap::new(),
        subnets,
        appliance_mode: t.s("appliance_mode_support")?.as_deref() == Some("enable"),
        placement: t.placement(),
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn vpn_connection(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let tgw = t.s("transit_gateway_id")?;
    if let Some(g) = &tgw {
        let att = t.s("transit_gateway_attachment_id").ok().flatten().unwrap_or_else(|| format!("tgw-attach-{}", t.inst.address));
        a.transit_gateway_attachment(m::TransitGatewayAttachment {
            id: att,
            transit_gateway: g.clone(),
            resource_type: m::AttachmentResourceType::Vpn,
            resource_id: Some(id.clone()),
            resource_owner: None,
            associations: BTreeMap::new(),
            subnets: Vec::new(),
            appliance_mode: false,
            placement: t.placement(),
            tags: t.tags(),
            origin: t.origin(),
        });
    }
    let mut outside = Vec::new();
    for k in ["tunnel1_address", "tunnel2_address"] {
        if let Some(x) = t.s(k).ok().flatten() {
            outside.push(ip(&x, k)?);
        }
    }
    a.vpn_connection(m::VpnConnection {
        id,
        placement: t.placement(),
        customer_gateway: t.s("customer_gateway_id")?,
        vpn_gateway: t.s("vpn_gateway_id")?,
        transit_gateway: tgw,
        static_routes: Vec::new(),
        static_routes_only: t.flag("static_routes_only", false)?,
        tunnel_outside_ips: outside,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn vpc_endpoint(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let endpoint_type = match t.s("vpc_endpoint_type")?.as_deref() {
        None | Some("Gateway") => m::VpcEndpointType::Gateway,
        Some("Interface") => m::VpcEndpointType::Interface,
        Some("GatewayLoadBalancer") => m::VpcEndpointType::GatewayLoadBalancer,
        Some(o) => return Err(err(format!("vpc_endpoint_type: expected Interface, Gateway or GatewayLoadBalancer, got {o:?}"))),
    };
    let service_name = t.req("service_name")?;
    let subnets = t.list("subnet_ids")?;
    let security_groups = t.list("security_group_ids")?;
    let route_tables = t.list("route_table_ids")?;
    let known_enis = t.list("network_interface_ids").unwrap_or_default();
    let mut network_interfaces = Vec::new();
    if endpoint_type != m::VpcEndpointType::Gateway {
        network_interfaces = a.endpoint_interfaces(
            &id,
            endpoint_type,
            &subnets,
            &security_groups,
            |i| known_enis.get(i).cloned().unwrap_or_else(|| t.derived("eni-", i)),
            &t.origin(),
        );
    } else {
        for rt in &route_tables {
            a.route(RouteDecl {
                table: rt.clone(),
                destination: m::RouteDestination::PrefixList(
                    t.s("prefix_list_id").ok().flatten().unwrap_or_else(|| format!("pl-{service_name}")),
                ),
                target: m::RouteTarget::VpcEndpoint(id.clone()),
                origin: t.origin(),
            });
        }
    }
    a.vpc_endpoint(m::VpcEndpoint {
        id,
        vpc: t.req("vpc_id")?,
        placement: t.placement(),
        endpoint_type,
        service_name,
        subnets,
        network_interfaces,
        security_groups,
        route_tables,
        private_dns_enabled: t.flag("private_dns_enabled", false)?,
        policy_document: t.s("policy").ok().flatten(),
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn load_balancer(t: &Tf, a: &mut Assembly) -> R<()> {
    let arn = t.s("arn").ok().flatten().unwrap_or_else(|| format!("arn:aws:elasticloadbalancing:::loadbalancer/{}", t.inst.address));
    let lb_type = t.s("load_balancer_type")?.unwrap_or_else(|| "application".into());
    let internal = t.flag("internal", false)?;
    let mut subnets = t.list("subnets")?;
    for b in t.blocks("subnet_mapping") {
        if let Some(s) = b.s("subnet_id")? {
            if !subnets.contains(&s) {
                subnets.push(s);
            }
        }
    }
    let security_groups = t.list("security_groups")?;
    let name = t.s("name").ok().flatten().unwrap_or_else(|| t.inst.address.to_string());
    for (i, s) in subnets.iter().enumerate() {
        a.interface(InterfaceRequest {
            id: t.derived("eni-", i),
            subnet: s.clone(),
            owner: m::EniOwner::LoadBalancer(arn.clone()),
            interface_type: if lb_type == "gateway" { "gateway_load_balancer" } else { "interface" }.into(),
            description: Some(format!("ELB {lb_type}/{name}")),
            private_ips: Vec::new(),
            count: 1,
            security_groups: security_groups.clone(),
            source_dest_check: true,
            requester_managed: true,
            public_ip_at_launch: Some(lb_type != "gateway" && !internal),
            default_security_group: lb_type == "application",
            tags: Vec::new(),
            origin: t.origin(),
        });
    }
    a.load_balancer(m::LoadBalancer {
        arn,
        name,
        lb_type,
        scheme: Some(if internal { "internal" } else { "internet-facing" }.into()),
        vpc: None,
        subnets,
        placement: t.placement(),
        origin: t.origin(),
    });
    Ok(())
}

/// The rules of an inline `ingress`/`egress` block or an `aws_security_group_rule`.
fn block_rules(b: &Tf, self_group: &str, group_key: &str) -> R<Vec<m::SgRule>> {
    let protocol = b.req("protocol")?;
    let (from, to) = (b.num("from_port")?, b.num("to_port")?);
    let description = b.s("description")?;
    let mut peers: Vec<Peer> = Vec::new();
    peers.extend(b.list("cidr_blocks")?.into_iter().map(Peer::Cidr));
    peers.extend(b.list("ipv6_cidr_blocks")?.into_iter().map(Peer::Cidr6));
    peers.extend(b.list("prefix_list_ids")?.into_iter().map(Peer::PrefixList));
    peers.extend(b.list(group_key)?.into_iter().map(Peer::Group));
    if b.flag("self", false)? {
        peers.push(Peer::Group(self_group.to_string()));
    }
    peers.into_iter().map(|p| sg_rule(&protocol, from, to, &p, description.clone()).map_err(err)).collect()
}

fn security_group(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let mut ingress = Vec::new();
    for (i, b) in t.blocks("ingress").iter().enumerate() {
        for mut r in block_rules(b, &id, "security_groups")? {
            r.permission_index = i;
            ingress.push(r);
        }
    }
    let mut egress = Vec::new();
    for (i, b) in t.blocks("egress").iter().enumerate() {
        for mut r in block_rules(b, &id, "security_groups")? {
            r.permission_index = i;
            egress.push(r);
        }
    }
    a.security_group(m::SecurityGroup {
        id,
        name: t.s("name")?.unwrap_or_else(|| {
            if t.inst.ty == "aws_default_security_group" {
                "default".into()
            } else {
                t.inst.address.to_string()
            }
        }),
        vpc: t.s("vpc_id")?,
        owner: t.s("owner_id").ok().flatten(),
        placement: t.placement(),
        ingress,
        egress,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn security_group_rule(t: &Tf, a: &mut Assembly) -> R<()> {
    let group = t.req("security_group_id")?;
    let ingress = t.req("type")? == "ingress";
    let mut rules = block_rules(t, &group, "__none__")?;
    if let Some(g) = t.s("source_security_group_id")? {
        let protocol = t.req("protocol")?;
        rules.push(sg_rule(&protocol, t.num("from_port")?, t.num("to_port")?, &Peer::Group(g), t.s("description")?).map_err(err)?);
    }
    for r in rules {
        a.sg_rule(&group, ingress, r);
    }
    Ok(())
}

fn vpc_security_group_rule(t: &Tf, a: &mut Assembly) -> R<()> {
    let group = t.req("security_group_id")?;
    let ingress = t.inst.ty == "aws_vpc_security_group_ingress_rule";
    let peer = if let Some(c) = t.s("cidr_ipv4")? {
        Peer::Cidr(c)
    } else if let Some(c) = t.s("cidr_ipv6")? {
        Peer::Cidr6(c)
    } else if let Some(p) = t.s("prefix_list_id")? {
        Peer::PrefixList(p)
    } else if let Some(g) = t.s("referenced_security_group_id")? {
        Peer::Group(g)
    } else {
        return Err(err("the rule has no peer (cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id)"));
    };
    let r = sg_rule(&t.req("ip_protocol")?, t.num("from_port")?, t.num("to_port")?, &peer, t.s("description")?).map_err(err)?;
    a.sg_rule(&group, ingress, r);
    Ok(())
}

fn network_acl(t: &Tf, a: &mut Assembly) -> R<()> {
    let default = t.inst.ty == "aws_default_network_acl";
    let id = if default { t.req("default_network_acl_id")? } else { t.id() };
    a.network_acl(m::NetworkAcl {
        id: id.clone(),
        vpc: t.s("vpc_id")?.unwrap_or_default(),
        placement: t.placement(),
        is_default: default,
        subnets: Vec::new(),
        entries: Vec::new(),
        tags: t.tags(),
        origin: t.origin(),
    });
    for (key, egress) in [("ingress", false), ("egress", true)] {
        for b in t.blocks(key) {
            let ports = match (b.num("from_port")?, b.num("to_port")?) {
                (Some(0), Some(0)) | (None, None) => None,
                (f, to) => Some((f.unwrap_or(0), to.unwrap_or(65535))),
            };
            let icmp = match (b.num("icmp_type")?, b.num("icmp_code")?) {
                (None, None) => None,
                (x, y) => Some((x.unwrap_or(-1), y.unwrap_or(-1))),
            };
            let e = nacl_entry(
                b.num("rule_no")?.unwrap_or(0),
                egress,
                &b.req("action")?,
                &b.req("protocol")?,
                ports,
                icmp,
                b.s("cidr_block")?.as_deref(),
                b.s("ipv6_cidr_block")?.as_deref(),
            )
            .map_err(err)?;
            a.nacl_entry(&id, e);
        }
    }
    for s in t.list("subnet_ids")? {
        a.associate_nacl(&id, &s);
    }
    Ok(())
}

fn instance(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let mut groups = t.list("vpc_security_group_ids")?;
    groups.extend(t.list("security_groups")?.into_iter().filter(|g| g.starts_with("sg-")));
    let mut subnet = t.s("subnet_id")?;
    let attached = t.blocks("network_interface");
    for b in &attached {
        let index = b.num("device_index")?.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
        a.attach_interface(&b.req("network_interface_id")?, &id, index);
    }
    if attached.iter().all(|b| b.num("device_index").ok().flatten() != Some(0)) {
        let Some(s) = subnet.clone() else {
            return Err(err(
                "the instance names no subnet_id or network_interface: it would launch in the default VPC, which is not in the inputs",
            ));
        };
        let mut ips: Vec<Ipv4Addr> = t.s("private_ip")?.map(|p| ip(&p, "private_ip")).transpose()?.into_iter().collect();
        for p in t.list("secondary_private_ips")? {
            ips.push(ip(&p, "secondary_private_ips")?);
        }
        let eni = t.s("primary_network_interface_id").ok().flatten().unwrap_or_else(|| t.derived("eni-", 0));
        let public = match t.value("associate_public_ip_address", false) {
            Ok(Some(Value::Bool(b))) => Some(b),
            _ => None,
        };
        // A public address the state already knows is used as it is.
        let known_public = t.s("public_ip").ok().flatten().map(|p| ip(&p, "public_ip")).transpose()?;
        let public = if known_public.is_some() { Some(false) } else { public };
        if let Some(p) = known_public {
            let allocation = format!("public-{eni}");
            a.eip(Eip { allocation: allocation.clone(), address: Some(p), origin: t.origin() });
            a.eip_association(EipAssociation { allocation, target: eni.clone(), private_ip: None, origin: t.origin() });
        }
        a.interface(InterfaceRequest {
            id: eni.clone(),
            subnet: s.clone(),
            owner: m::EniOwner::Instance(id.clone()),
            interface_type: "interface".into(),
            description: None,
            count: ips.len().max(1),
            private_ips: ips,
            security_groups: groups.clone(),
            source_dest_check: t.flag("source_dest_check", true)?,
            requester_managed: false,
            public_ip_at_launch: public,
            default_security_group: true,
            tags: Vec::new(),
            origin: t.origin(),
        });
        a.attach_interface(&eni, &id, 0);
        subnet = Some(s);
    }
    let profile = t.s("iam_instance_profile").ok().flatten().map(|p| {
        if p.starts_with("arn:") {
            p
        } else {
            let account = t.placement().account.unwrap_or_default();
            format!("arn:aws:iam::{account}:instance-profile/{p}")
        }
    });
    a.instance(m::Instance {
        id,
        state: t.s("instance_state").ok().flatten().unwrap_or_else(|| "running".into()),
        subnet,
        vpc: None,
        placement: t.placement(),
        network_interfaces: Vec::new(),
        private_ip: None,
        public_ip: None,
        security_groups: groups,
        iam_instance_profile: profile,
        image_id: t.s("ami").ok().flatten(),
        platform: None,
        tags: t.tags(),
        origin: t.origin(),
    });
    Ok(())
}

fn network_interface(t: &Tf, a: &mut Assembly) -> R<()> {
    let id = t.id();
    let mut ips: Vec<Ipv4Addr> = Vec::new();
    if let Some(p) = t.s("private_ip")? {
        ips.push(ip(&p, "private_ip")?);
    }
    for p in t.list("private_ips")? {
        let x = ip(&p, "private_ips")?;
        if !ips.contains(&x) {
            ips.push(x);
        }
    }
    a.interface(InterfaceRequest {
        id: id.clone(),
        subnet: t.req("subnet_id")?,
        owner: m::EniOwner::Other(String::new()),
        interface_type: t.s("interface_type")?.unwrap_or_else(|| "interface".into()),
        description: t.s("description")?,
        count: ips.len().max(1),
        private_ips: ips,
        security_groups: t.list("security_groups")?,
        source_dest_check: t.flag("source_dest_check", true)?,
        requester_managed: false,
        public_ip_at_launch: Some(false),
        default_security_group: true,
        tags: t.tags(),
        origin: t.origin(),
    });
    for b in t.blocks("attachment") {
        let index = b.num("device_index")?.and_then(|n| u32::try_from(n).ok()).unwrap_or(1);
        a.attach_interface(&id, &b.req("instance")?, index);
    }
    Ok(())
}

fn network_firewall(t: &Tf, a: &mut Assembly) -> R<()> {
    let vpc = t.req("vpc_id")?;
    let name = t.s("name")?.unwrap_or_else(|| t.inst.address.to_string());
    let mut known: BTreeMap<String, String> = BTreeMap::new();
    for st in t.blocks("firewall_status") {
        for s in st.blocks("sync_states") {
            for att in s.blocks("attachment") {
                if let (Some(sub), Some(ep)) = (att.s("subnet_id")?, att.s("endpoint_id")?) {
                    known.insert(sub, ep);
                }
            }
        }
    }
    for b in t.blocks("subnet_mapping") {
        let subnet = b.req("subnet_id")?;
        let id = known.get(&subnet).cloned().unwrap_or_else(|| format!("vpce-{}.{subnet}", t.inst.address));
        a.vpc_endpoint(m::VpcEndpoint {
            id,
            vpc: vpc.clone(),
            placement: t.placement(),
            endpoint_type: m::VpcEndpointType::GatewayLoadBalancer,
            service_name: format!("network-firewall:{name}"),
            subnets: vec![subnet],
            network_interfaces: Vec::new(),
            security_groups: Vec::new(),
            route_tables: Vec::new(),
            private_dns_enabled: false,
            policy_document: None,
            tags: t.tags(),
            origin: t.origin(),
        });
    }
    Ok(())
}
