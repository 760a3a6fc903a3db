//! Reading one snapshot file: parse the JSON, dispatch each top-level key to its converter,
//! convert record by record, and collect what could not be read.

use super::convert::{self, FieldError, RecordContext};
use super::location;
use super::shapes as s;
use koban_model as m;
use koban_model::{Diagnostic, Origin, Severity, Unknown};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

/// One converted record.
pub enum Item {
    Vpc(m::Vpc),
    Subnet(m::Subnet),
    RouteTable(m::RouteTable),
    InternetGateway(m::InternetGateway),
    NatGateway(m::NatGateway),
    VpcEndpoint(m::VpcEndpoint),
    SecurityGroup(m::SecurityGroup),
    NetworkAcl(m::NetworkAcl),
    NetworkInterface(m::NetworkInterface),
    Instance(m::Instance),
    PrefixList(m::PrefixList),
    PrefixListEntries {
        id: String,
        cidrs: Vec<ipnet::Ipv4Net>,
    },
    VpcPeeringConnection(m::VpcPeeringConnection),
    TransitGateway(m::TransitGateway),
    TransitGatewayAttachment(m::TransitGatewayAttachment),
    TransitGatewayVpcAttachment(m::TransitGatewayAttachment),
    TransitGatewayRouteTable(m::TransitGatewayRouteTable),
    TransitGatewayRoutes {
        table: String,
        routes: Vec<m::TransitGatewayRoute>,
        origin: Origin,
    },
    TransitGatewayPropagations {
        table: String,
        propagations: Vec<m::TransitGatewayPropagation>,
    },
    VpnGateway(m::VpnGateway),
    VpnConnection(m::VpnConnection),
    CustomerGateway(m::CustomerGateway),
    DirectConnectGateway(m::DirectConnectGateway),
    DirectConnectAssociation {
        gateway: String,
        association: m::DirectConnectGatewayAssociation,
    },
    LoadBalancer(m::LoadBalancer),
    EndpointService(m::VpcEndpointService),
    Address {
        eni: String,
        private_ip: Ipv4Addr,
        public_ip: Ipv4Addr,
    },
    /// IAM, Organizations and resource-policy records (`access`).
    Access(Box<super::access::AccessItem>),
    /// Route 53 Resolver and hosted-zone records (`dns`).
    Dns(Box<super::dns::DnsItem>),
    /// Security services, Cognito and Patch Manager records (`services`).
    Service(Box<super::services::ServiceItem>),
}

/// What one file yielded.
#[derive(Default)]
pub struct FileItems {
    /// True when the file was valid JSON.
    pub parsed: bool,
    pub items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
    pub unknowns: Vec<Unknown>,
}

/// Keys that carry no network semantics: accepted without comment.
const INFORMATIONAL_KEYS: &[&str] = &[
    "NextToken",
    "AdditionalRoutesAvailable",
    "ResponseMetadata",
    "AvailabilityZones",
    "Tags",
    "InstanceStatuses",
    "DhcpOptions",
    "PlacementGroups",
    "Hosts",
    "MovingAddressStatuses",
    "ClassicLinkInstances",
    "ServiceDetails",
    "ServiceNames",
];

/// Keys koban recognises but does not model yet: reported as unknowns when non-empty.
const UNMODELLED_KEYS: &[(&str, &str)] = &[
    ("DBInstances", "RDS instances are not modelled as endpoints (their ENIs are, when present in NetworkInterfaces)"),
    ("DomainStatusList", "OpenSearch domains are not modelled as endpoints (their ENIs are, when present in NetworkInterfaces)"),
    ("TargetGroups", "load balancer target groups are not modelled"),
    ("LoadBalancerListeners", "load balancer listeners are not modelled"),
    ("Listeners", "load balancer listeners are not modelled"),
    ("LoadBalancerTargetHealth", "load balancer target health is not modelled"),
    ("TargetHealthDescriptions", "load balancer target health is not modelled"),
    ("LoadBalancerAttributes", "load balancer attributes are not modelled"),
    ("Attributes", "load balancer attributes are not modelled"),
    ("VirtualInterfaces", "Direct Connect virtual interfaces are not modelled (Direct Connect gateways are)"),
    ("FirewallPolicies", "AWS Network Firewall policies are not modelled"),
    ("Firewalls", "AWS Network Firewall firewalls are listed but not described (add the output of describe-firewall for each)"),
    ("CarrierGateways", "carrier gateways are not modelled"),
    ("LocalGatewayRouteTables", "local gateways (Outposts) are not modelled"),
];

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Null => true,
        _ => false,
    }
}

struct Reader {
    /// The file's path, shared by every origin made in it.
    file: Arc<str>,
    stem: String,
    cx_account: Option<String>,
    cx_region: Option<String>,
    out: FileItems,
}

impl Reader {
    fn cx(&self, pointer: &str) -> RecordContext {
        RecordContext { origin: Origin::new(&self.file, pointer), account: self.cx_account.clone(), region: self.cx_region.clone() }
    }

    fn error(&mut self, pointer: String, message: String, resource: Option<String>) {
        self.out.diagnostics.push(Diagnostic { severity: Severity::Error, origin: Origin::new(&self.file, pointer), message, resource });
    }

    /// Deserialize one record, reporting the exact path of a shape error.
    fn shape<T: DeserializeOwned>(&mut self, v: &Value, pointer: &str, id_key: &str) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(v) {
            Ok(t) => Some(t),
            Err(e) => {
                let inner = e.path().to_string();
                let field = if inner == "." { String::new() } else { format!("/{}", inner.replace('.', "/")) };
                let id = v.get(id_key).and_then(Value::as_str).map(str::to_string);
                let msg = format!("{}: {}", if field.is_empty() { "record" } else { "field" }, e.inner());
                self.error(format!("{pointer}{field}"), format!("{msg} (expected the AWS CLI shape of {id_key} records)"), id);
                None
            }
        }
    }

    fn field_error(&mut self, pointer: &str, id: Option<String>, e: FieldError) {
        self.error(format!("{pointer}{}", e.field), format!("expected {}", e.expected), id);
    }

    /// Convert every element of the array under `key`.
    fn each<T: DeserializeOwned>(
        &mut self,
        key: &str,
        v: &Value,
        id_key: &str,
        conv: impl Fn(T, &RecordContext) -> Result<Option<m_item::Converted>, FieldError>,
    ) {
        let Some(arr) = v.as_array() else {
            self.error(format!("/{key}"), format!("expected an array of {key} records, got {}", super::source::json_kind(v)), None);
            return;
        };
        for (i, rec) in arr.iter().enumerate() {
            let pointer = format!("/{key}/{i}");
            let id = rec.get(id_key).and_then(Value::as_str).map(str::to_string);
            let Some(shape) = self.shape::<T>(rec, &pointer, id_key) else {
                continue;
            };
            let cx = self.cx(&pointer);
            match conv(shape, &cx) {
                Ok(Some(item)) => self.out.items.push(item.0),
                Ok(None) => {}
                Err(e) => self.field_error(&pointer, id, e),
            }
        }
    }
}

/// A converted item, wrapped so converters can share one signature.
mod m_item {
    pub struct Converted(pub super::Item);
}
use m_item::Converted;

/// What the IAM, Organizations, resource-policy and DNS readers need to know of a file (its
/// fields borrowed one by one, so that the reader's output stays writable).
macro_rules! source {
    ($r:expr) => {
        super::source::Source {
            file: &$r.file[..],
            stem: &$r.stem,
            dir: std::path::Path::new(&*$r.file).parent().and_then(|d| d.file_name()).and_then(|d| d.to_str()).unwrap_or_default(),
            account: $r.cx_account.as_deref(),
            region: $r.cx_region.as_deref(),
        }
    };
}

macro_rules! wrap {
    ($f:path, $variant:ident) => {
        |x, cx: &RecordContext| $f(x, cx).map(|o| o.map(|v| Converted(Item::$variant(v))))
    };
}

/// The `schema` of the manifest `koban collect` writes beside a snapshot; the reader skips it.
pub const COLLECT_MANIFEST_SCHEMA: &str = "koban/collect-manifest/v1";

/// Read and convert one file. `relative` is its path below the snapshot root (for account
/// and region).
pub fn read_file(path: &Path, relative: &Path) -> FileItems {
    let file = path.display().to_string();
    let loc = location::from_path(relative);
    let mut r = Reader {
        file: Arc::from(file),
        stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        cx_account: loc.account,
        cx_region: loc.region,
        out: FileItems::default(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            r.error(String::new(), format!("cannot read file: {e}"), None);
            return r.out;
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            r.error(
                format!("line {} column {}", e.line(), e.column()),
                format!("malformed JSON: {e} (expected the unmodified output of an AWS CLI call)"),
                None,
            );
            return r.out;
        }
    };
    r.out.parsed = true;
    let Value::Object(obj) = &value else {
        r.error(
            String::new(),
            format!("expected a JSON object with AWS CLI top-level keys (e.g. \"Vpcs\"), got {}", super::source::json_kind(&value)),
            None,
        );
        return r.out;
    };
    // `koban collect`'s manifest.json, beside the files it collected: not AWS CLI output.
    if obj.get("schema").and_then(Value::as_str) == Some(COLLECT_MANIFEST_SCHEMA) {
        return r.out;
    }
    if super::access::read_object(&source!(r), obj, &mut r.out) {
        return r.out;
    }
    if super::dns::read_object(&source!(r), obj, &mut r.out) {
        return r.out;
    }
    if super::services::read_object(&source!(r), obj, &mut r.out) {
        return r.out;
    }
    if let (Some(fw), Some(status)) = (obj.get("Firewall"), obj.get("FirewallStatus")) {
        network_firewall(&mut r, fw, status);
    }
    for (key, v) in obj {
        if matches!(key.as_str(), "Firewall" | "FirewallStatus" | "UpdateToken") && obj.contains_key("FirewallStatus") {
            continue;
        }
        dispatch_key(&mut r, key, v);
    }
    r.out
}

fn dispatch_key(r: &mut Reader, key: &str, v: &Value) {
    match key {
        "Vpcs" => r.each::<s::Vpc>(key, v, "VpcId", wrap!(convert::vpc, Vpc)),
        "Subnets" => r.each::<s::Subnet>(key, v, "SubnetId", wrap!(convert::subnet, Subnet)),
        "RouteTables" => r.each::<s::RouteTable>(key, v, "RouteTableId", wrap!(convert::route_table, RouteTable)),
        "InternetGateways" => r.each::<s::InternetGateway>(key, v, "InternetGatewayId", wrap!(convert::internet_gateway, InternetGateway)),
        "EgressOnlyInternetGateways" => r.each::<s::EgressOnlyInternetGateway>(
            key,
            v,
            "EgressOnlyInternetGatewayId",
            wrap!(convert::egress_only_internet_gateway, InternetGateway),
        ),
        "NatGateways" => r.each::<s::NatGateway>(key, v, "NatGatewayId", wrap!(convert::nat_gateway, NatGateway)),
        "VpcEndpoints" => r.each::<s::VpcEndpoint>(key, v, "VpcEndpointId", wrap!(convert::vpc_endpoint, VpcEndpoint)),
        "SecurityGroups" => r.each::<s::SecurityGroup>(key, v, "GroupId", wrap!(convert::security_group, SecurityGroup)),
        "NetworkAcls" => r.each::<s::NetworkAcl>(key, v, "NetworkAclId", wrap!(convert::network_acl, NetworkAcl)),
        "NetworkInterfaces" => {
            r.each::<s::NetworkInterface>(key, v, "NetworkInterfaceId", wrap!(convert::network_interface, NetworkInterface))
        }
        "Reservations" => reservations(r, v),
        "PrefixLists" | "ManagedPrefixLists" => prefix_lists(r, key, v),
        "Entries" if r.stem.starts_with("pl-") => prefix_list_entries(r, v),
        "VpcPeeringConnections" => r.each::<s::VpcPeeringConnection>(
            key,
            v,
            "VpcPeeringConnectionId",
            wrap!(convert::vpc_peering_connection, VpcPeeringConnection),
        ),
        "TransitGateways" => r.each::<s::TransitGateway>(key, v, "TransitGatewayId", wrap!(convert::transit_gateway, TransitGateway)),
        "TransitGatewayAttachments" => r.each::<s::TransitGatewayAttachment>(
            key,
            v,
            "TransitGatewayAttachmentId",
            wrap!(convert::transit_gateway_attachment, TransitGatewayAttachment),
        ),
        "TransitGatewayVpcAttachments" => r.each::<s::TransitGatewayVpcAttachment>(
            key,
            v,
            "TransitGatewayAttachmentId",
            wrap!(convert::transit_gateway_vpc_attachment, TransitGatewayVpcAttachment),
        ),
        "TransitGatewayRouteTables" => r.each::<s::TransitGatewayRouteTable>(
            key,
            v,
            "TransitGatewayRouteTableId",
            wrap!(convert::transit_gateway_route_table, TransitGatewayRouteTable),
        ),
        "TransitGatewayStaticRoutes" => wrapped_tgw_routes(r, v),
        "TransitGatewayPropagations" => wrapped_tgw_propagations(r, v),
        "Routes" if r.stem.starts_with("tgw-rtb-") => {
            let table = r.stem.clone();
            tgw_routes(r, &table, v, "/Routes");
        }
        "AdditionalRoutesAvailable" if v.as_bool() == Some(true) => {
            let table = r.stem.clone();
            truncated_routes(r, &table, "/AdditionalRoutesAvailable");
        }
        "TransitGatewayRouteTablePropagations" if r.stem.starts_with("tgw-rtb-") => {
            let table = r.stem.clone();
            tgw_propagations(r, &table, v, "/TransitGatewayRouteTablePropagations");
        }
        "VpnGateways" => r.each::<s::VpnGateway>(key, v, "VpnGatewayId", wrap!(convert::vpn_gateway, VpnGateway)),
        "VpnConnections" => r.each::<s::VpnConnection>(key, v, "VpnConnectionId", wrap!(convert::vpn_connection, VpnConnection)),
        "CustomerGateways" => r.each::<s::CustomerGateway>(key, v, "CustomerGatewayId", wrap!(convert::customer_gateway, CustomerGateway)),
        "DirectConnectGateways" | "directConnectGateways" => r.each::<s::DirectConnectGateway>(
            key,
            v,
            "DirectConnectGatewayId",
            wrap!(convert::direct_connect_gateway, DirectConnectGateway),
        ),
        "DirectConnectGatewayAssociations" | "directConnectGatewayAssociations" => {
            r.each::<s::DirectConnectGatewayAssociation>(key, v, "DirectConnectGatewayId", |x, _| {
                convert::direct_connect_association(&x)
                    .map(|o| o.map(|(gateway, association)| Converted(Item::DirectConnectAssociation { gateway, association })))
            })
        }
        "LoadBalancers" => r.each::<s::LoadBalancer>(key, v, "LoadBalancerArn", wrap!(convert::load_balancer, LoadBalancer)),
        "ServiceConfigurations" => {
            r.each::<s::ServiceConfiguration>(key, v, "ServiceName", wrap!(convert::endpoint_service, EndpointService))
        }
        "Addresses" => addresses(r, v),
        k if super::services::read_key(&source!(r), k, v, &mut r.out) => {}
        k if super::access::read_key(&source!(r), k, v, &mut r.out) => {}
        k if super::dns::read_key(&source!(r), k, v, &mut r.out) => {}
        k if INFORMATIONAL_KEYS.contains(&k) => {}
        k => {
            if let Some((_, reason)) = UNMODELLED_KEYS.iter().find(|(u, _)| *u == k) {
                if !is_empty_collection(v) {
                    r.out.unknowns.push(Unknown {
                        resource: format!("{k} in {}", r.file),
                        reason: reason.to_string(),
                        origin: Some(Origin::new(&r.file, format!("/{k}"))),
                    });
                }
            } else {
                r.out.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    origin: Origin::new(&r.file, format!("/{k}")),
                    message: format!("unknown top-level key {k:?}: expected the output of an AWS CLI call koban reads (see docs/snapshot.md); this part of the file is not modelled"),
                    resource: None,
                });
                if !is_empty_collection(v) {
                    r.out.unknowns.push(Unknown {
                        resource: format!("{k} in {}", r.file),
                        reason: "unsupported input: not modelled by koban".into(),
                        origin: Some(Origin::new(&r.file, format!("/{k}"))),
                    });
                }
            }
        }
    }
}

fn reservations(r: &mut Reader, v: &Value) {
    let Some(arr) = v.as_array() else {
        r.error("/Reservations".into(), format!("expected an array of reservations, got {}", super::source::json_kind(v)), None);
        return;
    };
    for (i, res) in arr.iter().enumerate() {
        let owner = res.get("OwnerId").and_then(Value::as_str).map(str::to_string);
        let Some(instances) = res.get("Instances").and_then(Value::as_array) else {
            r.error(format!("/Reservations/{i}/Instances"), "expected an array of instances".into(), None);
            continue;
        };
        for (j, inst) in instances.iter().enumerate() {
            let pointer = format!("/Reservations/{i}/Instances/{j}");
            let id = inst.get("InstanceId").and_then(Value::as_str).map(str::to_string);
            let Some(shape) = r.shape::<s::Instance>(inst, &pointer, "InstanceId") else {
                continue;
            };
            let cx = r.cx(&pointer);
            match convert::instance(shape, owner.as_ref(), &cx) {
                Ok(Some(x)) => r.out.items.push(Item::Instance(x)),
                Ok(None) => {}
                Err(e) => r.field_error(&pointer, id, e),
            }
        }
    }
}

fn prefix_lists(r: &mut Reader, key: &str, v: &Value) {
    let Some(arr) = v.as_array() else {
        r.error(format!("/{key}"), format!("expected an array of prefix lists, got {}", super::source::json_kind(v)), None);
        return;
    };
    for (i, rec) in arr.iter().enumerate() {
        let pointer = format!("/{key}/{i}");
        let id = rec.get("PrefixListId").and_then(Value::as_str).map(str::to_string);
        let cx = r.cx(&pointer);
        let converted = if rec.get("Cidrs").is_some() {
            r.shape::<s::PrefixList>(rec, &pointer, "PrefixListId").map(|x| convert::prefix_list(x, &cx))
        } else {
            if rec.get("Entries").is_none() {
                r.out.unknowns.push(Unknown {
                    resource: id.clone().unwrap_or_default(),
                    reason: "managed prefix list entries are not in the snapshot (add the output of get-managed-prefix-list-entries)"
                        .into(),
                    origin: Some(Origin::new(&r.file, pointer.clone())),
                });
                continue;
            }
            r.shape::<s::ManagedPrefixList>(rec, &pointer, "PrefixListId").map(|x| convert::managed_prefix_list(x, &cx))
        };
        match converted {
            Some(Ok(Some(pl))) => r.out.items.push(Item::PrefixList(pl)),
            Some(Ok(None)) | None => {}
            Some(Err(e)) => r.field_error(&pointer, id, e),
        }
    }
}

fn prefix_list_entries(r: &mut Reader, v: &Value) {
    let id = r.stem.clone();
    let Some(entries) = r.shape::<Vec<s::PrefixListEntry>>(v, "/Entries", "Cidr") else {
        return;
    };
    let mut cidrs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.cidr.contains(':') {
            continue;
        }
        match e.cidr.parse::<ipnet::Ipv4Net>() {
            Ok(n) => cidrs.push(n.trunc()),
            Err(_) => r.error(format!("/Entries/{i}/Cidr"), format!("expected an IPv4 CIDR block, got {:?}", e.cidr), Some(id.clone())),
        }
    }
    r.out.items.push(Item::PrefixListEntries { id, cidrs });
}

fn tgw_routes(r: &mut Reader, table: &str, v: &Value, base: &str) {
    let Some(routes) = r.shape::<Vec<s::TransitGatewayRoute>>(v, base, "DestinationCidrBlock") else {
        return;
    };
    let cx = r.cx(base);
    let mut out = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        match convert::transit_gateway_route(route, &format!("{base}/{i}"), &cx) {
            Ok(Some(x)) => out.push(x),
            Ok(None) => {}
            Err(e) => r.error(e.field, format!("expected {}", e.expected), Some(table.to_string())),
        }
    }
    r.out.items.push(Item::TransitGatewayRoutes { table: table.to_string(), routes: out, origin: Origin::new(&r.file, base) });
}

fn tgw_propagations(r: &mut Reader, table: &str, v: &Value, base: &str) {
    let Some(props) = r.shape::<Vec<s::TgwPropagation>>(v, base, "TransitGatewayAttachmentId") else {
        return;
    };
    r.out.items.push(Item::TransitGatewayPropagations {
        table: table.to_string(),
        propagations: props.iter().map(convert::propagation).collect(),
    });
}

fn wrapped_tgw_routes(r: &mut Reader, v: &Value) {
    let Some(tables) = r.shape::<Vec<Value>>(v, "/TransitGatewayStaticRoutes", "TransitGatewayRouteTableId") else {
        return;
    };
    for (i, t) in tables.iter().enumerate() {
        let base = format!("/TransitGatewayStaticRoutes/{i}");
        let Some(table) = t.get("TransitGatewayRouteTableId").and_then(Value::as_str) else {
            r.error(format!("{base}/TransitGatewayRouteTableId"), "expected a transit gateway route table id".into(), None);
            continue;
        };
        let routes = t.get("Routes").cloned().unwrap_or(Value::Array(vec![]));
        if t.get("AdditionalRoutesAvailable").and_then(Value::as_bool) == Some(true) {
            truncated_routes(r, table, &format!("{base}/AdditionalRoutesAvailable"));
        }
        tgw_routes(r, table, &routes, &format!("{base}/Routes"));
    }
}

/// `search-transit-gateway-routes` stops at 1000 routes: a file that says more are available
/// does not hold the whole table.
fn truncated_routes(r: &mut Reader, table: &str, pointer: &str) {
    r.out.unknowns.push(Unknown {
        resource: table.to_string(),
        reason: "the routes file is truncated (AdditionalRoutesAvailable: true); routes beyond it are not in the snapshot".into(),
        origin: Some(Origin::new(&r.file, pointer)),
    });
}

fn wrapped_tgw_propagations(r: &mut Reader, v: &Value) {
    let Some(tables) = r.shape::<Vec<s::TgwPropagationsOfTable>>(v, "/TransitGatewayPropagations", "TransitGatewayRouteTableId") else {
        return;
    };
    for t in tables {
        r.out.items.push(Item::TransitGatewayPropagations {
            table: t.transit_gateway_route_table_id.clone(),
            propagations: t.transit_gateway_route_table_propagations.iter().map(convert::propagation).collect(),
        });
    }
}

fn addresses(r: &mut Reader, v: &Value) {
    let Some(list) = r.shape::<Vec<s::Address>>(v, "/Addresses", "PublicIp") else {
        return;
    };
    for (i, a) in list.iter().enumerate() {
        match convert::address(a, &format!("/Addresses/{i}")) {
            Ok(Some((eni, private_ip, public_ip))) => r.out.items.push(Item::Address { eni, private_ip, public_ip }),
            Ok(None) => {}
            Err(e) => r.error(e.field, format!("expected {}", e.expected), a.public_ip.clone()),
        }
    }
}

/// `aws network-firewall describe-firewall`: each Availability Zone's firewall endpoint
/// becomes an inspection endpoint (a Gateway Load Balancer endpoint managed by the service).
fn network_firewall(r: &mut Reader, fw: &Value, status: &Value) {
    let name = fw.get("FirewallName").and_then(Value::as_str).unwrap_or("firewall").to_string();
    let Some(vpc) = fw.get("VpcId").and_then(Value::as_str) else {
        r.error("/Firewall/VpcId".into(), "expected the firewall's VPC id".into(), Some(name));
        return;
    };
    let Some(states) = status.get("SyncStates").and_then(Value::as_object) else {
        r.out.unknowns.push(Unknown {
            resource: name.clone(),
            reason: "firewall without SyncStates: its endpoints are not known".into(),
            origin: Some(Origin::new(&r.file, "/FirewallStatus")),
        });
        return;
    };
    for (az, st) in states {
        let pointer = format!("/FirewallStatus/SyncStates/{az}/Attachment");
        let att = st.get("Attachment");
        let (Some(endpoint), Some(subnet)) =
            (att.and_then(|a| a.get("EndpointId")).and_then(Value::as_str), att.and_then(|a| a.get("SubnetId")).and_then(Value::as_str))
        else {
            r.error(pointer, "expected EndpointId and SubnetId of the firewall endpoint".into(), Some(name.clone()));
            continue;
        };
        let cx = r.cx(&pointer);
        r.out.items.push(Item::VpcEndpoint(m::VpcEndpoint {
            id: endpoint.to_string(),
            vpc: vpc.to_string(),
            placement: m::Placement { account: r.cx_account.clone(), region: r.cx_region.clone() },
            endpoint_type: m::VpcEndpointType::GatewayLoadBalancer,
            service_name: format!("network-firewall:{name}"),
            subnets: vec![subnet.to_string()],
            network_interfaces: Vec::new(),
            security_groups: Vec::new(),
            route_tables: Vec::new(),
            private_dns_enabled: false,
            policy_document: None,
            tags: Vec::new(),
            origin: cx.origin,
        }));
    }
}
