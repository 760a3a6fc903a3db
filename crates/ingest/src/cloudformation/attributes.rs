//! What `Ref` and `Fn::GetAtt` return for each resource type before deployment. Ids AWS
//! assigns become stable symbolic ids made of AWS's own prefix and the logical id
//! (`vpc-ProdVpc`, `subnet-AppA`, `tgw-attach-Attachment`; in a nested stack or when two
//! loaded stacks share a logical id, the stack comes first: `vpc-Spoke1VpcStack.VPC`), so
//! engines that dispatch on prefixes accept them and answers name the template's logical ids.
//! Attributes that echo a property (a VPC's `CidrBlock`, a subnet's `AvailabilityZone`) are
//! read from the evaluated properties; the rest are unknown until deployment.

use super::value::{Val, V};
use super::yaml::Pos;

/// The stack a resource lives in, for ARNs and implicit ids.
#[derive(Debug, Clone)]
pub struct Place {
    pub region: String,
    pub account: String,
    pub partition: String,
    pub stack: String,
}

/// The id prefix AWS uses for a resource type's physical id.
pub fn prefix(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "AWS::EC2::VPC" => "vpc-",
        "AWS::EC2::VPCCidrBlock" => "vpc-cidr-assoc-",
        "AWS::EC2::Subnet" => "subnet-",
        "AWS::EC2::RouteTable" => "rtb-",
        "AWS::EC2::Route" => "rtb-route-",
        "AWS::EC2::SubnetRouteTableAssociation" | "AWS::EC2::GatewayRouteTableAssociation" => "rtbassoc-",
        "AWS::EC2::InternetGateway" => "igw-",
        "AWS::EC2::VPCGatewayAttachment" => "gwattach-",
        "AWS::EC2::EgressOnlyInternetGateway" => "eigw-",
        "AWS::EC2::NatGateway" => "nat-",
        "AWS::EC2::EIPAssociation" => "eipassoc-",
        "AWS::EC2::TransitGateway" => "tgw-",
        "AWS::EC2::TransitGatewayAttachment" | "AWS::EC2::TransitGatewayVpcAttachment" => "tgw-attach-",
        "AWS::EC2::TransitGatewayRouteTable" => "tgw-rtb-",
        "AWS::EC2::TransitGatewayRoute" => "tgw-route-",
        "AWS::EC2::TransitGatewayRouteTableAssociation" => "tgw-rtb-assoc-",
        "AWS::EC2::TransitGatewayRouteTablePropagation" => "tgw-rtb-prop-",
        "AWS::EC2::VPNConnection" => "vpn-",
        "AWS::EC2::VPNConnectionRoute" => "vpn-route-",
        "AWS::EC2::VPNGateway" => "vgw-",
        "AWS::EC2::VPNGatewayRoutePropagation" => "vgw-prop-",
        "AWS::EC2::CustomerGateway" => "cgw-",
        "AWS::EC2::VPCEndpoint" => "vpce-",
        "AWS::EC2::VPCEndpointService" => "vpce-svc-",
        "AWS::EC2::SecurityGroup" => "sg-",
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => "sgr-",
        "AWS::EC2::NetworkAcl" => "acl-",
        "AWS::EC2::NetworkAclEntry" => "acl-entry-",
        "AWS::EC2::SubnetNetworkAclAssociation" => "aclassoc-",
        "AWS::EC2::Instance" => "i-",
        "AWS::EC2::NetworkInterface" => "eni-",
        "AWS::EC2::NetworkInterfaceAttachment" => "eni-attach-",
        "AWS::EC2::VPCPeeringConnection" => "pcx-",
        "AWS::EC2::PrefixList" => "pl-",
        _ => return None,
    })
}

/// The symbolic id of a resource: prefix + (qualifier.) + logical id.
pub fn symbolic(prefix: &str, base: &str) -> String {
    format!("{prefix}{base}")
}

fn name_or(props: Option<&Val>, key: &str, base: &str) -> String {
    props.and_then(|p| p.get(key)).and_then(Val::as_str).map(str::to_string).unwrap_or_else(|| base.replace('.', "-"))
}

/// The ARN of a load balancer declared in the template.
pub fn load_balancer_arn(place: &Place, base: &str, props: Option<&Val>) -> String {
    let kind = match props.and_then(|p| p.get("Type")).and_then(Val::as_str) {
        Some("gateway") => "gwy",
        Some("network") => "net",
        _ => "app",
    };
    format!(
        "arn:{}:elasticloadbalancing:{}:{}:loadbalancer/{kind}/{}/{base}",
        place.partition,
        place.region,
        place.account,
        name_or(props, "Name", base)
    )
}

/// The name of an endpoint service declared in the template.
pub fn endpoint_service_name(place: &Place, base: &str) -> String {
    format!("com.amazonaws.vpce.{}.{}", place.region, symbolic("vpce-svc-", base))
}

/// The ids of a Network Firewall's endpoints, one per subnet mapping: `(az or subnet, vpce id)`.
pub fn firewall_endpoints(base: &str, zones: &[String]) -> Vec<(String, String)> {
    zones.iter().map(|z| (z.clone(), format!("vpce-{base}.{z}"))).collect()
}

/// `Ref`: the physical id (or what the type returns instead).
pub fn reference(ty: &str, base: &str, props: Option<&Val>, place: &Place, pos: Pos) -> Val {
    if let Some(v) = super::service_attributes::reference(ty, base, props, place, pos) {
        return v;
    }
    if let Some(p) = prefix(ty) {
        return Val::str(symbolic(p, base), pos);
    }
    match ty {
        "AWS::EC2::EIP" => match props.and_then(|p| p.get("Address")).and_then(Val::as_str) {
            Some(a) => Val::str(a, pos),
            None => Val::unknown(format!("the public IPv4 address of Elastic IP {base}, assigned at deployment"), pos),
        },
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => Val::str(load_balancer_arn(place, base, props), pos),
        "AWS::NetworkFirewall::Firewall" => Val::str(
            format!(
                "arn:{}:network-firewall:{}:{}:firewall/{}",
                place.partition,
                place.region,
                place.account,
                name_or(props, "FirewallName", base)
            ),
            pos,
        ),
        "AWS::CloudFormation::Stack" => Val::str(
            format!("arn:{}:cloudformation:{}:{}:stack/{}-{base}/symbolic", place.partition, place.region, place.account, place.stack),
            pos,
        ),
        _ => Val::unknown(format!("the physical id of {base} ({ty}), known after deployment"), pos),
    }
}

fn prop(props: Option<&Val>, key: &str, pos: Pos, base: &str) -> Val {
    match props.and_then(|p| p.get(key)) {
        Some(v) => Val { v: v.v.clone(), pos },
        None => Val::unknown(format!("{base}.{key} is chosen by AWS at deployment"), pos),
    }
}

/// `Fn::GetAtt`.
pub fn attribute(ty: &str, base: &str, attr: &str, props: Option<&Val>, place: &Place, pos: Pos) -> Val {
    if let Some(v) = super::service_attributes::attribute(ty, base, attr, props, place, pos) {
        return v;
    }
    let own = || reference(ty, base, props, place, pos);
    let list = |items: Vec<String>| Val::new(V::List(items.into_iter().map(|s| Val::str(s, pos)).collect()), pos);
    match (ty, attr) {
        ("AWS::EC2::VPC", "VpcId") | ("AWS::EC2::Subnet", "SubnetId") | ("AWS::EC2::SecurityGroup", "GroupId") => own(),
        ("AWS::EC2::NatGateway", "NatGatewayId") | ("AWS::EC2::Instance", "InstanceId") | ("AWS::EC2::NetworkInterface", "Id") => own(),
        ("AWS::EC2::TransitGateway", "Id")
        | ("AWS::EC2::TransitGatewayAttachment", "Id")
        | ("AWS::EC2::TransitGatewayVpcAttachment", "Id") => own(),
        ("AWS::EC2::TransitGatewayRouteTable", "TransitGatewayRouteTableId")
        | ("AWS::EC2::VPCEndpoint", "Id")
        | ("AWS::EC2::PrefixList", "PrefixListId") => own(),
        ("AWS::EC2::InternetGateway", "InternetGatewayId") | ("AWS::EC2::RouteTable", "RouteTableId") | ("AWS::EC2::NetworkAcl", "Id") => {
            own()
        }
        ("AWS::EC2::VPNGateway", "VPNGatewayId")
        | ("AWS::EC2::VPNConnection", "VpnConnectionId")
        | ("AWS::EC2::CustomerGateway", "CustomerGatewayId") => own(),
        ("AWS::EC2::VPCPeeringConnection", "Id") | ("AWS::EC2::EgressOnlyInternetGateway", "Id") => own(),
        ("AWS::EC2::VPC", "CidrBlock") | ("AWS::EC2::Subnet", "CidrBlock") | ("AWS::EC2::Subnet", "AvailabilityZone") => {
            prop(props, attr, pos, base)
        }
        ("AWS::EC2::Subnet", "VpcId") | ("AWS::EC2::SecurityGroup", "VpcId") | ("AWS::EC2::Instance", "AvailabilityZone") => {
            prop(props, attr, pos, base)
        }
        ("AWS::EC2::NetworkInterface", "PrimaryPrivateIpAddress") => prop(props, "PrivateIpAddress", pos, base),
        ("AWS::EC2::Instance", "PrivateIp") => prop(props, "PrivateIpAddress", pos, base),
        ("AWS::EC2::VPC", "DefaultSecurityGroup") => Val::str(format!("sg-{base}.default"), pos),
        ("AWS::EC2::VPC", "DefaultNetworkAcl") => Val::str(format!("acl-{base}.default"), pos),
        ("AWS::EC2::VPC", "CidrBlockAssociations") => list(vec![format!("vpc-cidr-assoc-{base}")]),
        ("AWS::EC2::EIP", "AllocationId") => Val::str(format!("eipalloc-{base}"), pos),
        ("AWS::EC2::EIP", "PublicIp") => own(),
        ("AWS::EC2::VPCEndpoint", "NetworkInterfaceIds") => {
            let n = props.and_then(|p| p.get("SubnetIds")).and_then(Val::as_list).map(|l| l.len()).unwrap_or(0);
            list((0..n).map(|i| format!("eni-{base}.{i}")).collect())
        }
        ("AWS::EC2::VPCEndpointService", "ServiceId") => own(),
        ("AWS::EC2::VPCEndpointService", "ServiceName") => Val::str(endpoint_service_name(place, base), pos),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn") => own(),
        ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerName") => Val::str(name_or(props, "Name", base), pos),
        ("AWS::NetworkFirewall::Firewall", "FirewallArn") => own(),
        ("AWS::NetworkFirewall::Firewall", "FirewallId") => Val::str(format!("firewall-{base}"), pos),
        ("AWS::NetworkFirewall::Firewall", "EndpointIds") => {
            let zones = firewall_zones(props);
            list(firewall_endpoints(base, &zones).into_iter().map(|(z, e)| format!("{z}:{e}")).collect())
        }
        _ => Val::unknown(format!("{base}.{attr} ({ty}) is known only after deployment"), pos),
    }
}

/// The zones (or, where the subnet's zone is not known here, the subnet ids) of a firewall's
/// subnet mappings, in declaration order.
pub fn firewall_zones(props: Option<&Val>) -> Vec<String> {
    props
        .and_then(|p| p.get("SubnetMappings"))
        .and_then(Val::as_list)
        .map(|l| l.iter().filter_map(|m| m.get("SubnetId").and_then(Val::as_str).map(str::to_string)).collect())
        .unwrap_or_default()
}
