//! Evaluated CloudFormation resources into the twin: typed access to properties (with the
//! line and column of a property that cannot be used), dispatch by resource type, and the
//! record of what is not modelled (unknown types, custom resources, properties known only
//! after deployment).

mod cognito;
mod compute;
mod dns;
mod edge;
mod filters;
mod iam;
mod monitoring;
mod network;
mod org;
mod resource_policies;
mod services;
mod transit;

use super::attributes::{self, prefix};
use super::stack::EvaluatedResource;
use super::value::{Val, V};
use super::yaml::Pos;
use crate::iac::Assembly;
use koban_model as m;
use koban_model::{Origin, Severity};

/// Why a resource (or one of its parts) cannot be modelled.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub pos: Pos,
    pub message: String,
    /// True when the template is valid but the value is known only after deployment.
    pub deploy_time: bool,
}

pub type R<T> = Result<T, FieldError>;

/// One evaluated resource with typed property access.
pub struct Res<'a> {
    pub r: &'a EvaluatedResource,
}

impl<'a> Res<'a> {
    /// The resource's own symbolic id.
    pub fn id(&self) -> String {
        attributes::symbolic(prefix(&self.r.ty).unwrap_or_default(), &self.r.base)
    }

    /// An id derived from the resource's for something AWS creates with it.
    pub fn derived(&self, prefix: &str, suffix: impl std::fmt::Display) -> String {
        format!("{prefix}{}.{suffix}", self.r.base)
    }

    pub fn origin(&self) -> Origin {
        self.r.origin.clone()
    }

    pub fn placement(&self) -> m::Placement {
        m::Placement { account: Some(self.r.place.account.clone()), region: Some(self.r.place.region.clone()) }
    }

    fn field(&self, key: &str) -> Option<&'a Val> {
        self.r.props.get(key)
    }

    pub fn err(&self, pos: Pos, message: impl Into<String>) -> FieldError {
        FieldError { pos, message: message.into(), deploy_time: false }
    }

    /// A text property (`None` when absent); a value known only after deployment is an error
    /// marked as such.
    pub fn opt(&self, key: &str) -> R<Option<String>> {
        text(self.field(key), key, self.r.origin_pos())
    }

    pub fn req(&self, key: &str) -> R<String> {
        self.opt(key)?.ok_or_else(|| self.err(self.r.origin_pos(), format!("{key} is required")))
    }

    /// A list of text values (a single text value counts as a list of one).
    pub fn list(&self, key: &str) -> R<Vec<String>> {
        list_of(self.field(key), key, self.r.origin_pos())
    }

    pub fn flag(&self, key: &str, default: bool) -> R<bool> {
        flag(self.field(key), key, default)
    }

    pub fn number(&self, key: &str) -> R<Option<i64>> {
        match self.opt(key)? {
            None => Ok(None),
            Some(s) => {
                s.trim().parse::<i64>().map(Some).map_err(|_| self.err(self.pos_of(key), format!("{key}: expected a number, got {s:?}")))
            }
        }
    }

    pub fn pos_of(&self, key: &str) -> Pos {
        self.field(key).map(|v| v.pos).unwrap_or_else(|| self.r.origin_pos())
    }

    /// The list of mappings under `key`.
    pub fn items(&self, key: &str) -> R<Vec<&'a Val>> {
        match self.field(key) {
            None => Ok(Vec::new()),
            Some(v) => match &v.v {
                V::List(l) => Ok(l.iter().collect()),
                V::Unknown(r) => {
                    Err(FieldError { pos: v.pos, message: format!("{key} is known only after deployment ({r})"), deploy_time: true })
                }
                _ => Err(self.err(v.pos, format!("{key}: expected a list, got {}", v.describe()))),
            },
        }
    }

    pub fn sub(&self, key: &str) -> Option<&'a Val> {
        self.field(key)
    }

    pub fn tags(&self) -> m::Tags {
        self.items("Tags")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|t| Some((t.get("Key")?.as_str()?.to_string(), t.get("Value")?.as_str()?.to_string())))
            .collect()
    }
}

impl EvaluatedResource {
    fn origin_pos(&self) -> Pos {
        let mut parts = self.origin.location.split(':');
        let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        Pos { line, column }
    }
}

/// A text value of a nested field.
pub fn text(v: Option<&Val>, key: &str, at: Pos) -> R<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) => match &v.v {
            V::Null => Ok(None),
            V::Str(s) => Ok(Some(s.clone())),
            V::Unknown(r) => {
                Err(FieldError { pos: v.pos, message: format!("{key} is known only after deployment ({r})"), deploy_time: true })
            }
            _ => Err(FieldError {
                pos: if v.pos == Pos::default() { at } else { v.pos },
                message: format!("{key}: expected text, got {}", v.describe()),
                deploy_time: false,
            }),
        },
    }
}

pub fn list_of(v: Option<&Val>, key: &str, at: Pos) -> R<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) => match &v.v {
            V::List(l) => l.iter().map(|i| text(Some(i), key, at).map(Option::unwrap_or_default)).collect(),
            _ => Ok(text(Some(v), key, at)?.into_iter().collect()),
        },
    }
}

pub fn flag(v: Option<&Val>, key: &str, default: bool) -> R<bool> {
    match text(v, key, Pos::default())? {
        None => Ok(default),
        Some(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(s) => Err(FieldError {
            pos: v.map(|v| v.pos).unwrap_or_default(),
            message: format!("{key}: expected true or false, got {s:?}"),
            deploy_time: false,
        }),
    }
}

/// A policy document property: a mapping (its intrinsic functions resolved) or a JSON string;
/// one that holds a value known only after deployment is reported as such.
pub fn document(r: &Res, key: &str) -> R<Option<m::PolicyText>> {
    document_of(r, r.sub(key), key)
}

/// A policy document value found anywhere in the resource.
pub fn document_of(r: &Res, v: Option<&Val>, key: &str) -> R<Option<m::PolicyText>> {
    let Some(v) = v else { return Ok(None) };
    if let Some(why) = v.unknown_reason() {
        return Err(FieldError { pos: v.pos, message: format!("{key} is known only after deployment ({why})"), deploy_time: true });
    }
    let pos = if v.pos == Pos::default() { r.r.origin_pos() } else { v.pos };
    let origin = Origin::new(r.r.origin.file.clone(), pos.to_string());
    match &v.v {
        V::Null | V::NoValue => Ok(None),
        V::Str(s) => crate::snapshot::access::fields::document(&serde_json::Value::String(s.clone()), origin)
            .map(Some)
            .map_err(|e| r.err(pos, format!("{key}: {e}"))),
        V::Map(_) => Ok(Some(m::PolicyText { text: v.to_json().to_string(), origin, in_string: false })),
        _ => Err(r.err(pos, format!("{key}: expected a policy document (a mapping or JSON text), got {}", v.describe()))),
    }
}

/// Types with no effect on anything the twin models that CloudFormation itself uses.
const NO_EFFECT: &[&str] = &["AWS::CloudFormation::WaitConditionHandle", "AWS::CloudFormation::WaitCondition"];

/// Add one resource to the assembly; what cannot be modelled is reported.
pub fn convert(r: &EvaluatedResource, a: &mut Assembly) {
    let res = Res { r };
    let result = match r.ty.as_str() {
        "AWS::EC2::VPC" => network::vpc(&res, a),
        "AWS::EC2::VPCCidrBlock" => network::vpc_cidr_block(&res, a),
        "AWS::EC2::Subnet" => network::subnet(&res, a),
        "AWS::EC2::RouteTable" => network::route_table(&res, a),
        "AWS::EC2::Route" => network::route(&res, a),
        "AWS::EC2::SubnetRouteTableAssociation" => network::subnet_route_table_association(&res, a),
        "AWS::EC2::GatewayRouteTableAssociation" => network::gateway_route_table_association(&res, a),
        "AWS::EC2::VPCPeeringConnection" => network::peering(&res, a),
        "AWS::EC2::PrefixList" => network::prefix_list(&res, a),
        "AWS::EC2::InternetGateway" => edge::internet_gateway(&res, a),
        "AWS::EC2::EgressOnlyInternetGateway" => edge::egress_only_internet_gateway(&res, a),
        "AWS::EC2::VPCGatewayAttachment" => edge::gateway_attachment(&res, a),
        "AWS::EC2::NatGateway" => edge::nat_gateway(&res, a),
        "AWS::EC2::EIP" => edge::eip(&res, a),
        "AWS::EC2::EIPAssociation" => edge::eip_association(&res, a),
        "AWS::EC2::VPCEndpoint" => edge::vpc_endpoint(&res, a),
        "AWS::EC2::VPCEndpointService" => edge::endpoint_service(&res, a),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => edge::load_balancer(&res, a),
        "AWS::NetworkFirewall::Firewall" => edge::network_firewall(&res, a),
        "AWS::EC2::TransitGateway" => transit::transit_gateway(&res, a),
        "AWS::EC2::TransitGatewayAttachment" | "AWS::EC2::TransitGatewayVpcAttachment" => transit::vpc_attachment(&res, a),
        "AWS::EC2::TransitGatewayRouteTable" => transit::route_table(&res, a),
        "AWS::EC2::TransitGatewayRoute" => transit::route(&res, a),
        "AWS::EC2::TransitGatewayRouteTableAssociation" => transit::association(&res, a),
        "AWS::EC2::TransitGatewayRouteTablePropagation" => transit::propagation(&res, a),
        "AWS::EC2::CustomerGateway" => transit::customer_gateway(&res, a),
        "AWS::EC2::VPNGateway" => transit::vpn_gateway(&res, a),
        "AWS::EC2::VPNConnection" => transit::vpn_connection(&res, a),
        "AWS::EC2::VPNConnectionRoute" => transit::vpn_connection_route(&res, a),
        "AWS::EC2::VPNGatewayRoutePropagation" => transit::vgw_route_propagation(&res, a),
        "AWS::EC2::SecurityGroup" => filters::security_group(&res, a),
        "AWS::EC2::SecurityGroupIngress" => filters::security_group_rule(&res, a, true),
        "AWS::EC2::SecurityGroupEgress" => filters::security_group_rule(&res, a, false),
        "AWS::EC2::NetworkAcl" => filters::network_acl(&res, a),
        "AWS::EC2::NetworkAclEntry" => filters::network_acl_entry(&res, a),
        "AWS::EC2::SubnetNetworkAclAssociation" => filters::subnet_network_acl_association(&res, a),
        "AWS::EC2::Instance" => compute::instance(&res, a),
        "AWS::EC2::NetworkInterface" => compute::network_interface(&res, a),
        "AWS::EC2::NetworkInterfaceAttachment" => compute::network_interface_attachment(&res, a),
        t if services::modelled(t) => services::convert(&res, a),
        // Nested stacks are evaluated in place; a missing template was reported then.
        "AWS::CloudFormation::Stack" => Ok(()),
        t if NO_EFFECT.contains(&t) => Ok(()),
        t if t.starts_with("Custom::") || t == "AWS::CloudFormation::CustomResource" => {
            let token = res.opt("ServiceToken").ok().flatten().unwrap_or_else(|| "a service token".into());
            a.unknown(
                r.base.clone(),
                format!("custom resource {t} (backed by {token}) runs code at deployment; whatever it changes (routes, lookups) is not modelled"),
                &r.origin,
            );
            Ok(())
        }
        t => {
            a.unknown(r.base.clone(), format!("resource type {t} is not modelled"), &r.origin);
            Ok(())
        }
    };
    if let Err(e) = result {
        let origin =
            Origin::new(r.origin.file.clone(), if e.pos == Pos::default() { r.origin.location.clone() } else { e.pos.to_string().into() });
        let id = res.id();
        let who = if prefix(&r.ty).is_none() { r.base.clone() } else { id };
        if e.deploy_time {
            a.unknown(who, format!("{} ({}): {}", r.logical, r.ty, e.message), &origin);
        } else {
            a.diagnostic(Severity::Error, &origin, format!("{} ({}): {}", r.logical, r.ty, e.message), Some(who));
        }
    }
}
