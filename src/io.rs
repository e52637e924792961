//! Reads and writes on file descriptors a daemon hands over, each bounded by a deadline.
//!
//! The library never owns these descriptors: it neither closes them nor changes their flags.
//! Every wait goes through `poll(2)`, so a silent or slow peer costs at most the configured
//! time, and no write blocks: sockets are written with `MSG_DONTWAIT`, other descriptors
//! (pipes) at most `PIPE_BUF` bytes at a time once `poll` says they are writable, which
//! Linux completes without blocking. A reader that went away yields an error, never SIGPIPE:
//! sockets are written with `MSG_NOSIGNAL`; for pipes SIGPIPE is blocked in the calling
//! thread around the write and a SIGPIPE the write raised is consumed before it is unblocked.
//!
//! A peer's own split writes (a header, then a body) would wait for our delayed ACK under
//! Nagle's algorithm: after every read from a TCP socket the channel re-arms `TCP_QUICKACK`,
//! so what was read is acknowledged at once (Linux leaves quick-ACK mode on its own again).
//!
//! Besides the time each operation may take, a channel may carry an end for the whole
//! exchange ([`Channel::bounded`]): no operation's deadline then lies beyond it, so a peer
//! trickling valid-looking data cannot stretch an exchange token by token.

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
    /// What `read_fd` is: a TCP socket gets `TCP_QUICKACK` re-armed after each read; any
    /// socket can be peeked at ([`Channel::read_through`]).
    read_fd_kind: FdKind,
    /// The end of the whole exchange and the limit it came from, if bounded.
    exchange_end: Option<(Instant, Duration)>,
}

/// The point in time an operation must finish by, and the limit that set it (for errors).
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Instant,
    limit: Duration,
    whole_exchange: bool,
}

impl Channel {
    /// A channel over `read_fd` and `write_fd` with `timeout` per operation.
    pub fn new(read_fd: RawFd, write_fd: RawFd, timeout: Duration) -> Result<Channel> {
        if read_fd < 0 || write_fd < 0 {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("invalid file descriptor (read {read_fd}, write {write_fd})"),
            ));
        }
        Ok(Channel { read_fd, write_fd, timeout, read_fd_kind: FdKind::of(read_fd), exchange_end: None })
    }

    /// This channel with the whole exchange, from now, bounded by `total` (an earlier bound
    /// stays if it ends first): every deadline it gives ends by then.
    pub fn bounded(&self, total: Duration) -> Channel {
        let end = Instant::now() + total;
        let exchange_end = match self.exchange_end {
            Some((earlier, limit)) if earlier <= end => Some((earlier, limit)),
            _ => Some((end, total)),
        };
        Channel { exchange_end, ..*self }
    }

    /// This channel with `timeout` per operation (a bound on the exchange stays).
    pub fn with_timeout(&self, timeout: Duration) -> Channel {
        Channel { timeout, ..*self }
    }

    /// The deadline for an operation starting now: the channel's timeout from now, or the
    /// end of the exchange if that comes first.
    pub fn deadline(&self) -> Deadline {
        let own = Deadline { at: Instant::now() + self.timeout, limit: self.timeout, whole_exchange: false };
        match self.exchange_end {
            Some((end, limit)) if end < own.at => Deadline { at: end, limit, whole_exchange: true },
            _ => own,
        }
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
                self.acknowledge_at_once();
                return Ok(n as usize);
            }
            retry_or_fail("read")?;
        }
    }

    /// Fills `buf` completely, or fails with `PeerClosed` (end of stream), `Timeout` or `Io`.
    pub fn read_exact(&self, buf: &mut [u8], deadline: Deadline) -> Result<()> {
        self.fill(buf, deadline, false)
    }

    /// [`Channel::read_exact`] for the rest of a message whose beginning was just read (a
    /// token's body after its length): on a socket it first takes what is already there
    /// without waiting, and waits only if nothing is, which saves a `poll` per message when
    /// the peer sent the message in one write.
    pub fn read_rest(&self, buf: &mut [u8], deadline: Deadline) -> Result<()> {
        self.fill(buf, deadline, self.read_fd_kind != FdKind::Other)
    }

    fn fill(&self, buf: &mut [u8], deadline: Deadline, mut at_once: bool) -> Result<()> {
        let mut done = 0;
        while done < buf.len() {
            let rest = &mut buf[done..];
            let n = if at_once {
                // SAFETY: `rest` is a valid, writable region of exactly `rest.len()` bytes.
                unsafe { libc::recv(self.read_fd, rest.as_mut_ptr().cast(), rest.len(), libc::MSG_DONTWAIT) }
            } else {
                self.wait(self.read_fd, libc::POLLIN, deadline)?;
                // SAFETY: `rest` is a valid, writable region of exactly `rest.len()` bytes.
                unsafe { libc::read(self.read_fd, rest.as_mut_ptr().cast(), rest.len()) }
            };
            at_once = false;
            match n {
                0 => {
                    return Err(Error::new(
                        ErrorCode::PeerClosed,
                        format!("the peer closed the connection after {done} of {} bytes", buf.len()),
                    ));
                }
                n if n > 0 => {
                    self.acknowledge_at_once();
                    done += n as usize
                }
                _ => retry_or_fail("read")?,
            }
        }
        Ok(())
    }

    /// Reads what is available up to and including the first `delimiter`, at most
    /// `buf.len()` bytes, never a byte beyond the delimiter (what follows is left for whoever
    /// reads the descriptor next); waits until the deadline for the first byte. 0 means end of
    /// stream. On a socket a line already there is one peek and one read (a poll only when
    /// nothing has come yet); other descriptors cannot be peeked at and are read a byte at a
    /// time.
    pub fn read_through(&self, delimiter: u8, buf: &mut [u8], deadline: Deadline) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.read_fd_kind == FdKind::Other {
            return self.read_some(&mut buf[..1], deadline);
        }
        loop {
            let flags = libc::MSG_PEEK | libc::MSG_DONTWAIT;
            // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
            let peeked = unsafe { libc::recv(self.read_fd, buf.as_mut_ptr().cast(), buf.len(), flags) };
            if peeked < 0 {
                let err = std::io::Error::last_os_error();
                match err.raw_os_error() {
                    Some(libc::EAGAIN) => self.wait(self.read_fd, libc::POLLIN, deadline)?,
                    Some(libc::EINTR) => {}
                    _ => return Err(Error::io("recv", &err)),
                }
                continue;
            }
            let peeked = peeked as usize;
            if peeked == 0 {
                return Ok(0);
            }
            let wanted = buf[..peeked].iter().position(|&b| b == delimiter).map_or(peeked, |at| at + 1);
            // The peeked bytes are queued: this reads exactly them, without waiting.
            self.read_rest(&mut buf[..wanted], deadline)?;
            return Ok(wanted);
        }
    }

    /// Reads one byte.
    pub fn read_byte(&self, deadline: Deadline) -> Result<u8> {
        let mut byte = [0u8; 1];
        self.read_exact(&mut byte, deadline)?;
        Ok(byte[0])
    }

    /// Writes all of `data` by `deadline` (as few system calls as the kernel allows: one for
    /// a token on a socket); a peer that stops reading makes it fail with `Timeout`.
    pub fn write_all(&self, data: &[u8], deadline: Deadline) -> Result<()> {
        let mut done = 0;
        while done < data.len() {
            self.wait(self.write_fd, libc::POLLOUT, deadline)?;
            let rest = &data[done..];
            let n = write_without_blocking(self.write_fd, rest);
            match n {
                n if n > 0 => done += n as usize,
                0 => return Err(Error::new(ErrorCode::Io, "write returned 0 bytes")),
                _ => retry_or_fail("write")?,
            }
        }
        Ok(())
    }

    /// Sends the ACK for what was just read now rather than after the delayed-ACK timer, so a
    /// peer whose next write Nagle holds back until then need not wait (TCP sockets only).
    fn acknowledge_at_once(&self) {
        if self.read_fd_kind == FdKind::Tcp {
            let on: libc::c_int = 1;
            // SAFETY: a valid option value of its declared size; a failure changes nothing.
            unsafe {
                libc::setsockopt(
                    self.read_fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
        }
    }

    fn wait(&self, fd: RawFd, events: libc::c_short, deadline: Deadline) -> Result<()> {
        loop {
            let left = deadline.at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(deadline.error(events == libc::POLLOUT));
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

/// What kind of descriptor a channel reads from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FdKind {
    Tcp,
    OtherSocket,
    Other,
}

impl FdKind {
    fn of(fd: RawFd) -> FdKind {
        let mut protocol: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `protocol` and `len` are valid for writes of the sizes given.
        let status = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PROTOCOL,
                (&mut protocol as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        match (status, protocol) {
            (0, libc::IPPROTO_TCP) => FdKind::Tcp,
            (0, _) => FdKind::OtherSocket,
            _ => FdKind::Other,
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

impl Deadline {
    /// The timeout error of a read, or of a write (`writing`) the peer did not take.
    fn error(&self, writing: bool) -> Error {
        if self.whole_exchange {
            Error::new(
                ErrorCode::Timeout,
                format!("the exchange did not finish within its limit of {} ms", self.limit.as_millis()),
            )
        } else if writing {
            Error::new(
                ErrorCode::Timeout,
                format!("the peer did not take what was written within {} ms", self.limit.as_millis()),
            )
        } else {
            timeout_error(self.limit)
        }
    }
}

/// One write that does not block on a descriptor `poll` found writable: `send` with
/// `MSG_DONTWAIT | MSG_NOSIGNAL` on sockets; on anything else (pipes, terminals) `write` of
/// at most `PIPE_BUF` bytes, which a writable Linux pipe takes without blocking, with SIGPIPE
/// kept from the host.
fn write_without_blocking(fd: RawFd, data: &[u8]) -> isize {
    // SAFETY: `data` is valid for reads of `data.len()` bytes during the call.
    let sent = unsafe { libc::send(fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) };
    if sent < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOTSOCK) {
        let chunk = &data[..data.len().min(libc::PIPE_BUF)];
        return without_sigpipe(|| {
            // SAFETY: `chunk` is valid for reads of `chunk.len()` bytes during the call.
            unsafe { libc::write(fd, chunk.as_ptr().cast(), chunk.len()) }
        });
    }
    sent
}

/// Runs `write` (a system call returning -1 and setting errno on failure) with SIGPIPE
/// blocked in this thread; a SIGPIPE it raised (EPIPE) is consumed before the signal mask is
/// restored, so the host never sees it. A SIGPIPE already pending stays pending.
fn without_sigpipe(write: impl FnOnce() -> isize) -> isize {
    // SAFETY: sigset_t is plain data; sigemptyset/sigaddset initialise it.
    let mut pipe_only: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut saved: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut pending: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to sigset_t values owned by this frame.
    let was_pending = unsafe {
        libc::sigemptyset(&mut pipe_only);
        libc::sigaddset(&mut pipe_only, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe_only, &mut saved);
        libc::sigpending(&mut pending) == 0 && libc::sigismember(&pending, libc::SIGPIPE) == 1
    };
    let result = write();
    let err = std::io::Error::last_os_error();
    if result < 0 && err.raw_os_error() == Some(libc::EPIPE) && !was_pending {
        let no_wait = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: valid pointers; a zero timeout only collects the SIGPIPE the write raised.
        unsafe { libc::sigtimedwait(&pipe_only, std::ptr::null_mut(), &no_wait) };
    }
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &saved, std::ptr::null_mut()) };
    if result < 0 {
        // The caller reads errno: give it the write's, not that of the calls above.
        // SAFETY: __errno_location returns this thread's errno.
        unsafe { *libc::__errno_location() = err.raw_os_error().unwrap_or(libc::EIO) };
    }
    result
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
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::net::UnixStream;

    fn pair() -> (UnixStream, UnixStream) {
        UnixStream::pair().expect("socketpair")
    }

    #[test]
    fn only_tcp_sockets_get_quick_acks() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let client = std::net::TcpStream::connect(listener.local_addr().expect("address")).expect("connect");
        let (a, _) = pair();
        let (read, _write) = pipe();
        let kind = |fd| Channel::new(fd, fd, DEFAULT_TIMEOUT).expect("channel").read_fd_kind;
        assert_eq!(kind(client.as_raw_fd()), FdKind::Tcp);
        assert_eq!(kind(a.as_raw_fd()), FdKind::OtherSocket);
        assert_eq!(kind(read.as_raw_fd()), FdKind::Other);
    }

    #[test]
    fn read_rest_takes_what_is_there_and_waits_for_what_is_not() {
        let (mut a, b) = pair();
        let channel = Channel::new(b.as_raw_fd(), b.as_raw_fd(), Duration::from_millis(300)).expect("channel");
        std::io::Write::write_all(&mut a, b"whole").expect("write");
        let mut buf = [0u8; 5];
        channel.read_rest(&mut buf, channel.deadline()).expect("already there");
        assert_eq!(&buf, b"whole");
        // Nothing there yet: it waits for the peer's later write, within the deadline.
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            std::io::Write::write_all(&mut a, b"later").expect("write");
            a
        });
        channel.read_rest(&mut buf, channel.deadline()).expect("arrives later");
        assert_eq!(&buf, b"later");
        let a = writer.join().expect("writer");
        let err = channel.read_rest(&mut buf, channel.deadline()).expect_err("nothing comes");
        assert_eq!(err.code(), ErrorCode::Timeout);
        drop(a);
        let err = channel.read_rest(&mut buf, channel.deadline()).expect_err("closed");
        assert_eq!(err.code(), ErrorCode::PeerClosed);
    }

    #[test]
    fn read_through_stops_at_the_delimiter_and_leaves_the_rest() {
        let (mut a, mut b) = pair();
        std::io::Write::write_all(&mut a, b"first\nsecond\nrest").expect("write");
        let channel = Channel::new(b.as_raw_fd(), b.as_raw_fd(), DEFAULT_TIMEOUT).expect("channel");
        let mut buf = [0u8; 64];
        assert_eq!(channel.read_through(b'\n', &mut buf, channel.deadline()).expect("read"), 6);
        assert_eq!(&buf[..6], b"first\n");
        // A buffer shorter than the line: only what fits.
        assert_eq!(channel.read_through(b'\n', &mut buf[..3], channel.deadline()).expect("read"), 3);
        assert_eq!(&buf[..3], b"sec");
        drop(a);
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut b, &mut rest).expect("rest");
        assert_eq!(rest, b"ond\nrest", "nothing beyond the delimiter was consumed");
    }

    #[test]
    fn read_through_reads_a_pipe_a_byte_at_a_time() {
        let (read, mut write) = pipe();
        std::io::Write::write_all(&mut write, b"one\ntwo").expect("write");
        drop(write);
        let channel = Channel::new(read.as_raw_fd(), read.as_raw_fd(), DEFAULT_TIMEOUT).expect("channel");
        let mut buf = [0u8; 64];
        let mut got = Vec::new();
        loop {
            let n = channel.read_through(b'\n', &mut buf, channel.deadline()).expect("read");
            if n == 0 {
                break;
            }
            assert_eq!(n, 1);
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"one\ntwo");
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

    fn pipe() -> (std::fs::File, std::fs::File) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe(2) returns.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors are new and owned by nobody else.
        unsafe { (std::fs::File::from_raw_fd(fds[0]), std::fs::File::from_raw_fd(fds[1])) }
    }

    /// Writing `len` bytes to `fd`, which nobody reads, must end in a timeout.
    fn write_to_a_stalled_reader(fd: RawFd, len: usize) {
        let ch = Channel::new(fd, fd, Duration::from_millis(300)).unwrap();
        let started = Instant::now();
        let err = ch.write_all(&vec![b'x'; len], ch.deadline()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Timeout, "{err}");
        assert!(err.message().contains("did not take what was written"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn a_socket_peer_that_stops_reading_times_out() {
        let (a, _b) = pair();
        write_to_a_stalled_reader(a.as_raw_fd(), 16 << 20);
    }

    #[test]
    fn a_pipe_nobody_reads_times_out() {
        let (_reader, writer) = pipe();
        write_to_a_stalled_reader(writer.as_raw_fd(), 4 << 20);
    }

    #[test]
    fn a_pipe_whose_reader_closed_is_an_error() {
        let (reader, writer) = pipe();
        drop(reader);
        let ch = Channel::new(writer.as_raw_fd(), writer.as_raw_fd(), Duration::from_secs(1)).unwrap();
        let err = ch.write_all(b"x", ch.deadline()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Io);
        assert!(err.message().contains("Broken pipe"), "{err}");
    }

    #[test]
    fn a_bounded_exchange_ends_at_its_limit() {
        let (a, _b) = pair();
        let ch = Channel::new(a.as_raw_fd(), a.as_raw_fd(), Duration::from_secs(30))
            .unwrap()
            .bounded(Duration::from_millis(200));
        let started = Instant::now();
        for _ in 0..3 {
            // Each read would get 30 s on its own; together they get 200 ms.
            let err = ch.read_byte(ch.deadline()).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Timeout);
            assert!(err.message().contains("exchange"), "{err}");
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        // A later, longer bound does not extend an earlier one.
        assert!(ch.bounded(Duration::from_secs(60)).deadline().at <= started + Duration::from_millis(200));
    }

    #[test]
    fn negative_descriptor_is_rejected() {
        assert_eq!(Channel::new(-1, 1, DEFAULT_TIMEOUT).unwrap_err().code(), ErrorCode::InvalidArgument);
    }
}
