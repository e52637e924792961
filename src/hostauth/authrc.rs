//! The client's `.rootauthrc` files (ROOT's `TAuthenticate::ReadRootAuthrc`): which methods, with
//! which details, to try for a host, user and server kind.
//!
//! One file applies: `$ROOTAUTHRC`, else `$HOME/.rootauthrc`, else `<etc>/system.rootauthrc`
//! (the first that can be read). It is re-read when it, a file it includes, a skipped
//! higher-priority candidate or a `.rootrc` file changes.
//!
//! ```text
//! include <file>
//! <host>[:<srv>] [user <name>] list <m1> <m2> ...
//! <host>[:<srv>] [user <name>] method <m> [pt:yes|no] [ru:yes|no] [key:value ...]
//! proofserv <host>[:<user>][:<m1>[:<m2>...]] ...
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::{HostAuth, Key, Method, Registry, parse_flag};
use super::pattern::{HostId, HostPattern, ServerKind, split_server};
use super::rootrc::{RootRc, etc_dir};
use super::source::{
    Diagnostic, Env, FileStamp, MAX_FILE_BYTES, MAX_INCLUDE_DEPTH, MAX_TOTAL_BYTES, expand_path, logical_lines,
    read_rc, words,
};

/// A `proofserv` card: a data server whose host-auth information is passed to PROOF workers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProofServ {
    pub(crate) host: Vec<u8>,
    pub(crate) user: Vec<u8>,
    pub(crate) methods: Vec<Method>,
}

/// One rc entry: a host pattern with its (pattern-keyed) method list.
#[derive(Clone, Debug)]
struct Template {
    pattern: HostPattern,
    entry: HostAuth,
}

/// A parsed `.rootauthrc` (with everything it includes).
#[derive(Clone, Debug, Default)]
pub(crate) struct Authrc {
    file: Option<PathBuf>,
    templates: Vec<Template>,
    proofserv: Vec<ProofServ>,
    diagnostics: Vec<Diagnostic>,
    stamps: Vec<FileStamp>,
    total_bytes: u64,
}

/// The keys a `method` line may give for each method, and which of them are yes/no flags.
fn key_allowed(method: Method, key: &[u8]) -> bool {
    match key {
        b"pt" | b"ru" => true,
        b"us" => method != Method::Globus,
        b"cp" => method == Method::UsrPwd,
        b"pp" | b"dg" => matches!(method, Method::Krb5 | Method::Globus),
        // ssh's key file; Globus GSI's certificate files (kept from ROOT's files; globus is now
        // any GSS-API mechanism and ignores them), and the mechanism it uses.
        b"kf" => matches!(method, Method::Globus | Method::Ssh),
        b"cd" | b"cf" | b"ad" | b"mech" => method == Method::Globus,
        _ => false,
    }
}

fn check_details(method: Method, details: &[u8]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for word in words(details) {
        let Some(colon) = word.iter().position(|b| *b == b':') else {
            return Err(format!("'{}' is not key:value (no space after the colon)", String::from_utf8_lossy(word)));
        };
        let (key, value) = (&word[..colon], &word[colon + 1..]);
        if !key_allowed(method, key) {
            return Err(format!("key '{}' does not apply to {}", String::from_utf8_lossy(key), method.short_name()));
        }
        if !seen.insert(key) {
            return Err(format!("key '{}' given twice", String::from_utf8_lossy(key)));
        }
        if matches!(key, b"pt" | b"ru" | b"cp" | b"dg") && parse_flag(value).is_none() {
            return Err(format!("{}: expects yes, no, 1 or 0", String::from_utf8_lossy(key)));
        }
    }
    Ok(())
}

fn parse_methods(list: &[&[u8]]) -> Result<Vec<Method>, String> {
    list.iter()
        .map(|w| Method::parse(w).ok_or_else(|| format!("unknown method '{}'", String::from_utf8_lossy(w))))
        .collect()
}

/// Splits a `proofserv` word `host[:user][:m1[:m2...]]`; an empty host or user means `*`.
fn parse_proofserv(word: &[u8]) -> Result<ProofServ, String> {
    let mut parts = word.split(|b| *b == b':');
    let star = |p: Option<&[u8]>| p.filter(|p| !p.is_empty()).unwrap_or(b"*").to_vec();
    let host = star(parts.next());
    HostPattern::parse(&host)?;
    let user = star(parts.next());
    let methods = parse_methods(&parts.collect::<Vec<_>>())?;
    Ok(ProofServ { host, user, methods })
}

/// The file that applies, and the higher-priority candidates skipped because unreadable.
fn locate(env: &dyn Env) -> (Option<PathBuf>, Vec<PathBuf>) {
    let mut candidates = Vec::new();
    candidates.extend(env.var("ROOTAUTHRC").filter(|v| !v.is_empty()).map(PathBuf::from));
    if candidates.is_empty() {
        candidates.extend(env.home().map(|h| h.join(".rootauthrc")));
    }
    candidates.push(etc_dir(env).join("system.rootauthrc"));
    let readable = candidates.iter().position(|p| File::open(p).is_ok());
    match readable {
        Some(i) => (Some(candidates[i].clone()), candidates[..i].to_vec()),
        None => (None, candidates),
    }
}

impl Authrc {
    /// Reads the file that applies (see the module documentation); none at all is not an error.
    pub(crate) fn load(env: &dyn Env, rootrc: &Arc<RootRc>) -> Authrc {
        let (file, skipped) = locate(env);
        let mut rc = Authrc::default();
        for path in skipped {
            // A file that is there but cannot be read is reported, not silently passed over.
            let message = match File::open(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    Some(format!("exists but cannot be read ({err}); using the next file"))
                }
                _ if env.var("ROOTAUTHRC").is_some_and(|v| v == path.as_os_str()) => {
                    Some("$ROOTAUTHRC names this file but it cannot be read; using the next file".to_owned())
                }
                _ => None,
            };
            rc.diagnostics.extend(message.map(|message| Diagnostic { file: path.clone(), line: 0, message }));
            rc.stamps.push(FileStamp::of(&path));
        }
        if let Some(path) = &file {
            rc.read_file(path, 0, &mut Vec::new(), env, rootrc);
        }
        rc.file = file;
        rc
    }

    #[cfg(any(test, feature = "fuzzing"))]
    /// Parses `data` as if read from `path` (includes are read from disk).
    pub(crate) fn parse(path: &Path, data: &[u8], env: &dyn Env, rootrc: &Arc<RootRc>) -> Authrc {
        let mut rc = Authrc { file: Some(path.to_path_buf()), ..Authrc::default() };
        rc.parse_lines(path, data, 0, &mut Vec::new(), env, rootrc);
        rc
    }

    fn diag(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic { file: file.to_path_buf(), line, message: message.into() });
    }

    fn read_file(
        &mut self,
        path: &Path,
        depth: usize,
        chain: &mut Vec<(u64, u64)>,
        env: &dyn Env,
        rootrc: &Arc<RootRc>,
    ) {
        let cap = MAX_FILE_BYTES.min(MAX_TOTAL_BYTES.saturating_sub(self.total_bytes));
        let data = match read_rc(path, cap, &mut self.stamps) {
            Ok(data) => data,
            Err(diagnostic) => return self.diagnostics.push(diagnostic),
        };
        self.total_bytes += data.len() as u64;
        let id = self.stamps.last().and_then(|s| s.id).map(|(dev, ino, ..)| (dev, ino));
        chain.extend(id);
        self.parse_lines(path, &data, depth, chain, env, rootrc);
        if id.is_some() {
            chain.pop();
        }
    }

    fn parse_lines(
        &mut self,
        path: &Path,
        data: &[u8],
        depth: usize,
        chain: &mut Vec<(u64, u64)>,
        env: &dyn Env,
        rootrc: &Arc<RootRc>,
    ) {
        for (line, text) in logical_lines(data) {
            let ws = words(&text);
            let result = match ws[0] {
                _ if text.contains(&0) => Err("the line contains a NUL byte".into()),
                b"include" => self.include(path, &ws[1..], depth, chain, env, rootrc),
                b"proofserv" => self.proofserv_line(&ws[1..]),
                _ => self.host_line(&text, &ws, rootrc),
            };
            if let Err(message) = result {
                self.diag(path, line, message);
            }
        }
    }

    fn include(
        &mut self,
        from: &Path,
        args: &[&[u8]],
        depth: usize,
        chain: &mut Vec<(u64, u64)>,
        env: &dyn Env,
        rootrc: &Arc<RootRc>,
    ) -> Result<(), String> {
        let [arg] = args else { return Err("include takes exactly one file name".into()) };
        let target = expand_path(arg, env, from.parent().unwrap_or(Path::new("/")))?;
        if depth + 1 > MAX_INCLUDE_DEPTH {
            return Err(format!("includes nested deeper than {MAX_INCLUDE_DEPTH}"));
        }
        let id = FileStamp::of(&target).id.map(|(dev, ino, ..)| (dev, ino));
        if id.is_some_and(|id| chain.contains(&id)) {
            return Err(format!("include loop: {} is already being read", target.display()));
        }
        if File::open(&target).is_err() {
            self.stamps.push(FileStamp::of(&target));
            return Err(format!("included file {} cannot be read", target.display()));
        }
        self.read_file(&target, depth + 1, chain, env, rootrc);
        Ok(())
    }

    fn proofserv_line(&mut self, cards: &[&[u8]]) -> Result<(), String> {
        if cards.is_empty() {
            return Err("'proofserv' needs at least one host".into());
        }
        let mut cards = cards.iter().map(|w| parse_proofserv(w)).collect::<Result<Vec<_>, _>>()?;
        self.proofserv.append(&mut cards);
        Ok(())
    }

    fn host_line(&mut self, text: &[u8], ws: &[&[u8]], rootrc: &Arc<RootRc>) -> Result<(), String> {
        let (host, server) = split_server(ws[0])?;
        let pattern = HostPattern::parse(host)?;
        let mut rest = &ws[1..];
        let mut user: &[u8] = b"*";
        if rest.first() == Some(&&b"user"[..]) {
            match rest.get(1) {
                Some(&name) if name != b"list" && name != b"method" => user = name,
                _ => return Err("'user' must be followed by a user name".into()),
            }
            rest = &rest[2..];
        }
        let host_key = if pattern.is_default() { b"default".to_vec() } else { host.to_ascii_lowercase() };
        let key = Key { host: host_key, user: user.to_vec(), server };
        let change: Box<dyn FnOnce(&mut HostAuth)> = match rest {
            [b"list", methods @ ..] if !methods.is_empty() => {
                let methods = parse_methods(methods)?;
                Box::new(move |ha| ha.reorder(&methods))
            }
            [b"method", method, ..] => {
                let method = Method::parse(method)
                    .ok_or_else(|| format!("unknown method '{}'", String::from_utf8_lossy(method)))?;
                // The details are the rest of the line as written, from the word after the method.
                let details = match rest.get(2) {
                    Some(first) => text[first.as_ptr() as usize - text.as_ptr() as usize..].to_vec(),
                    None => Vec::new(),
                };
                check_details(method, &details)?;
                Box::new(move |ha| ha.set_details(method, &details))
            }
            [b"list"] => return Err("'list' needs at least one method".into()),
            [b"method"] => return Err("'method' needs a method".into()),
            _ => return Err("expected 'list' or 'method' after the host (and optional 'user <name>')".into()),
        };
        match self.templates.iter_mut().find(|t| *t.entry.key() == key) {
            Some(t) => change(&mut t.entry),
            None => {
                let mut entry = HostAuth::new(key, rootrc.clone());
                change(&mut entry);
                self.templates.push(Template { pattern, entry });
            }
        }
        Ok(())
    }

    #[cfg(test)]
    /// The file read, if any.
    pub(crate) fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The problems found, each naming file and line; each named line was skipped.
    pub(crate) fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    #[cfg(test)]
    /// The entries in file order, keyed by pattern (`default` for `default` and `*`).
    pub(crate) fn entries(&self) -> impl Iterator<Item = &HostAuth> {
        self.templates.iter().map(|t| &t.entry)
    }

    #[cfg(test)]
    /// The `proofserv` cards in file order.
    pub(crate) fn proofserv(&self) -> &[ProofServ] {
        &self.proofserv
    }

    /// Whether the applicable file, one it includes, or a skipped higher-priority candidate changed
    /// (or `env` now points elsewhere).
    pub(crate) fn is_stale(&self, env: &dyn Env) -> bool {
        locate(env).0 != self.file || self.stamps.iter().any(FileStamp::is_stale)
    }

    /// The rc entry for a connection: one with exactly this host name, user and server; else the
    /// last entry whose pattern, user (`*` or equal) and server (any or equal) match; else the
    /// last `default` entry that matches user and server.
    pub(crate) fn lookup(&self, host: &HostId<'_>, user: &[u8], server: Option<ServerKind>) -> Option<&HostAuth> {
        let name = host.name.to_ascii_lowercase();
        let mut found = None;
        let mut default = None;
        for t in &self.templates {
            let key = t.entry.key();
            if (key.server.is_some() && key.server != server) || (key.user != b"*" && key.user != user) {
                continue;
            }
            if key.host == name && key.user == user && key.server == server {
                return Some(&t.entry);
            }
            if t.pattern.is_default() {
                default = Some(&t.entry);
            } else if t.pattern.matches(host) {
                found = Some(&t.entry);
            }
        }
        found.or(default)
    }

    /// The entry to use for a connection, keyed by this host, user and server: the matching rc
    /// entry's methods, else `.rootrc`'s `Rootd.Authentication` / `Proofd.Authentication`.
    pub(crate) fn resolve(
        &self,
        host: &HostId<'_>,
        user: &[u8],
        server: Option<ServerKind>,
        rootrc: &Arc<RootRc>,
    ) -> HostAuth {
        let key = Key { host: host.name.to_vec(), user: user.to_vec(), server };
        match self.lookup(host, user, server) {
            Some(entry) => entry.personalize(key),
            None => {
                let mut entry = HostAuth::new(key, rootrc.clone());
                entry.reorder(&rootrc.default_methods(server));
                entry
            }
        }
    }

    /// ROOT's `TAuthenticate::ReadAuthRc(host, user)`: the entry these files give for the
    /// connection ([`Authrc::resolve`]) merged into `registry` ([`Registry::merge`]); its key.
    pub(crate) fn read_into(
        &self,
        registry: &Registry,
        host: &HostId<'_>,
        user: &[u8],
        server: Option<ServerKind>,
        rootrc: &Arc<RootRc>,
    ) -> Key {
        let entry = self.resolve(host, user, server, rootrc);
        let key = entry.key().clone();
        registry.merge(entry);
        key
    }

    #[cfg(test)]
    /// The entries the `proofserv` cards give (what ROOT sends to PROOF workers): each card's
    /// host and user with the matching entry's methods, the card's methods first.
    pub(crate) fn proof_entries(&self, rootrc: &Arc<RootRc>) -> Vec<HostAuth> {
        let entries = self.proofserv.iter().map(|card| {
            let key = Key { host: card.host.clone(), user: card.user.clone(), server: None };
            let mut entry = match self.lookup(&HostId::name(&card.host), &card.user, None) {
                Some(found) => found.personalize(key),
                None => HostAuth::new(key, rootrc.clone()),
            };
            entry.reorder(&card.methods);
            entry
        });
        entries.filter(|e| e.count() > 0).collect()
    }
}

/// An [`Authrc`] and [`RootRc`] pair re-read when their files change.
#[derive(Default)]
pub(crate) struct AuthrcCache {
    current: Option<(Arc<RootRc>, Arc<Authrc>)>,
}

impl AuthrcCache {
    /// The current files' contents, re-reading whatever changed since the last call.
    pub(crate) fn get(&mut self, env: &dyn Env) -> (Arc<RootRc>, Arc<Authrc>) {
        let fresh = match &self.current {
            Some((rootrc, authrc)) => !rootrc.is_stale() && !authrc.is_stale(env),
            None => false,
        };
        if !fresh {
            let rootrc = Arc::new(RootRc::load(env));
            let authrc = Arc::new(Authrc::load(env, &rootrc));
            self.current = Some((rootrc, authrc));
        }
        self.current.clone().expect("just set")
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::detail;
    use super::super::source::test_support::{MapEnv, home_and_etc, temp_dir};
    use super::*;

    fn parse(text: &str) -> Authrc {
        Authrc::parse(Path::new("/t/rootauthrc"), text.as_bytes(), &MapEnv::default(), &Arc::new(RootRc::default()))
    }

    fn printed(rc: &Authrc) -> String {
        rc.entries().map(|e| String::from_utf8(e.print()).unwrap()).collect()
    }

    fn codes(entry: &HostAuth) -> Vec<u8> {
        entry.methods().iter().map(|e| e.method.code()).collect()
    }

    /// The example lines of ROOT's etc/system.rootauthrc (rootauthrc.in), minus its includes.
    const ROOT_EXAMPLES: &str = "\
default list 4 0 1
default    method  ssh pt:yes us:qwerty
default    method  3 pt:0
default user asdfgh  method  usrpwd pt:1 ru:no
lxplus*.cern.ch  method  3 pt:no  ad:certificates
pcepsft43.cern.ch  user poiuyt method globus pt:no \\
                   cd:~/CA/HubCA/poiuyt ad:certificates
localhost:proofd list  uidgid
pcepsft43.cern.ch  user asdfgh method 2 pt:no pp:asdkrb@LOC.KRB.REALM
lxplus*.cern.ch  list  ssh 3 krb5
default list usrpwd ssh uidgid
";

    #[test]
    fn roots_examples_build_roots_entries() {
        let rc = parse(ROOT_EXAMPLES);
        assert!(rc.diagnostics().is_empty(), "{:?}", rc.diagnostics());
        let b = "+------------------------------------------------------------------+\n";
        let expect = format!(
            "{b}+ Host:default - User:* - # of available methods:5\n\
             + Method: 0   Details:pt:no ru:1 cp:1 us:\n\
             + Method: 4   Details:pt:yes us:qwerty\n\
             + Method: 5   Details:pt:no us:\n\
             + Method: 1   Details:pt:no ru:0 us:\n\
             + Method: 3   Details:pt:0\n{b}\
             {b}+ Host:default - User:asdfgh - # of available methods:1\n\
             + Method: 0   Details:pt:1 ru:no\n{b}\
             {b}+ Host:lxplus*.cern.ch - User:* - # of available methods:3\n\
             + Method: 4   Details:pt:no ru:1 us:\n\
             + Method: 3   Details:pt:no  ad:certificates\n\
             + Method: 2   Details:pt:no ru:0 us:\n{b}\
             {b}+ Host:pcepsft43.cern.ch - User:poiuyt - # of available methods:1\n\
             + Method: 3   Details:pt:no cd:~/CA/HubCA/poiuyt ad:certificates\n{b}\
             {b}+ Host:localhost - User:* - # of available methods:1\n\
             + Method: 5   Details:pt:no us:\n{b}\
             {b}+ Host:pcepsft43.cern.ch - User:asdfgh - # of available methods:1\n\
             + Method: 2   Details:pt:no pp:asdkrb@LOC.KRB.REALM\n{b}"
        );
        assert_eq!(printed(&rc), expect);
        let proofd = rc.entries().find(|e| e.key().host == b"localhost").unwrap();
        assert_eq!(proofd.key().server, Some(ServerKind::Proofd));
    }

    #[test]
    fn a_nul_byte_skips_the_line() {
        let rc = parse("default list ssh\nhost.example method ssh us:a\0b\n");
        assert_eq!(rc.entries().count(), 1);
        assert_eq!(rc.diagnostics()[0].line, 2);
        assert!(rc.diagnostics()[0].message.contains("NUL"), "{:?}", rc.diagnostics());
    }

    #[test]
    fn lookup_order() {
        let rc = parse(ROOT_EXAMPLES);
        let host = |n: &'static str| HostId::name(n.as_bytes());
        let find = |n, u: &str, s| rc.lookup(&host(n), u.as_bytes(), s).map(|e| e.key().clone());
        // Exact host, user and server wins.
        assert_eq!(find("pcepsft43.cern.ch", "asdfgh", None).unwrap().user, b"asdfgh");
        // A pattern beats default.
        assert_eq!(find("lxplus001.cern.ch", "me", None).unwrap().host, b"lxplus*.cern.ch");
        // Nothing else: the default for that user, else the generic default.
        assert_eq!(find("elsewhere.org", "asdfgh", None).unwrap().user, b"asdfgh");
        assert_eq!(find("elsewhere.org", "me", None).unwrap().user, b"*");
        // Server-specific entries apply to their server only.
        assert_eq!(find("localhost", "me", Some(ServerKind::Proofd)).unwrap().host, b"localhost");
        assert_eq!(find("localhost", "me", Some(ServerKind::Rootd)).unwrap().host, b"default");
        // Personalized copy for the connection.
        let rootrc = Arc::new(RootRc::default());
        let entry = rc.resolve(&host("lxplus001.cern.ch"), b"me", Some(ServerKind::Rootd), &rootrc);
        assert_eq!(
            entry.key(),
            &Key { host: b"lxplus001.cern.ch".to_vec(), user: b"me".to_vec(), server: Some(ServerKind::Rootd) }
        );
        assert_eq!(codes(&entry), [4, 3, 2]);
    }

    #[test]
    fn read_into_the_registry_keeps_counters() {
        let rootrc = Arc::new(RootRc::default());
        let registry = Registry::default();
        let host = HostId::name(b"lxplus7.cern.ch");
        let key = parse(ROOT_EXAMPLES).read_into(&registry, &host, b"me", None, &rootrc);
        registry.with(&key, |e| e.count_failure(Method::Globus)).unwrap();
        let key2 = parse("lxplus*.cern.ch list 3 0\n").read_into(&registry, &host, b"me", None, &rootrc);
        assert_eq!(key, key2);
        let entry = registry.get(&key).unwrap();
        // As ROOT's Update: methods no longer listed stay, after the listed ones.
        assert_eq!(codes(&entry), [3, 0, 4, 2]);
        assert_eq!(entry.methods()[0].failures, 1);
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn later_pattern_wins_and_no_match_falls_back_to_rootrc() {
        let rc = parse("cern.ch list 0\n*.cern.ch list 5\ndefault list 4\n");
        assert_eq!(codes(rc.lookup(&HostId::name(b"a.cern.ch"), b"u", None).unwrap()), [5]);
        let rc = parse("cern.ch list 0\n");
        let mut rootrc = RootRc::default();
        rootrc.parse_into(Path::new("r"), b"Rootd.Authentication: ssh uidgid\n");
        let rootrc = Arc::new(rootrc);
        let entry = rc.resolve(&HostId::name(b"example.org"), b"u", Some(ServerKind::Rootd), &rootrc);
        assert_eq!(codes(&entry), [4, 5]);
        assert_eq!(entry.details_at(0), Some(&b"pt:no ru:1 us:u"[..]));
        let entry = rc.resolve(&HostId::name(b"example.org"), b"u", Some(ServerKind::Sockd), &rootrc);
        assert_eq!(codes(&entry), [0]);
    }

    #[test]
    fn proofserv_cards() {
        let rc =
            parse("lxplus*.cern.ch list ssh krb5\nproofserv lxplus01.cern.ch:me:2 \\\n  data.org::usrpwd:5 :bob\n");
        assert!(rc.diagnostics().is_empty(), "{:?}", rc.diagnostics());
        let cards = rc.proofserv();
        assert_eq!(
            cards[1],
            ProofServ {
                host: b"data.org".to_vec(),
                user: b"*".to_vec(),
                methods: vec![Method::UsrPwd, Method::UidGid]
            }
        );
        assert_eq!(cards[2], ProofServ { host: b"*".to_vec(), user: b"bob".to_vec(), methods: vec![] });
        let entries = rc.proof_entries(&Arc::new(RootRc::default()));
        assert_eq!(entries.len(), 2);
        assert_eq!(codes(&entries[0]), [2, 4]);
        assert_eq!(codes(&entries[1]), [0, 5]);
    }

    #[test]
    fn malformed_lines_are_skipped_with_file_and_line() {
        let rc = parse(
            "ok list 0\nbad host list 0\nh list\nh list 0 kerberos\nh method 7\nh method ssh us: qwerty\n\
             h method krb5 cd:/x\nh method 0 pt:maybe\nh user\nh user list 0\nh:xrootd list 0\nh frobnicate 0\n\
             h/x list 0\ninclude\ninclude a b\nproofserv h:u:9\nh method 0 pt:1 pt:0\nproofserv\n\
             h method krb5 mech:spnego\nh method globus mech:krb5 pp:me@R\nh method ssh kf:~/.ssh/id_ed25519\n\
             h method ssh pp:x\n",
        );
        let lines: Vec<usize> = rc.diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, [(2..=19).collect::<Vec<_>>(), vec![22]].concat());
        assert!(rc.diagnostics().iter().all(|d| d.file == Path::new("/t/rootauthrc")));
        assert_eq!(rc.diagnostics()[3].to_string(), "/t/rootauthrc:5: unknown method '7'");
        // `ok`, and `h` from its last line: globus takes a mechanism and a principal.
        assert_eq!(printed(&rc).matches("+ Host:").count(), 2);
        assert!(printed(&rc).contains("Details:mech:krb5 pp:me@R"), "{}", printed(&rc));
        assert!(printed(&rc).contains("Details:kf:~/.ssh/id_ed25519"), "{}", printed(&rc));
    }

    #[test]
    fn includes_expand_and_loops_and_depth_are_bounded() {
        let dir = temp_dir("authrc");
        std::fs::write(dir.join("a"), "include b\nhost-a list 0\n").unwrap();
        std::fs::write(dir.join("b"), "host-b list 4\ninclude $INC/a\n").unwrap();
        let env = MapEnv::default().with("INC", dir.as_os_str()).with("ROOTAUTHRC", dir.join("a").as_os_str());
        let rc = Authrc::load(&env, &Arc::new(RootRc::default()));
        assert_eq!(
            rc.entries().map(|e| e.key().host.clone()).collect::<Vec<_>>(),
            [b"host-b".to_vec(), b"host-a".to_vec()]
        );
        assert_eq!(rc.diagnostics().len(), 1);
        assert!(rc.diagnostics()[0].message.contains("include loop"), "{}", rc.diagnostics()[0]);
        assert_eq!(rc.diagnostics()[0].line, 2);

        for i in 0..12 {
            std::fs::write(dir.join(format!("d{i}")), format!("include d{}\nh{i} list 0\n", i + 1)).unwrap();
        }
        let rc = Authrc::parse(&dir.join("top"), b"include d0\n", &env, &Arc::new(RootRc::default()));
        assert_eq!(rc.entries().count(), MAX_INCLUDE_DEPTH);
        assert!(rc.diagnostics()[0].message.contains("nested deeper"));
        let rc = Authrc::parse(&dir.join("top"), b"include missing\n", &env, &Arc::new(RootRc::default()));
        assert!(rc.diagnostics()[0].message.contains("cannot be read"));
    }

    #[test]
    fn file_choice_and_rereading() {
        let (dir, etc, env) = home_and_etc("authrc-choice");
        std::fs::write(etc.join("system.rootauthrc"), "default list 0\n").unwrap();
        let mut cache = AuthrcCache::default();
        let (_, first) = cache.get(&env);
        assert_eq!(first.file(), Some(&*etc.join("system.rootauthrc")));
        assert!(Arc::ptr_eq(&first, &cache.get(&env).1));

        // A home file appearing takes over.
        std::fs::write(dir.join(".rootauthrc"), "default list 4\n").unwrap();
        let (_, second) = cache.get(&env);
        assert_eq!(second.file(), Some(&*dir.join(".rootauthrc")));
        // Changing it is noticed (size changes, so mtime granularity does not matter).
        std::fs::write(dir.join(".rootauthrc"), "default list 5 0\n").unwrap();
        let (_, third) = cache.get(&env);
        assert_eq!(codes(third.entries().next().unwrap()), [5, 0]);
        // $ROOTAUTHRC naming an unreadable file: the next file, with a diagnostic.
        let env = env.with("ROOTAUTHRC", dir.join("nope").as_os_str());
        let (_, fourth) = cache.get(&env);
        assert_eq!(fourth.file(), Some(&*etc.join("system.rootauthrc")));
        assert!(fourth.diagnostics()[0].message.contains("$ROOTAUTHRC"));
        // .rootrc changes re-read both.
        std::fs::write(dir.join(".rootrc"), "UsrPwd.Login: someone\n").unwrap();
        let (rootrc, fifth) = cache.get(&env);
        assert_eq!(rootrc.get("UsrPwd.Login"), Some(&b"someone"[..]));
        assert_eq!(fifth.entries().next().unwrap().details_at(0), Some(&b"pt:no ru:1 cp:1 us:someone"[..]));
    }

    #[test]
    fn an_existing_file_that_cannot_be_read_is_reported() {
        let (dir, etc, env) = home_and_etc("authrc-unreadable");
        std::fs::write(etc.join("system.rootauthrc"), "default list 0\n").unwrap();
        // A home file that cannot be opened, even by root: a symbolic link to itself.
        std::os::unix::fs::symlink(dir.join(".rootauthrc"), dir.join(".rootauthrc")).unwrap();
        let rc = Authrc::load(&env, &Arc::new(RootRc::default()));
        assert_eq!(rc.file(), Some(&*etc.join("system.rootauthrc")));
        assert_eq!(rc.diagnostics().len(), 1, "{:?}", rc.diagnostics());
        assert_eq!(rc.diagnostics()[0].file, dir.join(".rootauthrc"));
        assert!(rc.diagnostics()[0].message.contains("exists but cannot be read"), "{}", rc.diagnostics()[0]);
    }

    #[test]
    fn bytes_are_kept() {
        let data = b"h user \xc3\xa9t\xff method 0 us:\xff\xfe\n";
        let rc = Authrc::parse(Path::new("/t/rootauthrc"), data, &MapEnv::default(), &Arc::new(RootRc::default()));
        assert!(rc.diagnostics().is_empty());
        let e = rc.entries().next().unwrap();
        assert_eq!(e.key().user, b"\xc3\xa9t\xff");
        assert_eq!(detail(e.details_at(0).unwrap(), "us"), Some(&b"\xff\xfe"[..]));
    }
}
