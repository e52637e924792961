//! The registry as programs use it: the entries ([`Registry`]), the rc files they are read from
//! (re-read when they change) and the diagnostics of the last read. Entries are named by their
//! key, so whoever holds a key never holds a dangling entry: an entry removed meanwhile is
//! [`ErrorCode::NotFound`].

use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use zeroize::Zeroizing;

use super::authrc::AuthrcCache;
use super::model::{Established, HostAuth, Key, Method, Registry};
use super::pattern::HostId;
use super::source::{Diagnostic, Env};
use crate::error::{Error, ErrorCode, Result};

/// What a program may learn of an established authentication: everything but the reuse
/// token, of which it learns only whether there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EstablishedInfo {
    pub(crate) method: Method,
    pub(crate) login: Vec<u8>,
    pub(crate) details: Vec<u8>,
    /// Seconds since the epoch.
    pub(crate) expires: u64,
    pub(crate) active: bool,
    pub(crate) has_token: bool,
}

impl From<&Established> for EstablishedInfo {
    fn from(e: &Established) -> EstablishedInfo {
        EstablishedInfo {
            method: e.method,
            login: e.login.clone(),
            details: e.details.clone(),
            expires: e.expires.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            active: e.active,
            has_token: !e.token.is_empty(),
        }
    }
}

/// A registry with its rc files.
#[derive(Default)]
pub(crate) struct Store {
    registry: Registry,
    files: Mutex<AuthrcCache>,
    diagnostics: Mutex<Vec<Diagnostic>>,
}

fn not_found(key: &Key) -> Error {
    Error::new(
        ErrorCode::NotFound,
        format!(
            "no host-auth entry for host `{}`, user `{}`",
            String::from_utf8_lossy(&key.host),
            String::from_utf8_lossy(&key.user)
        ),
    )
}

impl Store {
    /// The entries.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Whether an entry has this key.
    pub(crate) fn contains(&self, key: &Key) -> bool {
        self.registry.with(key, |_| ()).is_some()
    }

    /// Adds an entry without methods under `key` unless there is one.
    pub(crate) fn add(&self, key: &Key, env: &dyn Env) {
        if !self.contains(key) {
            let (rootrc, _) = self.files.lock().get(env);
            self.registry.merge(HostAuth::new(key.clone(), rootrc));
        }
    }

    /// ROOT's `ReadAuthRc(host, user)`: merges what the rc files (re-read if they changed) give
    /// for `key` into the registry. The diagnostics of the files read replace the previous ones.
    pub(crate) fn read(&self, key: &Key, env: &dyn Env) {
        let (rootrc, authrc) = self.files.lock().get(env);
        let host = HostId::name(&key.host);
        authrc.read_into(&self.registry, &host, &key.user, key.server, &rootrc);
        let mut diagnostics = rootrc.diagnostics().to_vec();
        diagnostics.extend_from_slice(authrc.diagnostics());
        *self.diagnostics.lock() = diagnostics;
    }

    /// The diagnostics of the last [`Store::read`], one `file:line: message` per line.
    pub(crate) fn diagnostics_text(&self) -> String {
        self.diagnostics.lock().iter().map(|d| format!("{d}\n")).collect()
    }

    /// Runs `f` on the entry `key`; [`ErrorCode::NotFound`] if it is gone.
    pub(crate) fn with<R>(&self, key: &Key, f: impl FnOnce(&mut HostAuth) -> R) -> Result<R> {
        self.registry.with(key, f).ok_or_else(|| not_found(key))
    }

    /// Like [`Store::with`] for an `f` that reports whether `method` was in the list.
    pub(crate) fn with_method(&self, key: &Key, method: Method, f: impl FnOnce(&mut HostAuth) -> bool) -> Result<()> {
        if self.with(key, f)? {
            Ok(())
        } else {
            Err(Error::new(ErrorCode::NotFound, format!("method {} is not in the entry's list", method.short_name())))
        }
    }

    /// Removes the entry `key`.
    pub(crate) fn remove(&self, key: &Key) -> Result<()> {
        self.registry.remove(key).map(drop).ok_or_else(|| not_found(key))
    }

    /// The success and failure counts of `method` in the entry `key`.
    pub(crate) fn counters(&self, key: &Key, method: Method) -> Result<(u32, u32)> {
        let found =
            self.with(key, |ha| ha.methods().iter().find(|e| e.method == method).map(|e| (e.successes, e.failures)))?;
        found.ok_or_else(|| {
            Error::new(ErrorCode::NotFound, format!("method {} is not in the entry's list", method.short_name()))
        })
    }

    /// The method and details at `index` of the entry `key`.
    pub(crate) fn method_at(&self, key: &Key, index: usize) -> Result<(Method, Vec<u8>)> {
        let found = self.with(key, |ha| ha.methods().get(index).map(|e| (e.method, e.details.clone())))?;
        found.ok_or_else(|| Error::new(ErrorCode::NotFound, format!("the entry has no method at position {index}")))
    }

    /// Records an authentication established without a reuse token.
    pub(crate) fn add_established(
        &self,
        key: &Key,
        method: Method,
        login: &[u8],
        details: &[u8],
        expires: SystemTime,
        active: bool,
    ) -> Result<()> {
        let established = Established {
            method,
            login: login.to_vec(),
            details: details.to_vec(),
            expires,
            token: Zeroizing::new(Vec::new()),
            active,
        };
        self.with(key, |ha| ha.add_established(established))
    }

    /// The established authentication at `index` of the entry `key`, without its token.
    pub(crate) fn established_at(&self, key: &Key, index: usize) -> Result<EstablishedInfo> {
        let found = self.with(key, |ha| ha.established().get(index).map(EstablishedInfo::from))?;
        found.ok_or_else(|| {
            Error::new(ErrorCode::NotFound, format!("the entry has no established authentication at position {index}"))
        })
    }

    /// Drops the established authentications of `key` that are inactive or expired now; how many.
    pub(crate) fn cleanup(&self, key: &Key) -> Result<usize> {
        self.with(key, |ha| ha.cleanup(SystemTime::now()).len())
    }
}

/// The time `secs` seconds after the epoch.
pub(crate) fn epoch_seconds(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::super::source::test_support::{MapEnv, home_and_etc};
    use super::*;

    fn key(host: &str) -> Key {
        Key { host: host.as_bytes().to_vec(), user: b"ganis".to_vec(), server: None }
    }

    #[test]
    fn a_removed_entry_is_not_found_not_dangling() {
        let store = Store::default();
        let env = MapEnv::default();
        store.add(&key("a.example"), &env);
        store.with(&key("a.example"), |ha| ha.add_method(Method::Ssh, b"pt:no")).unwrap();
        store.remove(&key("a.example")).unwrap();
        assert_eq!(store.with(&key("a.example"), |ha| ha.count()).unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(store.remove(&key("a.example")).unwrap_err().code(), ErrorCode::NotFound);
    }

    #[test]
    fn reading_keeps_the_diagnostics_of_the_files() {
        let (home, _etc, env) = home_and_etc("store-read");
        std::fs::write(home.join(".rootauthrc"), b"default list ssh\nbad.host method nine\n").unwrap();
        let store = Store::default();
        store.read(&key("x.example"), &env);
        assert_eq!(store.with(&key("x.example"), |ha| ha.method_at(0)).unwrap(), Some(Method::Ssh));
        let text = store.diagnostics_text();
        assert!(text.contains(".rootauthrc:2: "), "{text}");
    }

    #[test]
    fn established_info_hides_the_token() {
        let store = Store::default();
        let k = key("b.example");
        store.add(&k, &MapEnv::default());
        store.add_established(&k, Method::Srp, b"ganis", b"pt:0", epoch_seconds(10), true).unwrap();
        store
            .with(&k, |ha| {
                ha.add_established(Established {
                    method: Method::Ssh,
                    login: b"g".to_vec(),
                    details: Vec::new(),
                    expires: epoch_seconds(u64::from(u32::MAX)),
                    token: Zeroizing::new(b"secret".to_vec()),
                    active: true,
                })
            })
            .unwrap();
        let first = store.established_at(&k, 0).unwrap();
        assert_eq!((first.method, first.expires, first.has_token), (Method::Srp, 10, false));
        assert!(store.established_at(&k, 1).unwrap().has_token);
        assert_eq!(store.established_at(&k, 2).unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(store.cleanup(&k).unwrap(), 1);
        assert_eq!(store.established_at(&k, 0).unwrap().method, Method::Ssh);
    }
}
