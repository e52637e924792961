//! A repository's `CVSROOT/passwd` (lines `user:crypt-hash[:system-user]`) and the
//! `SystemAuth` setting of its `CVSROOT/config`, read as cvs 1.12.13 reads them.

use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode, Result};

/// The entry of one CVS user.
pub struct PasswdEntry {
    pub user: String,
    /// The crypt(3) hash, bytes as the file has them.
    pub hash: Zeroizing<Vec<u8>>,
    /// The system user the CVS user works as (the CVS user's own name when not given).
    pub system_user: String,
}

/// The file's bytes, wiped when dropped (no file: None).
fn read_optional(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Error::io(format!("reading {}", path.display()), &err)),
    }
}

/// The first entry for `user` in `REPOSITORY/CVSROOT/passwd` (no file: no entry). Lines are
/// matched as bytes; a system user name that is not UTF-8 is a Config error.
pub fn find_entry(repository: &Path, user: &str) -> Result<Option<PasswdEntry>> {
    find_in_file(&repository.join("CVSROOT/passwd"), user)
}

/// The first entry for `user` in a file of `user:crypt-hash[:system-user]` lines (no file: no
/// entry): `CVSROOT/passwd`, or a host-auth daemon's password file.
pub fn find_in_file(path: &Path, user: &str) -> Result<Option<PasswdEntry>> {
    let Some(text) = read_optional(path)? else { return Ok(None) };
    entry_in(&text, user)
}

/// [`find_in_file`] in the file's bytes.
pub(crate) fn entry_in(text: &[u8], user: &str) -> Result<Option<PasswdEntry>> {
    let Some(rest) =
        text.split(|&byte| byte == b'\n').find_map(|line| line.strip_prefix(user.as_bytes())?.strip_prefix(b":"))
    else {
        return Ok(None);
    };
    let (hash, system_user) = match rest.iter().position(|&byte| byte == b':') {
        Some(colon) => (&rest[..colon], &rest[colon + 1..]),
        None => (rest, &b""[..]),
    };
    let system_user = match std::str::from_utf8(system_user) {
        Ok("") => user,
        Ok(name) => name,
        Err(_) => {
            return Err(Error::new(
                ErrorCode::Config,
                format!("CVSROOT/passwd: the system user of {user} is not valid UTF-8"),
            ));
        }
    };
    Ok(Some(PasswdEntry {
        user: user.to_owned(),
        hash: Zeroizing::new(hash.to_vec()),
        system_user: system_user.to_owned(),
    }))
}

/// `SystemAuth` from `REPOSITORY/CVSROOT/config`: true (cvs's default) unless set to `no`.
pub fn system_auth(repository: &Path) -> Result<bool> {
    let Some(text) = read_optional(&repository.join("CVSROOT/config"))? else { return Ok(true) };
    system_auth_in(&text)
}

/// [`system_auth`] in `CVSROOT/config`'s bytes.
pub(crate) fn system_auth_in(text: &[u8]) -> Result<bool> {
    let mut value = true;
    for line in text.split(|&byte| byte == b'\n').map(<[u8]>::trim_ascii).filter(|line| !line.starts_with(b"#")) {
        let Some(equals) = line.iter().position(|&byte| byte == b'=') else { continue };
        if line[..equals].trim_ascii() != b"SystemAuth" {
            continue;
        }
        value = match line[equals + 1..].trim_ascii() {
            b"yes" | b"on" | b"true" | b"1" => true,
            b"no" | b"off" | b"false" | b"0" => false,
            other => {
                return Err(Error::new(
                    ErrorCode::Config,
                    format!(
                        "CVSROOT/config: SystemAuth has the unrecognized value {:?}",
                        other.escape_ascii().to_string()
                    ),
                ));
            }
        };
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str, passwd: &str, config: Option<&str>) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("daemonauth-passwd-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join("CVSROOT")).unwrap();
        std::fs::write(dir.join("CVSROOT/passwd"), passwd).unwrap();
        if let Some(config) = config {
            std::fs::write(dir.join("CVSROOT/config"), config).unwrap();
        }
        dir
    }

    #[test]
    fn entries_are_found_by_exact_name() {
        let dir = repo("entries", "alice2:x\nalice:HASH:cvsuser\nbob:HASH2\nalice:second\n", None);
        let alice = find_entry(&dir, "alice").unwrap().unwrap();
        assert_eq!((alice.hash.as_slice(), alice.system_user.as_str()), (&b"HASH"[..], "cvsuser"));
        assert_eq!(find_entry(&dir, "bob").unwrap().unwrap().system_user, "bob");
        assert!(find_entry(&dir, "ali").unwrap().is_none());
        assert!(system_auth(&dir).unwrap());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn system_auth_is_read_from_config() {
        let dir = repo("config", "", Some("# comment\nSystemAuth=no\n"));
        assert!(!system_auth(&dir).unwrap());
        std::fs::write(dir.join("CVSROOT/config"), "SystemAuth=maybe\n").unwrap();
        assert_eq!(system_auth(&dir).unwrap_err().code(), ErrorCode::Config);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
