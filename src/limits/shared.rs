//! The failure table in memory shared across `fork`: an anonymous shared mapping holding a
//! process-shared, robust mutex and a fixed number of entries. The raw calls are here; the
//! counting is safe Rust over a slice of entries ([`SharedTable::with`]).

use std::ptr::NonNull;

use crate::error::{Error, Result};

/// How many addresses and users the table tracks at once (the oldest window makes room).
const CAPACITY: usize = 4096;

/// The failures of one address or user.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Entry {
    /// The keyed hash of the address or user name; 0 for a free slot.
    pub key: u64,
    /// Failures in the window.
    pub failures: u32,
    /// When the window began (CLOCK_MONOTONIC, ms: the same clock in every process).
    pub window_start_ms: u64,
}

#[repr(C)]
struct Shared {
    lock: libc::pthread_mutex_t,
    entries: [Entry; CAPACITY],
}

/// The shared mapping; unmapped when dropped (a forked child keeps its own mapping).
pub struct SharedTable(NonNull<Shared>);

// SAFETY: every access to the mapping goes through its process-shared mutex.
unsafe impl Send for SharedTable {}
// SAFETY: as above.
unsafe impl Sync for SharedTable {}

impl SharedTable {
    /// A new, empty table.
    pub fn new() -> Result<SharedTable> {
        let size = std::mem::size_of::<Shared>();
        // SAFETY: an anonymous mapping; no file, no address hint. Its pages start zeroed: every
        // entry free.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(Error::io("mapping the limiter's shared table", &std::io::Error::last_os_error()));
        }
        let shared = NonNull::new(map.cast::<Shared>()).expect("mmap succeeded");
        // SAFETY: the mapping is ours, large enough and aligned (page aligned); the attribute
        // object lives in this frame and is destroyed after use.
        let status = unsafe {
            let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
            libc::pthread_mutexattr_init(&mut attr);
            libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED);
            libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST);
            let status = libc::pthread_mutex_init(&raw mut (*shared.as_ptr()).lock, &attr);
            libc::pthread_mutexattr_destroy(&mut attr);
            status
        };
        let table = SharedTable(shared);
        if status != 0 {
            return Err(Error::io("initialising the limiter's lock", &std::io::Error::from_raw_os_error(status)));
        }
        Ok(table)
    }

    /// Runs `f` on the entries with the table locked against every thread and process.
    pub fn with<R>(&self, f: impl FnOnce(&mut [Entry]) -> R) -> Result<R> {
        let shared = self.0.as_ptr();
        // SAFETY: the mutex was initialised in `new` and lives as long as the mapping.
        let status = unsafe { libc::pthread_mutex_lock(&raw mut (*shared).lock) };
        match status {
            0 => {}
            libc::EOWNERDEAD => {
                // A process died holding the lock, between two plain stores of counts: the
                // table is still usable.
                // SAFETY: we own the lock now, as EOWNERDEAD says.
                unsafe { libc::pthread_mutex_consistent(&raw mut (*shared).lock) };
            }
            _ => return Err(Error::io("locking the limiter's table", &std::io::Error::from_raw_os_error(status))),
        }
        // SAFETY: the lock is held, so no other thread or process touches the entries.
        let result = f(unsafe { &mut (*shared).entries });
        // SAFETY: held by this thread since the lock above.
        unsafe { libc::pthread_mutex_unlock(&raw mut (*shared).lock) };
        Ok(result)
    }
}

impl Drop for SharedTable {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, not used after this. The mutex needs no destroy
        // call on Linux, and another process may still use it through its own mapping.
        unsafe { libc::munmap(self.0.as_ptr().cast(), std::mem::size_of::<Shared>()) };
    }
}

/// Milliseconds on CLOCK_MONOTONIC, the clock every process on the host shares.
pub fn now_ms() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid timespec to write; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64).saturating_mul(1000).saturating_add(now.tv_nsec as u64 / 1_000_000)
}
