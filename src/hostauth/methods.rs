//! The daemon's side of the methods: 0 usrpwd (a password checked through PAM, crypt(3) against
//! the system database, or a daemon password file; ROOT's anonymous mode when enabled), 5 uidgid
//! (the peer's uid proven by `SO_PEERCRED` on a Unix-domain socket), and the methods of several
//! messages: 1 srp ([`super::srp`]), the GSS-API methods 2 krb5 and 3 globus ([`super::gssauth`]),
//! 4 ssh ([`super::ssh`]).

use std::os::fd::RawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::gssauth::{self, Acceptor, AcceptorConfig};
use super::keys::StaticKey;
use super::model::Method;
use super::wire::{MAX_SECRET, Refusal};
use crate::cvs::passwd::find_in_file;
use crate::error::{Error, ErrorCode, Result};
use crate::gss::Cred;
use crate::sysauth::{HashCheck, check_hash, check_system_crypt, pam, sys};

/// The methods this daemon implements, in ROOT's order.
pub(crate) const IMPLEMENTED: [Method; 6] =
    [Method::UsrPwd, Method::Srp, Method::Krb5, Method::Globus, Method::Ssh, Method::UidGid];

/// The login of ROOT's anonymous usrpwd mode.
pub(crate) const ANONYMOUS: &[u8] = b"anonymous";

/// How the daemon checks usrpwd passwords.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PasswordCheck {
    /// PAM with this service name.
    Pam(String),
    /// crypt(3) against the user (and shadow) database.
    SystemCrypt,
    /// A file of `user:crypt-hash` lines (CVSROOT/passwd format; a third field is ignored).
    File(PathBuf),
}

/// What the daemon knows about the connection.
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    /// The client host's name (reverse DNS, confirmed forward: the name must resolve back to
    /// the address), else its address; `localhost` on a Unix socket.
    pub(crate) host: Vec<u8>,
    pub(crate) addr: Option<std::net::IpAddr>,
    /// The peer's uid when the connection is a Unix-domain socket.
    pub(crate) unix_uid: Option<libc::uid_t>,
}

impl Peer {
    /// Finds out who is on the other end of `fd`.
    pub(crate) fn of(fd: RawFd) -> Peer {
        if let Some(uid) = unix_peer_uid(fd) {
            return Peer { host: b"localhost".to_vec(), addr: Some([127, 0, 0, 1].into()), unix_uid: Some(uid) };
        }
        let address = crate::net::peer_address(fd).ok();
        let addr = address.as_deref().and_then(|a| a.parse().ok());
        let host = client_host(crate::net::peer_host_name(fd).ok(), address, addr);
        Peer { host, addr, unix_uid: None }
    }
}

/// The name a TCP peer goes by: its reverse-DNS `name` when that resolves back to `addr`, else
/// its numeric `address`. A reverse-DNS name is what the owner of the address's reverse zone
/// claims; the access file's host patterns may only see it once the name's own zone points
/// back to the address.
fn client_host(name: Option<String>, address: Option<String>, addr: Option<std::net::IpAddr>) -> Vec<u8> {
    let confirmed = |name: &String| addr.is_some_and(|addr| crate::net::forward_confirmed(name, addr));
    name.filter(confirmed).or(address).unwrap_or_default().into_bytes()
}

/// The uid of the peer of `fd` if it is a Unix-domain socket (`SO_PEERCRED`: the kernel's
/// word, taken when the peer connected).
fn unix_peer_uid(fd: RawFd) -> Option<libc::uid_t> {
    let mut domain: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `domain` is writable for `len` bytes.
    let status = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, (&raw mut domain).cast(), &mut len) };
    if status != 0 || domain != libc::AF_UNIX {
        return None;
    }
    // SAFETY: ucred is plain data; all zeroes is valid.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` is writable for `len` bytes.
    let status = unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_PEERCRED, (&raw mut cred).cast(), &mut len) };
    (status == 0).then_some(cred.uid)
}

/// A refusal and the reason for the daemon's log (never sent to the client).
pub(crate) type Refused = (Refusal, String);

/// How the daemon checks the methods.
pub(crate) struct Checks<'a> {
    pub(crate) passwords: &'a PasswordCheck,
    pub(crate) anonymous: bool,
    pub(crate) gss: &'a AcceptorConfig,
    /// The SRP verifier file (None: srp is unavailable).
    pub(crate) srp: Option<&'a Path>,
    /// The daemon's key (it makes the salts of unknown SRP users).
    pub(crate) key: &'a StaticKey,
    /// Where users' authorized SSH keys are (`%h`, `%u`).
    pub(crate) authorized_keys: &'a str,
}

/// Where a method stands on the daemon's side after a client message.
pub(crate) enum Progress {
    /// Send this message to the client and wait for its next one.
    Continue(Vec<u8>),
    /// Success.
    Done(Success),
}

/// A method's success on the daemon's side.
pub(crate) struct Success {
    pub(crate) login: Vec<u8>,
    /// The method's last message for the client (empty when it has none).
    pub(crate) last: Vec<u8>,
    /// The client's principal, for the GSS-API methods.
    pub(crate) principal: Option<Vec<u8>>,
    /// The credentials the client delegated (GSS-API methods, `dg:yes`).
    pub(crate) delegated: Option<Arc<Cred>>,
}

/// A method running on the daemon's side.
pub(crate) enum Running<'a> {
    /// usrpwd and uidgid: one message decides.
    Single { method: Method, user: &'a [u8], peer: &'a Peer, checks: &'a Checks<'a> },
    /// srp: a challenge and a proof.
    Srp(super::srp::Daemon),
    /// krb5 and globus: a GSS-API context.
    Gss(Acceptor),
    /// ssh: offered keys and a signature.
    Ssh(super::ssh::Daemon, &'a Peer, &'a str),
}

impl<'a> Running<'a> {
    /// Starts `method` for `user` on the channel with handshake hash `binding`.
    pub(crate) fn start(
        method: Method,
        user: &'a [u8],
        peer: &'a Peer,
        checks: &'a Checks<'a>,
        binding: &[u8; 32],
    ) -> std::result::Result<Running<'a>, Refused> {
        match method {
            Method::UsrPwd | Method::UidGid => Ok(Running::Single { method, user, peer, checks }),
            Method::Srp => super::srp::Daemon::new(user, checks.srp, checks.key, binding).map(Running::Srp),
            Method::Krb5 | Method::Globus => Acceptor::new(method, user, checks.gss, binding).map(Running::Gss),
            Method::Ssh => Ok(Running::Ssh(super::ssh::Daemon::new(user, binding), peer, checks.authorized_keys)),
        }
    }

    /// One message of the client's.
    pub(crate) fn step(&mut self, message: &[u8]) -> std::result::Result<Progress, Refused> {
        let login = match self {
            Running::Single { method: Method::UsrPwd, user, peer, checks } => {
                usrpwd(user, message, peer, checks.passwords, checks.anonymous)?
            }
            Running::Single { user, peer, .. } => uidgid(user, peer)?,
            Running::Srp(daemon) => return daemon.step(message),
            Running::Gss(acceptor) => return acceptor.step(message),
            Running::Ssh(daemon, peer, pattern) => return daemon.step(message, peer, pattern),
        };
        Ok(Progress::Done(Success { login, last: Vec::new(), principal: None, delegated: None }))
    }
}

/// A failure of the method, with the reason for the log.
pub(crate) fn failed(why: impl Into<String>) -> Refused {
    (Refusal::Failed, why.into())
}

/// The local user a client's user name asks for with `method`: the first component of a
/// principal for the GSS-API methods (ROOT's `Krb5.Login` gives `us:user@REALM`).
pub(crate) fn local_user(method: Method, user: &[u8]) -> &[u8] {
    match method {
        Method::Krb5 | Method::Globus => gssauth::local_user(user),
        _ => user,
    }
}

fn usrpwd(
    user: &[u8],
    password: &[u8],
    peer: &Peer,
    passwords: &PasswordCheck,
    anonymous: bool,
) -> std::result::Result<Vec<u8>, Refused> {
    if user == ANONYMOUS {
        // ROOT's anonymous mode: any password that looks like an e-mail address.
        return if anonymous && password.contains(&b'@') {
            Ok(ANONYMOUS.to_vec())
        } else if anonymous {
            Err(failed("anonymous login without an e-mail address as password"))
        } else {
            Err(failed("anonymous logins are disabled"))
        };
    }
    if password.len() > MAX_SECRET {
        return Err(failed(format!("a password longer than {MAX_SECRET} bytes")));
    }
    let name = std::str::from_utf8(user).map_err(|_| failed("a user name that is not UTF-8 has no system account"))?;
    let result: Result<()> = match passwords {
        PasswordCheck::Pam(service) => {
            let rhost = peer.addr.map(|a| a.to_string());
            pam::authenticate(service, name, password, rhost.as_deref())
        }
        PasswordCheck::SystemCrypt => {
            check_system_crypt(name, password, false).map_err(|why| Error::new(ErrorCode::AuthFailed, why))
        }
        PasswordCheck::File(path) => match find_in_file(path, name) {
            Ok(Some(entry)) => match check_hash(password, &entry.hash, false) {
                Ok(HashCheck::Match) => Ok(()),
                Ok(other) => Err(Error::new(ErrorCode::AuthFailed, format!("password file: {other:?}"))),
                Err(err) => Err(err),
            },
            Ok(None) => Err(Error::new(ErrorCode::AuthFailed, "not in the password file")),
            Err(err) => Err(err),
        },
    };
    result.map(|()| user.to_vec()).map_err(|err| failed(format!("usrpwd for {name}: {}", err.message())))
}

fn uidgid(user: &[u8], peer: &Peer) -> std::result::Result<Vec<u8>, Refused> {
    let Some(uid) = peer.unix_uid else {
        return Err((
            Refusal::Unavailable,
            "uidgid is refused over TCP: it needs a Unix-domain socket, where the kernel vouches for the uid".into(),
        ));
    };
    let name = std::str::from_utf8(user).map_err(|_| failed("a user name that is not UTF-8"))?;
    match sys::user_by_name(name) {
        Ok(Some(entry)) if entry.uid == uid => Ok(user.to_vec()),
        Ok(Some(entry)) => Err(failed(format!("uidgid: the peer is uid {uid}, {name} is uid {}", entry.uid))),
        _ => Err(failed(format!("uidgid: no system user {name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_peer() -> Peer {
        Peer { host: b"h".to_vec(), addr: None, unix_uid: None }
    }

    #[test]
    fn anonymous_mode_is_off_by_default_and_wants_an_address() {
        let none = PasswordCheck::SystemCrypt;
        assert_eq!(usrpwd(ANONYMOUS, b"me@example.org", &tcp_peer(), &none, false).unwrap_err().0, Refusal::Failed);
        assert_eq!(usrpwd(ANONYMOUS, b"me@example.org", &tcp_peer(), &none, true).unwrap(), ANONYMOUS);
        assert_eq!(usrpwd(ANONYMOUS, b"nothing", &tcp_peer(), &none, true).unwrap_err().0, Refusal::Failed);
        let long = vec![b'x'; MAX_SECRET + 1];
        let refused = usrpwd(b"alice", &long, &tcp_peer(), &none, false).unwrap_err();
        assert!(refused.1.contains("longer than 1024"), "{}", refused.1);
    }

    #[test]
    fn a_reverse_name_counts_only_when_it_resolves_back() {
        let host =
            |name: &str, address: &str| client_host(Some(name.into()), Some(address.into()), address.parse().ok());
        assert_eq!(host("localhost", "127.0.0.1"), b"localhost");
        // A reverse zone claiming a name that is not this peer's: the address is used.
        assert_eq!(host("localhost", "192.0.2.7"), b"192.0.2.7");
        assert_eq!(host("no-such-host.invalid", "127.0.0.1"), b"127.0.0.1");
        assert_eq!(client_host(None, Some("192.0.2.7".into()), "192.0.2.7".parse().ok()), b"192.0.2.7");
    }

    #[test]
    fn uidgid_needs_a_unix_socket_and_the_right_uid() {
        assert_eq!(uidgid(b"root", &tcp_peer()).unwrap_err().0, Refusal::Unavailable);
        let me = sys::current_user().unwrap();
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let local = Peer { unix_uid: Some(uid), ..tcp_peer() };
        assert_eq!(uidgid(me.as_bytes(), &local).unwrap(), me.as_bytes());
        let other = if uid == 0 { "nobody" } else { "root" };
        assert_eq!(uidgid(other.as_bytes(), &local).unwrap_err().0, Refusal::Failed);
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        use std::os::fd::AsRawFd;
        assert_eq!(Peer::of(a.as_raw_fd()).unix_uid, Some(uid));
    }
}
