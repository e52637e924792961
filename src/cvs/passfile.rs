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

/// The scrambled password (`A...`) on `line` if the line is for `canonical`. Lines are bytes:
/// cvs writes whatever bytes the password scrambles to, and the root is compared byte for byte.
fn entry_password<'a>(line: &'a [u8], canonical: &str, default_user: &str, number: usize) -> Option<&'a [u8]> {
    if let Some(versioned) = line.strip_prefix(b"/") {
        let digits = versioned.iter().take_while(|byte| byte.is_ascii_digit()).count();
        match &versioned[..digits] {
            b"1" => {
                // One delimiter character after the version, as cvs skips it.
                let rest = versioned.get(digits + 1..)?;
                let (root, password) = split_at_space(rest)?;
                (root == canonical.as_bytes()).then_some(password)
            }
            version => {
                let version = String::from_utf8_lossy(version);
                log_warn!("cvs: skipping the entry with unknown version `{version}` at line {number} of the pass file");
                None
            }
        }
    } else {
        let (root, password) = split_at_space(line)?;
        let root = CvsRoot::parse(std::str::from_utf8(root).ok()?).ok()?;
        (root.canonical(default_user) == canonical).then_some(password)
    }
}

/// `line` split at its first space.
fn split_at_space(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let space = line.iter().position(|&byte| byte == b' ')?;
    Some((&line[..space], &line[space + 1..]))
}

/// The file's bytes (none when it does not exist).
fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Zeroizing::new(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Zeroizing::new(Vec::new())),
        Err(err) => Err(Error::io(format!("reading {}", path.display()), &err)),
    }
}

/// The lines of `text`, each with its LF (the last one may have none), so that joining
/// them gives back `text` exactly.
fn lines_with_ends(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    text.split_inclusive(|&byte| byte == b'\n')
}

fn without_end(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

/// The scrambled password stored for `root` (whose missing user is `default_user`), if any,
/// exactly as the file has it.
pub fn lookup(path: &Path, root: &CvsRoot, default_user: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
    Ok(lookup_in(&read_file(path)?, root, default_user))
}

/// [`lookup`] in a pass file's bytes.
pub(crate) fn lookup_in(text: &[u8], root: &CvsRoot, default_user: &str) -> Option<Zeroizing<Vec<u8>>> {
    let canonical = root.canonical(default_user);
    lines_with_ends(text)
        .enumerate()
        .find_map(|(index, line)| entry_password(without_end(line), &canonical, default_user, index + 1))
        .map(|password| Zeroizing::new(password.to_vec()))
}

/// Stores `scrambled` (an `A...` string, any bytes but LF, CR and NUL) for `root`, replacing
/// any entry for the same root at the end of the file, as cvs does; every other byte of the
/// file stays as it was.
pub fn store(path: &Path, root: &CvsRoot, default_user: &str, scrambled: &[u8]) -> Result<()> {
    replace(path, &with_entry(&read_file(path)?, root, default_user, scrambled)?)
}

fn check_scrambled(scrambled: &[u8]) -> Result<()> {
    if scrambled.first() != Some(&b'A') || scrambled.iter().any(|byte| matches!(byte, b'\n' | b'\r' | 0)) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            "a stored password must be a one-line `A` scrambled string",
        ));
    }
    Ok(())
}

/// A pass file's bytes `text` with `scrambled` stored for `root`, as [`store`] writes them.
pub(crate) fn with_entry(
    text: &[u8],
    root: &CvsRoot,
    default_user: &str,
    scrambled: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    check_scrambled(scrambled)?;
    let canonical = root.canonical(default_user);
    let entry_len = "\n/1  \n".len() + canonical.len() + scrambled.len();
    let mut text = rewrite_without(text, &canonical, default_user, entry_len).0;
    if text.last().is_some_and(|&byte| byte != b'\n') {
        text.push(b'\n');
    }
    text.extend_from_slice(format!("/1 {canonical} ").as_bytes());
    text.extend_from_slice(scrambled);
    text.push(b'\n');
    Ok(text)
}

/// Removes the entries for `root`; says whether there was one. Every other byte of the file
/// stays as it was.
pub fn remove(path: &Path, root: &CvsRoot, default_user: &str) -> Result<bool> {
    let Some(text) = without_entries(&read_file(path)?, root, default_user) else { return Ok(false) };
    replace(path, &text)?;
    Ok(true)
}

/// A pass file's bytes `text` without the entries for `root`, as [`remove`] writes them; None
/// when it has none.
pub(crate) fn without_entries(text: &[u8], root: &CvsRoot, default_user: &str) -> Option<Zeroizing<Vec<u8>>> {
    let (kept, found) = rewrite_without(text, &root.canonical(default_user), default_user, 0);
    found.then_some(kept)
}

/// `text` without the entries for `canonical`, and whether there were any, with room for
/// `room` more bytes (so that adding an entry never leaves a copy behind).
fn rewrite_without(text: &[u8], canonical: &str, default_user: &str, room: usize) -> (Zeroizing<Vec<u8>>, bool) {
    let mut kept = Zeroizing::new(Vec::with_capacity(text.len() + room));
    let mut found = false;
    for (index, line) in lines_with_ends(text).enumerate() {
        if entry_password(without_end(line), canonical, default_user, index + 1).is_some() {
            found = true;
        } else {
            kept.extend_from_slice(line);
        }
    }
    (kept, found)
}

/// Writes `text` to a temporary file next to `path` (mode 0600) and renames it over `path`.
fn replace(path: &Path, text: &[u8]) -> Result<()> {
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
        file.write_all(text).map_err(|err| io("writing", err))?;
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
    use crate::cvs::scramble::scramble;

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
        store(&path, &root, "x", b"AZdh d,").unwrap();
        assert_eq!(lookup(&path, &root, "x").unwrap().as_deref().map(Vec::as_slice), Some(&b"AZdh d,"[..]));
        assert_eq!(lookup(&path, &other, "x").unwrap().as_deref().map(Vec::as_slice), Some(&b"Aold"[..]));
        store(&path, &root, "x", b"Anew").unwrap();
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
        assert_eq!(store(&path, &root, "x", b"no-A").unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn entries_in_any_bytes_are_kept_byte_for_byte() {
        let path = temp_file("bytes");
        let root = CvsRoot::parse(":pserver:alice@localhost:/repo").unwrap();
        // What cvs writes for UTF-8 and Latin-1 passwords, an old-style line, a CR, and a last
        // line without its LF.
        let mut original = b"/1 :pserver:bob@localhost:2401/repo ".to_vec();
        original.extend_from_slice(&scramble(b"p\xc3\xa4ssw\xc3\xb6rd"));
        original.extend_from_slice(b"\n/1 :pserver:carol@localhost:2401/repo ");
        original.extend_from_slice(&scramble(b"p\xe4ssw\xf6rd"));
        original.extend_from_slice(b"\n:pserver:dave@h:/r A\xff\xfe\r\n/1 :pserver:erin@h:2401/r A\x80");
        fs::write(&path, &original).unwrap();
        let carol = CvsRoot::parse(":pserver:carol@localhost:/repo").unwrap();
        assert_eq!(&lookup(&path, &carol, "x").unwrap().unwrap()[..], &scramble(b"p\xe4ssw\xf6rd")[..]);

        let latin1 = scramble(b"gr\xfc\xdf");
        store(&path, &root, "x", &latin1).unwrap();
        let mut expected = original.clone();
        expected.extend_from_slice(b"\n/1 :pserver:alice@localhost:2401/repo ");
        expected.extend_from_slice(&latin1);
        expected.push(b'\n');
        assert_eq!(fs::read(&path).unwrap(), expected);
        assert_eq!(lookup(&path, &root, "x").unwrap().as_deref(), Some(&latin1.to_vec()));

        assert!(remove(&path, &root, "x").unwrap());
        original.push(b'\n');
        assert_eq!(fs::read(&path).unwrap(), original, "only the entry and the missing LF differ");
        assert!(remove(&path, &carol, "x").unwrap());
        let bob_line_end = original.iter().position(|&byte| byte == b'\n').unwrap() + 1;
        let carol_line_end =
            bob_line_end + original[bob_line_end..].iter().position(|&byte| byte == b'\n').unwrap() + 1;
        let without_carol = [&original[..bob_line_end], &original[carol_line_end..]].concat();
        assert_eq!(fs::read(&path).unwrap(), without_carol);
        fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }
}
