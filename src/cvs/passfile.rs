//! `~/.cvspass` (or `$CVS_PASSFILE`): the scrambled passwords `cvs login` stores.
//!
//! Lines are `/1 CANONICAL-ROOT Ascrambled` (the format cvs 1.12.13 writes) or, older,
//! `CVSROOT Ascrambled` with a root in any form cvs accepts; other `/N` versions are skipped.
//! Changes are written to a temporary file in the same directory with mode 0600 and renamed
//! over the original, so a reader never sees half a file.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::root::CvsRoot;
use crate::error::{Error, ErrorCode, Result};
use crate::log_warn;

/// The pass file cvs would use: `$CVS_PASSFILE`, else `$HOME/.cvspass`.
pub fn default_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CVS_PASSFILE") {
        return Ok(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| Error::new(ErrorCode::NotFound, "neither CVS_PASSFILE nor HOME is set"))?;
    Ok(Path::new(&home).join(".cvspass"))
}

/// The scrambled password (`A...`) on `line` if the line is for `canonical`.
fn entry_password<'a>(line: &'a str, canonical: &str, default_user: &str, number: usize) -> Option<&'a str> {
    if let Some(versioned) = line.strip_prefix('/') {
        let digits = versioned.bytes().take_while(u8::is_ascii_digit).count();
        match &versioned[..digits] {
            "1" => {
                // One delimiter character after the version, as cvs skips it.
                let rest = versioned.get(digits + 1..)?;
                let (root, password) = rest.split_once(' ')?;
                (root == canonical).then_some(password)
            }
            version => {
                log_warn!("cvs: skipping the entry with unknown version `{version}` at line {number} of the pass file");
                None
            }
        }
    } else {
        let (root, password) = line.split_once(' ')?;
        let root = CvsRoot::parse(root).ok()?;
        (root.canonical(default_user) == canonical).then_some(password)
    }
}

fn read_lines(path: &Path) -> Result<Zeroizing<String>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Zeroizing::new(String::new())),
        Err(err) => Err(Error::io(format!("reading {}", path.display()), &err)),
    }
}

/// The scrambled password stored for `root` (whose missing user is `default_user`), if any.
pub fn lookup(path: &Path, root: &CvsRoot, default_user: &str) -> Result<Option<Zeroizing<String>>> {
    let canonical = root.canonical(default_user);
    let text = read_lines(path)?;
    Ok(text
        .lines()
        .enumerate()
        .find_map(|(index, line)| entry_password(line, &canonical, default_user, index + 1))
        .map(|password| Zeroizing::new(password.to_owned())))
}

/// Stores `scrambled` (an `A...` string) for `root`, replacing any entry for the same root.
pub fn store(path: &Path, root: &CvsRoot, default_user: &str, scrambled: &str) -> Result<()> {
    if !scrambled.starts_with('A') || scrambled.contains(['\n', '\r']) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "a stored password must be a one-line `A` scrambled string",
        ));
    }
    let canonical = root.canonical(default_user);
    let mut text = rewrite_without(path, &canonical, default_user)?.0;
    text.push_str(&format!("/1 {canonical} {scrambled}\n"));
    replace(path, &text)
}

/// Removes the entries for `root`; says whether there was one.
pub fn remove(path: &Path, root: &CvsRoot, default_user: &str) -> Result<bool> {
    let (text, found) = rewrite_without(path, &root.canonical(default_user), default_user)?;
    if found {
        replace(path, &text)?;
    }
    Ok(found)
}

/// The file's text without the entries for `canonical`, and whether there were any.
fn rewrite_without(path: &Path, canonical: &str, default_user: &str) -> Result<(Zeroizing<String>, bool)> {
    let text = read_lines(path)?;
    let mut kept = Zeroizing::new(String::with_capacity(text.len() + 128));
    let mut found = false;
    for (index, line) in text.lines().enumerate() {
        if entry_password(line, canonical, default_user, index + 1).is_some() {
            found = true;
        } else {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    Ok((kept, found))
}

/// Writes `text` to a temporary file next to `path` (mode 0600) and renames it over `path`.
fn replace(path: &Path, text: &str) -> Result<()> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name =
        path.file_name().ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "the pass file path names no file"))?;
    let mut temp_name = name.to_owned();
    temp_name.push(format!(".tmp.{}", std::process::id()));
    let temp = dir.join(temp_name);
    let io = |what: &str, err: std::io::Error| Error::io(format!("{what} {}", temp.display()), &err);
    let write = || -> Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|err| io("creating", err))?;
        file.set_permissions(fs::Permissions::from_mode(0o600)).map_err(|err| io("securing", err))?;
        file.write_all(text.as_bytes()).map_err(|err| io("writing", err))?;
        file.sync_all().map_err(|err| io("syncing", err))?;
        fs::rename(&temp, path).map_err(|err| io("renaming", err))
    };
    write().inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("daemonauth-passfile-{}-{name}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join(".cvspass")
    }

    #[test]
    fn stores_looks_up_and_removes() {
        let path = temp_file("cycle");
        let root = CvsRoot::parse(":pserver:alice@LocalHost:/repo").unwrap();
        let other = CvsRoot::parse(":pserver:bob@localhost:2402/repo").unwrap();
        fs::write(&path, "/2 something else\n:pserver:bob@localhost:2402/repo Aold\n").unwrap();
        store(&path, &root, "x", "AZdh d,").unwrap();
        assert_eq!(lookup(&path, &root, "x").unwrap().as_deref().map(String::as_str), Some("AZdh d,"));
        assert_eq!(lookup(&path, &other, "x").unwrap().as_deref().map(String::as_str), Some("Aold"));
        store(&path, &root, "x", "Anew").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "/2 something else\n:pserver:bob@localhost:2402/repo Aold\n/1 :pserver:alice@localhost:2401/repo Anew\n"
        );
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(remove(&path, &root, "x").unwrap());
        assert!(!remove(&path, &root, "x").unwrap());
        assert_eq!(lookup(&path, &root, "x").unwrap(), None);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_missing_file_has_no_entries() {
        let path = temp_file("missing");
        let root = CvsRoot::parse(":pserver:alice@h:/r").unwrap();
        assert_eq!(lookup(&path, &root, "x").unwrap(), None);
        assert!(!remove(&path, &root, "x").unwrap());
        assert_eq!(store(&path, &root, "x", "no-A").unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
