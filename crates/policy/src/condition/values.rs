//! Typing of condition values and request values: numbers, ISO 8601 / epoch dates, IP
//! addresses and CIDRs, base64 binaries, booleans, and the patterns string and ARN operators
//! match with.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::arn::ArnPattern;
use crate::ast::TypedValue;
use crate::condition::operator::{OperatorFamily, OperatorKind};
use crate::pattern::{Pattern, PatternSyntax};

/// Prepares one condition value for `kind`; `variables` is true under Version 2012-10-17.
pub fn type_value(kind: OperatorKind, text: &str, variables: bool) -> TypedValue {
    match kind.family() {
        OperatorFamily::String => {
            let wildcards = matches!(kind, OperatorKind::StringLike | OperatorKind::StringNotLike);
            let ignore_case = matches!(kind, OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase);
            TypedValue::Text(Pattern::compile(text, PatternSyntax { wildcards, variables, ignore_case }))
        }
        OperatorFamily::Bool => TypedValue::Text(Pattern::compile(text, PatternSyntax { wildcards: false, variables, ignore_case: true })),
        OperatorFamily::Numeric => parse_number(text).map_or(TypedValue::Invalid, TypedValue::Number),
        OperatorFamily::Date => parse_date(text).map_or(TypedValue::Invalid, TypedValue::Date),
        OperatorFamily::Ip => parse_cidr(text).map_or(TypedValue::Invalid, TypedValue::Ip),
        OperatorFamily::Binary => decode_base64(text).map_or(TypedValue::Invalid, TypedValue::Binary),
        OperatorFamily::Arn => TypedValue::Arn(ArnPattern::compile(text, variables)),
        OperatorFamily::Null => match text.to_ascii_lowercase().as_str() {
            "true" => TypedValue::Null(true),
            "false" => TypedValue::Null(false),
            _ => TypedValue::Invalid,
        },
        OperatorFamily::Unknown => TypedValue::Invalid,
    }
}

/// Parses a decimal number (integer or float) the way `Numeric*` operators read it.
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Parses an IP address or CIDR block; a bare address is a /32 (IPv4) or /128 (IPv6).
pub fn parse_cidr(text: &str) -> Option<IpNet> {
    let t = text.trim();
    if let Ok(net) = t.parse::<IpNet>() {
        return Some(net);
    }
    t.parse::<IpAddr>().ok().map(IpNet::from)
}

/// Parses a request's IP address value (a bare address, or a CIDR whose address is used).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    t.parse::<IpAddr>().ok().or_else(|| t.parse::<IpNet>().ok().map(|n| n.addr()))
}

/// Parses a date as AWS accepts it: epoch seconds, or a W3C ISO 8601 profile
/// (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.s…]]` with `Z` or `±hh:mm`).
/// Returns milliseconds since the Unix epoch.
pub fn parse_date(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().and_then(|s| s.checked_mul(1000));
    }
    let b = t.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = t.get(from..from + len)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    let (mut month, mut day) = (1, 1);
    let mut pos = 4;
    if b.get(pos) == Some(&b'-') {
        month = num(5, 2)?;
        pos = 7;
        if b.get(pos) == Some(&b'-') {
            day = num(8, 2)?;
            pos = 10;
        }
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut millis_of_day = 0i64;
    let mut offset_minutes = 0i64;
    if pos < b.len() {
        if !matches!(b[pos], b'T' | b't') || pos != 10 {
            return None;
        }
        let hour = num(11, 2)?;
        if b.get(13) != Some(&b':') {
            return None;
        }
        let minute = num(14, 2)?;
        pos = 16;
        let mut second = 0;
        let mut frac_ms = 0i64;
        if b.get(pos) == Some(&b':') {
            second = num(17, 2)?;
            pos = 19;
            if b.get(pos) == Some(&b'.') {
                pos += 1;
                let start = pos;
                while pos < b.len() && b[pos].is_ascii_digit() {
                    pos += 1;
                }
                if pos == start {
                    return None;
                }
                let digits = &t[start..pos.min(start + 3)];
                let scale = 10i64.pow(3 - digits.len() as u32);
                frac_ms = digits.parse::<i64>().ok()? * scale;
            }
        }
        if hour > 24 || minute > 59 || second > 60 {
            return None;
        }
        millis_of_day = ((hour * 60 + minute) * 60 + second) * 1000 + frac_ms;
        match b.get(pos) {
            None => {}
            Some(b'Z' | b'z') if pos + 1 == b.len() => {}
            Some(&sign @ (b'+' | b'-')) => {
                let oh = num(pos + 1, 2)?;
                let om = if b.get(pos + 3) == Some(&b':') {
                    if pos + 6 != b.len() {
                        return None;
                    }
                    num(pos + 4, 2)?
                } else if pos + 5 == b.len() {
                    num(pos + 3, 2)?
                } else {
                    return None;
                };
                offset_minutes = (oh * 60 + om) * if sign == b'+' { 1 } else { -1 };
            }
            _ => return None,
        }
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400_000 + millis_of_day - offset_minutes * 60_000)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Decodes standard base64 (with or without padding); `None` if it is not base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let t = text.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2020-01-01T01:00:00+01:00"), parse_date("2020-01-01T00:00:00Z"));
        assert_eq!(parse_date("2020-01-01T00:00:00.5Z"), Some(1_577_836_800_500));
        // a bare number is epoch seconds, never a year
        assert_eq!(parse_date("2020"), Some(2_020_000));
        assert_eq!(parse_date("2020-01-01T00:00"), parse_date("2020-01-01"));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2020-01-01T00:00:00Zjunk"), None);
    }

    #[test]
    fn numbers_ips_binary() {
        assert_eq!(parse_number("10"), Some(10.0));
        assert_eq!(parse_number("1.5"), Some(1.5));
        assert_eq!(parse_number("ten"), None);
        assert!(parse_cidr("203.0.113.0/24").is_some());
        assert!(parse_cidr("2001:DB8:1234:5678::/64").is_some());
        assert_eq!(parse_cidr("10.0.0.1").map(|n| n.prefix_len()), Some(32));
        assert_eq!(decode_base64("QmluYXJ5VmFsdWU="), Some(b"BinaryValue".to_vec()));
        assert_eq!(decode_base64("QmluYXJ5VmFsdWU"), Some(b"BinaryValue".to_vec()));
        assert_eq!(decode_base64("not base64!"), None);
    }
}
