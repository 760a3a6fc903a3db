//! Elastic Load Balancing v2 (`aws elbv2 describe-load-balancers`).

use super::Obj;
use aws_sdk_elasticloadbalancingv2::types as t;
use serde_json::Value;

pub fn load_balancer(l: &t::LoadBalancer) -> Value {
    Obj::new()
        .s("LoadBalancerArn", l.load_balancer_arn())
        .s("DNSName", l.dns_name())
        .s("CanonicalHostedZoneId", l.canonical_hosted_zone_id())
        .s("LoadBalancerName", l.load_balancer_name())
        .e("Scheme", l.scheme())
        .s("VpcId", l.vpc_id())
        .v("State", l.state().map(|s| Obj::new().e("Code", s.code()).s("Reason", s.reason()).build()))
        .e("Type", l.r#type())
        .list("AvailabilityZones", l.availability_zones(), |z| {
            Obj::new()
                .s("ZoneName", z.zone_name())
                .s("SubnetId", z.subnet_id())
                .list("LoadBalancerAddresses", z.load_balancer_addresses(), |a| {
                    Obj::new()
                        .s("IpAddress", a.ip_address())
                        .s("AllocationId", a.allocation_id())
                        .s("PrivateIPv4Address", a.private_ipv4_address())
                        .build()
                })
                .build()
        })
        .strs("SecurityGroups", l.security_groups())
        .e("IpAddressType", l.ip_address_type())
        .build()
}
