//! Security-group rules and network-ACL entries as both tools declare them (protocol as a
//! name or number, `-1` for all, ports or ICMP type/code, one peer), turned into the twin's
//! rules with a message naming what was expected when a field cannot be used.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use koban_model as m;

/// The peer of one security-group rule as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    Cidr(String),
    Cidr6(String),
    PrefixList(String),
    Group(String),
}

/// Parse an IPv4 CIDR block the way AWS normalises it (host bits cleared).
pub fn v4net(s: &str) -> Result<Ipv4Net, String> {
    s.trim().parse::<Ipv4Net>().map(|n| n.trunc()).map_err(|_| format!("expected an IPv4 CIDR block such as 10.0.0.0/16, got {s:?}"))
}

pub fn v6net(s: &str) -> Result<Ipv6Net, String> {
    s.trim().parse::<Ipv6Net>().map(|n| n.trunc()).map_err(|_| format!("expected an IPv6 CIDR block, got {s:?}"))
}

/// A port or ICMP field (`-1` or absent for all).
pub fn number(s: Option<&str>, field: &str) -> Result<Option<i64>, String> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t.parse::<i64>().map(Some).map_err(|_| format!("{field}: expected a number, got {t:?}")),
    }
}

/// One security-group rule: protocol, ports (or ICMP type/code), peer.
pub fn sg_rule(protocol: &str, from: Option<i64>, to: Option<i64>, peer: &Peer, description: Option<String>) -> Result<m::SgRule, String> {
    let proto = m::parse_ip_protocol(protocol).map_err(|e| e.0)?;
    let traffic = m::TrafficMatch::from_sg_fields(proto, from, to).map_err(|e| e.0)?;
    let peer = match peer {
        Peer::Cidr(c) => m::SgPeer::Cidr(IpNet::V4(v4net(c)?)),
        Peer::Cidr6(c) => m::SgPeer::Cidr(IpNet::V6(v6net(c)?)),
        Peer::PrefixList(p) => m::SgPeer::PrefixList(p.clone()),
        Peer::Group(g) => m::SgPeer::SecurityGroup(g.clone()),
    };
    Ok(m::SgRule { traffic, peer, description, permission_index: 0 })
}

/// One network-ACL entry.
#[allow(clippy::too_many_arguments)]
pub fn nacl_entry(
    rule_number: i64,
    egress: bool,
    action: &str,
    protocol: &str,
    ports: Option<(i64, i64)>,
    icmp: Option<(i64, i64)>,
    cidr: Option<&str>,
    ipv6_cidr: Option<&str>,
) -> Result<m::NaclEntry, String> {
    let rule_number = u32::try_from(rule_number)
        .ok()
        .filter(|n| (1..=32767).contains(n))
        .ok_or_else(|| format!("RuleNumber: expected 1-32767, got {rule_number}"))?;
    let action = match action.to_ascii_lowercase().as_str() {
        "allow" => m::RuleAction::Allow,
        "deny" => m::RuleAction::Deny,
        other => return Err(format!("RuleAction: expected allow or deny, got {other:?}")),
    };
    let proto = m::parse_ip_protocol(protocol).map_err(|e| e.0)?;
    let traffic = m::TrafficMatch::from_nacl_fields(proto, ports, icmp).map_err(|e| e.0)?;
    let cidr = match (cidr, ipv6_cidr) {
        (Some(c), _) if !c.is_empty() => IpNet::V4(v4net(c)?),
        (_, Some(c)) if !c.is_empty() => IpNet::V6(v6net(c)?),
        _ => return Err("expected CidrBlock or Ipv6CidrBlock".into()),
    };
    Ok(m::NaclEntry { rule_number, egress, action, traffic, cidr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_aws_conventions() {
        let r = sg_rule("tcp", Some(443), Some(443), &Peer::Cidr("10.0.0.0/8".into()), None).unwrap();
        assert_eq!(r.traffic, m::TrafficMatch::Tcp { ports: m::PortRange::single(443) });
        let r = sg_rule("-1", None, None, &Peer::Group("sg-A".into()), None).unwrap();
        assert_eq!(r.traffic, m::TrafficMatch::All);
        assert!(sg_rule("tcp", Some(1), Some(2), &Peer::Cidr("10.0.0.0/33".into()), None).is_err());
        let e = nacl_entry(100, false, "allow", "6", Some((443, 443)), None, Some("0.0.0.0/0"), None).unwrap();
        assert_eq!(e.traffic, m::TrafficMatch::Tcp { ports: m::PortRange::single(443) });
        assert!(nacl_entry(0, false, "allow", "-1", None, None, Some("0.0.0.0/0"), None).is_err());
        assert!(nacl_entry(10, false, "maybe", "-1", None, None, Some("0.0.0.0/0"), None).is_err());
        assert_eq!(number(Some("-1"), "FromPort").unwrap(), Some(-1));
        assert!(number(Some("x"), "FromPort").is_err());
    }
}
