//! Methods 2 krb5 and 3 globus inside the channel: a GSS-API context whose tokens travel as the
//! method's messages (`Try`, `Step`, the daemon's last token in `Accepted`), with mutual
//! authentication and the channel's handshake hash as the context's channel bindings
//! (application data), so that a context made through a man in the middle — who has another
//! channel, hence another hash, with each side — fails on the daemon's side.
//!
//! krb5 is the Kerberos mechanism; globus, whose Globus GSI died with the Globus Toolkit, is
//! "any GSS-API mechanism": SPNEGO unless the `mech:` detail names another (by name or OID).
//! The daemon lets the client's principal log in as the user it asked for under the
//! mechanism's local-name rules (`gss_userok`: for Kerberos `krb5_kuserok`, i.e. the user's
//! `~/.k5login`, else `krb5_aname_to_localname`'s mapping of the principal).

use std::path::PathBuf;
use std::sync::Arc;

use super::methods::{Progress, Refused, Success, failed};
use super::model::{Method, detail, parse_flag};
use super::wire::Refusal;
use crate::error::{Error, ErrorCode, Result};
use crate::gss::{self, Cred, Name, NameType, Oid, Usage, flags, oids, sys};
use crate::responder::Responder;

/// The mechanism `method` asks for: krb5 for krb5; for globus the `mech:` detail (a name the
/// GSS core knows, `krb5` or `spnego`, or a dotted OID), SPNEGO by default.
pub(crate) fn mechanism(method: Method, details: &[u8]) -> Result<Oid> {
    if method == Method::Krb5 {
        return Ok(oids::krb5());
    }
    let text = detail(details, "mech")
        .map(|mech| {
            std::str::from_utf8(mech)
                .map_err(|_| Error::new(ErrorCode::InvalidArgument, "the mech: detail is not UTF-8"))
        })
        .transpose()?;
    Ok(gss::mech_from_text(text)?.unwrap_or_else(oids::spnego))
}

/// The client's principal: the `pp:` detail, else a `us:` detail that is a principal (ROOT's
/// `Krb5.Login` form, `user@REALM`); None: the default principal of the ticket cache.
pub(crate) fn principal(details: &[u8]) -> Option<&[u8]> {
    detail(details, "pp").filter(|p| !p.is_empty()).or_else(|| detail(details, "us").filter(|u| u.contains(&b'@')))
}

/// The local user a principal-shaped `us:` asks for: its first component (`alice/admin@R` →
/// `alice`); any other name as it is.
pub(crate) fn local_user(user: &[u8]) -> &[u8] {
    match user.iter().position(|b| *b == b'@' || *b == b'/') {
        Some(at) => &user[..at],
        None => user,
    }
}

fn text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| Error::new(ErrorCode::InvalidArgument, format!("the {what} is not UTF-8")))
}

/// Whether the details ask to delegate the client's credentials to the daemon (`dg:yes`), so
/// that it can authenticate onward as the client; no by default.
pub(crate) fn delegates(details: &[u8]) -> bool {
    detail(details, "dg").and_then(parse_flag).unwrap_or(false)
}

/// The client's side of one context.
pub(crate) struct Initiator {
    context: sys::Context,
    cred: Arc<Cred>,
    flags: u32,
    target: Name,
    mech: Oid,
    binding: [u8; 32],
    complete: bool,
}

impl Initiator {
    /// Makes the first token for `service@host` with `cred` (credentials delegated to a daemon
    /// that authenticates onward), else credentials acquired from the ticket cache, or with no
    /// usable ticket a new one through the responder.
    pub(crate) fn start(
        method: Method,
        details: &[u8],
        service: &str,
        host: &[u8],
        cred: Option<&Arc<Cred>>,
        responder: Option<&Responder>,
        binding: &[u8; 32],
    ) -> Result<(Initiator, Vec<u8>)> {
        let mech = mechanism(method, details)?;
        let cred = match cred {
            Some(cred) => cred.clone(),
            None => {
                let principal = principal(details).map(|p| text(p, "principal")).transpose()?;
                Arc::new(gss::acquire_initiator(principal, Some(&mech), responder)?)
            }
        };
        let target = Name::import(&format!("{service}@{}", text(host, "host name")?), NameType::HostBasedService)?;
        let flags = if delegates(details) { flags::MUTUAL | flags::DELEG } else { flags::MUTUAL };
        let mut initiator =
            Initiator { context: sys::Context::new(), cred, flags, target, mech, binding: *binding, complete: false };
        let first = initiator.step(None)?;
        Ok((initiator, first))
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>> {
        if self.complete {
            return Err(Error::new(ErrorCode::Protocol, "a GSS-API token after the context was complete"));
        }
        let step = self.context.init_step(
            Some(&self.cred),
            &self.target,
            Some(&self.mech),
            self.flags,
            Some(&self.binding),
            input,
        )?;
        if step.complete {
            if step.flags & flags::MUTUAL == 0 {
                return Err(Error::new(
                    ErrorCode::Gss,
                    "the daemon did not authenticate itself (no mutual authentication)",
                ));
            }
            self.complete = true;
        }
        Ok(step.output)
    }

    /// The answer to the daemon's next token.
    pub(crate) fn next(&mut self, token: &[u8]) -> Result<Vec<u8>> {
        self.step(Some(token))
    }

    /// Checks the daemon's last token: the daemon proved it holds the service's key.
    pub(crate) fn finish(&mut self, last: &[u8]) -> Result<()> {
        if !self.complete {
            let more = self.step(Some(last))?;
            if !self.complete || !more.is_empty() {
                return Err(Error::new(
                    ErrorCode::Protocol,
                    "the daemon accepted a GSS-API context that is not complete",
                ));
            }
        } else if !last.is_empty() {
            return Err(Error::new(ErrorCode::Protocol, "a GSS-API token after the context was complete"));
        }
        Ok(())
    }
}

/// The daemon's GSS-API settings.
#[derive(Clone, Debug, Default)]
pub(crate) struct AcceptorConfig {
    /// The host-based service the daemon accepts as (`host@this.host`); None: any key of the
    /// keytab.
    pub(crate) service: Option<String>,
    /// The keytab; None: the default (`KRB5_KTNAME`).
    pub(crate) keytab: Option<PathBuf>,
}

impl AcceptorConfig {
    fn credentials(&self) -> Result<Option<Cred>> {
        if self.service.is_none() && self.keytab.is_none() {
            return Ok(None);
        }
        let name = self.service.as_deref().map(|s| Name::import(s, NameType::HostBasedService)).transpose()?;
        // A keytab path that is not UTF-8 is refused rather than converted: a lossy copy would
        // name another file.
        let keytab = self
            .keytab
            .as_deref()
            .map(|k| {
                k.to_str().ok_or_else(|| {
                    Error::new(ErrorCode::InvalidArgument, format!("the keytab path {} is not UTF-8", k.display()))
                })
            })
            .transpose()?;
        let store: Vec<(&str, &str)> = keytab.iter().map(|k| ("keytab", *k)).collect();
        Cred::acquire(name.as_ref(), Usage::Accept, None, &store).map(Some)
    }
}

/// The daemon's side of one context.
pub(crate) struct Acceptor {
    method: Method,
    user: Vec<u8>,
    context: sys::Context,
    cred: Option<Cred>,
    binding: [u8; 32],
}

impl Acceptor {
    /// Gets ready to accept for `user` (the acceptor's credentials: refused as unavailable when
    /// the daemon has none).
    pub(crate) fn new(
        method: Method,
        user: &[u8],
        config: &AcceptorConfig,
        binding: &[u8; 32],
    ) -> std::result::Result<Acceptor, Refused> {
        let cred = config.credentials().map_err(|err| {
            (Refusal::Unavailable, format!("{}: this daemon has no GSS-API credentials: {err}", method.short_name()))
        })?;
        Ok(Acceptor { method, user: user.to_vec(), context: sys::Context::new(), cred, binding: *binding })
    }

    /// One client token: the next token to send, or the login with the last token.
    pub(crate) fn step(&mut self, token: &[u8]) -> std::result::Result<Progress, Refused> {
        let name = self.method.short_name();
        let step = self
            .context
            .accept_step(self.cred.as_ref(), Some(&self.binding), token)
            .map_err(|refused| failed(format!("{name}: {}", refused.error)))?;
        if !step.complete {
            return Ok(Progress::Continue(step.output));
        }
        if step.flags & flags::MUTUAL == 0 {
            return Err(failed(format!("{name}: the client did not ask for mutual authentication")));
        }
        let info = self.context.inquire().map_err(|err| failed(format!("{name}: {err}")))?;
        if self.method == Method::Krb5 && info.mech.as_ref() != Some(&oids::krb5()) {
            return Err(failed(format!("{name}: the context's mechanism is not Kerberos")));
        }
        let principal = info.source.display().map_err(|err| failed(format!("{name}: {err}")))?.0;
        if !info.source.user_ok(&self.user) {
            return Err(failed(format!(
                "{name}: {principal} may not log in as {} (krb5_kuserok / local-name rules)",
                String::from_utf8_lossy(&self.user)
            )));
        }
        Ok(Progress::Done(Success {
            login: self.user.clone(),
            last: step.output,
            principal: Some(principal.into_bytes()),
            delegated: step.delegated.map(Arc::new),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_name_the_mechanism_and_principal() {
        assert_eq!(mechanism(Method::Krb5, b"mech:spnego").unwrap(), oids::krb5());
        assert_eq!(mechanism(Method::Globus, b"pt:no ru:1").unwrap(), oids::spnego());
        assert_eq!(mechanism(Method::Globus, b"ru:1 mech:krb5").unwrap(), oids::krb5());
        assert_eq!(mechanism(Method::Globus, b"mech:1.2.840.113554.1.2.2").unwrap(), oids::krb5());
        assert_eq!(mechanism(Method::Globus, b"mech:nonsense").unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(mechanism(Method::Globus, b"mech:\xff").unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(principal(b"pt:no pp:me@R us:me"), Some(&b"me@R"[..]));
        assert_eq!(principal(b"pt:no us:qwerty@THIS.DOM.AIN"), Some(&b"qwerty@THIS.DOM.AIN"[..]));
        assert_eq!(principal(b"pt:no us:qwerty pp:"), None);
        assert_eq!(local_user(b"qwerty@THIS.DOM.AIN"), b"qwerty");
        assert_eq!(local_user(b"al/admin@R"), b"al");
        assert_eq!(local_user(b"al\xff"), b"al\xff");
    }

    #[test]
    fn a_daemon_without_credentials_refuses_as_unavailable() {
        let config = AcceptorConfig { service: None, keytab: Some("/nonexistent/keytab".into()) };
        let refused = Acceptor::new(Method::Krb5, b"alice", &config, &[0; 32]).err().unwrap();
        assert_eq!(refused.0, Refusal::Unavailable, "{}", refused.1);
    }
}
