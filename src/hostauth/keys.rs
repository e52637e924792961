//! The daemon's static X25519 key (its identity in the channel) and the client's pins of it:
//! a single pinned public key, or a known-hosts file of `<host> <hex public key>` lines.
//!
//! Key file: one line `daemonauth-hostauth-key-v1 <64 hex digits of the private key>`, owned by
//! the daemon's user with no access for group or others (like `.netrc`).

use std::fs::File;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};
use crate::responder::file::{check_permissions, read_secret_capped};

/// The first word of a key file.
const KEY_FILE_TAG: &str = "daemonauth-hostauth-key-v1";
/// Largest key, secret or known-hosts file read.
const MAX_FILE: usize = 1 << 20;

/// An X25519 public key.
pub(crate) type PublicKey = [u8; 32];

/// The daemon's static key pair. The private half is wiped when dropped.
pub(crate) struct StaticKey {
    pub(crate) private: Zeroizing<[u8; 32]>,
    pub(crate) public: PublicKey,
}

impl std::fmt::Debug for StaticKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaticKey({})", hex(&self.public))
    }
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses exactly `N` bytes of hexadecimal.
pub(crate) fn unhex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    unhex_vec(text)?.as_slice().try_into().ok()
}

/// Parses hexadecimal of any even length (wiped when dropped: it may be a secret).
pub(crate) fn unhex_vec(text: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if text.len() % 2 != 0 {
        return None;
    }
    // Room for every byte first: growing the vector would leave copies behind.
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() / 2));
    for pair in text.chunks(2) {
        bytes.push(u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?);
    }
    Some(bytes)
}

/// Reads a file that holds secrets: refused unless it is the reader's own with no access for
/// group or others; at most 1 MiB; its bytes are wiped when dropped.
pub(crate) fn read_secret_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    let what = format!("{what} {}", path.display());
    let file = File::open(path).map_err(|err| Error::io(format!("opening {what}"), &err))?;
    let metadata = file.metadata().map_err(|err| Error::io(format!("examining {what}"), &err))?;
    check_permissions(&metadata, &what)?;
    read_secret_capped(file, &what, MAX_FILE)
}

/// X25519 scalar multiplication of the base point (through snow's resolver).
fn x25519_public(private: &[u8; 32]) -> Result<PublicKey> {
    use snow::resolvers::{CryptoResolver, DefaultResolver};
    let mut dh = DefaultResolver
        .resolve_dh(&snow::params::DHChoice::Curve25519)
        .ok_or_else(|| Error::new(ErrorCode::Internal, "no X25519 implementation"))?;
    dh.set(private);
    let mut public = [0u8; 32];
    public.copy_from_slice(dh.pubkey());
    Ok(public)
}

impl StaticKey {
    /// A fresh key pair from the operating system's random numbers.
    pub(crate) fn generate() -> Result<StaticKey> {
        let mut private = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(private.as_mut())
            .map_err(|err| Error::new(ErrorCode::Internal, format!("no random numbers: {err}")))?;
        let public = x25519_public(&private)?;
        Ok(StaticKey { private, public })
    }

    /// The key in a key file (see the module documentation).
    pub(crate) fn load(path: &Path) -> Result<StaticKey> {
        let bytes = read_secret_file(path, "host-auth key file")?;
        let bad = || Error::new(ErrorCode::Config, format!("{} is not a host-auth key file", path.display()));
        let mut words = bytes.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty());
        if words.next() != Some(KEY_FILE_TAG.as_bytes()) {
            return Err(bad());
        }
        let private = Zeroizing::new(words.next().and_then(unhex::<32>).ok_or_else(bad)?);
        if words.next().is_some() {
            return Err(bad());
        }
        let public = x25519_public(&private)?;
        Ok(StaticKey { private, public })
    }

    /// The text of a key file for this key.
    pub(crate) fn file_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("{KEY_FILE_TAG} {}\n", hex(self.private.as_ref())))
    }
}

/// What the client knows of the daemon's key.
#[derive(Clone, Debug, Default)]
pub(crate) enum Pin {
    /// Nothing: any daemon key is taken (the session reports it unverified).
    #[default]
    None,
    /// This key and no other.
    Key(PublicKey),
    /// The key listed for the host in this known-hosts file (`<host> <hex key>` lines, `#`
    /// comments); a host the file does not list is unverified, a different key is refused.
    KnownHosts(std::path::PathBuf),
}

impl Pin {
    /// The key the client expects from `host`, if it has one.
    pub(crate) fn expected(&self, host: &[u8]) -> Result<Option<PublicKey>> {
        match self {
            Pin::None => Ok(None),
            Pin::Key(key) => Ok(Some(*key)),
            Pin::KnownHosts(path) => {
                let what = format!("known-hosts file {}", path.display());
                let file = File::open(path).map_err(|err| Error::io(format!("opening {what}"), &err))?;
                known_host(&read_secret_capped(file, &what, MAX_FILE)?, host, &what)
            }
        }
    }
}

/// The key `data` (a known-hosts file) lists for `host` (the last line for it wins).
fn known_host(data: &[u8], host: &[u8], what: &str) -> Result<Option<PublicKey>> {
    let mut found = None;
    for (number, line) in data.split(|b| *b == b'\n').enumerate() {
        let words: Vec<&[u8]> = line.split(|b| b.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
        match words.as_slice() {
            [] => {}
            [first, ..] if first.starts_with(b"#") => {}
            [name, key] => {
                let key = unhex::<32>(key).ok_or_else(|| {
                    Error::new(ErrorCode::Config, format!("{what}, line {}: the key is not 64 hex digits", number + 1))
                })?;
                if name.eq_ignore_ascii_case(host) {
                    found = Some(key);
                }
            }
            _ => {
                return Err(Error::new(
                    ErrorCode::Config,
                    format!("{what}, line {}: expected `<host> <hex key>`", number + 1),
                ));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn key_files_round_trip_and_must_be_private() {
        let dir = std::env::temp_dir().join(format!("daemonauth-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        let key = StaticKey::generate().unwrap();
        std::fs::write(&path, key.file_text().as_bytes()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(StaticKey::load(&path).unwrap().public, key.public);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(StaticKey::load(&path).unwrap_err().code(), ErrorCode::InsecureFile);
        std::fs::write(&path, b"daemonauth-hostauth-key-v1 abcd\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(StaticKey::load(&path).unwrap_err().code(), ErrorCode::Config);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn known_hosts_lines() {
        let key = [0xabu8; 32];
        let file = format!("# comment\nother {}\nHost.Example {}\n", hex(&[1; 32]), hex(&key));
        assert_eq!(known_host(file.as_bytes(), b"host.example", "f").unwrap(), Some(key));
        assert_eq!(known_host(file.as_bytes(), b"unknown", "f").unwrap(), None);
        let err = known_host(b"host zz\n", b"host", "f").unwrap_err();
        assert!(err.message().contains("line 1"), "{err}");
    }
}
