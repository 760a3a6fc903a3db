//! EC2 (`aws ec2 describe-*`, `search-transit-gateway-routes`,
//! `get-transit-gateway-route-table-propagations`, `get-managed-prefix-list-entries`).

use super::{time, Obj};
use aws_sdk_ec2::types as t;
use serde_json::Value;

fn tags(o: Obj, tags: &[t::Tag]) -> Obj {
    o.list("Tags", tags, |x| Obj::new().s("Key", x.key()).s("Value", x.value()).build())
}

fn state_obj(state: Option<&str>) -> Option<Value> {
    state.map(|s| Obj::new().s("State", Some(s)).build())
}

pub fn vpc(v: &t::Vpc) -> Value {
    let o = Obj::new()
        .s("VpcId", v.vpc_id())
        .s("OwnerId", v.owner_id())
        .s("CidrBlock", v.cidr_block())
        .e("State", v.state())
        .s("DhcpOptionsId", v.dhcp_options_id())
        .e("InstanceTenancy", v.instance_tenancy())
        .b("IsDefault", v.is_default())
        .list("CidrBlockAssociationSet", v.cidr_block_association_set(), |c| {
            Obj::new()
                .s("AssociationId", c.association_id())
                .s("CidrBlock", c.cidr_block())
                .v("CidrBlockState", state_obj(c.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str())))
                .build()
        })
        .list("Ipv6CidrBlockAssociationSet", v.ipv6_cidr_block_association_set(), |c| {
            Obj::new()
                .s("AssociationId", c.association_id())
                .s("Ipv6CidrBlock", c.ipv6_cidr_block())
                .v("Ipv6CidrBlockState", state_obj(c.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str())))
                .build()
        });
    tags(o, v.tags()).build()
}

pub fn subnet(s: &t::Subnet) -> Value {
    let o = Obj::new()
        .s("SubnetId", s.subnet_id())
        .s("SubnetArn", s.subnet_arn())
        .s("VpcId", s.vpc_id())
        .s("OwnerId", s.owner_id())
        .s("AvailabilityZone", s.availability_zone())
        .s("AvailabilityZoneId", s.availability_zone_id())
        .s("CidrBlock", s.cidr_block())
        .i("AvailableIpAddressCount", s.available_ip_address_count())
        .e("State", s.state())
        .b("DefaultForAz", s.default_for_az())
        .b("MapPublicIpOnLaunch", s.map_public_ip_on_launch())
        .list("Ipv6CidrBlockAssociationSet", s.ipv6_cidr_block_association_set(), |c| {
            Obj::new()
                .s("AssociationId", c.association_id())
                .s("Ipv6CidrBlock", c.ipv6_cidr_block())
                .v("Ipv6CidrBlockState", state_obj(c.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str())))
                .build()
        });
    tags(o, s.tags()).build()
}

fn route(r: &t::Route) -> Value {
    Obj::new()
        .s("DestinationCidrBlock", r.destination_cidr_block())
        .s("DestinationIpv6CidrBlock", r.destination_ipv6_cidr_block())
        .s("DestinationPrefixListId", r.destination_prefix_list_id())
        .s("GatewayId", r.gateway_id())
        .s("EgressOnlyInternetGatewayId", r.egress_only_internet_gateway_id())
        .s("NatGatewayId", r.nat_gateway_id())
        .s("TransitGatewayId", r.transit_gateway_id())
        .s("VpcPeeringConnectionId", r.vpc_peering_connection_id())
        .s("NetworkInterfaceId", r.network_interface_id())
        .s("InstanceId", r.instance_id())
        .s("InstanceOwnerId", r.instance_owner_id())
        .s("LocalGatewayId", r.local_gateway_id())
        .s("CarrierGatewayId", r.carrier_gateway_id())
        .s("CoreNetworkArn", r.core_network_arn())
        .e("Origin", r.origin())
        .e("State", r.state())
        .build()
}

pub fn route_table(rt: &t::RouteTable) -> Value {
    let o = Obj::new()
        .s("RouteTableId", rt.route_table_id())
        .s("VpcId", rt.vpc_id())
        .s("OwnerId", rt.owner_id())
        .list("Associations", rt.associations(), |a| {
            Obj::new()
                .b("Main", a.main())
                .s("RouteTableAssociationId", a.route_table_association_id())
                .s("RouteTableId", a.route_table_id())
                .s("SubnetId", a.subnet_id())
                .s("GatewayId", a.gateway_id())
                .v("AssociationState", state_obj(a.association_state().and_then(|s| s.state()).map(|s| s.as_str())))
                .build()
        })
        .list("PropagatingVgws", rt.propagating_vgws(), |p| Obj::new().s("GatewayId", p.gateway_id()).build())
        .list("Routes", rt.routes(), route);
    tags(o, rt.tags()).build()
}

fn attachment(a: &t::InternetGatewayAttachment) -> Value {
    Obj::new().s("VpcId", a.vpc_id()).e("State", a.state()).build()
}

pub fn internet_gateway(g: &t::InternetGateway) -> Value {
    let o = Obj::new().s("InternetGatewayId", g.internet_gateway_id()).s("OwnerId", g.owner_id()).list(
        "Attachments",
        g.attachments(),
        attachment,
    );
    tags(o, g.tags()).build()
}

pub fn egress_only_internet_gateway(g: &t::EgressOnlyInternetGateway) -> Value {
    let o =
        Obj::new().s("EgressOnlyInternetGatewayId", g.egress_only_internet_gateway_id()).list("Attachments", g.attachments(), attachment);
    tags(o, g.tags()).build()
}

pub fn nat_gateway(n: &t::NatGateway) -> Value {
    let o = Obj::new()
        .s("NatGatewayId", n.nat_gateway_id())
        .s("VpcId", n.vpc_id())
        .s("SubnetId", n.subnet_id())
        .e("State", n.state())
        .e("ConnectivityType", n.connectivity_type())
        .v("CreateTime", time(n.create_time()))
        .list("NatGatewayAddresses", n.nat_gateway_addresses(), |a| {
            Obj::new()
                .s("AllocationId", a.allocation_id())
                .s("NetworkInterfaceId", a.network_interface_id())
                .s("PrivateIp", a.private_ip())
                .s("PublicIp", a.public_ip())
                .b("IsPrimary", a.is_primary())
                .build()
        });
    tags(o, n.tags()).build()
}

pub fn address(a: &t::Address) -> Value {
    let o = Obj::new()
        .s("PublicIp", a.public_ip())
        .s("AllocationId", a.allocation_id())
        .s("AssociationId", a.association_id())
        .e("Domain", a.domain())
        .s("InstanceId", a.instance_id())
        .s("NetworkInterfaceId", a.network_interface_id())
        .s("NetworkInterfaceOwnerId", a.network_interface_owner_id())
        .s("PrivateIpAddress", a.private_ip_address());
    tags(o, a.tags()).build()
}

fn ip_permission(p: &t::IpPermission) -> Value {
    Obj::new()
        .s("IpProtocol", p.ip_protocol())
        .i("FromPort", p.from_port())
        .i("ToPort", p.to_port())
        .list("IpRanges", p.ip_ranges(), |r| Obj::new().s("CidrIp", r.cidr_ip()).s("Description", r.description()).build())
        .list("Ipv6Ranges", p.ipv6_ranges(), |r| Obj::new().s("CidrIpv6", r.cidr_ipv6()).s("Description", r.description()).build())
        .list("PrefixListIds", p.prefix_list_ids(), |r| {
            Obj::new().s("PrefixListId", r.prefix_list_id()).s("Description", r.description()).build()
        })
        .list("UserIdGroupPairs", p.user_id_group_pairs(), |r| {
            Obj::new()
                .s("GroupId", r.group_id())
                .s("GroupName", r.group_name())
                .s("UserId", r.user_id())
                .s("VpcId", r.vpc_id())
                .s("VpcPeeringConnectionId", r.vpc_peering_connection_id())
                .s("PeeringStatus", r.peering_status())
                .s("Description", r.description())
                .build()
        })
        .build()
}

pub fn security_group(g: &t::SecurityGroup) -> Value {
    let o = Obj::new()
        .s("GroupId", g.group_id())
        .s("GroupName", g.group_name())
        .s("Description", g.description())
        .s("VpcId", g.vpc_id())
        .s("OwnerId", g.owner_id())
        .list("IpPermissions", g.ip_permissions(), ip_permission)
        .list("IpPermissionsEgress", g.ip_permissions_egress(), ip_permission);
    tags(o, g.tags()).build()
}

pub fn network_acl(n: &t::NetworkAcl) -> Value {
    let o = Obj::new()
        .s("NetworkAclId", n.network_acl_id())
        .s("VpcId", n.vpc_id())
        .s("OwnerId", n.owner_id())
        .b("IsDefault", n.is_default())
        .list("Associations", n.associations(), |a| {
            Obj::new()
                .s("NetworkAclAssociationId", a.network_acl_association_id())
                .s("NetworkAclId", a.network_acl_id())
                .s("SubnetId", a.subnet_id())
                .build()
        })
        .list("Entries", n.entries(), |e| {
            Obj::new()
                .i("RuleNumber", e.rule_number())
                .b("Egress", e.egress())
                .s("Protocol", e.protocol())
                .e("RuleAction", e.rule_action())
                .s("CidrBlock", e.cidr_block())
                .s("Ipv6CidrBlock", e.ipv6_cidr_block())
                .v("PortRange", e.port_range().map(|p| Obj::new().i("From", p.from()).i("To", p.to()).build()))
                .v("IcmpTypeCode", e.icmp_type_code().map(|c| Obj::new().i("Code", c.code()).i("Type", c.r#type()).build()))
                .build()
        });
    tags(o, n.tags()).build()
}

fn group_identifier(g: &t::GroupIdentifier) -> Value {
    Obj::new().s("GroupId", g.group_id()).s("GroupName", g.group_name()).build()
}

fn eni_association(a: &t::NetworkInterfaceAssociation) -> Value {
    Obj::new()
        .s("PublicIp", a.public_ip())
        .s("PublicDnsName", a.public_dns_name())
        .s("IpOwnerId", a.ip_owner_id())
        .s("AllocationId", a.allocation_id())
        .s("AssociationId", a.association_id())
        .build()
}

pub fn network_interface(n: &t::NetworkInterface) -> Value {
    let o = Obj::new()
        .s("NetworkInterfaceId", n.network_interface_id())
        .s("SubnetId", n.subnet_id())
        .s("VpcId", n.vpc_id())
        .s("OwnerId", n.owner_id())
        .s("AvailabilityZone", n.availability_zone())
        .e("InterfaceType", n.interface_type())
        .s("Description", n.description())
        .s("MacAddress", n.mac_address())
        .s("PrivateIpAddress", n.private_ip_address())
        .s("PrivateDnsName", n.private_dns_name())
        .s("RequesterId", n.requester_id())
        .b("RequesterManaged", n.requester_managed())
        .b("SourceDestCheck", n.source_dest_check())
        .e("Status", n.status())
        .v("Association", n.association().map(eni_association))
        .v(
            "Attachment",
            n.attachment().map(|a| {
                Obj::new()
                    .s("AttachmentId", a.attachment_id())
                    .s("InstanceId", a.instance_id())
                    .s("InstanceOwnerId", a.instance_owner_id())
                    .i("DeviceIndex", a.device_index())
                    .e("Status", a.status())
                    .build()
            }),
        )
        .list("Groups", n.groups(), group_identifier)
        .list("PrivateIpAddresses", n.private_ip_addresses(), |p| {
            Obj::new()
                .s("PrivateIpAddress", p.private_ip_address())
                .s("PrivateDnsName", p.private_dns_name())
                .b("Primary", p.primary())
                .v("Association", p.association().map(eni_association))
                .build()
        })
        .list("TagSet", n.tag_set(), |x| Obj::new().s("Key", x.key()).s("Value", x.value()).build());
    o.build()
}

fn instance(i: &t::Instance) -> Value {
    let o = Obj::new()
        .s("InstanceId", i.instance_id())
        .s("ImageId", i.image_id())
        .e("InstanceType", i.instance_type())
        .v("State", i.state().map(|s| Obj::new().i("Code", s.code()).e("Name", s.name()).build()))
        .s("SubnetId", i.subnet_id())
        .s("VpcId", i.vpc_id())
        .s("PrivateIpAddress", i.private_ip_address())
        .s("PublicIpAddress", i.public_ip_address())
        .e("Platform", i.platform())
        .s("PlatformDetails", i.platform_details())
        .v("Placement", i.placement().map(|p| Obj::new().s("AvailabilityZone", p.availability_zone()).build()))
        .v("IamInstanceProfile", i.iam_instance_profile().map(|p| Obj::new().s("Arn", p.arn()).s("Id", p.id()).build()))
        .b("SourceDestCheck", i.source_dest_check())
        .list("SecurityGroups", i.security_groups(), group_identifier)
        .list("NetworkInterfaces", i.network_interfaces(), |n| {
            Obj::new()
                .s("NetworkInterfaceId", n.network_interface_id())
                .s("SubnetId", n.subnet_id())
                .s("VpcId", n.vpc_id())
                .s("PrivateIpAddress", n.private_ip_address())
                .s("OwnerId", n.owner_id())
                .b("SourceDestCheck", n.source_dest_check())
                .v(
                    "Attachment",
                    n.attachment().map(|a| Obj::new().i("DeviceIndex", a.device_index()).s("AttachmentId", a.attachment_id()).build()),
                )
                .build()
        });
    tags(o, i.tags()).build()
}

pub fn reservation(r: &t::Reservation) -> Value {
    Obj::new()
        .s("ReservationId", r.reservation_id())
        .s("OwnerId", r.owner_id())
        .s("RequesterId", r.requester_id())
        .list("Groups", r.groups(), group_identifier)
        .list("Instances", r.instances(), instance)
        .build()
}

pub fn vpc_endpoint(e: &t::VpcEndpoint) -> Value {
    let o = Obj::new()
        .s("VpcEndpointId", e.vpc_endpoint_id())
        .e("VpcEndpointType", e.vpc_endpoint_type())
        .s("VpcId", e.vpc_id())
        .s("OwnerId", e.owner_id())
        .s("ServiceName", e.service_name())
        .e("State", e.state())
        .s("PolicyDocument", e.policy_document())
        .strs("RouteTableIds", e.route_table_ids())
        .strs("SubnetIds", e.subnet_ids())
        .list("Groups", e.groups(), |g| Obj::new().s("GroupId", g.group_id()).s("GroupName", g.group_name()).build())
        .b("PrivateDnsEnabled", e.private_dns_enabled())
        .b("RequesterManaged", e.requester_managed())
        .strs("NetworkInterfaceIds", e.network_interface_ids())
        .list("DnsEntries", e.dns_entries(), |d| Obj::new().s("DnsName", d.dns_name()).s("HostedZoneId", d.hosted_zone_id()).build())
        .v("CreationTimestamp", time(e.creation_timestamp()));
    tags(o, e.tags()).build()
}

pub fn service_configuration(c: &t::ServiceConfiguration) -> Value {
    let o = Obj::new()
        .s("ServiceName", c.service_name())
        .s("ServiceId", c.service_id())
        .e("ServiceState", c.service_state())
        .list("ServiceType", c.service_type(), |x| Obj::new().e("ServiceType", x.service_type()).build())
        .strs("AvailabilityZones", c.availability_zones())
        .b("AcceptanceRequired", c.acceptance_required())
        .b("ManagesVpcEndpoints", c.manages_vpc_endpoints())
        .strs("GatewayLoadBalancerArns", c.gateway_load_balancer_arns())
        .strs("NetworkLoadBalancerArns", c.network_load_balancer_arns());
    tags(o, c.tags()).build()
}

pub fn prefix_list(p: &t::PrefixList) -> Value {
    Obj::new().s("PrefixListId", p.prefix_list_id()).s("PrefixListName", p.prefix_list_name()).strs("Cidrs", p.cidrs()).build()
}

pub fn managed_prefix_list(p: &t::ManagedPrefixList) -> Value {
    let o = Obj::new()
        .s("PrefixListId", p.prefix_list_id())
        .s("AddressFamily", p.address_family())
        .e("State", p.state())
        .s("PrefixListArn", p.prefix_list_arn())
        .s("PrefixListName", p.prefix_list_name())
        .i("MaxEntries", p.max_entries())
        .i("Version", p.version())
        .s("OwnerId", p.owner_id());
    tags(o, p.tags()).build()
}

pub fn prefix_list_entry(e: &t::PrefixListEntry) -> Value {
    Obj::new().s("Cidr", e.cidr()).s("Description", e.description()).build()
}

fn peering_info(i: Option<&t::VpcPeeringConnectionVpcInfo>) -> Value {
    let Some(i) = i else { return Obj::new().build() };
    Obj::new()
        .s("VpcId", i.vpc_id())
        .s("OwnerId", i.owner_id())
        .s("Region", i.region())
        .s("CidrBlock", i.cidr_block())
        .list("CidrBlockSet", i.cidr_block_set(), |c| Obj::new().s("CidrBlock", c.cidr_block()).build())
        .build()
}

pub fn vpc_peering_connection(p: &t::VpcPeeringConnection) -> Value {
    let o = Obj::new()
        .s("VpcPeeringConnectionId", p.vpc_peering_connection_id())
        .v("RequesterVpcInfo", Some(peering_info(p.requester_vpc_info())))
        .v("AccepterVpcInfo", Some(peering_info(p.accepter_vpc_info())))
        .v("Status", p.status().map(|s| Obj::new().e("Code", s.code()).s("Message", s.message()).build()));
    tags(o, p.tags()).build()
}

pub fn vpn_gateway(g: &t::VpnGateway) -> Value {
    let o = Obj::new()
        .s("VpnGatewayId", g.vpn_gateway_id())
        .e("State", g.state())
        .e("Type", g.r#type())
        .i("AmazonSideAsn", g.amazon_side_asn())
        .list("VpcAttachments", g.vpc_attachments(), |a| Obj::new().s("VpcId", a.vpc_id()).e("State", a.state()).build());
    tags(o, g.tags()).build()
}

/// A VPN connection, without `CustomerGatewayConfiguration` (it holds the tunnels' pre-shared
/// keys: secret material is never written).
pub fn vpn_connection(c: &t::VpnConnection) -> Value {
    let o = Obj::new()
        .s("VpnConnectionId", c.vpn_connection_id())
        .e("State", c.state())
        .e("Type", c.r#type())
        .s("CustomerGatewayId", c.customer_gateway_id())
        .s("VpnGatewayId", c.vpn_gateway_id())
        .s("TransitGatewayId", c.transit_gateway_id())
        .s("Category", c.category())
        .list("Routes", c.routes(), |r| {
            Obj::new().s("DestinationCidrBlock", r.destination_cidr_block()).e("Source", r.source()).e("State", r.state()).build()
        })
        .v("Options", c.options().map(|o| Obj::new().b("StaticRoutesOnly", o.static_routes_only()).build()))
        .list("VgwTelemetry", c.vgw_telemetry(), |v| {
            Obj::new()
                .s("OutsideIpAddress", v.outside_ip_address())
                .e("Status", v.status())
                .i("AcceptedRouteCount", v.accepted_route_count())
                .build()
        });
    tags(o, c.tags()).build()
}

pub fn customer_gateway(g: &t::CustomerGateway) -> Value {
    let o = Obj::new()
        .s("CustomerGatewayId", g.customer_gateway_id())
        .s("State", g.state())
        .s("Type", g.r#type())
        .s("IpAddress", g.ip_address())
        .s("BgpAsn", g.bgp_asn());
    tags(o, g.tags()).build()
}

pub fn transit_gateway(g: &t::TransitGateway) -> Value {
    let o = Obj::new()
        .s("TransitGatewayId", g.transit_gateway_id())
        .s("TransitGatewayArn", g.transit_gateway_arn())
        .s("OwnerId", g.owner_id())
        .e("State", g.state())
        .s("Description", g.description())
        .v(
            "Options",
            g.options().map(|o| {
                Obj::new()
                    .i("AmazonSideAsn", o.amazon_side_asn())
                    .e("AutoAcceptSharedAttachments", o.auto_accept_shared_attachments())
                    .e("DefaultRouteTableAssociation", o.default_route_table_association())
                    .s("AssociationDefaultRouteTableId", o.association_default_route_table_id())
                    .e("DefaultRouteTablePropagation", o.default_route_table_propagation())
                    .s("PropagationDefaultRouteTableId", o.propagation_default_route_table_id())
                    .e("VpnEcmpSupport", o.vpn_ecmp_support())
                    .e("DnsSupport", o.dns_support())
                    .build()
            }),
        );
    tags(o, g.tags()).build()
}

pub fn transit_gateway_attachment(a: &t::TransitGatewayAttachment) -> Value {
    let o = Obj::new()
        .s("TransitGatewayAttachmentId", a.transit_gateway_attachment_id())
        .s("TransitGatewayId", a.transit_gateway_id())
        .s("TransitGatewayOwnerId", a.transit_gateway_owner_id())
        .s("ResourceOwnerId", a.resource_owner_id())
        .e("ResourceType", a.resource_type())
        .s("ResourceId", a.resource_id())
        .e("State", a.state())
        .v(
            "Association",
            a.association()
                .map(|x| Obj::new().s("TransitGatewayRouteTableId", x.transit_gateway_route_table_id()).e("State", x.state()).build()),
        );
    tags(o, a.tags()).build()
}

pub fn transit_gateway_vpc_attachment(a: &t::TransitGatewayVpcAttachment) -> Value {
    let o = Obj::new()
        .s("TransitGatewayAttachmentId", a.transit_gateway_attachment_id())
        .s("TransitGatewayId", a.transit_gateway_id())
        .s("VpcId", a.vpc_id())
        .s("VpcOwnerId", a.vpc_owner_id())
        .e("State", a.state())
        .strs("SubnetIds", a.subnet_ids())
        .v(
            "Options",
            a.options().map(|o| {
                Obj::new()
                    .e("DnsSupport", o.dns_support())
                    .e("Ipv6Support", o.ipv6_support())
                    .e("ApplianceModeSupport", o.appliance_mode_support())
                    .build()
            }),
        );
    tags(o, a.tags()).build()
}

pub fn transit_gateway_route_table(r: &t::TransitGatewayRouteTable) -> Value {
    let o = Obj::new()
        .s("TransitGatewayRouteTableId", r.transit_gateway_route_table_id())
        .s("TransitGatewayId", r.transit_gateway_id())
        .e("State", r.state())
        .b("DefaultAssociationRouteTable", r.default_association_route_table())
        .b("DefaultPropagationRouteTable", r.default_propagation_route_table());
    tags(o, r.tags()).build()
}

pub fn transit_gateway_route(r: &t::TransitGatewayRoute) -> Value {
    Obj::new()
        .s("DestinationCidrBlock", r.destination_cidr_block())
        .s("PrefixListId", r.prefix_list_id())
        .list("TransitGatewayAttachments", r.transit_gateway_attachments(), |a| {
            Obj::new()
                .s("ResourceId", a.resource_id())
                .s("TransitGatewayAttachmentId", a.transit_gateway_attachment_id())
                .e("ResourceType", a.resource_type())
                .build()
        })
        .e("Type", r.r#type())
        .e("State", r.state())
        .build()
}

pub fn transit_gateway_propagation(p: &t::TransitGatewayRouteTablePropagation) -> Value {
    Obj::new()
        .s("TransitGatewayAttachmentId", p.transit_gateway_attachment_id())
        .s("ResourceId", p.resource_id())
        .e("ResourceType", p.resource_type())
        .e("State", p.state())
        .build()
}

pub fn flow_log(f: &t::FlowLog) -> Value {
    let o = Obj::new()
        .s("FlowLogId", f.flow_log_id())
        .s("FlowLogStatus", f.flow_log_status())
        .s("ResourceId", f.resource_id())
        .e("TrafficType", f.traffic_type())
        .e("LogDestinationType", f.log_destination_type())
        .s("LogDestination", f.log_destination())
        .s("LogGroupName", f.log_group_name())
        .s("LogFormat", f.log_format())
        .s("DeliverLogsStatus", f.deliver_logs_status());
    tags(o, f.tags()).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_vpc_as_the_cli_prints_it() {
        let v = t::Vpc::builder()
            .vpc_id("vpc-1")
            .owner_id("111111111111")
            .cidr_block("10.0.0.0/16")
            .state(t::VpcState::Available)
            .is_default(false)
            .cidr_block_association_set(
                t::VpcCidrBlockAssociation::builder()
                    .association_id("vpc-cidr-assoc-1")
                    .cidr_block("100.64.0.0/16")
                    .cidr_block_state(t::VpcCidrBlockState::builder().state(t::VpcCidrBlockStateCode::Associated).build())
                    .build(),
            )
            .tags(t::Tag::builder().key("Name").value("prod").build())
            .build();
        assert_eq!(
            vpc(&v),
            json!({
                "VpcId": "vpc-1", "OwnerId": "111111111111", "CidrBlock": "10.0.0.0/16", "State": "available",
                "IsDefault": false,
                "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-1", "CidrBlock": "100.64.0.0/16",
                    "CidrBlockState": {"State": "associated"}}],
                "Ipv6CidrBlockAssociationSet": [],
                "Tags": [{"Key": "Name", "Value": "prod"}]
            })
        );
    }

    #[test]
    fn a_transit_gateway_route_keeps_its_type_and_attachments() {
        let r = t::TransitGatewayRoute::builder()
            .destination_cidr_block("10.100.0.0/16")
            .r#type(t::TransitGatewayRouteType::Static)
            .state(t::TransitGatewayRouteState::Active)
            .transit_gateway_attachments(
                t::TransitGatewayRouteAttachment::builder()
                    .transit_gateway_attachment_id("tgw-attach-1")
                    .resource_id("vpn-1")
                    .resource_type(t::TransitGatewayAttachmentResourceType::Vpn)
                    .build(),
            )
            .build();
        assert_eq!(
            transit_gateway_route(&r),
            json!({"DestinationCidrBlock": "10.100.0.0/16", "Type": "static", "State": "active",
                   "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1", "ResourceId": "vpn-1", "ResourceType": "vpn"}]})
        );
    }

    #[test]
    fn vpn_connections_never_carry_the_customer_gateway_configuration() {
        let c = t::VpnConnection::builder().vpn_connection_id("vpn-1").customer_gateway_configuration("<psk>secret</psk>").build();
        let v = vpn_connection(&c);
        assert!(v.get("CustomerGatewayConfiguration").is_none());
        assert!(!v.to_string().contains("secret"));
    }
}
