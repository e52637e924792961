//! Limits for servers that fork per connection: a cap on the children serving clients at
//! once, and a throttle on failed authentications per client address and per user.
//!
//! The failure counts live in memory shared with every child forked after the limiter was
//! made ([`shared`]), so a failure recorded in one child throttles the next connection's
//! child too. The throttle refuses: once an address or a user has `max_failures` failed
//! attempts within `failure_window`, further attempts from that address or for that user are
//! refused without being checked until the window (counted from the first failure in it)
//! has passed. A different address and user are unaffected.

mod ffi;
mod shared;

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use parking_lot::Mutex;

use crate::error::{Error, ErrorCode, Result};
use shared::{Entry, SharedTable};

/// The default cap on children serving clients at once.
/// cbindgen:ignore
pub const DEFAULT_MAX_CHILDREN: usize = 32;
/// The default number of failures that throttles an address or a user.
/// cbindgen:ignore
pub const DEFAULT_MAX_FAILURES: u32 = 5;
/// The default window the failures are counted in: 60 s.
/// cbindgen:ignore
pub const DEFAULT_FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// The limits a [`Limiter`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Children serving clients at once.
    pub max_children: usize,
    /// Failed attempts within `failure_window` after which an address or user is refused.
    pub max_failures: u32,
    /// The window failures are counted in.
    pub failure_window: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            max_children: DEFAULT_MAX_CHILDREN,
            max_failures: DEFAULT_MAX_FAILURES,
            failure_window: DEFAULT_FAILURE_WINDOW,
        }
    }
}

/// What a throttle entry counts.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Address(&'a str),
    User(&'a str),
}

/// Children and failure counts of one server. Thread-safe; the failure counts are shared
/// with the children forked after it was made.
pub struct Limiter {
    pub policy: Policy,
    /// The children started and not yet seen to exit.
    children: Mutex<Vec<libc::pid_t>>,
    failures: SharedTable,
    /// Keys the hashes of addresses and user names (random, so a peer cannot aim at a slot;
    /// the same in every forked child).
    hasher: RandomState,
}

impl Limiter {
    /// A limiter with `policy`.
    pub fn new(policy: Policy) -> Result<Limiter> {
        Ok(Limiter {
            policy,
            children: Mutex::new(Vec::new()),
            failures: SharedTable::new()?,
            hasher: RandomState::new(),
        })
    }

    /// The number of children still running: children that exited are forgotten (and reaped,
    /// unless the program reaps them itself or ignores SIGCHLD).
    pub fn live_children(&self) -> usize {
        let mut children = self.children.lock();
        children.retain(|&pid| {
            let mut status = 0;
            // SAFETY: waitpid on a child of this process; WNOHANG never blocks. 0 means it
            // still runs; its pid (reaped now) or -1 (ECHILD: reaped elsewhere) that it ended.
            unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) == 0 }
        });
        children.len()
    }

    /// Ok when one more child may start; `AccessDenied` when `max_children` already run.
    pub fn admit_child(&self) -> Result<()> {
        let live = self.live_children();
        if live >= self.policy.max_children {
            return Err(Error::new(
                ErrorCode::AccessDenied,
                format!("{live} children already serve clients (the limit is {})", self.policy.max_children),
            ));
        }
        Ok(())
    }

    /// Counts `pid` as a child serving a client until it exits.
    pub fn add_child(&self, pid: libc::pid_t) -> Result<()> {
        if pid <= 0 {
            return Err(Error::new(ErrorCode::InvalidArgument, format!("{pid} is not a child's process id")));
        }
        self.children.lock().push(pid);
        Ok(())
    }

    /// Ok unless `address` or `user` (each may be absent) has used up its failures:
    /// `AccessDenied`, naming which, otherwise.
    pub fn check(&self, address: Option<&str>, user: Option<&str>) -> Result<()> {
        let now = shared::now_ms();
        for subject in subjects(address, user) {
            let key = self.key(subject);
            let throttled = self.failures.with(|entries| throttled(entries, key, now, &self.policy))?;
            if throttled {
                let who = match subject {
                    Subject::Address(address) => format!("from {address}"),
                    Subject::User(user) => format!("for {user}"),
                };
                return Err(Error::new(
                    ErrorCode::AccessDenied,
                    format!(
                        "throttled: {} failed attempts {who} within {} s",
                        self.policy.max_failures,
                        self.policy.failure_window.as_secs()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Records a failed attempt from `address` and for `user` (each may be absent).
    pub fn record_failure(&self, address: Option<&str>, user: Option<&str>) -> Result<()> {
        let now = shared::now_ms();
        for subject in subjects(address, user) {
            let key = self.key(subject);
            self.failures.with(|entries| record(entries, key, now, &self.policy))?;
        }
        Ok(())
    }

    /// A non-zero key for `subject`.
    fn key(&self, subject: Subject) -> u64 {
        let key = match subject {
            Subject::Address(address) => self.hasher.hash_one((0u8, address)),
            Subject::User(user) => self.hasher.hash_one((1u8, user)),
        };
        key.max(1)
    }
}

fn subjects<'a>(address: Option<&'a str>, user: Option<&'a str>) -> impl Iterator<Item = Subject<'a>> {
    address.map(Subject::Address).into_iter().chain(user.map(Subject::User))
}

fn window_ms(policy: &Policy) -> u64 {
    u64::try_from(policy.failure_window.as_millis()).unwrap_or(u64::MAX)
}

/// Whether `key` has `max_failures` failures in a window still open at `now`.
fn throttled(entries: &[Entry], key: u64, now: u64, policy: &Policy) -> bool {
    entries.iter().any(|entry| {
        entry.key == key
            && entry.failures >= policy.max_failures
            && now.saturating_sub(entry.window_start_ms) < window_ms(policy)
    })
}

/// Counts a failure of `key` at `now`: in its open window, or in a new one. A new key takes a
/// free slot, else the slot whose window started longest ago.
fn record(entries: &mut [Entry], key: u64, now: u64, policy: &Policy) {
    let slot = match entries.iter().position(|entry| entry.key == key) {
        Some(index) => index,
        None => {
            let index = entries
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| if entry.key == 0 { 0 } else { entry.window_start_ms.max(1) })
                .map(|(index, _)| index)
                .expect("the table is not empty");
            entries[index] = Entry { key, failures: 0, window_start_ms: now };
            index
        }
    };
    let entry = &mut entries[slot];
    if now.saturating_sub(entry.window_start_ms) >= window_ms(policy) {
        *entry = Entry { key, failures: 0, window_start_ms: now };
    }
    entry.failures = entry.failures.saturating_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_failures: u32, window_ms: u64) -> Policy {
        Policy { max_children: 2, max_failures, failure_window: Duration::from_millis(window_ms) }
    }

    #[test]
    fn failures_throttle_their_address_and_user_only() {
        let limiter = Limiter::new(policy(3, 60_000)).unwrap();
        for _ in 0..2 {
            limiter.record_failure(Some("192.0.2.1"), Some("alice")).unwrap();
        }
        assert!(limiter.check(Some("192.0.2.1"), Some("alice")).is_ok(), "two of three failures");
        limiter.record_failure(Some("192.0.2.1"), Some("alice")).unwrap();
        let err = limiter.check(Some("192.0.2.1"), Some("bob")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::AccessDenied);
        assert!(err.message().contains("from 192.0.2.1"), "{err}");
        let err = limiter.check(Some("192.0.2.2"), Some("alice")).unwrap_err();
        assert!(err.message().contains("for alice"), "{err}");
        assert!(limiter.check(Some("192.0.2.2"), Some("bob")).is_ok());
        assert!(limiter.check(None, None).is_ok());
    }

    #[test]
    fn the_window_passes() {
        let limiter = Limiter::new(policy(1, 200)).unwrap();
        limiter.record_failure(None, Some("alice")).unwrap();
        assert!(limiter.check(None, Some("alice")).is_err());
        std::thread::sleep(Duration::from_millis(300));
        assert!(limiter.check(None, Some("alice")).is_ok());
    }

    #[test]
    fn a_full_table_forgets_the_oldest_window() {
        let policy = policy(1, 60_000);
        let mut entries = vec![Entry::default(); 3];
        for (key, now) in [(1, 10), (2, 20), (3, 30), (4, 40)] {
            record(&mut entries, key, now, &policy);
        }
        assert!(!throttled(&entries, 1, 50, &policy), "the oldest made room");
        assert!([2, 3, 4].iter().all(|&key| throttled(&entries, key, 50, &policy)));
    }

    #[test]
    fn failures_in_a_forked_child_count_in_the_parent() {
        let limiter = Limiter::new(policy(1, 60_000)).unwrap();
        // SAFETY: the child only records a failure (no allocation, no lock another thread of
        // this process could hold: the table's lock is fresh) and exits at once.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let status = if limiter.record_failure(Some("192.0.2.9"), None).is_ok() { 0 } else { 1 };
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(status) };
        }
        assert!(pid > 0);
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert!(limiter.check(Some("192.0.2.9"), None).is_err());
    }

    #[test]
    fn children_are_capped_until_they_exit() {
        let limiter = Limiter::new(policy(1, 1000)).unwrap();
        let spawn = |secs: &str| std::process::Command::new("sleep").arg(secs).spawn().unwrap();
        let (mut first, mut second) = (spawn("30"), spawn("30"));
        limiter.add_child(first.id() as libc::pid_t).unwrap();
        limiter.add_child(second.id() as libc::pid_t).unwrap();
        assert_eq!(limiter.admit_child().unwrap_err().code(), ErrorCode::AccessDenied);
        first.kill().unwrap();
        second.kill().unwrap();
        // The limiter reaps them; wait until it has seen both go.
        let started = std::time::Instant::now();
        while limiter.live_children() > 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "the children never ended");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(limiter.admit_child().is_ok());
        let _ = (first.try_wait(), second.try_wait());
        assert_eq!(limiter.add_child(0).unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
