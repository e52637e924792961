//! What the daemons of several modules share to check a system user's password: PAM
//! ([`pam`]), the user and shadow databases and crypt(3) ([`sys`]), and constant-time checks of
//! crypt(3) hashes (CVS's `CVSROOT/passwd`, host auth's daemon password file, the system
//! database).

pub mod pam;
pub mod sys;

use subtle::ConstantTimeEq;

use crate::error::Result;

/// What checking a password against a stored hash found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashCheck {
    Match,
    Mismatch,
    /// The hash is empty (cvs accepts any password) and empty hashes are not allowed.
    EmptyRefused,
    /// The hash is disabled (begins with a space, `*` or `!`) or not one crypt(3) knows.
    Disabled,
}

/// Checks `password` against a crypt(3) `hash` in constant time.
pub fn check_hash(password: &[u8], hash: &[u8], allow_empty: bool) -> Result<HashCheck> {
    if hash.is_empty() {
        return Ok(if allow_empty { HashCheck::Match } else { HashCheck::EmptyRefused });
    }
    if matches!(hash[0], b' ' | b'\t' | b'*' | b'!') {
        return Ok(HashCheck::Disabled);
    }
    Ok(match sys::crypt(password, hash)? {
        None => HashCheck::Disabled,
        Some(computed) if bool::from(computed.as_bytes().ct_eq(hash)) => HashCheck::Match,
        Some(_) => HashCheck::Mismatch,
    })
}

/// Checks `password` against `user`'s hash in the system database (the shadow entry when the
/// user database says `x`). The reason is for the log, never for the client.
pub fn check_system_crypt(user: &str, password: &[u8], allow_empty: bool) -> std::result::Result<(), &'static str> {
    let entry = sys::user_by_name(user).ok().flatten().ok_or("no such system user")?;
    let hash = if entry.hash.as_str() == "x" {
        sys::shadow_hash(user).ok().flatten().ok_or("no shadow entry")?
    } else {
        entry.hash
    };
    match check_hash(password, hash.as_bytes(), allow_empty) {
        Ok(HashCheck::Match) => Ok(()),
        _ => Err("wrong system password"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_checked() {
        let hash = sys::crypt(b"secret", b"$6$abcdefgh$").unwrap().unwrap();
        let hash = hash.as_bytes();
        assert_eq!(check_hash(b"secret", hash, false).unwrap(), HashCheck::Match);
        assert_eq!(check_hash(b"wrong", hash, false).unwrap(), HashCheck::Mismatch);
        assert_eq!(check_hash(b"secret", &[b" ", hash].concat(), false).unwrap(), HashCheck::Disabled);
        assert_eq!(check_hash(b"anything", b"", false).unwrap(), HashCheck::EmptyRefused);
        assert_eq!(check_hash(b"anything", b"", true).unwrap(), HashCheck::Match);
        let latin1 = sys::crypt(b"gr\xfc\xdf", b"$6$abcdefgh$").unwrap().unwrap();
        assert_eq!(check_hash(b"gr\xfc\xdf", latin1.as_bytes(), false).unwrap(), HashCheck::Match);
        assert_eq!(check_hash(b"gr\xc3\xbc\xc3\x9f", latin1.as_bytes(), false).unwrap(), HashCheck::Mismatch);
    }
}
