//! Host patterns of the rc files (`default`, `*`, wildcards, domains, IPv4 prefixes and suffixes)
//! and the server kind suffix (`:rootd`, `:proofd`, `:sockd`).
//!
//! ROOT matched patterns by substring (`TAuthenticate::CheckHost` with a `TRegexp`, `RpdCheckHost`
//! with `strstr`), so `cern.ch` also matched `evilcern.ch` and `.` matched any character. Here every
//! match is aligned on labels (names) or octets (addresses); see `docs/hostauth.md`.

use std::net::{IpAddr, Ipv4Addr};

use crate::glob::{Wildcards::StarAndQuestionMark, glob};

/// The daemon kind an rc line applies to (ROOT's `TSocket::kSOCKD/kROOTD/kPROOFD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ServerKind {
    /// `sockd`, code 0: servers run from a program through `TServerSocket`.
    Sockd,
    /// `rootd`, code 1.
    Rootd,
    /// `proofd`, code 2.
    Proofd,
}

impl ServerKind {
    /// Parses the part after `host:` — `0`/`sock`/`sockd`, `1`/`root`/`rootd`, `2`/`proof`/`proofd`.
    /// ROOT accepted any word starting with those and silently ignored anything else (the line then
    /// applied to every server); here anything else is an error.
    pub(crate) fn parse(suffix: &[u8]) -> Option<ServerKind> {
        match suffix {
            b"0" | b"sock" | b"sockd" => Some(ServerKind::Sockd),
            b"1" | b"root" | b"rootd" => Some(ServerKind::Rootd),
            b"2" | b"proof" | b"proofd" => Some(ServerKind::Proofd),
            _ => None,
        }
    }

    /// The daemon's name as ROOT prints it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ServerKind::Sockd => "sockd",
            ServerKind::Rootd => "rootd",
            ServerKind::Proofd => "proofd",
        }
    }
}

/// A host as the matching code sees it: the name used (a FQDN on the client, the peer's
/// reverse-resolved name on the daemon, possibly empty) and its address when known. No name
/// service lookups happen here; the caller resolves.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostId<'a> {
    /// The host name, compared without regard to ASCII case.
    pub(crate) name: &'a [u8],
    /// The address; IPv4-mapped IPv6 addresses count as IPv4.
    pub(crate) addr: Option<IpAddr>,
}

impl<'a> HostId<'a> {
    /// A host known by name only (its address is taken from the name if the name is an IPv4 literal).
    pub(crate) fn name(name: &'a [u8]) -> HostId<'a> {
        HostId { name, addr: None }
    }

    fn ipv4(&self) -> Option<Ipv4Addr> {
        match self.addr {
            Some(IpAddr::V4(a)) => Some(a),
            Some(IpAddr::V6(a)) => a.to_ipv4_mapped(),
            None => std::str::from_utf8(self.name).ok()?.parse().ok(),
        }
    }
}

/// A parsed host pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostPattern {
    /// `default` or `*`: every host, used only when no other pattern matches.
    Default,
    /// A name or address with `*` (any run of characters) or `?` (one character), whole-string match.
    Wildcard(Vec<u8>),
    /// A name without wildcards: the host itself, a short name without dots (`pcepsft43` matches
    /// `pcepsft43.cern.ch`) or a domain (`cern.ch`, `.ch`).
    Name(Vec<u8>),
    /// Dotted IPv4 octets: a prefix (`137.138`, `137.138.`) or a suffix (`99.73`, `.99.73`).
    Address { octets: Vec<u8>, prefix: bool, suffix: bool },
}

impl HostPattern {
    /// Parses a host field (without its `:srv` suffix). Errors say why in words.
    pub(crate) fn parse(text: &[u8]) -> Result<HostPattern, String> {
        if text == b"default" || text == b"*" {
            return Ok(HostPattern::Default);
        }
        if text.is_empty() {
            return Err("empty host name".into());
        }
        if let Some(bad) = text.iter().find(|b| !(b.is_ascii_alphanumeric() || b"-_.*?".contains(b))) {
            return Err(format!("host pattern contains the byte 0x{bad:02x}, not allowed in a host name"));
        }
        let lower = text.to_ascii_lowercase();
        if lower.iter().any(|b| *b == b'*' || *b == b'?') {
            return Ok(HostPattern::Wildcard(lower));
        }
        if lower.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
            return parse_address(&lower);
        }
        if lower == b"." || lower.windows(2).any(|w| w == b"..") || lower.ends_with(b".") {
            return Err("host name with an empty label".into());
        }
        Ok(HostPattern::Name(lower))
    }

    /// Whether the pattern is `default` / `*`.
    pub(crate) fn is_default(&self) -> bool {
        *self == HostPattern::Default
    }

    /// Whether `host` matches.
    pub(crate) fn matches(&self, host: &HostId<'_>) -> bool {
        let name = host.name.to_ascii_lowercase();
        match self {
            HostPattern::Default => true,
            HostPattern::Wildcard(p) => {
                let numeric = p.iter().all(|b| b.is_ascii_digit() || b"*?.".contains(b));
                match (numeric, host.ipv4()) {
                    (true, Some(a)) => glob(p, a.to_string().as_bytes(), StarAndQuestionMark),
                    _ => glob(p, &name, StarAndQuestionMark),
                }
            }
            HostPattern::Name(p) => {
                if let Some(domain) = p.strip_prefix(b".") {
                    return name.len() > domain.len() && name.ends_with(p);
                }
                name == *p
                    || (name.len() > p.len() && name.ends_with(p) && name[name.len() - p.len() - 1] == b'.')
                    || (!p.contains(&b'.') && name.len() > p.len() && name.starts_with(p) && name[p.len()] == b'.')
            }
            HostPattern::Address { octets, prefix, suffix } => {
                let Some(addr) = host.ipv4() else { return false };
                let a = addr.octets();
                (*prefix && a.starts_with(octets)) || (*suffix && a.ends_with(octets))
            }
        }
    }
}

fn parse_address(text: &[u8]) -> Result<HostPattern, String> {
    let (prefix, suffix) = match (text.first(), text.last()) {
        (Some(b'.'), Some(b'.')) => return Err("address pattern may not both start and end with '.'".into()),
        (Some(b'.'), _) => (false, true),
        (_, Some(b'.')) => (true, false),
        _ => (true, true),
    };
    let inner = text.strip_prefix(b".").unwrap_or(text);
    let inner = inner.strip_suffix(b".").unwrap_or(inner);
    let mut octets = Vec::new();
    for part in inner.split(|b| *b == b'.') {
        let value =
            std::str::from_utf8(part).ok().filter(|s| !s.is_empty() && s.len() <= 3).and_then(|s| s.parse().ok());
        match value {
            Some(v) => octets.push(v),
            None => return Err("address pattern needs 1 to 4 octets of 0-255".into()),
        }
    }
    if octets.len() > 4 {
        return Err("address pattern has more than 4 octets".into());
    }
    Ok(HostPattern::Address { octets, prefix, suffix })
}

/// Splits `host[:srv]`.
pub(crate) fn split_server(field: &[u8]) -> Result<(&[u8], Option<ServerKind>), String> {
    match field.iter().position(|b| *b == b':') {
        None => Ok((field, None)),
        Some(i) => match ServerKind::parse(&field[i + 1..]) {
            Some(kind) => Ok((&field[..i], Some(kind))),
            None => Err(format!(
                "unknown server kind '{}' (expected sockd, rootd or proofd)",
                String::from_utf8_lossy(&field[i + 1..])
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, host: &str) -> bool {
        HostPattern::parse(pattern.as_bytes()).unwrap().matches(&HostId::name(host.as_bytes()))
    }

    fn at(pattern: &str, name: &str, addr: &str) -> bool {
        let host = HostId { name: name.as_bytes(), addr: Some(addr.parse().unwrap()) };
        HostPattern::parse(pattern.as_bytes()).unwrap().matches(&host)
    }

    #[test]
    fn names_match_on_label_boundaries() {
        assert!(m("pcepsft43.cern.ch", "pcepsft43.cern.ch"));
        assert!(m("PCEPSFT43.cern.ch", "pcepsft43.CERN.ch"));
        assert!(m("cern.ch", "pcepsft43.cern.ch"));
        assert!(m(".ch", "pcepsft43.cern.ch"));
        assert!(m("pcepsft43", "pcepsft43.cern.ch"));
        // ROOT's substring matching accepted all of these.
        assert!(!m("cern.ch", "evilcern.ch"));
        assert!(!m("cern.ch", "cernXch"));
        assert!(!m("lxplus", "lxplus001.cern.ch"));
        assert!(!m(".ch", "ch"));
        assert!(!m("cern.ch", "cern.ch.evil.org"));
    }

    #[test]
    fn wildcards_match_the_whole_name() {
        assert!(m("lxplus*.cern.ch", "lxplus001.cern.ch"));
        assert!(!m("lxplus*.cern.ch", "lxplus001.cern.ch.evil.org"));
        assert!(m("pcep*.cern.ch", "pcepsft43.cern.ch"));
        assert!(m("pc?psft43.cern.ch", "pcepsft43.cern.ch"));
        assert!(!m("pc?psft43.cern.ch", "pcpsft43.cern.ch"));
        assert!(m("*.cern.ch", "a.b.cern.ch"));
        assert!(m("a*b*c", "aXXbYYbZc"));
        assert!(!m("a*b*c", "aXXbYYbZ"));
    }

    #[test]
    fn addresses_match_on_octet_boundaries() {
        for p in ["137.138.99.73", "137.138.99", "137.138", "137", "99.73", "137.138.", ".99.73", "137.13*", "*.99.73"]
        {
            assert!(at(p, "", "137.138.99.73"), "{p}");
        }
        assert!(!at("138.99", "", "137.138.99.73"));
        assert!(!at("137.13", "", "137.138.99.73"));
        assert!(!at("137.138.", "", "10.137.138.1"));
        assert!(!at(".99.73", "", "99.73.1.1"));
        assert!(at("127.0.0.1", "", "::ffff:127.0.0.1"));
        assert!(m("127.0.0.1", "127.0.0.1"));
        assert!(!m("127.0.0.1", "localhost"));
    }

    #[test]
    fn default_and_star_are_the_default() {
        assert!(HostPattern::parse(b"default").unwrap().is_default());
        assert!(HostPattern::parse(b"*").unwrap().is_default());
        assert!(m("*", "anything"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        for p in ["", "a b", "a/b", "a..b", "a.", "1.2.3.4.5", "300.1", "..", ".1.2."] {
            assert!(HostPattern::parse(p.as_bytes()).is_err(), "{p}");
        }
        assert!(HostPattern::parse(b"h\xff").is_err());
    }

    #[test]
    fn server_suffixes() {
        assert_eq!(split_server(b"localhost:proofd").unwrap(), (&b"localhost"[..], Some(ServerKind::Proofd)));
        assert_eq!(split_server(b"h:1").unwrap(), (&b"h"[..], Some(ServerKind::Rootd)));
        assert_eq!(split_server(b"h:sock").unwrap(), (&b"h"[..], Some(ServerKind::Sockd)));
        assert_eq!(split_server(b"h").unwrap(), (&b"h"[..], None));
        assert!(split_server(b"h:xrootd").is_err());
        assert!(split_server(b"h:rootdd").is_err());
    }
}
