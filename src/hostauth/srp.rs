//! Method 1 srp: SRP-6a as RFC 5054 specifies it, through the RustCrypto `srp` crate (SHA-256,
//! an RFC 5054 group of 2048, 3072 or 4096 bits; constant-time arithmetic) inside the channel,
//! mutual and bound to the channel:
//!
//! ```text
//! client → daemon   Try(srp, user, first: empty)
//! daemon → client   Step(group bits u32, salt, B)
//! client → daemon   Step(A, M1, HMAC(S, "…srp-client-v1" ‖ handshake hash))
//! daemon → client   Accepted(last: M2, HMAC(S, "…srp-daemon-v1" ‖ handshake hash))
//! ```
//!
//! `S` is the SRP shared secret: only the client (who knows the password) and the daemon (who
//! holds the verifier) can compute it, so the two MACs prove each side to the other *on this
//! channel* — a man in the middle, who has another channel with each side, cannot re-bind them.
//! The daemon keeps verifiers, never passwords, in its verifier file; an unknown user gets a
//! stable made-up salt and a random verifier, so that the answer does not tell who exists.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use sha2::Sha256;
use srp::groups::{G2048, G3072, G4096};
use srp::{Client as SrpClient, ClientVerifier, Server as SrpServer};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::keys::{StaticKey, hex, read_secret_file, unhex_vec};
use super::methods::{Progress, Refused, Success, failed};
use super::reuse::{hmac, random32};
use super::wire::{MAX_NAME, Reader, Refusal, Writer};
use crate::error::{Error, ErrorCode, Result};

/// The group of new verifiers unless told otherwise.
pub(crate) const DEFAULT_BITS: u32 = 2048;
/// The largest salt, public value or verifier carried (4096 bits).
const MAX_NUMBER: usize = 512;
const CLIENT_LABEL: &[u8] = b"daemonauth-hostauth-srp-client-v1";
const DAEMON_LABEL: &[u8] = b"daemonauth-hostauth-srp-daemon-v1";
const FAKE_SALT_LABEL: &[u8] = b"daemonauth-hostauth-srp-fake-salt-v1";

/// Checks that `bits` names a group this library uses: an RFC 5054 group of 2048, 3072 or 4096
/// bits (smaller groups are refused).
fn check_group(bits: u32) -> Result<u32> {
    match bits {
        2048 | 3072 | 4096 => Ok(bits),
        other => Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("an SRP group of {other} bits; this library uses the RFC 5054 groups of 2048, 3072 and 4096 bits"),
        )),
    }
}

/// Evaluates `$body` with the type `$group` standing for the RFC 5054 group of `$bits` bits
/// (the `srp` crate's groups are types); `$bits` must have passed [`check_group`].
macro_rules! in_group {
    ($bits:expr, $group:ident => $body:expr) => {
        match $bits {
            2048 => {
                type $group = G2048;
                $body
            }
            3072 => {
                type $group = G3072;
                $body
            }
            _ => {
                type $group = G4096;
                $body
            }
        }
    };
}

/// A private exponent: 64 random bytes (512 bits, above RFC 5054's 256).
fn exponent() -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new([random32()?, random32()?].concat()))
}

/// One user's verifier.
pub(crate) struct Verifier {
    bits: u32,
    salt: Vec<u8>,
    verifier: Zeroizing<Vec<u8>>,
}

impl Verifier {
    /// A new verifier of `password` for `user`, with a fresh 32-byte salt.
    pub(crate) fn new(user: &[u8], password: &[u8], bits: u32) -> Result<Verifier> {
        let bits = check_group(bits)?;
        let salt = random32()?.to_vec();
        let verifier =
            Zeroizing::new(in_group!(bits, G => SrpClient::<G, Sha256>::new().compute_verifier(user, password, &salt)));
        Ok(Verifier { bits, salt, verifier })
    }
}

/// A verifier file: `user:bits:salt-hex:verifier-hex` lines, `#` comments and blank lines.
pub(crate) struct VerifierFile {
    entries: Vec<(Vec<u8>, Verifier)>,
}

impl VerifierFile {
    /// Parses a file's bytes; `what` names it in errors (which never quote a line).
    pub(crate) fn parse(bytes: &[u8], what: &str) -> Result<VerifierFile> {
        let mut entries: Vec<(Vec<u8>, Verifier)> = Vec::new();
        for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let bad = |why: &str| Error::new(ErrorCode::Config, format!("{what}:{}: {why}", index + 1));
            if line.is_empty() || line.starts_with(b"#") {
                continue;
            }
            let fields: Vec<&[u8]> = line.split(|b| *b == b':').collect();
            let [user, bits, salt, verifier] = fields[..] else {
                return Err(bad("expected user:bits:salt:verifier"));
            };
            if user.is_empty() || user.len() > MAX_NAME {
                return Err(bad("the user name is empty or longer than 255 bytes"));
            }
            let bits = std::str::from_utf8(bits).ok().and_then(|b| b.parse().ok()).ok_or_else(|| bad("bits"))?;
            check_group(bits).map_err(|err| bad(err.message()))?;
            let number = |text: &[u8], name: &str| {
                unhex_vec(text)
                    .filter(|n| !n.is_empty() && n.len() <= MAX_NUMBER)
                    .ok_or_else(|| bad(&format!("the {name} is not 1 to {MAX_NUMBER} bytes of hexadecimal")))
            };
            let salt = number(salt, "salt")?.to_vec();
            let verifier = number(verifier, "verifier")?;
            if entries.iter().any(|(known, _)| known == user) {
                return Err(bad("a user listed twice"));
            }
            entries.push((user.to_vec(), Verifier { bits, salt, verifier }));
        }
        Ok(VerifierFile { entries })
    }

    /// Reads the file at `path` (the daemon's own, no access for group or others).
    pub(crate) fn load(path: &Path) -> Result<VerifierFile> {
        let bytes = read_secret_file(path, "SRP verifier file")?;
        VerifierFile::parse(&bytes, &path.display().to_string())
    }

    fn get(&self, user: &[u8]) -> Option<&Verifier> {
        self.entries.iter().find(|(known, _)| known == user).map(|(_, verifier)| verifier)
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(b"# daemonauth host-auth SRP verifiers: user:bits:salt:verifier\n".to_vec());
        for (user, v) in &self.entries {
            let line = Zeroizing::new(format!(":{}:{}:{}\n", v.bits, hex(&v.salt), hex(&v.verifier)));
            out.extend_from_slice(user);
            out.extend_from_slice(line.as_bytes());
        }
        out
    }
}

/// Adds or replaces `user`'s verifier of `password` in the file at `path`: created with mode
/// 0600 if it does not exist, else read (it must be private) and replaced as a whole by a
/// rename, so that a reader never sees half a file.
pub(crate) fn set_verifier(path: &Path, user: &[u8], password: &[u8], bits: u32) -> Result<()> {
    if user.is_empty() || user.len() > MAX_NAME || user.iter().any(|b| matches!(b, b':' | b'\n' | 0)) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "the user name is empty, too long or has ':', NUL or a newline",
        ));
    }
    if password.is_empty() {
        return Err(Error::new(ErrorCode::InvalidArgument, "an empty password"));
    }
    check_group(bits)?;
    let mut file = match VerifierFile::load(path) {
        Ok(file) => file,
        Err(err) if !path.exists() => {
            crate::log_debug!("host-auth: a new SRP verifier file ({err})");
            VerifierFile { entries: Vec::new() }
        }
        Err(err) => return Err(err),
    };
    let verifier = Verifier::new(user, password, bits)?;
    match file.entries.iter_mut().find(|(known, _)| known == user) {
        Some((_, old)) => *old = verifier,
        None => file.entries.push((user.to_vec(), verifier)),
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".new-{}", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .and_then(|mut out| out.write_all(&file.encode()).and_then(|()| out.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|err| {
        let _ = std::fs::remove_file(&temporary);
        Error::io(format!("writing the SRP verifier file {}", path.display()), &err)
    })
}

/// The two MACs that bind the exchange to the channel: the client's and the daemon's.
fn channel_macs(secret: &[u8], binding: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    (hmac(secret, &[CLIENT_LABEL, binding]), hmac(secret, &[DAEMON_LABEL, binding]))
}

fn equal(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// The daemon's challenge as the client reads it: the group's size, the salt and B.
pub(crate) struct Challenge<'a> {
    pub(crate) bits: u32,
    pub(crate) salt: &'a [u8],
    pub(crate) b_pub: &'a [u8],
}

impl<'a> Challenge<'a> {
    /// Reads a challenge; a group this library does not use, a number over 4096 bits or bytes
    /// left over are errors.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Challenge<'a>> {
        let mut r = Reader::new(bytes);
        let bits = r.u32()?;
        let (salt, b_pub) = (r.bytes(MAX_NUMBER, "SRP salt")?, r.bytes(MAX_NUMBER, "SRP B")?);
        r.done()?;
        Ok(Challenge { bits: check_group(bits)?, salt, b_pub })
    }
}

/// The client's proof as the daemon reads it: A, M1 and the channel MAC.
pub(crate) struct Proof<'a> {
    pub(crate) a_pub: &'a [u8],
    pub(crate) m1: [u8; 32],
    pub(crate) mac: [u8; 32],
}

impl<'a> Proof<'a> {
    /// Reads a proof; an A over 4096 bits, a short MAC or bytes left over are errors.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Proof<'a>> {
        let mut r = Reader::new(bytes);
        let (a_pub, m1, mac) = (r.bytes(MAX_NUMBER, "SRP A")?, r.array()?, r.array()?);
        r.done()?;
        Ok(Proof { a_pub, m1, mac })
    }
}

/// The daemon's side of one exchange.
pub(crate) struct Daemon {
    user: Vec<u8>,
    binding: [u8; 32],
    bits: u32,
    salt: Vec<u8>,
    verifier: Zeroizing<Vec<u8>>,
    /// Whether the user has a verifier (else a made-up one stands in, and the exchange fails).
    known: bool,
    b: Zeroizing<Vec<u8>>,
    /// The challenge, until it is sent.
    challenge: Option<Vec<u8>>,
}

impl Daemon {
    /// Gets ready for `user` with the verifier file at `path` (None: this daemon has none);
    /// `key` makes an unknown user's salt. A missing or malformed file makes the method
    /// unavailable.
    pub(crate) fn new(
        user: &[u8],
        path: Option<&Path>,
        key: &StaticKey,
        binding: &[u8; 32],
    ) -> std::result::Result<Daemon, Refused> {
        let unavailable = |why: String| (Refusal::Unavailable, format!("srp: {why}"));
        let path = path.ok_or_else(|| unavailable("this daemon has no verifier file".into()))?;
        let file = VerifierFile::load(path).map_err(|err| unavailable(err.to_string()))?;
        let (bits, salt, verifier, known) = match file.get(user) {
            Some(v) => (v.bits, v.salt.clone(), v.verifier.clone(), true),
            None => {
                let salt = hmac(key.private.as_ref(), &[FAKE_SALT_LABEL, user]).to_vec();
                (DEFAULT_BITS, salt, exponent().map_err(|err| unavailable(err.to_string()))?, false)
            }
        };
        let bits = check_group(bits).map_err(|err| unavailable(err.to_string()))?;
        let b = exponent().map_err(|err| unavailable(err.to_string()))?;
        let b_pub = in_group!(bits, G => SrpServer::<G, Sha256>::new().compute_public_ephemeral(&b, &verifier));
        let challenge = Writer::new().u32(bits).bytes(&salt).bytes(&b_pub).finish();
        let challenge = Some(challenge.to_vec());
        Ok(Daemon { user: user.to_vec(), binding: *binding, bits, salt, verifier, known, b, challenge })
    }

    /// The client's messages: the (empty) first one gets the challenge; the proof gets the login
    /// and the daemon's proof, or a failure.
    pub(crate) fn step(&mut self, message: &[u8]) -> std::result::Result<Progress, Refused> {
        let name = String::from_utf8_lossy(&self.user).into_owned();
        if let Some(challenge) = self.challenge.take() {
            if !message.is_empty() {
                return Err(failed(format!("srp for {name}: the client's first message is not empty")));
            }
            return Ok(Progress::Continue(challenge));
        }
        let Proof { a_pub, m1, mac } =
            Proof::parse(message).map_err(|err| failed(format!("srp for {name}: a malformed proof: {err}")))?;
        let verifier = in_group!(self.bits, G => SrpServer::<G, Sha256>::new().process_reply(
            &self.user,
            &self.salt,
            &self.b,
            &self.verifier,
            a_pub
        ))
        .map_err(|err| failed(format!("srp for {name}: {err:?}")))?;
        let secret = Zeroizing::new(verifier.key().to_vec());
        let (client_mac, daemon_mac) = channel_macs(&secret, &self.binding);
        let proven = verifier.verify_client(&m1).is_ok() & equal(&mac, &client_mac);
        if !self.known {
            return Err(failed(format!("srp: no verifier for {name}")));
        }
        if !proven {
            return Err(failed(format!(
                "srp for {name}: a wrong proof (wrong password, or bound to another channel: relayed)"
            )));
        }
        let last = Writer::new().raw(verifier.proof()).raw(&daemon_mac).finish();
        Ok(Progress::Done(Success { login: self.user.clone(), last: last.to_vec(), principal: None, delegated: None }))
    }
}

/// The client's side of one exchange.
pub(crate) struct Client {
    user: Vec<u8>,
    password: Zeroizing<Vec<u8>>,
    binding: [u8; 32],
    /// After the daemon's challenge: the expected daemon proof and channel MAC.
    expected: Option<(ClientVerifier<Sha256>, [u8; 32])>,
}

impl Client {
    pub(crate) fn new(user: &[u8], password: Zeroizing<Vec<u8>>, binding: &[u8; 32]) -> Client {
        Client { user: user.to_vec(), password, binding: *binding, expected: None }
    }

    /// The answer to the daemon's challenge: A, M1 and the channel MAC.
    pub(crate) fn next(&mut self, challenge: &[u8]) -> Result<Vec<u8>> {
        if self.expected.is_some() {
            return Err(Error::new(ErrorCode::Protocol, "a second SRP challenge"));
        }
        let Challenge { bits, salt, b_pub } = Challenge::parse(challenge)?;
        let a = exponent()?;
        let (a_pub, verifier) = in_group!(bits, G => {
            let client = SrpClient::<G, Sha256>::new();
            (client.compute_public_ephemeral(&a), client.process_reply(&a, &self.user, &self.password, salt, b_pub))
        });
        let verifier = verifier.map_err(|err| {
            Error::new(ErrorCode::Protocol, format!("the daemon's SRP challenge ({bits} bits): {err:?}"))
        })?;
        let secret = Zeroizing::new(verifier.key().to_vec());
        let (client_mac, daemon_mac) = channel_macs(&secret, &self.binding);
        let answer = Writer::new().bytes(&a_pub).raw(verifier.proof()).raw(&client_mac).finish();
        self.expected = Some((verifier, daemon_mac));
        Ok(answer.to_vec())
    }

    /// Checks the daemon's proof: it holds the verifier, on this channel.
    pub(crate) fn finish(&mut self, last: &[u8]) -> Result<()> {
        let (verifier, daemon_mac) = self
            .expected
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "SRP accepted without a challenge"))?;
        let mut r = Reader::new(last);
        let (m2, mac) = (r.array()?, r.array()?);
        r.done()?;
        if verifier.verify_server(&m2).is_err() || !equal(&mac, daemon_mac) {
            return Err(Error::new(
                ErrorCode::AuthFailed,
                "the daemon's SRP proof is wrong: it does not hold the verifier",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a private verifier file with `entries` (user, password) in a fresh directory.
    pub(crate) fn verifier_file(name: &str, entries: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("daemonauth-srp-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("verifiers");
        for (user, password) in entries {
            set_verifier(&path, user.as_bytes(), password.as_bytes(), DEFAULT_BITS).unwrap();
        }
        path
    }

    /// The daemon's challenge, for its client's empty first message.
    fn challenge(daemon: &mut Daemon) -> Vec<u8> {
        match daemon.step(&[]) {
            Ok(Progress::Continue(challenge)) => challenge,
            _ => panic!("srp starts with a challenge"),
        }
    }

    fn exchange(
        file: &Path,
        user: &[u8],
        password: &[u8],
        client_binding: [u8; 32],
        daemon_binding: [u8; 32],
    ) -> Result<()> {
        let key = StaticKey::generate().unwrap();
        let mut client = Client::new(user, Zeroizing::new(password.to_vec()), &client_binding);
        let mut daemon =
            Daemon::new(user, Some(file), &key, &daemon_binding).map_err(|r| Error::new(ErrorCode::Config, r.1))?;
        let proof = client.next(&challenge(&mut daemon))?;
        match daemon.step(&proof) {
            Ok(Progress::Done(success)) => client.finish(&success.last),
            Ok(Progress::Continue(_)) => panic!("srp takes one proof"),
            Err((_, why)) => Err(Error::new(ErrorCode::AuthFailed, why)),
        }
    }

    #[test]
    fn right_and_wrong_passwords_unknown_users_and_other_channels() {
        let file = verifier_file("exchange", &[("alice", "pw-a"), ("b\u{f6}b", "pw-b")]);
        exchange(&file, b"alice", b"pw-a", [1; 32], [1; 32]).unwrap();
        exchange(&file, "b\u{f6}b".as_bytes(), b"pw-b", [1; 32], [1; 32]).unwrap();
        let err = exchange(&file, b"alice", b"pw-b", [1; 32], [1; 32]).unwrap_err();
        assert!(err.message().contains("a wrong proof"), "{err}");
        let err = exchange(&file, b"carol", b"pw-a", [1; 32], [1; 32]).unwrap_err();
        assert!(err.message().contains("no verifier for carol"), "{err}");
        let err = exchange(&file, b"alice", b"pw-a", [1; 32], [2; 32]).unwrap_err();
        assert!(err.message().contains("another channel"), "{err}");
    }

    #[test]
    fn an_unknown_user_gets_a_stable_salt() {
        let file = verifier_file("fake", &[("alice", "pw")]);
        let key = StaticKey::generate().unwrap();
        let salt = |user: &[u8]| {
            let challenge = challenge(&mut Daemon::new(user, Some(&file), &key, &[0; 32]).map_err(|r| r.1).unwrap());
            let mut r = Reader::new(&challenge);
            assert_eq!(r.u32().unwrap(), DEFAULT_BITS);
            r.bytes(MAX_NUMBER, "salt").unwrap().to_vec()
        };
        assert_eq!(salt(b"nobody"), salt(b"nobody"));
        assert_ne!(salt(b"nobody"), salt(b"somebody"));
        assert_eq!(salt(b"alice"), salt(b"alice"));
    }

    #[test]
    fn a_daemon_proof_that_does_not_check_out_is_refused() {
        let file = verifier_file("daemon-proof", &[("alice", "pw")]);
        let key = StaticKey::generate().unwrap();
        let mut client = Client::new(b"alice", Zeroizing::new(b"pw".to_vec()), &[3; 32]);
        assert_eq!(client.finish(&[0; 64]).unwrap_err().code(), ErrorCode::Protocol, "no challenge yet");
        let challenge = challenge(&mut Daemon::new(b"alice", Some(&file), &key, &[3; 32]).map_err(|r| r.1).unwrap());
        client.next(&challenge).unwrap();
        assert_eq!(client.next(&challenge).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(client.finish(&[0; 64]).unwrap_err().code(), ErrorCode::AuthFailed);
        assert_eq!(client.finish(&[0; 63]).unwrap_err().code(), ErrorCode::Protocol);
    }

    #[test]
    fn bad_challenges_and_proofs_are_refused() {
        let mut client = Client::new(b"alice", Zeroizing::new(b"pw".to_vec()), &[0; 32]);
        // A 1024-bit group, a truncated challenge, bytes left over, a B of zero.
        let small = Writer::new().u32(1024).bytes(&[1; 16]).bytes(&[2; 128]).finish();
        assert_eq!(client.next(&small).unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(client.next(&[0, 0, 8]).unwrap_err().code(), ErrorCode::Protocol);
        let extra = [Writer::new().u32(2048).bytes(&[1; 16]).bytes(&[2; 256]).finish().as_slice(), &[0]].concat();
        assert_eq!(client.next(&extra).unwrap_err().code(), ErrorCode::Protocol);
        let zero = Writer::new().u32(2048).bytes(&[1; 16]).bytes(&[0; 256]).finish();
        assert_eq!(client.next(&zero).unwrap_err().code(), ErrorCode::Protocol);
        let long = Writer::new().u32(2048).bytes(&[1; 16]).bytes(&[2; MAX_NUMBER + 1]).finish();
        assert_eq!(client.next(&long).unwrap_err().code(), ErrorCode::TooLarge);

        let file = verifier_file("bad-proof", &[("alice", "pw")]);
        let key = StaticKey::generate().unwrap();
        let mut daemon = Daemon::new(b"alice", Some(&file), &key, &[0; 32]).map_err(|r| r.1).unwrap();
        assert!(daemon.step(&[1]).err().unwrap().1.contains("first message is not empty"));
        let mut daemon = Daemon::new(b"alice", Some(&file), &key, &[0; 32]).map_err(|r| r.1).unwrap();
        challenge(&mut daemon);
        assert_eq!(daemon.step(&[0, 1]).err().unwrap().0, Refusal::Failed);
        let zero_a = Writer::new().bytes(&[0; 256]).raw(&[0; 64]).finish();
        assert!(daemon.step(&zero_a).err().unwrap().1.contains("IllegalParameter"));
    }

    #[test]
    fn verifier_files_are_private_and_well_formed() {
        let file = verifier_file("format", &[("alice", "one")]);
        let first = std::fs::read(&file).unwrap();
        // Changing a password replaces the line; another user adds one.
        set_verifier(&file, b"alice", b"two", 3072).unwrap();
        set_verifier(&file, b"bob", b"three", DEFAULT_BITS).unwrap();
        let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
        assert_ne!(text.as_bytes(), first);
        assert_eq!(text.lines().filter(|l| l.starts_with("alice:3072:")).count(), 1, "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("bob:2048:")).count(), 1, "{text}");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(VerifierFile::load(&file).err().unwrap().code(), ErrorCode::InsecureFile);
        assert_eq!(set_verifier(&file, b"bob", b"x", 2048).unwrap_err().code(), ErrorCode::InsecureFile);
        // Bad arguments.
        for (user, password, bits) in
            [(&b"a:b"[..], &b"pw"[..], 2048), (b"", b"pw", 2048), (b"al", b"", 2048), (b"al", b"pw", 1024)]
        {
            assert_eq!(set_verifier(&file, user, password, bits).unwrap_err().code(), ErrorCode::InvalidArgument);
        }
        // Malformed lines make the whole file refused, naming the line.
        for (bad, why) in [
            ("alice:2048:00\n", "expected user:bits:salt:verifier"),
            ("alice:1024:00:01\n", "1024 bits"),
            ("alice:x:00:01\n", "bits"),
            ("alice:2048:zz:01\n", "salt"),
            ("alice:2048:00:\n", "verifier"),
            ("# c\nalice:2048:00:01\nalice:2048:00:01\n", ":3: a user listed twice"),
            (":2048:00:01\n", "user name"),
        ] {
            let err = VerifierFile::parse(bad.as_bytes(), "f").err().unwrap();
            assert_eq!(err.code(), ErrorCode::Config);
            assert!(err.message().contains(why), "{bad:?}: {err}");
        }
        let (_, refused) = Daemon::new(b"alice", None, &StaticKey::generate().unwrap(), &[0; 32]).err().unwrap();
        assert!(refused.contains("no verifier file"), "{refused}");
    }
}
