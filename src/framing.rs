//! The token framings the supported protocols put around GSS-API tokens and messages.
//!
//! | framing      | on the wire                                        | used by            |
//! |--------------|----------------------------------------------------|--------------------|
//! | `DistccTlen` | `TLEN` + 8 hex digits of the length + body         | distcc             |
//! | `U16Be`      | 2-byte big-endian length + body                    | CVS gserver        |
//! | `U32Be`      | 4-byte big-endian length + body                    | generic            |
//! | `GssSample`  | flags byte (left out when 0) + 4-byte BE length + body | MIT gss-sample |
//!
//! A frame is written with one `write`: header and body together (MIT's sample pair writes
//! them apart and pays for it with Nagle and delayed-ACK stalls). A peer's announced length
//! is checked against the caller's cap before anything is allocated for it.

use crate::c_enum::c_enum;
use crate::error::{Error, ErrorCode, Result};
use crate::io::Channel;

/// The default largest token a peer may announce: 256 KiB (Kerberos tickets with a large
/// PAC stay well below 64 KiB).
/// cbindgen:ignore
pub const DEFAULT_MAX_TOKEN_LEN: usize = 256 * 1024;

/// How tokens are delimited on a stream.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// distcc: `TLEN`, the length as 8 hexadecimal digits, then the token.
    DistccTlen = 1,
    /// CVS gserver: a 2-byte big-endian length, then the token.
    U16Be = 2,
    /// A 4-byte big-endian length, then the token.
    U32Be = 3,
    /// MIT gss-sample: a flags byte (omitted when the flags are 0, as v1 peers send), a
    /// 4-byte big-endian length, then the token.
    GssSample = 4,
}

/// A token as read from the wire; `flags` is 0 for framings without flags.
#[derive(Debug, PartialEq, Eq)]
pub struct Token {
    pub flags: u8,
    pub body: Vec<u8>,
}

c_enum!(Framing, "token framing", [DistccTlen, U16Be, U32Be, GssSample]);

impl Framing {
    /// The bytes that carry `body` (with `flags`, for the framing that has them).
    pub fn encode(self, flags: u8, body: &[u8]) -> Result<Vec<u8>> {
        if flags != 0 && self != Framing::GssSample {
            return Err(Error::new(ErrorCode::InvalidArgument, format!("{self:?} framing has no flags")));
        }
        let too_long =
            || Error::new(ErrorCode::TooLarge, format!("a {}-byte token does not fit {self:?} framing", body.len()));
        let mut out = Vec::with_capacity(body.len() + 12);
        match self {
            Framing::DistccTlen => {
                let len = u32::try_from(body.len()).ok().filter(|len| *len <= i32::MAX as u32).ok_or_else(too_long)?;
                out.extend_from_slice(format!("TLEN{len:08x}").as_bytes());
            }
            Framing::U16Be => {
                let len = u16::try_from(body.len()).map_err(|_| too_long())?;
                out.extend_from_slice(&len.to_be_bytes());
            }
            Framing::U32Be | Framing::GssSample => {
                let len = u32::try_from(body.len()).map_err(|_| too_long())?;
                if flags != 0 {
                    out.push(flags);
                }
                out.extend_from_slice(&len.to_be_bytes());
            }
        }
        out.extend_from_slice(body);
        Ok(out)
    }

    /// Writes one token, header and body in one write, within the channel's timeout.
    pub fn write(self, channel: &Channel, flags: u8, body: &[u8]) -> Result<()> {
        let frame = self.encode(flags, body)?;
        channel.write_all(&frame, channel.deadline()).map_err(|err| err.context("sending a token"))
    }

    /// Reads one token of at most `max_len` bytes within the channel's timeout.
    pub fn read(self, channel: &Channel, max_len: usize) -> Result<Token> {
        let deadline = channel.deadline();
        let (flags, len) = match self {
            Framing::DistccTlen => {
                let mut header = [0u8; 12];
                channel.read_exact(&mut header, deadline)?;
                (0, parse_tlen(&header)?)
            }
            Framing::U16Be => {
                let mut header = [0u8; 2];
                channel.read_exact(&mut header, deadline)?;
                (0, u64::from(u16::from_be_bytes(header)))
            }
            Framing::U32Be => {
                let mut header = [0u8; 4];
                channel.read_exact(&mut header, deadline)?;
                (0, u64::from(u32::from_be_bytes(header)))
            }
            Framing::GssSample => {
                // A v1 peer sends no flags byte: a first byte of 0 is the top byte of the length.
                let mut header = [0u8; 4];
                header[0] = channel.read_byte(deadline)?;
                let flags = if header[0] == 0 { 0 } else { header[0] };
                let start = if flags == 0 { 1 } else { 0 };
                channel.read_rest(&mut header[start..], deadline)?;
                (flags, u64::from(u32::from_be_bytes(header)))
            }
        };
        if len > max_len as u64 {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!("the peer announced a {len}-byte token; the limit is {max_len} bytes"),
            ));
        }
        let mut body = vec![0u8; len as usize];
        channel.read_rest(&mut body, deadline).map_err(|err| err.context("reading a token"))?;
        Ok(Token { flags, body })
    }
}

/// Parses distcc's `TLEN` + 8 hex digits (either case). Length 0 and lengths above INT_MAX
/// are refused, as distcc refuses them.
fn parse_tlen(header: &[u8; 12]) -> Result<u64> {
    if &header[..4] != b"TLEN" {
        return Err(Error::new(
            ErrorCode::Protocol,
            format!("expected a TLEN token header, got {:?}", String::from_utf8_lossy(&header[..4])),
        ));
    }
    let digits = std::str::from_utf8(&header[4..])
        .ok()
        .filter(|text| text.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| Error::new(ErrorCode::Protocol, "the TLEN length is not 8 hexadecimal digits"))?;
    let len = u64::from_str_radix(digits, 16).expect("checked hex digits");
    if len == 0 || len > i32::MAX as u64 {
        return Err(Error::new(ErrorCode::Protocol, format!("invalid TLEN token length {len}")));
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    fn channel(stream: &UnixStream) -> Channel {
        Channel::new(stream.as_raw_fd(), stream.as_raw_fd(), Duration::from_millis(500)).unwrap()
    }

    fn read_bytes(framing: Framing, bytes: &[u8], max: usize) -> Result<Token> {
        let (a, b) = UnixStream::pair().unwrap();
        channel(&a).write_all(bytes, channel(&a).deadline()).unwrap();
        drop(a);
        framing.read(&channel(&b), max)
    }

    #[test]
    fn encodings_match_the_peers() {
        assert_eq!(Framing::DistccTlen.encode(0, b"ab").unwrap(), b"TLEN00000002ab");
        assert_eq!(Framing::U16Be.encode(0, b"ab").unwrap(), b"\x00\x02ab");
        assert_eq!(Framing::U32Be.encode(0, b"ab").unwrap(), b"\x00\x00\x00\x02ab");
        assert_eq!(Framing::GssSample.encode(0x02, b"ab").unwrap(), b"\x02\x00\x00\x00\x02ab");
        assert_eq!(Framing::GssSample.encode(0, b"ab").unwrap(), b"\x00\x00\x00\x02ab");
        assert_eq!(Framing::U16Be.encode(0, &[0; 70000]).unwrap_err().code(), ErrorCode::TooLarge);
        assert_eq!(Framing::U32Be.encode(1, b"").unwrap_err().code(), ErrorCode::InvalidArgument);
    }

    #[test]
    fn every_framing_round_trips() {
        for framing in [Framing::DistccTlen, Framing::U16Be, Framing::U32Be, Framing::GssSample] {
            let flags = if framing == Framing::GssSample { 0x24 } else { 0 };
            let bytes = framing.encode(flags, b"token body").unwrap();
            let token = read_bytes(framing, &bytes, 100).unwrap();
            assert_eq!(token, Token { flags, body: b"token body".to_vec() }, "{framing:?}");
        }
    }

    #[test]
    fn v1_gss_sample_tokens_have_no_flags() {
        let token = read_bytes(Framing::GssSample, b"\x00\x00\x00\x03abc", 100).unwrap();
        assert_eq!(token, Token { flags: 0, body: b"abc".to_vec() });
    }

    #[test]
    fn uppercase_tlen_is_accepted_and_garbage_refused() {
        assert_eq!(read_bytes(Framing::DistccTlen, b"TLEN0000000Aabcdefghij", 100).unwrap().body.len(), 10);
        assert_eq!(read_bytes(Framing::DistccTlen, b"DIST00000001x", 100).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(read_bytes(Framing::DistccTlen, b"TLEN0000000gx", 100).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(read_bytes(Framing::DistccTlen, b"TLEN00000000", 100).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(
            read_bytes(Framing::DistccTlen, b"TLEN80000000", usize::MAX).unwrap_err().code(),
            ErrorCode::Protocol
        );
    }

    #[test]
    fn oversized_announcements_are_refused_before_allocation() {
        assert_eq!(read_bytes(Framing::U32Be, b"\xff\xff\xff\xff", 1 << 20).unwrap_err().code(), ErrorCode::TooLarge);
        assert_eq!(
            read_bytes(Framing::GssSample, b"\x02\xff\xff\xff\xff", 1 << 20).unwrap_err().code(),
            ErrorCode::TooLarge
        );
        assert_eq!(read_bytes(Framing::DistccTlen, b"TLEN7fffffff", 1 << 20).unwrap_err().code(), ErrorCode::TooLarge);
    }

    #[test]
    fn a_slow_peer_cannot_stretch_the_deadline() {
        // The deadline covers the whole token: one byte every 100 ms never finishes a
        // 10-byte token within 500 ms, although no single wait is long.
        let (a, b) = UnixStream::pair().unwrap();
        let writer = std::thread::spawn(move || {
            for byte in b"\x00\x00\x00\x06abcdef" {
                if channel(&a).write_all(&[*byte], channel(&a).deadline()).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let started = std::time::Instant::now();
        let err = Framing::U32Be.read(&channel(&b), 100).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Timeout);
        assert!(started.elapsed() < Duration::from_millis(900), "{:?}", started.elapsed());
        drop(b);
        writer.join().unwrap();
    }

    #[test]
    fn truncated_tokens_are_reported() {
        assert_eq!(read_bytes(Framing::U16Be, b"\x00\x05ab", 100).unwrap_err().code(), ErrorCode::PeerClosed);
        assert_eq!(read_bytes(Framing::U32Be, b"\x00\x00", 100).unwrap_err().code(), ErrorCode::PeerClosed);
    }
}
