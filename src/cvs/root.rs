//! CVSROOT strings of the network methods (`:pserver:` and `:gserver:`) and their canonical
//! form, which is how `~/.cvspass` names a repository: `:METHOD:USER@host:PORT/DIR` with
//! the host lower-cased, the port defaulting to 2401 and the password left out (cvs 1.12.13's
//! `normalize_cvsroot`).

use std::fmt;

use crate::error::{Error, ErrorCode, Result};

/// The port cvs uses when a CVSROOT names none.
pub const DEFAULT_PORT: u16 = 2401;

/// How a client authenticates to a CVS server.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `:pserver:` — a user name and a scrambled password.
    Pserver = 1,
    /// `:gserver:` — GSS-API (Kerberos).
    Gserver = 2,
}

impl Method {
    /// The name as it appears between colons in a CVSROOT.
    pub fn name(self) -> &'static str {
        match self {
            Method::Pserver => "pserver",
            Method::Gserver => "gserver",
        }
    }
}

/// A parsed network CVSROOT.
#[derive(Clone, PartialEq, Eq)]
pub struct CvsRoot {
    pub method: Method,
    /// The user; None when the CVSROOT names none (cvs then uses the caller's login name).
    pub user: Option<String>,
    /// A password written into the CVSROOT itself (`:pserver:user:password@host:/dir`).
    pub password: Option<zeroize::Zeroizing<String>>,
    pub host: String,
    pub port: Option<u16>,
    /// The repository directory: absolute, without trailing slashes.
    pub directory: String,
}

impl fmt::Debug for CvsRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the password.
        write!(f, "CvsRoot({})", self.display_without_password())
    }
}

impl CvsRoot {
    /// Parses `:pserver:[user[:password]@]host[:[port]]/dir` (and the same for `:gserver:`).
    pub fn parse(text: &str) -> Result<CvsRoot> {
        let bad = |why: &str| Error::new(ErrorCode::InvalidArgument, format!("invalid CVSROOT: {why}"));
        if text.bytes().any(|b| b.is_ascii_control()) {
            return Err(bad("it contains control characters"));
        }
        let rest = text.strip_prefix(':').ok_or_else(|| bad("only :pserver: and :gserver: roots are supported"))?;
        let (method, rest) = rest.split_once(':').ok_or_else(|| bad("no method"))?;
        let method = match method.to_ascii_lowercase().as_str() {
            "pserver" => Method::Pserver,
            "gserver" => Method::Gserver,
            other => return Err(bad(&format!("method `{other}` is not supported"))),
        };
        let slash = rest.find('/').ok_or_else(|| bad("no absolute repository directory"))?;
        let (authority, directory) = rest.split_at(slash);
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (Some(user), Some(zeroize::Zeroizing::new(password.to_owned()))),
                None => (Some(info), None),
            },
        };
        if user == Some("") {
            return Err(bad("empty user name"));
        }
        let (host, port) = match hostport.split_once(':') {
            Some((host, "")) => (host, None),
            Some((host, port)) => (host, Some(port.parse::<u16>().map_err(|_| bad("invalid port"))?)),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let trimmed = directory.trim_end_matches('/');
        let directory = if trimmed.is_empty() { "/" } else { trimmed };
        Ok(CvsRoot {
            method,
            user: user.map(str::to_owned),
            password,
            host: host.to_owned(),
            port,
            directory: directory.to_owned(),
        })
    }

    /// The port to connect to.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_PORT)
    }

    /// The canonical form cvs 1.12.13 writes into `~/.cvspass`; `default_user` stands in
    /// for a missing user name.
    pub fn canonical(&self, default_user: &str) -> String {
        format!(
            ":{}:{}@{}:{}{}",
            self.method.name(),
            self.user.as_deref().unwrap_or(default_user),
            self.host.to_ascii_lowercase(),
            self.port_or_default(),
            self.directory
        )
    }

    fn display_without_password(&self) -> String {
        let user = self.user.as_deref().map(|user| format!("{user}@")).unwrap_or_default();
        let port = self.port.map(|port| port.to_string()).unwrap_or_default();
        format!(":{}:{user}{}:{port}{}", self.method.name(), self.host, self.directory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_match_cvs() {
        let root = CvsRoot::parse(":pserver:alice@CVS.Example.ORG:/var/cvs/").unwrap();
        assert_eq!(root.canonical("x"), ":pserver:alice@cvs.example.org:2401/var/cvs");
        let root = CvsRoot::parse(":pserver:bob:pw@host:2402/r").unwrap();
        assert_eq!(root.canonical("x"), ":pserver:bob@host:2402/r");
        assert_eq!(root.password.as_deref().map(String::as_str), Some("pw"));
        let root = CvsRoot::parse(":pserver:host/r").unwrap();
        assert_eq!(root.canonical("me"), ":pserver:me@host:2401/r");
        assert_eq!(CvsRoot::parse(":GSERVER:u@h:/").unwrap().canonical("x"), ":gserver:u@h:2401/");
    }

    #[test]
    fn malformed_roots_are_refused() {
        for text in [
            "/local/path",
            ":ext:u@h:/r",
            ":pserver:u@h:r",
            ":pserver:u@:/r",
            ":pserver:u@h:99999/r",
            ":pserver:@h:/r",
            ":pserver:u@h:/r\n",
        ] {
            assert_eq!(CvsRoot::parse(text).unwrap_err().code(), ErrorCode::InvalidArgument, "{text}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let root = CvsRoot::parse(":pserver:bob:hunter2@host:/r").unwrap();
        assert!(!format!("{root:?}").contains("hunter2"));
    }
}
