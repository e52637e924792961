//! Method 4 ssh: the client signs the channel's handshake hash with an SSH key — held by the
//! running ssh-agent (`SSH_AUTH_SOCK`) or read from a key file whose passphrase comes through
//! the responder — and the daemon verifies the signature against the target user's
//! `authorized_keys` (RustCrypto `ssh-key`: ed25519, ecdsa, rsa-sha2-256/512):
//!
//! ```text
//! client → daemon   Try(ssh, user, first: count u8, public key blobs)
//! daemon → client   Step(index u8 of the first offered key the user's authorized_keys lists)
//!                   or Refused(failed, remaining)
//! client → daemon   Step(signature blob over "daemonauth-hostauth-ssh-v1" ‖ hash ‖ user ‖ key)
//! daemon → client   Accepted or Refused(failed, remaining)
//! ```
//!
//! The signed data names this channel (its handshake hash), the user and the key, so a
//! signature is worth nothing on another channel: a man in the middle cannot relay it.

use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use signature::{Signer, Verifier};
use ssh_key::authorized_keys::{AuthorizedKeys, Entry};
use ssh_key::{Algorithm, PrivateKey, PublicKey, Signature};
use zeroize::Zeroizing;

use super::methods::{Peer, Progress, Refused, Success, failed};
use super::model::detail;
use super::wire::{Reader, Writer};
use crate::error::{Error, ErrorCode, Result};
use crate::glob::{Wildcards::StarAndQuestionMark, glob};
use crate::io::Channel;
use crate::responder::{PASSPHRASE, Question, Responder, json};

/// The most keys a client offers.
const MAX_KEYS: usize = 16;
/// The largest public key or signature blob carried (an RSA key of 16 384 bits fits).
const MAX_BLOB: usize = 4096;
/// The largest agent message, key file or authorized_keys file read.
const MAX_FILE: usize = 1 << 20;
const LABEL: &[u8] = b"daemonauth-hostauth-ssh-v1";

/// Where the daemon finds a user's authorized keys unless told otherwise (`%h` the user's
/// home, `%u` the user name, `%%` a percent sign).
pub(crate) const DEFAULT_AUTHORIZED_KEYS: &str = "%h/.ssh/authorized_keys";

/// The data a key signs: the label, the handshake hash, the user and the key's blob.
fn signed_data(binding: &[u8; 32], user: &[u8], key: &[u8]) -> Vec<u8> {
    let mut data = LABEL.to_vec();
    data.extend_from_slice(binding);
    for field in [user, key] {
        data.extend_from_slice(&(field.len() as u32).to_be_bytes());
        data.extend_from_slice(field);
    }
    data
}

fn ssh_error(what: &str, err: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Protocol, format!("{what}: {err}"))
}

// ---- The daemon's side ----

/// Whether the client (its host name or address) passes a `from="..."` pattern list: no
/// negated pattern (`!p`) matches and some plain one does. A pattern with a `/` is an address
/// and mask (`10.0.0.0/8`, `2001:db8::/32`, as OpenSSH allows) and matches the client's
/// address; a malformed one refuses the key (a negated network that could not be read must not
/// let its members in).
fn from_allows(patterns: &str, peer: &Peer) -> std::result::Result<bool, String> {
    let address = peer.addr.map(|a| a.to_string()).unwrap_or_default();
    let names = [peer.host.as_slice(), address.as_bytes()];
    let mut allowed = false;
    for pattern in patterns.split(',') {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern),
        };
        let matches = match pattern.split_once('/') {
            Some((network, bits)) => in_network(network, bits, peer.addr)
                .ok_or_else(|| format!("from= pattern {pattern} is not an address and mask"))?,
            None => names.iter().any(|name| !name.is_empty() && glob(pattern.as_bytes(), name, StarAndQuestionMark)),
        };
        if matches {
            if negated {
                return Ok(false);
            }
            allowed = true;
        }
    }
    Ok(allowed)
}

/// Whether `addr` lies in the network `network`/`bits` (None: not an address and mask of one
/// family). IPv4-mapped IPv6 clients count as IPv4.
fn in_network(network: &str, bits: &str, addr: Option<std::net::IpAddr>) -> Option<bool> {
    use std::net::IpAddr;
    let network: IpAddr = network.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let addr = addr.map(|a| match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    });
    let (net, client, width) = match (network, addr) {
        (IpAddr::V4(n), Some(IpAddr::V4(c))) => (u128::from(u32::from(n)), u128::from(u32::from(c)), 32),
        (IpAddr::V6(n), Some(IpAddr::V6(c))) => (u128::from(n), u128::from(c), 128),
        (IpAddr::V4(_), _) if bits <= 32 => return Some(false),
        (IpAddr::V6(_), _) if bits <= 128 => return Some(false),
        _ => return None,
    };
    if bits > width {
        return None;
    }
    let mask = if bits == 0 { 0 } else { u128::MAX << (width - bits) & (u128::MAX >> (128 - width)) };
    Some(net & mask == client & mask)
}

/// Options that restrict what a session may open (a shell, a pty, forwardings): this daemon
/// opens none of these, so they hold as they are.
const SESSION_OPTIONS: [&str; 11] = [
    "restrict",
    "no-port-forwarding",
    "no-agent-forwarding",
    "no-x11-forwarding",
    "no-pty",
    "no-user-rc",
    "port-forwarding",
    "agent-forwarding",
    "x11-forwarding",
    "pty",
    "user-rc",
];

/// Whether an `authorized_keys` entry lets the client in: `from=` honoured, the session
/// restrictions hold trivially; any other option (`command=`, `environment=`, `principals=`,
/// `cert-authority`, `expiry-time=`, `tunnel=`, `permitopen=`, `permitlisten=`, ...) cannot be
/// honoured by an authentication daemon, so the key is refused (the reason is logged).
pub(crate) fn options_allow(entry: &Entry, peer: &Peer) -> std::result::Result<(), String> {
    for option in entry.config_opts().iter() {
        let (name, value) = option.split_once('=').unwrap_or((option, ""));
        if name.eq_ignore_ascii_case("from") {
            if !from_allows(value.trim_matches('"'), peer)? {
                return Err(format!("from=\"{}\" does not match the client", value.trim_matches('"')));
            }
        } else if !SESSION_OPTIONS.iter().any(|known| known.eq_ignore_ascii_case(name)) {
            return Err(format!("option {name} cannot be honoured by this daemon: the key is not accepted"));
        }
    }
    Ok(())
}

/// The authorized-keys path of `user` (home `home`) from the `pattern`.
fn authorized_keys_path(pattern: &str, user: &str, home: &str) -> PathBuf {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('%', Some('h')) => out.push_str(home),
            ('%', Some('u')) => out.push_str(user),
            ('%', Some('%')) => out.push('%'),
            _ => {
                out.push(c);
                continue;
            }
        }
        chars.next();
    }
    PathBuf::from(out)
}

/// Reads `user`'s authorized keys: the file and its directory must belong to the user (or
/// root) and be writable by no one else (OpenSSH's StrictModes), at most 1 MiB.
fn read_authorized_keys(path: &Path, uid: libc::uid_t) -> std::result::Result<String, String> {
    let shown = path.display();
    for (what, at) in [("file", Some(path)), ("directory", path.parent())] {
        let Some(at) = at else { continue };
        let meta = std::fs::metadata(at).map_err(|err| format!("{shown}: {err}"))?;
        if (meta.uid() != uid && meta.uid() != 0) || meta.mode() & 0o022 != 0 {
            return Err(format!("{shown}: the {what} must be the user's and writable by no one else"));
        }
    }
    let (data, _) = super::source::read_capped(path, MAX_FILE as u64).map_err(|why| format!("{shown}: {why}"))?;
    String::from_utf8(data).map_err(|_| format!("{shown} is not UTF-8"))
}

/// The daemon's side of one exchange.
pub(crate) struct Daemon {
    user: Vec<u8>,
    binding: [u8; 32],
    /// The accepted key, once chosen.
    chosen: Option<(Vec<u8>, PublicKey)>,
}

impl Daemon {
    pub(crate) fn new(user: &[u8], binding: &[u8; 32]) -> Daemon {
        Daemon { user: user.to_vec(), binding: *binding, chosen: None }
    }

    /// The client's messages: its offered keys get the index of the first one the user's
    /// authorized keys (at `pattern`) lists; its signature gets the login.
    pub(crate) fn step(
        &mut self,
        message: &[u8],
        peer: &Peer,
        pattern: &str,
    ) -> std::result::Result<Progress, Refused> {
        let name = String::from_utf8_lossy(&self.user).into_owned();
        match self.chosen.take() {
            None => self.choose(message, peer, pattern).map(|index| Progress::Continue(vec![index])),
            Some((blob, key)) => {
                let signature = Signature::try_from(message)
                    .map_err(|err| failed(format!("ssh for {name}: a malformed signature: {err}")))?;
                if signature.algorithm() == (Algorithm::Rsa { hash: None }) {
                    return Err(failed(format!("ssh for {name}: ssh-rsa (SHA-1) signatures are refused")));
                }
                Verifier::verify(key.key_data(), &signed_data(&self.binding, &self.user, &blob), &signature).map_err(
                    |_| {
                        failed(format!(
                            "ssh for {name}: a wrong signature (another key, or bound to another channel: relayed)"
                        ))
                    },
                )?;
                Ok(Progress::Done(Success {
                    login: self.user.clone(),
                    last: Vec::new(),
                    principal: None,
                    delegated: None,
                }))
            }
        }
    }

    fn choose(&mut self, message: &[u8], peer: &Peer, pattern: &str) -> std::result::Result<u8, Refused> {
        let name = String::from_utf8_lossy(&self.user).into_owned();
        let fail = |why: String| failed(format!("ssh for {name}: {why}"));
        let mut r = Reader::new(message);
        let count = usize::from(r.u8().map_err(|err| fail(err.to_string()))?);
        if count == 0 || count > MAX_KEYS {
            return Err(fail(format!("{count} keys offered; 1 to {MAX_KEYS} are")));
        }
        let blobs = (0..count)
            .map(|_| r.bytes(MAX_BLOB, "public key").map(<[u8]>::to_vec))
            .collect::<Result<Vec<_>>>()
            .and_then(|blobs| r.done().map(|()| blobs))
            .map_err(|err| fail(err.to_string()))?;
        let user = std::str::from_utf8(&self.user).map_err(|_| fail("a user name that is not UTF-8".into()))?;
        let account = match crate::sysauth::sys::user_by_name(user) {
            Ok(Some(account)) => account,
            _ => return Err(fail("no such user".into())),
        };
        let path = authorized_keys_path(pattern, user, &account.home);
        let text = read_authorized_keys(&path, account.uid).map_err(fail)?;
        let mut reasons = Vec::new();
        for (index, blob) in blobs.iter().enumerate() {
            let Ok(offered) = PublicKey::from_bytes(blob) else {
                reasons.push(format!("key {index} is not an SSH public key"));
                continue;
            };
            for entry in AuthorizedKeys::new(&text).flatten() {
                if entry.public_key().key_data() != offered.key_data() {
                    continue;
                }
                match options_allow(&entry, peer) {
                    Ok(()) => {
                        self.chosen = Some((blob.clone(), offered));
                        return Ok(index as u8);
                    }
                    Err(why) => reasons.push(why),
                }
            }
        }
        reasons.insert(0, format!("no offered key is accepted by {}", path.display()));
        Err(fail(reasons.join("; ")))
    }
}

// ---- The client's side ----

/// An SSH agent connection: request identities and signatures (the agent protocol,
/// draft-miller-ssh-agent), each message one write, each read with the deadline.
struct Agent {
    _stream: UnixStream,
    io: Channel,
}

impl Agent {
    fn connect(path: &Path, timeout: Duration) -> Result<Agent> {
        let stream = UnixStream::connect(path)
            .map_err(|err| Error::io(format!("connecting to the ssh-agent at {}", path.display()), &err))?;
        let io = Channel::new(stream.as_raw_fd(), stream.as_raw_fd(), timeout)?;
        Ok(Agent { _stream: stream, io })
    }

    /// Sends one request and reads the answer of `expected` type.
    fn request(&self, request: &[u8], expected: u8) -> Result<Vec<u8>> {
        let mut message = (request.len() as u32).to_be_bytes().to_vec();
        message.extend_from_slice(request);
        self.io.write_all(&message, self.io.deadline()).map_err(|err| err.context("writing to the ssh-agent"))?;
        let mut header = [0u8; 4];
        self.io.read_exact(&mut header, self.io.deadline())?;
        let len = u32::from_be_bytes(header) as usize;
        if len == 0 || len > MAX_FILE {
            return Err(Error::new(ErrorCode::Protocol, format!("an ssh-agent answer of {len} bytes")));
        }
        let mut body = vec![0u8; len];
        self.io.read_rest(&mut body, self.io.deadline())?;
        match body[0] {
            kind if kind == expected => Ok(body.split_off(1)),
            5 => Err(Error::new(ErrorCode::AuthFailed, "the ssh-agent refused the request")),
            other => Err(Error::new(ErrorCode::Protocol, format!("an ssh-agent answer of type {other}"))),
        }
    }

    /// The agent's public keys (at most [`MAX_KEYS`]).
    fn identities(&self) -> Result<Vec<Vec<u8>>> {
        let body = self.request(&[11], 12)?;
        let mut r = AgentReader(&body);
        let count = r.u32()? as usize;
        let mut keys = Vec::new();
        for _ in 0..count.min(MAX_KEYS) {
            let blob = r.string()?;
            r.string()?; // the comment
            keys.push(blob.to_vec());
        }
        Ok(keys)
    }

    /// The agent's signature of `data` with the key `blob` (rsa-sha2-512 for RSA keys).
    fn sign(&self, blob: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let mut request = vec![13];
        for field in [blob, data] {
            request.extend_from_slice(&(field.len() as u32).to_be_bytes());
            request.extend_from_slice(field);
        }
        request.extend_from_slice(&4u32.to_be_bytes()); // SSH_AGENT_RSA_SHA2_512
        let body = self.request(&request, 14)?;
        Ok(AgentReader(&body).string()?.to_vec())
    }
}

/// Reads the agent protocol's u32 and length-prefixed strings.
struct AgentReader<'a>(&'a [u8]);

impl<'a> AgentReader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(Error::new(ErrorCode::Protocol, "a truncated ssh-agent answer"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn string(&mut self) -> Result<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
}

/// Where the client's keys are.
enum Keys {
    Agent(Agent),
    File(Box<PrivateKey>),
}

/// The client's side of one exchange.
pub(crate) struct Client {
    keys: Keys,
    blobs: Vec<Vec<u8>>,
    user: Vec<u8>,
    binding: [u8; 32],
    signed: bool,
}

impl Client {
    /// The keys to offer: the `kf:` key file of `details` (its passphrase through the
    /// responder), else the agent at `agent`. The first message lists their public keys.
    pub(crate) fn start(
        details: &[u8],
        agent: Option<&Path>,
        responder: Option<&Responder>,
        timeout: Duration,
        user: &[u8],
        binding: &[u8; 32],
    ) -> Result<(Client, Vec<u8>)> {
        let (keys, blobs) = match (detail(details, "kf").filter(|f| !f.is_empty()), agent) {
            (Some(file), _) => {
                let file = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(file));
                let key = read_key_file(file, responder)?;
                let blob = key.public_key().to_bytes().map_err(|err| ssh_error("encoding the public key", err))?;
                (Keys::File(Box::new(key)), vec![blob])
            }
            (None, Some(agent)) => {
                let agent = Agent::connect(agent, timeout)?;
                let blobs = agent.identities()?;
                if blobs.is_empty() {
                    return Err(Error::new(ErrorCode::NoCredentials, "the ssh-agent holds no key"));
                }
                (Keys::Agent(agent), blobs)
            }
            (None, None) => {
                return Err(Error::new(ErrorCode::NoCredentials, "no ssh-agent (SSH_AUTH_SOCK) and no kf: key file"));
            }
        };
        let mut first = Writer::new().u8(blobs.len() as u8);
        for blob in &blobs {
            first = first.bytes(blob);
        }
        let client = Client { keys, blobs, user: user.to_vec(), binding: *binding, signed: false };
        Ok((client, first.finish().to_vec()))
    }

    /// The signature with the key the daemon chose.
    pub(crate) fn next(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        let [index] = message else {
            return Err(Error::new(ErrorCode::Protocol, "the daemon's choice of key is not one byte"));
        };
        let blob = self
            .blobs
            .get(usize::from(*index))
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "the daemon chose a key that was not offered"))?;
        if std::mem::replace(&mut self.signed, true) {
            return Err(Error::new(ErrorCode::Protocol, "the daemon asked for a second signature"));
        }
        let data = signed_data(&self.binding, &self.user, blob);
        match &self.keys {
            Keys::Agent(agent) => agent.sign(blob, &data),
            Keys::File(key) => {
                let signature: Signature = key.try_sign(&data).map_err(|err| ssh_error("signing", err))?;
                Vec::try_from(signature).map_err(|err| ssh_error("encoding the signature", err))
            }
        }
    }

    /// Checks the daemon's last message: ssh has none (the daemon proved itself with the
    /// channel's key).
    pub(crate) fn finish(&mut self, last: &[u8]) -> Result<()> {
        if !self.signed || !last.is_empty() {
            return Err(Error::new(ErrorCode::Protocol, "ssh accepted without a signature, or with a last message"));
        }
        Ok(())
    }
}

/// Reads an OpenSSH private key file (private to the user), decrypting it with the passphrase
/// the responder gives (question `passphrase`). RSA key files are refused: the `rsa` crate's
/// private-key operations are not hardened against timing attacks (RUSTSEC-2023-0071); an RSA
/// key in the ssh-agent works.
fn read_key_file(path: &Path, responder: Option<&Responder>) -> Result<PrivateKey> {
    let text = super::keys::read_secret_file(path, "SSH key file")?;
    let key = PrivateKey::from_openssh(text.as_slice())
        .map_err(|err| ssh_error(&format!("the SSH key file {}", path.display()), err))?;
    if matches!(key.algorithm(), Algorithm::Rsa { .. }) {
        return Err(Error::new(
            ErrorCode::Unsupported,
            "RSA key files are not signed by this library (use ssh-agent, or an ed25519 or ecdsa key)",
        ));
    }
    if !key.is_encrypted() {
        return Ok(key);
    }
    let responder = responder
        .ok_or_else(|| Error::new(ErrorCode::Unanswered, "the SSH key file is encrypted and no responder was given"))?;
    let shown = path.display().to_string();
    let challenge = json::object(&[("service", "hostauth"), ("method", "ssh"), ("key", &shown)]);
    let question = Question::new(PASSPHRASE, challenge, format!("Passphrase for {shown}"));
    let answers = responder.ask(&[question])?;
    let passphrase = Zeroizing::new(answers.get(PASSPHRASE).expect("ask() returns every required answer").to_owned());
    key.decrypt(passphrase.as_bytes())
        .map_err(|_| Error::new(ErrorCode::AuthFailed, format!("a wrong passphrase for {shown}")))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::{Child, Command, Stdio};

    /// A key made by ssh-keygen in `dir`: `kind` (ed25519, ecdsa, rsa), `passphrase` ("" for
    /// none); its path and its public line.
    pub(crate) fn keygen(dir: &Path, name: &str, kind: &str, passphrase: &str) -> (PathBuf, String) {
        let path = dir.join(name);
        let status = Command::new("ssh-keygen")
            .args(["-q", "-t", kind, "-N", passphrase, "-C", name, "-f"])
            .arg(&path)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ssh-keygen");
        let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
        (path, public.trim().to_owned())
    }

    /// A running ssh-agent (Debian's openssh-client) on a socket in `dir`, holding `keys`;
    /// killed when dropped.
    pub(crate) struct TestAgent {
        pub(crate) socket: PathBuf,
        child: Child,
    }

    impl TestAgent {
        pub(crate) fn start(dir: &Path, keys: &[&Path]) -> TestAgent {
            let socket = dir.join("agent.sock");
            let child =
                Command::new("ssh-agent").arg("-D").arg("-a").arg(&socket).stdout(Stdio::null()).spawn().unwrap();
            for _ in 0..200 {
                if socket.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            for key in keys {
                let status = Command::new("ssh-add")
                    .arg(key)
                    .env("SSH_AUTH_SOCK", &socket)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "ssh-add");
            }
            TestAgent { socket, child }
        }
    }

    impl Drop for TestAgent {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn peer(host: &str, addr: &str) -> Peer {
        Peer { host: host.as_bytes().to_vec(), addr: addr.parse().ok(), unix_uid: None }
    }

    fn entry(line: &str) -> Entry {
        line.parse().unwrap()
    }

    #[test]
    fn globs_and_from_patterns() {
        let client = peer("ws1.example.org", "10.1.2.3");
        assert_eq!(from_allows("*.example.org", &client), Ok(true));
        assert_eq!(from_allows("other,10.1.*", &client), Ok(true));
        assert_eq!(from_allows("*.example.org,!ws1.*", &client), Ok(false), "a negated match refuses");
        assert_eq!(from_allows("elsewhere", &client), Ok(false));
        // Address and mask, as OpenSSH reads them; a negated network keeps its members out.
        assert_eq!(from_allows("10.0.0.0/8", &client), Ok(true));
        assert_eq!(from_allows("10.1.2.0/24,192.168.0.0/16", &client), Ok(true));
        assert_eq!(from_allows("10.1.3.0/24", &client), Ok(false));
        assert_eq!(from_allows("!10.0.0.0/8,*", &client), Ok(false), "a negated network refuses");
        assert_eq!(from_allows("0.0.0.0/0", &client), Ok(true));
        assert_eq!(from_allows("2001:db8::/32", &client), Ok(false), "another family never matches");
        for bad in ["10.0.0.0/33", "10.0.0/8", "!10.0.0.0/x,*", "ws1.example.org/8"] {
            assert!(from_allows(bad, &client).is_err(), "{bad} refuses the key");
        }
    }

    #[test]
    fn options_are_honoured_or_refused() {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHzS4xtK4hO3bmOsKXSEV6XF3nOUz+JtPM4x6NbMBpBH k";
        let client = peer("ws1.example.org", "10.1.2.3");
        assert!(options_allow(&entry(key), &client).is_ok());
        assert!(options_allow(&entry(&format!("restrict,no-pty {key}")), &client).is_ok());
        assert!(options_allow(&entry(&format!("from=\"*.example.org\" {key}")), &client).is_ok());
        let refused = options_allow(&entry(&format!("from=\"*.other.org\" {key}")), &client).unwrap_err();
        assert!(refused.contains("does not match"), "{refused}");
        for option in ["command=\"ls\"", "cert-authority", "principals=\"a\"", "expiry-time=\"20990101\"", "frobnicate"]
        {
            let refused = options_allow(&entry(&format!("{option} {key}")), &client).unwrap_err();
            assert!(refused.contains("cannot be honoured"), "{option}: {refused}");
        }
    }

    #[test]
    fn authorized_keys_paths_and_modes() {
        assert_eq!(
            authorized_keys_path("%h/.ssh/authorized_keys", "al", "/home/al"),
            Path::new("/home/al/.ssh/authorized_keys")
        );
        assert_eq!(authorized_keys_path("/etc/keys/%u.%%", "al", "/h"), Path::new("/etc/keys/al.%"));
        assert_eq!(authorized_keys_path("/k/%x%", "al", "/h"), Path::new("/k/%x%"));
        let dir = std::env::temp_dir().join(format!("daemonauth-ssh-modes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("keys");
        std::fs::write(&file, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(read_authorized_keys(&file, uid).unwrap(), "");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).unwrap();
        assert!(read_authorized_keys(&file, uid).unwrap_err().contains("writable by no one else"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(read_authorized_keys(&file, uid).unwrap_err().contains("the directory"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(read_authorized_keys(&dir.join("none"), uid).is_err());
    }

    #[test]
    fn bad_offers_and_signatures_are_refused() {
        let pattern = "/nonexistent/%u";
        let client = peer("h", "127.0.0.1");
        for offer in [&[0u8][..], &[17], &[1, 0], &[1, 0, 1, 7, 0]] {
            let mut daemon = Daemon::new(b"root", &[0; 32]);
            assert_eq!(daemon.step(offer, &client, pattern).err().unwrap().0, super::super::wire::Refusal::Failed);
        }
        let mut daemon = Daemon::new(b"root", &[0; 32]);
        let refused = daemon.step(&[1, 0, 3, 1, 2, 3], &client, pattern).err().unwrap();
        assert!(refused.1.contains("/nonexistent/root"), "{}", refused.1);
        let mut daemon = Daemon::new(b"daemonauth-no-such-user", &[0; 32]);
        assert!(daemon.step(&[1, 0, 1, 0], &client, pattern).err().unwrap().1.contains("no such user"));
        // The client side: a choice of key that is not one byte or was not offered.
        let dir = std::env::temp_dir().join(format!("daemonauth-ssh-client-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (file, _) = keygen(&dir, "k", "ed25519", "");
        let details = format!("kf:{}", file.display());
        let (mut client, first) =
            Client::start(details.as_bytes(), None, None, Duration::from_secs(5), b"u", &[0; 32]).unwrap();
        assert_eq!(first[0], 1);
        assert_eq!(client.finish(&[]).unwrap_err().code(), ErrorCode::Protocol, "nothing signed yet");
        assert_eq!(client.next(&[0, 0]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(client.next(&[1]).unwrap_err().code(), ErrorCode::Protocol);
        client.next(&[0]).unwrap();
        assert_eq!(client.next(&[0]).unwrap_err().code(), ErrorCode::Protocol, "a second signature");
        assert_eq!(client.finish(&[1]).unwrap_err().code(), ErrorCode::Protocol);
        client.finish(&[]).unwrap();
        // No agent and no key file; an RSA key file; an agent socket that is not there.
        let none = Client::start(b"pt:no", None, None, Duration::from_secs(5), b"u", &[0; 32]).err().unwrap();
        assert_eq!(none.code(), ErrorCode::NoCredentials);
        let (rsa, _) = keygen(&dir, "r", "rsa", "");
        let details = format!("kf:{}", rsa.display());
        let err = Client::start(details.as_bytes(), None, None, Duration::from_secs(5), b"u", &[0; 32]).err().unwrap();
        assert_eq!(err.code(), ErrorCode::Unsupported);
        let gone = dir.join("no-agent");
        let err = Client::start(b"", Some(&gone), None, Duration::from_secs(5), b"u", &[0; 32]).err().unwrap();
        assert_eq!(err.code(), ErrorCode::Io, "{err}");
    }
}
