//! Reading the rc files: size caps, change stamps, logical lines, diagnostics, `$VAR` and `~`.
//!
//! Files are bytes. A malformed line is skipped and reported as a [`Diagnostic`] naming the file
//! and line; the rest of the file still applies.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Largest rc file read; a longer one is refused whole (a diagnostic, nothing from it applies).
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;
/// Deepest `include` nesting; the main file is depth 0.
pub(crate) const MAX_INCLUDE_DEPTH: usize = 8;
/// Most bytes read for one file together with everything it includes.
pub(crate) const MAX_TOTAL_BYTES: u64 = 4 << 20;

/// One problem found in an rc file: which file, which line (1-based; 0 for the file as a whole)
/// and what is wrong. The line it names was skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Diagnostic {
    pub(crate) file: PathBuf,
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// What identifies one version of a file: path, device, inode, size and modification time (to the
/// nanosecond). A file is re-read when any of them changes, or when it appears or disappears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub(crate) path: PathBuf,
    pub(crate) id: Option<(u64, u64, u64, i64, i64)>,
}

impl FileStamp {
    /// The current stamp of `path` (`id` is `None` when it cannot be stat'ed).
    pub(crate) fn of(path: &Path) -> FileStamp {
        let id = std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec()));
        FileStamp { path: path.to_path_buf(), id }
    }

    /// Whether the file on disk differs from this stamp.
    pub(crate) fn is_stale(&self) -> bool {
        FileStamp::of(&self.path) != *self
    }
}

/// Reads a whole regular file of at most `cap` bytes.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<(Vec<u8>, FileStamp), String> {
    let file = File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("cannot stat: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let mut data = Vec::new();
    file.take(cap + 1).read_to_end(&mut data).map_err(|e| format!("cannot read: {e}"))?;
    if data.len() as u64 > cap {
        return Err(format!("larger than the limit of {cap} bytes"));
    }
    let id = Some((meta.dev(), meta.ino(), meta.size(), meta.mtime(), meta.mtime_nsec()));
    Ok((data, FileStamp { path: path.to_path_buf(), id }))
}

/// Reads one rc file for a parser, recording its stamp whether or not the read succeeds; a failure
/// is a diagnostic for the whole file.
pub(crate) fn read_rc(path: &Path, cap: u64, stamps: &mut Vec<FileStamp>) -> Result<Vec<u8>, Diagnostic> {
    match read_capped(path, cap) {
        Ok((data, stamp)) => {
            stamps.push(stamp);
            Ok(data)
        }
        Err(message) => {
            stamps.push(FileStamp::of(path));
            Err(Diagnostic { file: path.to_path_buf(), line: 0, message })
        }
    }
}

/// The process environment as the rc readers see it, so tests can supply their own.
pub(crate) trait Env {
    /// An environment variable.
    fn var(&self, name: &str) -> Option<OsString>;
    /// Whether the process runs as root (effective uid 0).
    fn superuser(&self) -> bool;
    /// The user's home directory (`$HOME`).
    fn home(&self) -> Option<PathBuf> {
        self.var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from)
    }
}

/// The real process environment.
pub(crate) struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn superuser(&self) -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
}

/// A logical line: its first physical line number and its bytes, continuation lines (`\` as
/// the last non-blank byte) joined with a space, comment and blank lines left out (a line
/// that is only a continuation `\` is blank too: every line returned has a word).
pub(crate) fn logical_lines(data: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (index, raw) in data.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let trimmed = trim(raw);
        let (number, mut text) = match pending.take() {
            Some((n, mut text)) => {
                text.push(b' ');
                (n, std::mem::take(&mut text))
            }
            None if trimmed.is_empty() || trimmed.starts_with(b"#") => continue,
            None => (index + 1, Vec::new()),
        };
        match trimmed.strip_suffix(b"\\") {
            Some(head) => {
                text.extend_from_slice(trim(head));
                pending = Some((number, text));
            }
            None => {
                text.extend_from_slice(trimmed);
                out.push((number, text));
            }
        }
    }
    out.extend(pending);
    out.retain(|(_, text)| !trim(text).is_empty());
    out
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !is_blank(*b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_blank(*b)).map_or(start, |e| e + 1);
    &bytes[start..end]
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The blank-separated words of a line.
pub(crate) fn words(line: &[u8]) -> Vec<&[u8]> {
    line.split(|b| is_blank(*b)).filter(|w| !w.is_empty()).collect()
}

/// Expands an `include` argument the way ROOT did — quotes dropped, a leading `$VAR` (up to the
/// first `/`) and a leading `~` replaced — and makes a relative result relative to `base_dir`
/// (ROOT used the current directory).
pub(crate) fn expand_path(arg: &[u8], env: &dyn Env, base_dir: &Path) -> Result<PathBuf, String> {
    let arg: Vec<u8> = arg.iter().copied().filter(|b| *b != b'"' && *b != b'\'').collect();
    let mut path: Vec<u8> = if let Some(rest) = arg.strip_prefix(b"$") {
        let end = rest.iter().position(|b| *b == b'/').unwrap_or(rest.len());
        let name = std::str::from_utf8(&rest[..end]).map_err(|_| "variable name is not text".to_string())?;
        let value = env.var(name).ok_or_else(|| format!("environment variable {name} is not set"))?;
        let mut p = value.into_vec();
        p.extend_from_slice(&rest[end..]);
        p
    } else if let Some(rest) = arg.strip_prefix(b"~") {
        let home = env.home().ok_or_else(|| "~ used but HOME is not set".to_string())?;
        let mut p = home.into_os_string().into_vec();
        p.extend_from_slice(rest);
        p
    } else {
        arg
    };
    if path.is_empty() {
        return Err("empty file name".into());
    }
    if path.contains(&0) {
        return Err("file name contains a NUL byte".into());
    }
    if path[0] != b'/' {
        let mut full = base_dir.as_os_str().as_bytes().to_vec();
        full.push(b'/');
        full.append(&mut path);
        path = full;
    }
    Ok(PathBuf::from(OsStr::from_bytes(&path)))
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Env;
    use std::collections::HashMap;
    use std::ffi::OsString;

    /// An environment made of a map.
    #[derive(Default)]
    pub(crate) struct MapEnv {
        vars: HashMap<String, OsString>,
        superuser: bool,
    }

    impl MapEnv {
        pub(crate) fn with(mut self, name: &str, value: impl Into<OsString>) -> MapEnv {
            self.vars.insert(name.to_string(), value.into());
            self
        }

        pub(crate) fn superuser(mut self) -> MapEnv {
            self.superuser = true;
            self
        }
    }

    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<OsString> {
            self.vars.get(name).cloned()
        }

        fn superuser(&self) -> bool {
            self.superuser
        }
    }

    /// A fresh directory standing for `$HOME`, with an `etc` directory in it, and an environment
    /// whose `HOME` and `ROOTETCDIR` point to them.
    pub(crate) fn home_and_etc(tag: &str) -> (std::path::PathBuf, std::path::PathBuf, MapEnv) {
        let home = temp_dir(tag);
        let etc = home.join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        let env = MapEnv::default().with("HOME", home.as_os_str()).with("ROOTETCDIR", etc.as_os_str());
        (home, etc, env)
    }

    /// A fresh empty directory under the system's temp space.
    pub(crate) fn temp_dir(tag: &str) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "daemonauth-hostauth-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{MapEnv, temp_dir};
    use super::*;

    #[test]
    fn lines_skip_comments_and_join_continuations() {
        let data = b"# c\n\n  a b \\\n   c d\r\n  # indented comment\nlast \\";
        let lines = logical_lines(data);
        assert_eq!(lines, vec![(3, b"a b c d".to_vec()), (6, b"last".to_vec())]);
    }

    #[test]
    fn a_line_of_only_a_continuation_is_blank() {
        // Found by the hostauth_rc_files fuzz target: the parsers took every line's first word.
        for data in [&b"\n\\"[..], b"\\\n\n", b" \\ \n \\\n\t\n", b"\\"] {
            assert_eq!(logical_lines(data), vec![], "{data:?}");
        }
        assert_eq!(logical_lines(b"\\\nkey value"), vec![(1, b" key value".to_vec())]);
    }

    #[test]
    fn words_split_on_spaces_and_tabs() {
        assert_eq!(words(b" a\tb  c "), vec![&b"a"[..], b"b", b"c"]);
    }

    #[test]
    fn include_paths_expand() {
        let env = MapEnv::default().with("ROOTSYS", "/opt/root").with("HOME", "/home/u");
        let base = Path::new("/etc/x");
        assert_eq!(expand_path(b"$ROOTSYS/etc/a", &env, base).unwrap(), Path::new("/opt/root/etc/a"));
        assert_eq!(expand_path(b"\"~/.a\"", &env, base).unwrap(), Path::new("/home/u/.a"));
        assert_eq!(expand_path(b"local/b", &env, base).unwrap(), Path::new("/etc/x/local/b"));
        assert_eq!(expand_path(b"/abs/\xff", &env, base).unwrap().as_os_str().as_bytes(), b"/abs/\xff");
        assert!(expand_path(b"$NOPE/a", &env, base).is_err());
        assert!(expand_path(b"\"\"", &env, base).is_err());
    }

    #[test]
    fn oversized_and_non_regular_files_are_refused() {
        let dir = temp_dir("source");
        let big = dir.join("big");
        std::fs::write(&big, vec![b'#'; 11]).unwrap();
        assert!(read_capped(&big, 10).unwrap_err().contains("limit"));
        assert_eq!(read_capped(&big, 11).unwrap().0.len(), 11);
        assert!(read_capped(&dir, 10).unwrap_err().contains("regular"));
        assert!(read_capped(&dir.join("missing"), 10).is_err());
    }

    #[test]
    fn stamps_notice_changes() {
        let dir = temp_dir("stamp");
        let f = dir.join("f");
        std::fs::write(&f, b"a").unwrap();
        let stamp = FileStamp::of(&f);
        assert!(!stamp.is_stale());
        std::fs::write(&f, b"ab").unwrap();
        assert!(stamp.is_stale());
        std::fs::remove_file(&f).unwrap();
        assert!(FileStamp::of(&f).id.is_none());
    }
}
