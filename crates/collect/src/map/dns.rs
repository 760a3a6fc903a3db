//! Route 53 Resolver (`aws route53resolver list-*`) and Route 53 hosted zones
//! (`aws route53 list-hosted-zones`, `get-hosted-zone`, `list-resource-record-sets`).

use super::Obj;
use aws_sdk_route53::types as z;
use aws_sdk_route53resolver::types as r;
use serde_json::Value;

pub fn resolver_endpoint(e: &r::ResolverEndpoint) -> Value {
    Obj::new()
        .s("Id", e.id())
        .s("Arn", e.arn())
        .s("Name", e.name())
        .s("CreatorRequestId", e.creator_request_id())
        .strs("SecurityGroupIds", e.security_group_ids())
        .e("Direction", e.direction())
        .i("IpAddressCount", e.ip_address_count())
        .s("HostVPCId", e.host_vpc_id())
        .e("Status", e.status())
        .s("StatusMessage", e.status_message())
        .list("Protocols", e.protocols(), |p| Value::String(p.as_str().to_string()))
        .e("ResolverEndpointType", e.resolver_endpoint_type())
        .build()
}

pub fn ip_address(a: &r::IpAddressResponse) -> Value {
    Obj::new()
        .s("IpId", a.ip_id())
        .s("SubnetId", a.subnet_id())
        .s("Ip", a.ip())
        .s("Ipv6", a.ipv6())
        .e("Status", a.status())
        .s("StatusMessage", a.status_message())
        .build()
}

pub fn resolver_rule(x: &r::ResolverRule) -> Value {
    Obj::new()
        .s("Id", x.id())
        .s("CreatorRequestId", x.creator_request_id())
        .s("Arn", x.arn())
        .s("DomainName", x.domain_name())
        .e("Status", x.status())
        .s("StatusMessage", x.status_message())
        .e("RuleType", x.rule_type())
        .s("Name", x.name())
        .list("TargetIps", x.target_ips(), |t| {
            Obj::new().s("Ip", t.ip()).s("Ipv6", t.ipv6()).i("Port", t.port()).e("Protocol", t.protocol()).build()
        })
        .s("ResolverEndpointId", x.resolver_endpoint_id())
        .s("OwnerId", x.owner_id())
        .e("ShareStatus", x.share_status())
        .build()
}

pub fn resolver_rule_association(a: &r::ResolverRuleAssociation) -> Value {
    Obj::new()
        .s("Id", a.id())
        .s("ResolverRuleId", a.resolver_rule_id())
        .s("Name", a.name())
        .s("VPCId", a.vpc_id())
        .e("Status", a.status())
        .s("StatusMessage", a.status_message())
        .build()
}

pub fn hosted_zone(h: &z::HostedZone) -> Value {
    Obj::new()
        .s("Id", Some(h.id()))
        .s("Name", Some(h.name()))
        .s("CallerReference", Some(h.caller_reference()))
        .v("Config", h.config().map(|c| Obj::new().s("Comment", c.comment()).b("PrivateZone", Some(c.private_zone())).build()))
        .i("ResourceRecordSetCount", h.resource_record_set_count())
        .build()
}

pub fn vpc(v: &z::Vpc) -> Value {
    Obj::new().e("VPCRegion", v.vpc_region()).s("VPCId", v.vpc_id()).build()
}

pub fn record_set(r: &z::ResourceRecordSet) -> Value {
    Obj::new()
        .s("Name", Some(r.name()))
        .s("Type", Some(r.r#type().as_str()))
        .s("SetIdentifier", r.set_identifier())
        .i("Weight", r.weight())
        .i("TTL", r.ttl())
        .list("ResourceRecords", r.resource_records(), |x| Obj::new().s("Value", Some(x.value())).build())
        .v(
            "AliasTarget",
            r.alias_target().map(|a| {
                Obj::new()
                    .s("HostedZoneId", Some(a.hosted_zone_id()))
                    .s("DNSName", Some(a.dns_name()))
                    .b("EvaluateTargetHealth", Some(a.evaluate_target_health()))
                    .build()
            }),
        )
        .build()
}
