//! Threat lists in the formats GuardDuty accepts for threat IP and entity lists: plain text
//! (one IP address, CIDR range or domain per line), STIX 2.x bundles (indicators with
//! `ipv4-addr` / `domain-name` patterns, and the observables themselves) and AlienVault OTX
//! CSV (`Indicator type,Indicator,Description`). Each entry has a category that picks the
//! GuardDuty finding type: a command-and-control server, a Tor node, a cryptocurrency pool, or
//! a plain custom entry. Lookups: exact address, longest CIDR, domain or any parent domain.

use ipnet::Ipv4Net;
use serde::Serialize;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::Path;

/// What a listed IP or domain is known for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// A user's custom threat list entry (GuardDuty `MaliciousIPCaller.Custom`).
    Custom,
    /// Command-and-control server (`Backdoor:EC2/C&CActivity.B`).
    CommandAndControl,
    /// Tor entry/relay node (`UnauthorizedAccess:EC2/TorClient`).
    Tor,
    /// Cryptocurrency mining pool (`CryptoCurrency:EC2/BitcoinTool.B`).
    Mining,
}

impl Category {
    pub fn parse(s: &str) -> Option<Category> {
        match s.to_ascii_lowercase().as_str() {
            "custom" | "malicious" => Some(Category::Custom),
            "c2" | "c&c" | "cnc" | "command-and-control" => Some(Category::CommandAndControl),
            "tor" => Some(Category::Tor),
            "mining" | "bitcoin" | "crypto" | "cryptocurrency" => Some(Category::Mining),
            _ => None,
        }
    }

    /// A category from free text (STIX labels and names, OTX descriptions).
    pub fn from_text(text: &str) -> Option<Category> {
        let t = text.to_ascii_lowercase();
        if t.contains("tor exit") || t.contains("tor node") || t.contains("tor relay") || t.contains("anonymization") || t == "tor" {
            Some(Category::Tor)
        } else if t.contains("command-and-control") || t.contains("c2") || t.contains("c&c") || t.contains("botnet") {
            Some(Category::CommandAndControl)
        } else if t.contains("mining") || t.contains("miner") || t.contains("bitcoin") || t.contains("cryptocurrency") {
            Some(Category::Mining)
        } else {
            None
        }
    }
}

/// The three list formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ListFormat {
    Txt,
    Stix,
    OtxCsv,
}

#[derive(Debug, thiserror::Error)]
pub enum ThreatListError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{file}: not a STIX 2.x bundle: {why}")]
    Stix { file: String, why: String },
    #[error("{file}: STIX 1.x XML lists are not read; export the list as STIX 2.x JSON, OTX CSV or plain text")]
    Stix1 { file: String },
    #[error("{file}: no entries")]
    Empty { file: String },
}

/// One listed indicator.
#[derive(Debug, Clone, Serialize)]
pub struct ThreatEntry {
    /// As listed: an address, a CIDR or a domain.
    pub indicator: String,
    pub category: Category,
    /// The list file.
    pub list: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Every loaded list, indexed for lookups.
#[derive(Debug, Default)]
pub struct ThreatSet {
    pub entries: Vec<ThreatEntry>,
    exact: HashMap<u32, usize>,
    /// Per prefix length (0–31), network address → entry.
    nets: Vec<(u8, HashMap<u32, usize>)>,
    domains: HashMap<String, usize>,
    /// Lines that were not understood: (file, line, text).
    pub skipped: Vec<(String, usize, String)>,
}

impl ThreatSet {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Load a list; `category` overrides what the list says about its entries.
    pub fn load(&mut self, path: &Path, category: Option<Category>) -> Result<ListFormat, ThreatListError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ThreatListError::Io { file: file.clone(), source })?;
        let before = self.entries.len();
        let format = self.load_text(&file, &text, category)?;
        if self.entries.len() == before {
            return Err(ThreatListError::Empty { file });
        }
        Ok(format)
    }

    /// Load a list from its text.
    pub fn load_text(&mut self, file: &str, text: &str, category: Option<Category>) -> Result<ListFormat, ThreatListError> {
        let head = text.trim_start();
        if head.starts_with('<') {
            return Err(ThreatListError::Stix1 { file: file.into() });
        }
        if head.starts_with('{') {
            self.load_stix(file, text, category)?;
            return Ok(ListFormat::Stix);
        }
        let first = head.lines().next().unwrap_or("").to_ascii_lowercase();
        if first.contains("indicator type") || first.starts_with("ipv4,") || first.starts_with("cidr,") || first.starts_with("domain,") {
            self.load_otx(file, text, category);
            return Ok(ListFormat::OtxCsv);
        }
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') || l.starts_with("//") {
                continue;
            }
            let value = l.split(|c: char| c.is_whitespace() || c == ',').next().unwrap_or(l);
            if !self.add(value, category.unwrap_or(Category::Custom), file, None) {
                self.skipped.push((file.into(), i + 1, l.into()));
            }
        }
        Ok(ListFormat::Txt)
    }

    fn load_otx(&mut self, file: &str, text: &str, category: Option<Category>) {
        for (i, line) in text.lines().enumerate() {
            let l = line.trim();
            if l.is_empty() || (i == 0 && l.to_ascii_lowercase().contains("indicator")) {
                continue;
            }
            let cells: Vec<&str> = l.splitn(3, ',').map(|c| c.trim().trim_matches('"')).collect();
            let (kind, value, desc) = (cells.first().copied().unwrap_or(""), cells.get(1).copied().unwrap_or(""), cells.get(2).copied());
            let known = matches!(kind.to_ascii_lowercase().as_str(), "ipv4" | "cidr" | "domain" | "hostname");
            let cat = category.or_else(|| desc.and_then(Category::from_text)).unwrap_or(Category::Custom);
            if !known || !self.add(value, cat, file, desc.filter(|d| !d.is_empty()).map(str::to_string)) {
                self.skipped.push((file.into(), i + 1, l.into()));
            }
        }
    }

    fn load_stix(&mut self, file: &str, text: &str, category: Option<Category>) -> Result<(), ThreatListError> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ThreatListError::Stix { file: file.into(), why: e.to_string() })?;
        let objects = match doc.get("objects").and_then(|o| o.as_array()) {
            Some(o) => o.clone(),
            None if doc.get("type").and_then(|t| t.as_str()) == Some("indicator") => vec![doc.clone()],
            None => return Err(ThreatListError::Stix { file: file.into(), why: "no objects array".into() }),
        };
        let pattern_value = regex::Regex::new(r"(ipv4-addr|domain-name|ipv6-addr|url):value\s*(?:=|ISSUBSET)\s*'((?:[^'\\]|\\.)*)'")
            .map_err(|e| ThreatListError::Stix { file: file.into(), why: e.to_string() })?;
        for (i, o) in objects.iter().enumerate() {
            let ty = o.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let mut words = String::new();
            for key in ["indicator_types", "labels"] {
                if let Some(a) = o.get(key).and_then(|v| v.as_array()) {
                    for w in a.iter().filter_map(|w| w.as_str()) {
                        words.push_str(w);
                        words.push(' ');
                    }
                }
            }
            for key in ["name", "description"] {
                if let Some(s) = o.get(key).and_then(|v| v.as_str()) {
                    words.push_str(s);
                    words.push(' ');
                }
            }
            let cat = category.or_else(|| Category::from_text(words.trim())).unwrap_or(Category::Custom);
            let desc = o.get("name").or_else(|| o.get("description")).and_then(|d| d.as_str()).map(str::to_string);
            match ty {
                "indicator" => {
                    let pattern = o.get("pattern").and_then(|p| p.as_str()).unwrap_or("");
                    let mut any = false;
                    for c in pattern_value.captures_iter(pattern) {
                        if &c[1] == "ipv4-addr" || &c[1] == "domain-name" {
                            any |= self.add(&c[2], cat, file, desc.clone());
                        }
                    }
                    if !any {
                        self.skipped.push((
                            file.into(),
                            i,
                            format!("/objects/{i}: pattern {pattern:?} has no ipv4-addr or domain-name value"),
                        ));
                    }
                }
                "ipv4-addr" | "domain-name" => {
                    if let Some(v) = o.get("value").and_then(|v| v.as_str()) {
                        self.add(v, cat, file, desc);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Add one indicator; false when it is neither an IPv4 address, a CIDR nor a domain.
    fn add(&mut self, value: &str, category: Category, list: &str, description: Option<String>) -> bool {
        let v = value.trim().trim_end_matches('.').to_ascii_lowercase();
        let idx = self.entries.len();
        if let Ok(ip) = v.parse::<Ipv4Addr>() {
            self.exact.entry(u32::from(ip)).or_insert(idx);
        } else if let Ok(net) = v.parse::<Ipv4Net>() {
            let net = net.trunc();
            if net.prefix_len() == 32 {
                self.exact.entry(u32::from(net.addr())).or_insert(idx);
            } else {
                let p = net.prefix_len();
                let slot = match self.nets.iter().position(|(l, _)| *l == p) {
                    Some(s) => s,
                    None => {
                        self.nets.push((p, HashMap::new()));
                        self.nets.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
                        self.nets.iter().position(|(l, _)| *l == p).unwrap_or(0)
                    }
                };
                self.nets[slot].1.entry(u32::from(net.network())).or_insert(idx);
            }
        } else if is_domain(&v) {
            self.domains.entry(v.clone()).or_insert(idx);
        } else {
            return false;
        }
        self.entries.push(ThreatEntry { indicator: value.trim().to_string(), category, list: list.to_string(), description });
        true
    }

    /// The entry an IPv4 address (as logged) matches: exact first, then the longest CIDR.
    pub fn match_ip(&self, addr: &str) -> Option<&ThreatEntry> {
        if self.exact.is_empty() && self.nets.is_empty() {
            return None;
        }
        let ip = u32::from(addr.parse::<Ipv4Addr>().ok()?);
        if let Some(&i) = self.exact.get(&ip) {
            return self.entries.get(i);
        }
        for (len, map) in &self.nets {
            let mask = if *len == 0 { 0 } else { u32::MAX << (32 - len) };
            if let Some(&i) = map.get(&(ip & mask)) {
                return self.entries.get(i);
            }
        }
        None
    }

    /// The entry a queried name matches: the name itself or any parent domain.
    pub fn match_domain(&self, name: &str) -> Option<&ThreatEntry> {
        if self.domains.is_empty() {
            return None;
        }
        let n = name.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = n.as_str();
        loop {
            if let Some(&i) = self.domains.get(rest) {
                return self.entries.get(i);
            }
            match rest.find('.') {
                Some(p) => rest = &rest[p + 1..],
                None => return None,
            }
        }
    }
}

fn is_domain(v: &str) -> bool {
    v.contains('.')
        && v.len() <= 253
        && v.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        && !v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `--threat-list [CATEGORY=]FILE`.
pub fn parse_list_arg(arg: &str) -> (Option<Category>, &str) {
    if let Some((c, path)) = arg.split_once('=') {
        if let Some(cat) = Category::parse(c) {
            return (Some(cat), path);
        }
    }
    (None, arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_ips_cidrs_domains() {
        let mut t = ThreatSet::default();
        t.load_text("l.txt", "# comment\n198.51.100.7\n203.0.113.0/24\nevil.example.com\nnot an entry!\n", None).unwrap();
        assert_eq!(t.entries.len(), 3);
        assert_eq!(t.skipped.len(), 1);
        assert_eq!(t.match_ip("198.51.100.7").unwrap().indicator, "198.51.100.7");
        assert_eq!(t.match_ip("203.0.113.99").unwrap().indicator, "203.0.113.0/24");
        assert!(t.match_ip("203.0.114.1").is_none());
        assert!(t.match_domain("a.b.evil.example.com.").is_some());
        assert!(t.match_domain("example.com").is_none());
        assert!(t.match_ip("035.249.253.232").is_none());
    }

    #[test]
    fn stix_bundle_indicators_and_categories() {
        let bundle = r#"{"type":"bundle","id":"bundle--1","objects":[
          {"type":"indicator","spec_version":"2.1","id":"indicator--1","indicator_types":["malicious-activity"],"name":"C2 server","pattern":"[ipv4-addr:value = '192.0.2.10'] OR [ipv4-addr:value = '192.0.2.11']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"},
          {"type":"indicator","spec_version":"2.1","id":"indicator--2","indicator_types":["anonymization"],"name":"Tor exit node","pattern":"[ipv4-addr:value = '198.51.100.0/24']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"},
          {"type":"indicator","spec_version":"2.1","id":"indicator--3","name":"mining pool","pattern":"[domain-name:value = 'pool.example.net']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}
        ]}"#;
        let mut t = ThreatSet::default();
        assert_eq!(t.load_text("b.json", bundle, None).unwrap(), ListFormat::Stix);
        assert_eq!(t.match_ip("192.0.2.11").unwrap().category, Category::CommandAndControl);
        assert_eq!(t.match_ip("198.51.100.9").unwrap().category, Category::Tor);
        assert_eq!(t.match_domain("eu.pool.example.net").unwrap().category, Category::Mining);
    }

    #[test]
    fn otx_csv() {
        let mut t = ThreatSet::default();
        let csv = "Indicator type,Indicator,Description\nIPv4,192.0.2.55,Botnet C2\nCIDR,203.0.113.0/28,\ndomain,bad.example.org,phishing\nURL,http://x,\n";
        assert_eq!(t.load_text("o.csv", csv, None).unwrap(), ListFormat::OtxCsv);
        assert_eq!(t.entries.len(), 3);
        assert_eq!(t.match_ip("192.0.2.55").unwrap().category, Category::CommandAndControl);
        assert_eq!(t.skipped.len(), 1);
    }

    #[test]
    fn category_prefix_on_the_argument() {
        assert_eq!(parse_list_arg("tor=/x/tor.txt"), (Some(Category::Tor), "/x/tor.txt"));
        assert_eq!(parse_list_arg("/x/a=b.txt"), (None, "/x/a=b.txt"));
    }
}
