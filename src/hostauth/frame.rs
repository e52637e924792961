//! The frames of the host-auth session protocol: a kind byte, a 2-byte big-endian length, the
//! body. A frame is written with one write (header and body together) and read within the
//! channel's deadline; a length above the cap is refused before anything is allocated for it.
//! The cap is Noise's largest message (65 535 bytes), so one frame carries one Noise message.

use crate::error::{Error, ErrorCode, Result};
use crate::io::Channel;

/// The largest frame body: Noise's largest message.
pub(crate) const MAX_BODY: usize = 65_535;

/// What a frame carries on the wire (its kind byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// The client's opening: magic, protocol version, server kind (in clear, bound into the
    /// channel as the Noise prologue).
    Hello = 1,
    /// A Noise handshake message.
    Handshake = 2,
    /// A Noise transport message: one encrypted, authenticated session message.
    Sealed = 3,
    /// The daemon refuses the connection before any channel exists (unsupported version); the
    /// body is a short reason in ASCII.
    Refused = 4,
}

impl FrameKind {
    fn from_byte(byte: u8) -> Result<FrameKind> {
        Ok(match byte {
            1 => FrameKind::Hello,
            2 => FrameKind::Handshake,
            3 => FrameKind::Sealed,
            4 => FrameKind::Refused,
            other => return Err(Error::new(ErrorCode::Protocol, format!("unknown host-auth frame kind {other}"))),
        })
    }
}

/// The bytes of one frame.
pub(crate) fn encode(kind: FrameKind, body: &[u8]) -> Result<Vec<u8>> {
    let len = u16::try_from(body.len()).map_err(|_| {
        Error::new(ErrorCode::TooLarge, format!("a {}-byte host-auth message exceeds {MAX_BODY} bytes", body.len()))
    })?;
    let mut out = Vec::with_capacity(3 + body.len());
    out.push(kind as u8);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// Writes one frame in one write within the channel's deadline.
pub(crate) fn write(channel: &Channel, kind: FrameKind, body: &[u8]) -> Result<()> {
    let frame = encode(kind, body)?;
    channel.write_all(&frame, channel.deadline()).map_err(|err| err.context("sending a host-auth message"))
}

/// Reads one frame within the channel's deadline (the header and the body together). The
/// 2-byte length cannot exceed [`MAX_BODY`], so no announced length can make it allocate more.
pub(crate) fn read(channel: &Channel) -> Result<(FrameKind, Vec<u8>)> {
    let deadline = channel.deadline();
    let mut header = [0u8; 3];
    channel.read_exact(&mut header, deadline).map_err(|err| err.context("reading a host-auth message"))?;
    let kind = FrameKind::from_byte(header[0])?;
    let len = usize::from(u16::from_be_bytes([header[1], header[2]]));
    let mut body = vec![0u8; len];
    channel.read_rest(&mut body, deadline).map_err(|err| err.context("reading a host-auth message"))?;
    Ok((kind, body))
}

/// Reads one frame that must be of kind `want`; a `Refused` frame becomes the daemon's reason.
pub(crate) fn read_kind(channel: &Channel, want: FrameKind) -> Result<Vec<u8>> {
    match read(channel)? {
        (kind, body) if kind == want => Ok(body),
        (FrameKind::Refused, reason) => Err(Error::new(
            ErrorCode::Unsupported,
            format!("the daemon refused the session: {}", String::from_utf8_lossy(&reason)),
        )),
        (kind, _) => Err(Error::new(ErrorCode::Protocol, format!("expected a {want:?} message, got {kind:?}"))),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    /// A connected pair of Unix sockets and channels over them.
    pub(crate) fn pair(timeout: Duration) -> (UnixStream, UnixStream, Channel, Channel) {
        let (a, b) = UnixStream::pair().unwrap();
        let ca = Channel::new(a.as_raw_fd(), a.as_raw_fd(), timeout).unwrap();
        let cb = Channel::new(b.as_raw_fd(), b.as_raw_fd(), timeout).unwrap();
        (a, b, ca, cb)
    }

    #[test]
    fn frames_round_trip() {
        let (_a, _b, ca, cb) = pair(Duration::from_secs(5));
        write(&ca, FrameKind::Handshake, b"hello").unwrap();
        write(&ca, FrameKind::Sealed, &[7u8; MAX_BODY]).unwrap();
        assert_eq!(read(&cb).unwrap(), (FrameKind::Handshake, b"hello".to_vec()));
        let (kind, body) = read(&cb).unwrap();
        assert_eq!((kind, body.len()), (FrameKind::Sealed, MAX_BODY));
    }

    #[test]
    fn oversized_unknown_truncated_and_silent_frames_fail() {
        assert_eq!(encode(FrameKind::Sealed, &vec![0; MAX_BODY + 1]).unwrap_err().code(), ErrorCode::TooLarge);
        let (mut a, _b, _ca, cb) = pair(Duration::from_millis(200));
        use std::io::Write;
        a.write_all(&[9, 0, 0]).unwrap();
        assert_eq!(read(&cb).unwrap_err().code(), ErrorCode::Protocol);
        a.write_all(&[3, 0, 10, 1, 2]).unwrap();
        assert_eq!(read(&cb).unwrap_err().code(), ErrorCode::Timeout);
        drop(OwnedFd::from(a));
        assert_eq!(read(&cb).unwrap_err().code(), ErrorCode::PeerClosed);
    }

    #[test]
    fn refusals_carry_the_reason() {
        let (_a, _b, ca, cb) = pair(Duration::from_secs(5));
        write(&ca, FrameKind::Refused, b"version 9 unsupported").unwrap();
        let err = read_kind(&cb, FrameKind::Handshake).unwrap_err();
        assert!(err.message().contains("version 9 unsupported"), "{err}");
    }
}
