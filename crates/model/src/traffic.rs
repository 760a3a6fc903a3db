//! What traffic a security-group rule, network-ACL entry or query talks about: IP protocol,
//! TCP/UDP port ranges and ICMP type/code, normalised from AWS's `IpProtocol`/`FromPort`/
//! `ToPort` conventions (where `-1` means "all").

use serde::Serialize;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    pub const ALL: PortRange = PortRange { from: 0, to: 65535 };
    pub fn new(from: u16, to: u16) -> Self {
        PortRange { from, to }
    }
    pub fn single(p: u16) -> Self {
        PortRange { from: p, to: p }
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from)
        } else {
            write!(f, "{}-{}", self.from, self.to)
        }
    }
}

/// The traffic a rule matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum TrafficMatch {
    /// Every protocol and port (`IpProtocol: "-1"`).
    All,
    /// TCP to the destination ports given.
    Tcp { ports: PortRange },
    /// UDP to the destination ports given.
    Udp { ports: PortRange },
    /// ICMP (IPv4); `None` for type or code means any.
    Icmp { icmp_type: Option<u8>, code: Option<u8> },
    /// ICMPv6; recorded, not evaluated for IPv4 traffic.
    Icmpv6 { icmp_type: Option<u8>, code: Option<u8> },
    /// Another IP protocol by number, all of it.
    Other { number: u8 },
    /// A rule AWS accepts but that can match nothing (e.g. ICMP code without a type).
    Nothing,
}

/// Error turning AWS protocol/port fields into a [`TrafficMatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficError(pub String);

impl std::fmt::Display for TrafficError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parse AWS's protocol field: a name (`tcp`, `udp`, `icmp`, `icmpv6`), a number as text, or
/// `-1`/`all` for every protocol. Returns `None` for "all".
pub fn parse_ip_protocol(s: &str) -> Result<Option<u8>, TrafficError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => Ok(None),
        "tcp" => Ok(Some(PROTO_TCP)),
        "udp" => Ok(Some(PROTO_UDP)),
        "icmp" => Ok(Some(PROTO_ICMP)),
        "icmpv6" => Ok(Some(PROTO_ICMPV6)),
        other => other
            .parse::<u8>()
            .map(Some)
            .map_err(|_| TrafficError(format!("unknown IP protocol {other:?} (expected tcp, udp, icmp, icmpv6, -1 or a number 0-255)"))),
    }
}

fn port_bound(v: Option<i64>, default: u16, field: &str) -> Result<u16, TrafficError> {
    match v {
        None | Some(-1) => Ok(default),
        Some(p) if (0..=65535).contains(&p) => Ok(p as u16),
        Some(p) => Err(TrafficError(format!("{field} {p} is out of range (expected -1 or 0-65535)"))),
    }
}

fn icmp_field(v: Option<i64>, field: &str) -> Result<Option<u8>, TrafficError> {
    match v {
        None | Some(-1) => Ok(None),
        Some(p) if (0..=255).contains(&p) => Ok(Some(p as u8)),
        Some(p) => Err(TrafficError(format!("{field} {p} is out of range for ICMP (expected -1 or 0-255)"))),
    }
}

impl TrafficMatch {
    /// Build from a security-group permission (`IpProtocol`, `FromPort`, `ToPort`). For ICMP,
    /// `FromPort` is the type and `ToPort` the code, as in the EC2 API.
    pub fn from_sg_fields(protocol: Option<u8>, from: Option<i64>, to: Option<i64>) -> Result<Self, TrafficError> {
        Ok(match protocol {
            None => TrafficMatch::All,
            Some(PROTO_TCP) => {
                TrafficMatch::Tcp { ports: PortRange::new(port_bound(from, 0, "FromPort")?, port_bound(to, 65535, "ToPort")?) }
            }
            Some(PROTO_UDP) => {
                TrafficMatch::Udp { ports: PortRange::new(port_bound(from, 0, "FromPort")?, port_bound(to, 65535, "ToPort")?) }
            }
            Some(PROTO_ICMP) => {
                let t = icmp_field(from, "ICMP type")?;
                let c = icmp_field(to, "ICMP code")?;
                if t.is_none() && c.is_some() {
                    TrafficMatch::Nothing
                } else {
                    TrafficMatch::Icmp { icmp_type: t, code: c }
                }
            }
            Some(PROTO_ICMPV6) => TrafficMatch::Icmpv6 { icmp_type: icmp_field(from, "ICMP type")?, code: icmp_field(to, "ICMP code")? },
            Some(n) => TrafficMatch::Other { number: n },
        })
    }

    /// Build from a network-ACL entry (`Protocol`, `PortRange`, `IcmpTypeCode`).
    pub fn from_nacl_fields(protocol: Option<u8>, ports: Option<(i64, i64)>, icmp: Option<(i64, i64)>) -> Result<Self, TrafficError> {
        Ok(match protocol {
            None => TrafficMatch::All,
            Some(PROTO_TCP) | Some(PROTO_UDP) => {
                let (f, t) = ports.map(|(f, t)| (Some(f), Some(t))).unwrap_or((None, None));
                let range = PortRange::new(port_bound(f, 0, "PortRange.From")?, port_bound(t, 65535, "PortRange.To")?);
                if protocol == Some(PROTO_TCP) {
                    TrafficMatch::Tcp { ports: range }
                } else {
                    TrafficMatch::Udp { ports: range }
                }
            }
            Some(PROTO_ICMP) => {
                let (t, c) = icmp.map(|(t, c)| (Some(t), Some(c))).unwrap_or((None, None));
                TrafficMatch::Icmp { icmp_type: icmp_field(t, "IcmpTypeCode.Type")?, code: icmp_field(c, "IcmpTypeCode.Code")? }
            }
            Some(PROTO_ICMPV6) => {
                let (t, c) = icmp.map(|(t, c)| (Some(t), Some(c))).unwrap_or((None, None));
                TrafficMatch::Icmpv6 { icmp_type: icmp_field(t, "IcmpTypeCode.Type")?, code: icmp_field(c, "IcmpTypeCode.Code")? }
            }
            Some(n) => TrafficMatch::Other { number: n },
        })
    }
}

impl std::fmt::Display for TrafficMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let opt = |o: &Option<u8>| o.map(|v| v.to_string()).unwrap_or_else(|| "any".into());
        match self {
            TrafficMatch::All => write!(f, "all traffic"),
            TrafficMatch::Tcp { ports } => write!(f, "tcp/{ports}"),
            TrafficMatch::Udp { ports } => write!(f, "udp/{ports}"),
            TrafficMatch::Icmp { icmp_type, code } => {
                write!(f, "icmp type {} code {}", opt(icmp_type), opt(code))
            }
            TrafficMatch::Icmpv6 { icmp_type, code } => {
                write!(f, "icmpv6 type {} code {}", opt(icmp_type), opt(code))
            }
            TrafficMatch::Other { number } => write!(f, "ip protocol {number}"),
            TrafficMatch::Nothing => write!(f, "nothing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sg_fields_follow_batfish_fixture_semantics() {
        // SecurityGroupTest.json rule 6: FromPort -1, ToPort 50 => tcp 0-50
        assert_eq!(TrafficMatch::from_sg_fields(Some(6), Some(-1), Some(50)).unwrap(), TrafficMatch::Tcp { ports: PortRange::new(0, 50) });
        // rule 7: FromPort 30, ToPort -1 => tcp 30-65535
        assert_eq!(
            TrafficMatch::from_sg_fields(Some(6), Some(30), Some(-1)).unwrap(),
            TrafficMatch::Tcp { ports: PortRange::new(30, 65535) }
        );
        // rule 11: ICMP code without type matches nothing
        assert_eq!(TrafficMatch::from_sg_fields(Some(1), Some(-1), Some(9)).unwrap(), TrafficMatch::Nothing);
        assert_eq!(
            TrafficMatch::from_sg_fields(Some(1), Some(8), Some(-1)).unwrap(),
            TrafficMatch::Icmp { icmp_type: Some(8), code: None }
        );
        assert!(TrafficMatch::from_sg_fields(Some(6), Some(70000), Some(1)).is_err());
    }

    #[test]
    fn protocol_names_and_numbers() {
        assert_eq!(parse_ip_protocol("-1").unwrap(), None);
        assert_eq!(parse_ip_protocol("tcp").unwrap(), Some(6));
        assert_eq!(parse_ip_protocol("17").unwrap(), Some(17));
        assert!(parse_ip_protocol("bogus").is_err());
    }
}
