//! ROOT's host-auth model: per (host, user, server kind) an ordered list of methods with their
//! details and success/failure counters (`THostAuth`), the established authentications kept for
//! reuse (`TAuthDetails` / `TSecContext`), and a thread-safe registry of entries.

use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::Mutex;
use zeroize::Zeroizing;

use super::pattern::ServerKind;
use super::rootrc::RootRc;

/// An authentication method and its code (ROOT's `TAuthenticate::ESecurity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Method {
    /// 0, user and password.
    UsrPwd = 0,
    /// 1, SRP.
    Srp = 1,
    /// 2, Kerberos 5.
    Krb5 = 2,
    /// 3, GSS-API (ROOT: Globus GSI).
    Globus = 3,
    /// 4, SSH.
    Ssh = 4,
    /// 5, uid/gid.
    UidGid = 5,
}

impl Method {
    /// Every method in code order.
    pub(crate) const ALL: [Method; 6] =
        [Method::UsrPwd, Method::Srp, Method::Krb5, Method::Globus, Method::Ssh, Method::UidGid];

    /// The method with this code.
    pub(crate) fn from_code(code: i64) -> Option<Method> {
        Method::ALL.into_iter().find(|m| *m as i64 == code)
    }

    /// The code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// The short name of the rc files (`usrpwd`, `srp`, `krb5`, `globus`, `ssh`, `uidgid`).
    pub(crate) fn short_name(self) -> &'static str {
        ["usrpwd", "srp", "krb5", "globus", "ssh", "uidgid"][self as usize]
    }

    /// The name of the `.rootrc` keys (`UsrPwd`, `SRP`, `Krb5`, `Globus`, `SSH`, `UidGid`).
    pub(crate) fn rootrc_name(self) -> &'static str {
        ["UsrPwd", "SRP", "Krb5", "Globus", "SSH", "UidGid"][self as usize]
    }

    /// Parses a method word of an rc file: a code `0`..`5` or a name, any case. ROOT used `atoi`
    /// for one-character words, so any single letter meant 0 (usrpwd); here it is an error.
    pub(crate) fn parse(word: &[u8]) -> Option<Method> {
        if let [digit @ b'0'..=b'5'] = word {
            return Method::from_code(i64::from(digit - b'0'));
        }
        Method::ALL.into_iter().find(|m| word.eq_ignore_ascii_case(m.short_name().as_bytes()))
    }
}

/// The value of `key` (`pt`, `ru`, `us`, …) in a details string: the first blank-separated word
/// starting with `key:`. ROOT searched with `strstr`, so `pt:` inside a file name counted.
pub(crate) fn detail<'a>(details: &'a [u8], key: &str) -> Option<&'a [u8]> {
    details
        .split(|b| *b == b' ' || *b == b'\t')
        .find_map(|w| w.strip_prefix(key.as_bytes()).and_then(|rest| rest.strip_prefix(b":")))
}

/// A yes/no value of the rc files: `1`/`yes` or `0`/`no` (any case).
pub(crate) fn parse_flag(value: &[u8]) -> Option<bool> {
    if value == b"1" || value.eq_ignore_ascii_case(b"yes") {
        Some(true)
    } else if value == b"0" || value.eq_ignore_ascii_case(b"no") {
        Some(false)
    } else {
        None
    }
}

/// One method of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MethodEntry {
    pub(crate) method: Method,
    pub(crate) details: Vec<u8>,
    pub(crate) successes: u32,
    pub(crate) failures: u32,
}

/// An authentication that succeeded and may be reused (ROOT's `TAuthDetails` / `TRootSecContext`).
#[derive(Clone)]
pub(crate) struct Established {
    pub(crate) method: Method,
    pub(crate) login: Vec<u8>,
    pub(crate) details: Vec<u8>,
    pub(crate) expires: SystemTime,
    /// The daemon's reuse token; never printed.
    pub(crate) token: Zeroizing<Vec<u8>>,
    pub(crate) active: bool,
}

impl Established {
    /// Active and not expired at `now`.
    pub(crate) fn is_valid(&self, now: SystemTime) -> bool {
        self.active && now < self.expires
    }
}

impl std::fmt::Debug for Established {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Established")
            .field("method", &self.method)
            .field("login", &String::from_utf8_lossy(&self.login))
            .field("expires", &self.expires)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// The key of an entry: host (a name, or a pattern in an rc template), user (`*` = any) and the
/// server kind (`None` = any).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) host: Vec<u8>,
    pub(crate) user: Vec<u8>,
    pub(crate) server: Option<ServerKind>,
}

/// Methods, in order of preference, to authenticate as one user to one host (ROOT's `THostAuth`).
#[derive(Clone, Debug)]
pub(crate) struct HostAuth {
    key: Key,
    methods: Vec<MethodEntry>,
    established: Vec<Established>,
    defaults: Arc<RootRc>,
}

const BORDER: &[u8] = b"+------------------------------------------------------------------+\n";

impl HostAuth {
    /// An entry without methods; `defaults` supplies the details of a method added without any.
    pub(crate) fn new(key: Key, defaults: Arc<RootRc>) -> HostAuth {
        HostAuth { key, methods: Vec::new(), established: Vec::new(), defaults }
    }

    /// The key.
    pub(crate) fn key(&self) -> &Key {
        &self.key
    }

    /// Re-keys a copy taken from a generic (pattern) entry for one concrete host and user.
    pub(crate) fn personalize(&self, key: Key) -> HostAuth {
        HostAuth { key, ..self.clone() }
    }

    fn position(&self, method: Method) -> Option<usize> {
        self.methods.iter().position(|e| e.method == method)
    }

    fn entry(&self, method: Method, details: &[u8]) -> MethodEntry {
        let details = if details.is_empty() {
            self.defaults.default_details(method, false, &self.key.user)
        } else {
            details.to_vec()
        };
        MethodEntry { method, details, successes: 0, failures: 0 }
    }

    /// Adds `method` at the end; if present, only its details change. Empty details mean the
    /// `.rootrc` defaults (`TAuthenticate::GetDefaultDetails`).
    pub(crate) fn add_method(&mut self, method: Method, details: &[u8]) {
        match self.position(method) {
            Some(i) => {
                self.methods[i] =
                    MethodEntry { details: self.entry(method, details).details, ..self.methods[i].clone() }
            }
            None => self.methods.push(self.entry(method, details)),
        }
    }

    /// Removes `method`; whether it was there.
    pub(crate) fn remove_method(&mut self, method: Method) -> bool {
        let at = self.position(method);
        at.map(|i| self.methods.remove(i)).is_some()
    }

    /// Sets the details of `method`, adding it at the end if absent.
    pub(crate) fn set_details(&mut self, method: Method, details: &[u8]) {
        self.add_method(method, details);
    }

    /// Moves `method` to the front; whether it was there.
    pub(crate) fn set_first(&mut self, method: Method) -> bool {
        let Some(i) = self.position(method) else { return false };
        let e = self.methods.remove(i);
        self.methods.insert(0, e);
        true
    }

    /// Puts `method` first with `details`, adding it if absent. (ROOT's `AddFirst` left the
    /// details unchanged when the method was already first.)
    pub(crate) fn add_first(&mut self, method: Method, details: &[u8]) {
        self.add_method(method, details);
        self.set_first(method);
    }

    /// Moves `method` to the end; whether it was there.
    pub(crate) fn set_last(&mut self, method: Method) -> bool {
        let Some(i) = self.position(method) else { return false };
        let e = self.methods.remove(i);
        self.methods.push(e);
        true
    }

    /// Puts `order` first, in that order (adding absent methods with default details), the other
    /// methods after them in their previous order. A method repeated in `order` counts once.
    pub(crate) fn reorder(&mut self, order: &[Method]) {
        let mut front = Vec::with_capacity(self.methods.len() + order.len());
        for &m in order {
            if front.iter().any(|e: &MethodEntry| e.method == m) {
                continue;
            }
            match self.position(m) {
                Some(i) => front.push(self.methods.remove(i)),
                None => front.push(self.entry(m, b"")),
            }
        }
        front.append(&mut self.methods);
        self.methods = front;
    }

    /// Takes the methods of `newer` first, with its details, keeping this entry's other methods
    /// after them, the counters of every method this entry already had, and its established
    /// authentications (ROOT's `THostAuth::Update`, which reset the counters).
    pub(crate) fn update_from(&mut self, newer: &HostAuth) {
        let old = std::mem::take(&mut self.methods);
        let counters = |m: Method| old.iter().find(|e| e.method == m).map(|e| (e.successes, e.failures));
        let mut methods: Vec<MethodEntry> = newer
            .methods
            .iter()
            .map(|n| {
                let (successes, failures) = counters(n.method).unwrap_or((n.successes, n.failures));
                MethodEntry { successes, failures, ..n.clone() }
            })
            .collect();
        methods.extend(old.iter().filter(|e| !newer.methods.iter().any(|n| n.method == e.method)).cloned());
        self.methods = methods;
    }

    /// Number of methods.
    pub(crate) fn count(&self) -> usize {
        self.methods.len()
    }

    /// The methods in order.
    pub(crate) fn methods(&self) -> &[MethodEntry] {
        &self.methods
    }

    #[cfg(test)]
    /// The method at `index`.
    pub(crate) fn method_at(&self, index: usize) -> Option<Method> {
        self.methods.get(index).map(|e| e.method)
    }

    #[cfg(test)]
    /// The details at `index`.
    pub(crate) fn details_at(&self, index: usize) -> Option<&[u8]> {
        self.methods.get(index).map(|e| &e.details[..])
    }

    /// The details of `method`.
    pub(crate) fn details_of(&self, method: Method) -> Option<&[u8]> {
        self.position(method).map(|i| &self.methods[i].details[..])
    }

    /// Counts a success of `method`; whether it is in the list.
    pub(crate) fn count_success(&mut self, method: Method) -> bool {
        let at = self.position(method);
        at.map(|i| self.methods[i].successes = self.methods[i].successes.saturating_add(1)).is_some()
    }

    /// Counts a failure of `method`; whether it is in the list.
    pub(crate) fn count_failure(&mut self, method: Method) -> bool {
        let at = self.position(method);
        at.map(|i| self.methods[i].failures = self.methods[i].failures.saturating_add(1)).is_some()
    }

    /// The seed's `THostAuth::Print` block.
    pub(crate) fn print(&self) -> Vec<u8> {
        let mut out = BORDER.to_vec();
        out.extend_from_slice(b"+ Host:");
        out.extend_from_slice(&self.key.host);
        out.extend_from_slice(b" - User:");
        out.extend_from_slice(&self.key.user);
        out.extend_from_slice(format!(" - # of available methods:{}\n", self.methods.len()).as_bytes());
        for e in &self.methods {
            out.extend_from_slice(format!("+ Method: {}   Details:", e.method.code()).as_bytes());
            out.extend_from_slice(&e.details);
            out.push(b'\n');
        }
        out.extend_from_slice(BORDER);
        out
    }

    /// Records an established authentication.
    pub(crate) fn add_established(&mut self, established: Established) {
        self.established.push(established);
    }

    /// The established authentications, oldest first.
    pub(crate) fn established(&self) -> &[Established] {
        &self.established
    }

    /// The newest valid established authentication for `method`.
    pub(crate) fn reusable(&self, method: Method, now: SystemTime) -> Option<&Established> {
        self.established.iter().rev().find(|e| e.method == method && e.is_valid(now))
    }

    /// Deactivates every established authentication of `method` (all methods if `None`).
    pub(crate) fn deactivate(&mut self, method: Option<Method>) {
        for e in self.established.iter_mut().filter(|e| method.is_none_or(|m| m == e.method)) {
            e.active = false;
        }
    }

    /// Deactivates the established authentication holding `token` (not empty).
    pub(crate) fn deactivate_token(&mut self, token: &[u8]) {
        for e in self.established.iter_mut().filter(|e| !token.is_empty() && e.token.as_slice() == token) {
            e.active = false;
        }
    }

    /// Applies to this entry what one session did to `after`, the copy of it taken as
    /// `before`: the successes and failures it counted, the authentications it established
    /// and the tokens it deactivated. Whatever other sessions changed meanwhile stays: the
    /// session's changes are merged, not written over the entry.
    pub(crate) fn apply_session(&mut self, before: &HostAuth, after: &HostAuth) {
        for m in &after.methods {
            let counted = before.position(m.method).map_or((m.successes, m.failures), |i| {
                let b = &before.methods[i];
                (m.successes.saturating_sub(b.successes), m.failures.saturating_sub(b.failures))
            });
            if let Some(i) = self.position(m.method) {
                let kept = &mut self.methods[i];
                kept.successes = kept.successes.saturating_add(counted.0);
                kept.failures = kept.failures.saturating_add(counted.1);
            }
        }
        for e in after.established.iter().filter(|e| !e.token.is_empty()) {
            match before.established.iter().find(|b| b.token == e.token) {
                None => self.established.push(e.clone()),
                Some(b) if b.active && !e.active => self.deactivate_token(&e.token),
                Some(_) => {}
            }
        }
    }

    /// Drops the established authentications that are inactive or expired at `now` and returns
    /// them (so their tokens can be revoked at the daemon).
    pub(crate) fn cleanup(&mut self, now: SystemTime) -> Vec<Established> {
        let (keep, gone) = std::mem::take(&mut self.established).into_iter().partition(|e| e.is_valid(now));
        self.established = keep;
        gone
    }

    /// The seed's `PrintEstablished` block (the token is never printed).
    pub(crate) fn print_established(&self) -> Vec<u8> {
        let mut out = BORDER.to_vec();
        out.extend_from_slice(b"+ Host:");
        out.extend_from_slice(&self.key.host);
        out.extend_from_slice(
            format!(" - Number of Established Authentications: {}\n", self.established.len()).as_bytes(),
        );
        for e in &self.established {
            let expires = e.expires.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
            out.extend_from_slice(format!("+ Method:{} Login:", e.method.code()).as_bytes());
            out.extend_from_slice(&e.login);
            out.extend_from_slice(format!(" Active:{} Expires:{expires}\n+   Details:", u8::from(e.active)).as_bytes());
            out.extend_from_slice(&e.details);
            out.push(b'\n');
        }
        out.extend_from_slice(BORDER);
        out
    }
}

/// The process's host-auth entries (ROOT's `TAuthenticate::fgAuthInfo`), safe to share between
/// threads. Entries keep the order they were added in.
#[derive(Default)]
pub(crate) struct Registry {
    entries: Mutex<Vec<HostAuth>>,
}

impl Registry {
    /// A copy of the entry with exactly this key.
    pub(crate) fn get(&self, key: &Key) -> Option<HostAuth> {
        self.entries.lock().iter().find(|e| e.key == *key).cloned()
    }

    /// Runs `f` on the entry with this key while holding the lock; `None` if there is none.
    pub(crate) fn with<R>(&self, key: &Key, f: impl FnOnce(&mut HostAuth) -> R) -> Option<R> {
        self.entries.lock().iter_mut().find(|e| e.key == *key).map(f)
    }

    /// Adds `entry`, or merges it into the entry with the same key ([`HostAuth::update_from`]).
    pub(crate) fn merge(&self, entry: HostAuth) {
        let mut entries = self.entries.lock();
        match entries.iter_mut().find(|e| e.key == entry.key) {
            Some(existing) => existing.update_from(&entry),
            None => entries.push(entry),
        }
    }

    /// Removes and returns the entry with this key.
    pub(crate) fn remove(&self, key: &Key) -> Option<HostAuth> {
        let mut entries = self.entries.lock();
        let at = entries.iter().position(|e| e.key == *key)?;
        Some(entries.remove(at))
    }

    #[cfg(test)]
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// Every entry's [`HostAuth::print`] and [`HostAuth::print_established`], in order.
    pub(crate) fn print_all(&self) -> Vec<u8> {
        let entries = self.entries.lock();
        entries.iter().flat_map(|e| [e.print(), e.print_established()]).flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn seed_entry() -> HostAuth {
        let key = Key { host: b"pcepsft43.cern.ch".to_vec(), user: b"ganis".to_vec(), server: None };
        let mut ha = HostAuth::new(key, Arc::new(RootRc::default()));
        ha.add_method(Method::Globus, b"pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates");
        ha.add_method(Method::Ssh, b"pt:no ru:1 us:ganis");
        ha.add_method(Method::Srp, b"pt:no ru:1 us:ganis");
        ha.add_method(Method::UidGid, b"pt:yes us:ganis");
        ha
    }

    const GLOBUS: &str = "+ Method: 3   Details:pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates\n";
    const B: &str = "+------------------------------------------------------------------+\n";

    #[test]
    fn methods_parse_by_code_and_name() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.code().to_string().as_bytes()), Some(m));
            assert_eq!(Method::parse(m.short_name().as_bytes()), Some(m));
            assert_eq!(Method::parse(m.rootrc_name().as_bytes()), Some(m));
            assert_eq!(Method::parse(m.short_name().to_uppercase().as_bytes()), Some(m));
        }
        for bad in ["6", "-1", "x", "", "kerberos", "00", "usrpwd "] {
            assert_eq!(Method::parse(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn print_follows_the_seed_sequence() {
        let mut ha = seed_entry();
        let head = |n: usize| format!("{B}+ Host:pcepsft43.cern.ch - User:ganis - # of available methods:{n}\n");
        let expect = format!(
            "{}{GLOBUS}+ Method: 4   Details:pt:no ru:1 us:ganis\n+ Method: 1   Details:pt:no ru:1 us:ganis\n\
             + Method: 5   Details:pt:yes us:ganis\n{B}",
            head(4)
        );
        assert_eq!(String::from_utf8(ha.print()).unwrap(), expect);

        ha.add_method(Method::UsrPwd, b"pt:no us:ganis");
        assert_eq!(ha.method_at(4), Some(Method::UsrPwd));
        assert!(ha.remove_method(Method::UidGid));
        assert!(!ha.remove_method(Method::UidGid));
        ha.set_details(Method::Ssh, b"pt:no ru:1 us:gganis");
        assert!(ha.set_first(Method::Srp));
        let expect = format!(
            "{}+ Method: 1   Details:pt:no ru:1 us:ganis\n{GLOBUS}+ Method: 4   Details:pt:no ru:1 us:gganis\n\
             + Method: 0   Details:pt:no us:ganis\n{B}",
            head(4)
        );
        assert_eq!(String::from_utf8(ha.print()).unwrap(), expect);
    }

    #[test]
    fn ordering_operations() {
        let mut ha = seed_entry();
        assert!(ha.set_last(Method::Globus));
        assert_eq!(ha.methods().iter().map(|e| e.method.code()).collect::<Vec<_>>(), [4, 1, 5, 3]);
        assert!(!ha.set_first(Method::Krb5));
        ha.add_first(Method::Ssh, b"pt:yes us:x");
        assert_eq!(ha.details_at(0), Some(&b"pt:yes us:x"[..]));
        ha.add_first(Method::Krb5, b"pp:me@REALM");
        assert_eq!(ha.method_at(0), Some(Method::Krb5));
        ha.reorder(&[Method::UidGid, Method::UidGid, Method::UsrPwd]);
        assert_eq!(ha.methods().iter().map(|e| e.method.code()).collect::<Vec<_>>(), [5, 0, 2, 4, 1, 3]);
        assert_eq!(ha.details_of(Method::UsrPwd), Some(&b"pt:no ru:1 cp:1 us:ganis"[..]));
        ha.reorder(&[Method::Ssh]);
        assert_eq!(ha.method_at(0), Some(Method::Ssh));
        assert_eq!(ha.count(), 6);
        assert_eq!(ha.method_at(6), None);
        assert_eq!(ha.details_at(6), None);
    }

    #[test]
    fn counters_follow_their_method() {
        let mut ha = seed_entry();
        assert!(ha.count_success(Method::Ssh));
        assert!(ha.count_failure(Method::Ssh));
        assert!(ha.count_failure(Method::Ssh));
        assert!(!ha.count_failure(Method::Krb5));
        ha.set_first(Method::UidGid);
        let ssh = ha.methods().iter().find(|e| e.method == Method::Ssh).unwrap();
        assert_eq!((ssh.successes, ssh.failures), (1, 2));
    }

    #[test]
    fn details_words() {
        let d = b"pt:no ru:1 us:ganis cf:/x/pt:yes";
        assert_eq!(detail(d, "pt"), Some(&b"no"[..]));
        assert_eq!(detail(d, "us"), Some(&b"ganis"[..]));
        assert_eq!(detail(d, "pp"), None);
        assert_eq!(parse_flag(b"YES"), Some(true));
        assert_eq!(parse_flag(b"0"), Some(false));
        assert_eq!(parse_flag(b"maybe"), None);
    }

    #[test]
    fn established_are_listed_printed_and_cleaned() {
        let mut ha = seed_entry();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let est = |m, secs: u64| Established {
            method: m,
            login: b"ganis".to_vec(),
            details: b"pt:0 ru:1 us:ganis".to_vec(),
            expires: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            token: Zeroizing::new(b"secret-token".to_vec()),
            active: true,
        };
        ha.add_established(est(Method::Srp, 1_000_100));
        ha.add_established(est(Method::Ssh, 999_999));
        ha.add_established(est(Method::UsrPwd, 2_000_000));
        assert!(ha.reusable(Method::Srp, now).is_some());
        assert!(ha.reusable(Method::Ssh, now).is_none());
        ha.deactivate(Some(Method::UsrPwd));
        assert!(ha.reusable(Method::UsrPwd, now).is_none());
        let printed = String::from_utf8(ha.print_established()).unwrap();
        assert!(printed.contains("+ Host:pcepsft43.cern.ch - Number of Established Authentications: 3\n"));
        assert!(printed.contains("+ Method:1 Login:ganis Active:1 Expires:1000100\n+   Details:pt:0 ru:1 us:ganis\n"));
        assert!(!printed.contains("secret"));
        assert!(!format!("{:?}", ha.established()).contains("secret"));
        let gone = ha.cleanup(now);
        assert_eq!(gone.iter().map(|e| e.method).collect::<Vec<_>>(), [Method::Ssh, Method::UsrPwd]);
        assert_eq!(ha.established().len(), 1);
    }

    #[test]
    fn concurrent_sessions_merge_their_changes() {
        let token = |t: &[u8]| Established {
            method: Method::Ssh,
            login: b"ganis".to_vec(),
            details: Vec::new(),
            expires: SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000),
            token: Zeroizing::new(t.to_vec()),
            active: true,
        };
        let mut kept = seed_entry();
        kept.add_established(token(b"old"));
        let before = kept.clone();
        // Two sessions start from the same copy: one fails srp, then succeeds with ssh and a new
        // token; the other has the old token refused and fails ssh.
        let (mut one, mut two) = (before.clone(), before.clone());
        one.count_failure(Method::Srp);
        one.count_success(Method::Ssh);
        one.add_established(token(b"new"));
        two.deactivate(Some(Method::Ssh));
        two.count_failure(Method::Ssh);
        kept.apply_session(&before, &one);
        kept.apply_session(&before, &two);
        let counts = |m: Method| kept.methods().iter().find(|e| e.method == m).map(|e| (e.successes, e.failures));
        assert_eq!((counts(Method::Ssh), counts(Method::Srp)), (Some((1, 1)), Some((0, 1))));
        let tokens: Vec<_> = kept.established().iter().map(|e| (e.token.to_vec(), e.active)).collect();
        assert_eq!(tokens, [(b"old".to_vec(), false), (b"new".to_vec(), true)], "the new token stays active");
    }

    #[test]
    fn registry_is_shared_between_threads() {
        let registry = Arc::new(Registry::default());
        let key = seed_entry().key().clone();
        registry.merge(seed_entry());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (registry, key) = (registry.clone(), key.clone());
                std::thread::spawn(move || {
                    for _ in 0..100 {
                        registry.with(&key, |ha| ha.count_success(Method::Ssh)).unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let ha = registry.get(&key).unwrap();
        assert_eq!(ha.methods().iter().find(|e| e.method == Method::Ssh).unwrap().successes, 800);
        let mut newer = HostAuth::new(key.clone(), Arc::new(RootRc::default()));
        newer.add_method(Method::UidGid, b"pt:no us:ganis");
        newer.add_method(Method::Ssh, b"pt:yes us:other");
        registry.merge(newer);
        assert_eq!(registry.len(), 1);
        let merged = registry.get(&key).unwrap();
        assert_eq!(merged.methods().iter().map(|e| e.method.code()).collect::<Vec<_>>(), [5, 4, 3, 1]);
        assert_eq!(merged.details_at(1), Some(&b"pt:yes us:other"[..]));
        assert_eq!(merged.methods()[1].successes, 800);
        let all = String::from_utf8(registry.print_all()).unwrap();
        assert!(all.contains("# of available methods:4") && all.contains("Established Authentications: 0"));
        assert!(registry.remove(&key).is_some());
        assert!(registry.get(&key).is_none());
        assert_eq!(registry.len(), 0);
    }
}
