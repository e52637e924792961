//! Reads and writes on file descriptors a daemon hands over, each bounded by a deadline.
//!
//! The library never owns these descriptors: it neither closes them nor changes their flags.
//! Every wait goes through `poll(2)`, so a silent or slow peer costs at most the configured
//! time. Writes to sockets use `MSG_NOSIGNAL`, so a peer that went away yields an error
//! instead of killing the host with SIGPIPE.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorCode, Result};

/// The default time one protocol operation (reading or writing one token) may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to a peer: a descriptor to read from, one to write to (often the same), and
/// the time each operation may take.
#[derive(Clone, Copy, Debug)]
pub struct Channel {
    read_fd: RawFd,
    write_fd: RawFd,
    timeout: Duration,
}

/// The point in time an operation must finish by.
#[derive(Clone, Copy, Debug)]
pub struct Deadline(Instant);

impl Channel {
    /// A channel over `read_fd` and `write_fd` with `timeout` per operation.
    pub fn new(read_fd: RawFd, write_fd: RawFd, timeout: Duration) -> Result<Channel> {
        if read_fd < 0 || write_fd < 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid file descriptor (read {read_fd}, write {write_fd})"),
            ));
        }
        Ok(Channel { read_fd, write_fd, timeout })
    }

    /// The deadline for an operation starting now.
    pub fn deadline(&self) -> Deadline {
        Deadline(Instant::now() + self.timeout)
    }

    /// The time each operation may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The descriptor read from.
    pub fn read_fd(&self) -> RawFd {
        self.read_fd
    }

    /// Reads what is available (at most `buf.len()` bytes, waiting until the deadline for
    /// the first); 0 means end of stream.
    pub fn read_some(&self, buf: &mut [u8], deadline: Deadline) -> Result<usize> {
        loop {
            self.wait(self.read_fd, libc::POLLIN, deadline)?;
            // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
            let n = unsafe { libc::read(self.read_fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            retry_or_fail("read")?;
        }
    }

    /// Fills `buf` completely, or fails with `PeerClosed` (end of stream), `Timeout` or `Io`.
    pub fn read_exact(&self, buf: &mut [u8], deadline: Deadline) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            self.wait(self.read_fd, libc::POLLIN, deadline)?;
            let rest = &mut buf[done..];
            // SAFETY: `rest` is a valid, writable region of exactly `rest.len()` bytes.
            let n = unsafe { libc::read(self.read_fd, rest.as_mut_ptr().cast(), rest.len()) };
            match n {
                0 => {
                    return Err(Error::new(
                        ErrorCode::PeerClosed,
                        format!("the peer closed the connection after {done} of {} bytes", buf.len()),
                    ));
                }
                n if n > 0 => done += n as usize,
                _ => retry_or_fail("read")?,
            }
        }
        Ok(())
    }

    /// Reads one byte.
    pub fn read_byte(&self, deadline: Deadline) -> Result<u8> {
        let mut byte = [0u8; 1];
        self.read_exact(&mut byte, deadline)?;
        Ok(byte[0])
    }

    /// Writes all of `data` (as few system calls as the kernel allows: one for a token).
    pub fn write_all(&self, data: &[u8], deadline: Deadline) -> Result<()> {
        let mut done = 0;
        while done < data.len() {
            self.wait(self.write_fd, libc::POLLOUT, deadline)?;
            let rest = &data[done..];
            let n = send_or_write(self.write_fd, rest);
            match n {
                n if n > 0 => done += n as usize,
                0 => return Err(Error::new(ErrorCode::Io, "write returned 0 bytes")),
                _ => retry_or_fail("write")?,
            }
        }
        Ok(())
    }

    fn wait(&self, fd: RawFd, events: libc::c_short, deadline: Deadline) -> Result<()> {
        loop {
            let left = deadline.0.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(timeout_error(self.timeout));
            }
            let millis = left.as_millis().clamp(1, libc::c_int::MAX as u128) as libc::c_int;
            let mut pollfd = libc::pollfd { fd, events, revents: 0 };
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut pollfd, 1, millis) };
            if ready > 0 {
                if pollfd.revents & libc::POLLNVAL != 0 {
                    return Err(Error::new(ErrorCode::Io, format!("file descriptor {fd} is not open")));
                }
                // POLLHUP/POLLERR: let read/write report what happened.
                return Ok(());
            }
            if ready < 0 {
                retry_or_fail("poll")?;
            }
        }
    }
}

/// Waits until at least one of `fds` is readable (or at end of stream or in error), for at
/// most `timeout`; says which are. A negative descriptor is ignored.
pub fn wait_readable<const N: usize>(fds: [RawFd; N], timeout: Duration) -> Result<[bool; N]> {
    let deadline = Instant::now() + timeout;
    let mut pollfds = fds.map(|fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout_error(timeout));
        }
        let millis = left.as_millis().clamp(1, libc::c_int::MAX as u128) as libc::c_int;
        // SAFETY: `pollfds` holds N valid pollfd entries for the duration of the call.
        let ready = unsafe { libc::poll(pollfds.as_mut_ptr(), N as libc::nfds_t, millis) };
        if ready > 0 {
            return Ok(pollfds.map(|p| p.revents != 0));
        }
        if ready < 0 {
            retry_or_fail("poll")?;
        }
    }
}

/// `send(MSG_NOSIGNAL)` on sockets, `write` on anything else (pipes, terminals).
fn send_or_write(fd: RawFd, data: &[u8]) -> isize {
    // SAFETY: `data` is valid for reads of `data.len()` bytes during the call.
    let sent = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL) };
    if sent < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOTSOCK) {
        // SAFETY: as above.
        return unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    }
    sent
}

/// After a failed system call: Ok to retry (EINTR, EAGAIN on a non-blocking descriptor),
/// otherwise the error.
fn retry_or_fail(what: &str) -> Result<()> {
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINTR) | Some(libc::EAGAIN) => Ok(()),
        _ => Err(Error::io(what, &err)),
    }
}

fn timeout_error(timeout: Duration) -> Error {
    Error::new(ErrorCode::Timeout, format!("the peer did not respond within {} ms", timeout.as_millis()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    fn pair() -> (UnixStream, UnixStream) {
        UnixStream::pair().expect("socketpair")
    }

    #[test]
    fn reads_what_was_written() {
        let (a, b) = pair();
        let ch_a = Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_secs(1)).unwrap();
        let ch_b = Channel::new(b.as_raw_fd(), b.as_raw_fd(), Duration::from_secs(1)).unwrap();
        ch_a.write_all(b"hello", ch_a.deadline()).unwrap();
        let mut buf = [0u8; 5];
        ch_b.read_exact(&mut buf, ch_b.deadline()).unwrap();
        assert_eq!(&buf, b"hello");
    }

    #[test]
    fn silent_peer_times_out() {
        let (a, _b) = pair();
        let ch = Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_millis(50)).unwrap();
        let started = Instant::now();
        let err = ch.read_byte(ch.deadline()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Timeout);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn closed_peer_is_reported() {
        let (a, b) = pair();
        drop(b);
        let ch = Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_secs(1)).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(ch.read_exact(&mut buf, ch.deadline()).unwrap_err().code(), ErrorCode::PeerClosed);
        // Writing to a closed socket is an error, not SIGPIPE.
        assert_eq!(ch.write_all(b"x", ch.deadline()).unwrap_err().code(), ErrorCode::Io);
    }

    #[test]
    fn negative_descriptor_is_rejected() {
        assert_eq!(Channel::new(-1, 1, DEFAULT_TIMEOUT).unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
