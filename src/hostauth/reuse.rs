//! Stateless reuse tokens (`docs/hostauth-protocol.md`, "Reuse").
//!
//! A token is a public *ticket* — version, key id, method, user, client host, expiry and a random
//! serial — and its *secret*, HMAC-SHA-256 under the daemon secret with that key id over the
//! ticket. The daemon keeps nothing per token: any daemon holding the secret file recomputes the
//! secret from the ticket. The client gets both inside the channel and later proves the secret
//! with HMAC-SHA-256(secret, label ‖ handshake hash ‖ nonce) over a fresh channel and a fresh
//! nonce: the secret itself never travels again, and a proof is worth nothing on any other
//! channel or for any other nonce.
//!
//! Secret file: lines `<key id> <hex secret of at least 32 bytes>` (`#` comments), private to
//! the daemon's user. The highest key id issues new tokens; every listed key verifies, so a new
//! key is rolled out by adding a line with a higher id, and the old line removed once the
//! longest validity has passed.
//!
//! Revocation: stateless tokens cannot be forgotten, so a revoked token's id (SHA-256 of its
//! ticket, hex) and its expiry are recorded in the revocation file (one `<id> <expiry>` line
//! each, shared by the farm like the secret file). Lines whose expiry has passed are dropped
//! whenever the file is rewritten, so it holds at most the tokens revoked within one validity.

use std::fs::OpenOptions;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::keys::{hex, read_secret_file, unhex_vec};
use super::model::Method;
use crate::error::{Error, ErrorCode, Result};

type HmacSha256 = Hmac<Sha256>;

/// The ticket format version.
const TICKET_VERSION: u8 = 1;
/// Label of the token secret.
const TOKEN_LABEL: &[u8] = b"daemonauth-hostauth-token-v1";
/// Label of a reuse proof.
const PROOF_LABEL: &[u8] = b"daemonauth-hostauth-reuse-v1";
/// Largest revocation file.
const MAX_REVOCATIONS: u64 = 1 << 20;
/// The longest validity a daemon grants by default (ROOT's `<Meth>.Valid` default, 24:00).
pub(crate) const DEFAULT_MAX_VALIDITY: Duration = Duration::from_secs(24 * 3600);

/// Seconds since the epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// 32 random bytes from the operating system.
pub(crate) fn random32() -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    getrandom::getrandom(&mut out)
        .map_err(|err| Error::new(ErrorCode::Internal, format!("no random numbers: {err}")))?;
    Ok(out)
}

/// The keys of a secret file.
pub(crate) struct Secrets {
    keys: Vec<(u32, Zeroizing<Vec<u8>>)>,
}

impl Secrets {
    /// Reads a secret file (see the module documentation).
    pub(crate) fn load(path: &Path) -> Result<Secrets> {
        let bytes = read_secret_file(path, "reuse secret file")?;
        let mut keys: Vec<(u32, Zeroizing<Vec<u8>>)> = Vec::new();
        for (number, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let bad =
                |why: &str| Error::new(ErrorCode::Config, format!("{}, line {}: {why}", path.display(), number + 1));
            let words: Vec<&[u8]> = line.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
            match words.as_slice() {
                [] => {}
                [first, ..] if first.starts_with(b"#") => {}
                [id, secret] => {
                    let id = std::str::from_utf8(id)
                        .ok()
                        .and_then(|id| id.parse::<u32>().ok())
                        .ok_or_else(|| bad("the key id is not a number"))?;
                    if secret.len() < 64 || secret.len() % 2 != 0 {
                        return Err(bad("the secret must be at least 64 hex digits (32 bytes)"));
                    }
                    let bytes = unhex_vec(secret).ok_or_else(|| bad("the secret is not hexadecimal"))?;
                    if keys.iter().any(|(known, _)| *known == id) {
                        return Err(bad("a key id listed twice"));
                    }
                    keys.push((id, bytes));
                }
                _ => return Err(bad("expected `<key id> <hex secret>`")),
            }
        }
        if keys.is_empty() {
            return Err(Error::new(ErrorCode::Config, format!("{} lists no key", path.display())));
        }
        Ok(Secrets { keys })
    }

    fn key(&self, id: u32) -> Option<&[u8]> {
        self.keys.iter().find(|(known, _)| *known == id).map(|(_, key)| key.as_slice())
    }

    fn newest(&self) -> (u32, &[u8]) {
        let (id, key) = self.keys.iter().max_by_key(|(id, _)| *id).expect("at least one key");
        (*id, key)
    }
}

/// The public half of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub(crate) key_id: u32,
    pub(crate) method: Method,
    pub(crate) user: Vec<u8>,
    pub(crate) client_host: Vec<u8>,
    pub(crate) expires: u64,
    pub(crate) serial: [u8; 16],
}

impl Ticket {
    /// The ticket's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![TICKET_VERSION];
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.push(self.method.code());
        for field in [&self.user, &self.client_host] {
            out.push(u8::try_from(field.len()).expect("names are capped at 255 bytes"));
            out.extend_from_slice(field);
        }
        out.extend_from_slice(&self.expires.to_be_bytes());
        out.extend_from_slice(&self.serial);
        out
    }

    /// Parses a ticket; anything malformed is simply not a valid token.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Ticket> {
        let (&version, rest) = bytes.split_first()?;
        if version != TICKET_VERSION || rest.len() < 5 {
            return None;
        }
        let key_id = u32::from_be_bytes(rest[..4].try_into().ok()?);
        let method = Method::from_code(i64::from(rest[4]))?;
        let mut rest = &rest[5..];
        let mut field = || {
            let (&len, tail) = rest.split_first()?;
            let (value, tail) = (tail.get(..usize::from(len))?, tail.get(usize::from(len)..)?);
            rest = tail;
            Some(value.to_vec())
        };
        let (user, client_host) = (field()?, field()?);
        if rest.len() != 24 {
            return None;
        }
        let expires = u64::from_be_bytes(rest[..8].try_into().ok()?);
        let serial = rest[8..].try_into().ok()?;
        Some(Ticket { key_id, method, user, client_host, expires, serial })
    }

    /// The ticket's id in the revocation file.
    pub(crate) fn id(&self) -> String {
        hex(&Sha256::digest(self.encode()))
    }
}

/// HMAC-SHA-256 under `key` over the concatenation of `parts`.
pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    mac(key, parts).finalize().into_bytes().into()
}

fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

/// The secret of `ticket` under `key`.
fn token_secret(key: &[u8], ticket: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(mac(key, &[TOKEN_LABEL, ticket]).finalize().into_bytes().to_vec())
}

/// The client's proof of a token's secret on the channel with `handshake_hash` for `nonce`.
pub(crate) fn proof(token_secret: &[u8], handshake_hash: &[u8; 32], nonce: &[u8; 32]) -> [u8; 32] {
    hmac(token_secret, &[PROOF_LABEL, handshake_hash, nonce])
}

/// Issues a token for `method`, `user` and `client_host` valid for `validity` from now (at
/// most `max_validity`) under the newest key: its ticket, secret and expiry.
pub(crate) fn issue(
    secrets: &Secrets,
    method: Method,
    user: &[u8],
    client_host: &[u8],
    validity: Duration,
) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>, u64)> {
    let (key_id, key) = secrets.newest();
    let serial: [u8; 16] = random32()?[..16].try_into().expect("16 bytes");
    let client_host = &client_host[..client_host.len().min(255)];
    let ticket = Ticket {
        key_id,
        method,
        user: user.to_vec(),
        client_host: client_host.to_vec(),
        expires: unix_now() + validity.as_secs(),
        serial,
    };
    let bytes = ticket.encode();
    let secret = token_secret(key, &bytes);
    Ok((bytes, secret, ticket.expires))
}

/// A ticket the daemon may challenge: valid, unexpired, unrevoked, for this client host.
pub(crate) struct Checked {
    pub(crate) ticket: Ticket,
    secret: Zeroizing<Vec<u8>>,
}

/// Checks a presented ticket; the reason of a refusal is for the daemon's log.
pub(crate) fn check(
    secrets: &Secrets,
    revocations: &Path,
    bytes: &[u8],
    client_host: &[u8],
) -> std::result::Result<Checked, String> {
    let ticket = Ticket::decode(bytes).ok_or("a malformed reuse ticket")?;
    let key =
        secrets.key(ticket.key_id).ok_or_else(|| format!("reuse ticket under unknown key id {}", ticket.key_id))?;
    if ticket.expires <= unix_now() {
        return Err("the reuse token has expired".into());
    }
    if ticket.client_host != client_host[..client_host.len().min(255)] {
        return Err("the reuse token was issued to another client host".into());
    }
    if is_revoked(revocations, &ticket.id()).map_err(|err| err.to_string())? {
        return Err("the reuse token was revoked".into());
    }
    let secret = token_secret(key, bytes);
    Ok(Checked { ticket, secret })
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked").field("ticket", &self.ticket).finish_non_exhaustive()
    }
}

impl Checked {
    /// Whether `mac` proves the token's secret on this channel for `nonce` (constant time).
    pub(crate) fn verify(&self, handshake_hash: &[u8; 32], nonce: &[u8; 32], proof: &[u8; 32]) -> bool {
        mac(&self.secret, &[PROOF_LABEL, handshake_hash, nonce]).verify_slice(proof).is_ok()
    }
}

/// The revocation file next to a secret file: `<secret file>.revoked`.
pub(crate) fn default_revocation_file(secret_file: &Path) -> PathBuf {
    let mut name = secret_file.as_os_str().to_owned();
    name.push(".revoked");
    PathBuf::from(name)
}

/// The revocation file, locked, and its unexpired `(token id, expiry)` lines.
type Revocations = (std::fs::File, Vec<(String, u64)>);

/// Opens the revocation file locked (shared to read, exclusive to write); its unexpired lines.
fn locked(path: &Path, write: bool) -> Result<Option<Revocations>> {
    let file = match OpenOptions::new().read(true).write(write).create(write).mode(0o600).open(path) {
        Ok(file) => file,
        Err(err) if !write && err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(Error::io(format!("opening the revocation file {}", path.display()), &err)),
    };
    let operation = if write { libc::LOCK_EX } else { libc::LOCK_SH };
    // SAFETY: flock on a descriptor this function owns; the lock goes with the descriptor.
    if unsafe { libc::flock(file.as_raw_fd(), operation) } != 0 {
        let err = std::io::Error::last_os_error();
        return Err(Error::io(format!("locking {}", path.display()), &err));
    }
    let mut text = Vec::new();
    (&file).take(MAX_REVOCATIONS + 1).read_to_end(&mut text).map_err(|err| Error::io("reading revocations", &err))?;
    if text.len() as u64 > MAX_REVOCATIONS {
        return Err(Error::new(ErrorCode::TooLarge, format!("{} exceeds {MAX_REVOCATIONS} bytes", path.display())));
    }
    let now = unix_now();
    let lines = text
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let text = std::str::from_utf8(line).ok()?;
            let (id, expires) = text.split_once(' ')?;
            Some((id.to_owned(), expires.parse::<u64>().ok()?))
        })
        .filter(|(_, expires)| *expires > now)
        .collect();
    Ok(Some((file, lines)))
}

/// Whether the token `id` is listed in the revocation file (no file: nothing revoked).
pub(crate) fn is_revoked(path: &Path, id: &str) -> Result<bool> {
    Ok(locked(path, false)?.is_some_and(|(_, lines)| lines.iter().any(|(known, _)| known == id)))
}

/// Records `ticket` as revoked, dropping lines whose tokens have expired anyway.
pub(crate) fn revoke(path: &Path, ticket: &Ticket) -> Result<()> {
    let (mut file, mut lines) = locked(path, true)?.expect("opened for writing");
    lines.push((ticket.id(), ticket.expires));
    let text: String = lines.iter().map(|(id, expires)| format!("{id} {expires}\n")).collect();
    let io = |err: std::io::Error| Error::io(format!("writing {}", path.display()), &err);
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_data().map_err(io)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A private secret file with `lines` in a fresh directory.
    pub(crate) fn secret_file(name: &str, lines: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("daemonauth-reuse-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, lines).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let _ = std::fs::remove_file(default_revocation_file(&path));
        path
    }

    pub(crate) fn key_line(id: u32, byte: u8) -> String {
        format!("{id} {}\n", hex(&[byte; 32]))
    }

    #[test]
    fn tokens_verify_under_every_listed_key_and_the_newest_issues() {
        let old = secret_file("roll-old", &key_line(1, 1));
        let secrets = Secrets::load(&old).unwrap();
        let (ticket, secret, _) = issue(&secrets, Method::UsrPwd, b"alice", b"host", Duration::from_secs(60)).unwrap();
        let rolled = secret_file("roll-new", &(key_line(1, 1) + &key_line(2, 2)));
        let rolled_secrets = Secrets::load(&rolled).unwrap();
        let revoked = default_revocation_file(&rolled);
        let checked = check(&rolled_secrets, &revoked, &ticket, b"host").unwrap();
        let (hash, nonce) = ([1; 32], [2; 32]);
        assert!(checked.verify(&hash, &nonce, &proof(&secret, &hash, &nonce)));
        assert!(!checked.verify(&[9; 32], &nonce, &proof(&secret, &hash, &nonce)), "another channel");
        assert!(!checked.verify(&hash, &[9; 32], &proof(&secret, &hash, &nonce)), "another nonce");
        let (fresh, _, _) = issue(&rolled_secrets, Method::UsrPwd, b"alice", b"host", Duration::from_secs(60)).unwrap();
        assert_eq!(Ticket::decode(&fresh).unwrap().key_id, 2);
        let retired = secret_file("roll-retired", &key_line(2, 2));
        assert!(check(&Secrets::load(&retired).unwrap(), &revoked, &ticket, b"host").is_err());
    }

    #[test]
    fn expired_tampered_foreign_and_revoked_tokens_fail() {
        let path = secret_file("refusals", &key_line(7, 7));
        let secrets = Secrets::load(&path).unwrap();
        let revoked = default_revocation_file(&path);
        let (ticket, _, _) = issue(&secrets, Method::UsrPwd, b"alice", b"host", Duration::from_secs(0)).unwrap();
        assert!(check(&secrets, &revoked, &ticket, b"host").unwrap_err().contains("expired"));
        let (ticket, secret, _) = issue(&secrets, Method::UsrPwd, b"alice", b"host", Duration::from_secs(60)).unwrap();
        assert!(check(&secrets, &revoked, &ticket, b"other").unwrap_err().contains("another client host"));
        let mut tampered = Ticket::decode(&ticket).unwrap();
        tampered.user = b"root".to_vec();
        let checked = check(&secrets, &revoked, &tampered.encode(), b"host").unwrap();
        let (hash, nonce) = ([1; 32], [2; 32]);
        assert!(!checked.verify(&hash, &nonce, &proof(&secret, &hash, &nonce)), "a tampered ticket has another secret");
        revoke(&revoked, &Ticket::decode(&ticket).unwrap()).unwrap();
        assert!(check(&secrets, &revoked, &ticket, b"host").unwrap_err().contains("revoked"));
        assert_eq!(std::fs::metadata(&revoked).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn malformed_secret_files_are_refused() {
        for (name, text) in
            [("empty", "# nothing\n"), ("short", "1 abcd\n"), ("twice", &(key_line(1, 1) + &key_line(1, 2)))]
        {
            let path = secret_file(name, text);
            assert_eq!(Secrets::load(&path).err().unwrap().code(), ErrorCode::Config, "{name}");
        }
        let path = secret_file("public", &key_line(1, 1));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(Secrets::load(&path).err().unwrap().code(), ErrorCode::InsecureFile);
    }
}
