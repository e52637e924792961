//! The session messages carried inside the channel (`docs/hostauth-protocol.md`): a kind byte,
//! then fields — single bytes, big-endian integers, and byte strings with a 2-byte length. Every
//! string has a cap checked before it is copied, and a message with bytes left over is refused.
//!
//! A method runs as a sequence of its own messages: the first rides in `Try`, the next ones
//! in `Step` messages both ways, the daemon's last one in `Accepted`.

use zeroize::Zeroizing;

use super::model::Method;
use crate::error::{Error, ErrorCode, Result};

/// The largest user name, host name or login carried.
pub(crate) const MAX_NAME: usize = 255;
/// The largest password carried.
pub(crate) const MAX_SECRET: usize = 1024;
/// The largest reuse ticket carried.
pub(crate) const MAX_TICKET: usize = 1024;
/// The largest method message carried (a GSS-API token with a large authorization field fits;
/// the framed message stays within one sealed frame).
pub(crate) const MAX_STEP: usize = 60 * 1024;
/// The most messages a method's daemon side sends before it accepts or refuses (a GSS-API
/// context takes one or two, srp and ssh one).
pub(crate) const MAX_ROUNDS: usize = 8;

/// Why the daemon said no to one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The daemon does not accept this method from this client host and user.
    NotAccepted = 1,
    /// The method ran and failed (wrong password, wrong user for the peer's uid).
    Failed = 2,
    /// The reuse token is unknown, expired, revoked or for someone else.
    TokenInvalid = 3,
    /// The method cannot run on this connection (uidgid over TCP).
    Unavailable = 4,
}

/// What the client wants from a reuse token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReusePurpose {
    /// Log in with it.
    Login = 1,
    /// Revoke it (explicit cleanup).
    Revoke = 2,
}

/// One session message. `Debug` leaves out passwords, token secrets, tickets, nonces and MACs,
/// so that an error or log line naming a message can never carry one.
#[derive(PartialEq, Eq)]
pub(crate) enum Message {
    /// Client: authenticate as `user` with `method`; `binding` is the channel's handshake hash;
    /// `validity` the seconds a reuse token should last (0: none wanted); `first` the method's
    /// first message (the password for usrpwd, empty for uidgid, the first GSS-API token).
    Try { method: Method, user: Vec<u8>, binding: [u8; 32], validity: u32, first: Zeroizing<Vec<u8>> },
    /// Either side: the next message of the method being tried.
    Step { data: Zeroizing<Vec<u8>> },
    /// Client: the method being tried failed on the client's side (the daemon's message did
    /// not check out); negotiation goes on.
    Abort,
    /// Client: prove a reuse token (its public ticket) for `purpose`.
    Reuse { purpose: ReusePurpose, ticket: Vec<u8>, binding: [u8; 32] },
    /// Daemon: a fresh nonce to prove the token's secret over.
    Challenge { nonce: [u8; 32] },
    /// Client: HMAC under the token's secret over the handshake hash and the nonce.
    Proof { mac: [u8; 32] },
    /// Daemon: no; the methods it still accepts, in its order of preference.
    Refused { why: Refusal, remaining: Vec<Method> },
    /// Daemon: yes.
    Accepted(Grant),
    /// Client: no method of its own is left in the daemon's list.
    GiveUp,
}

/// The daemon's yes: the method and login; a reuse ticket and its secret when one was asked
/// for and issued (else empty), its expiry (Unix seconds, 0 without a token); and the method's
/// last message (the daemon's proof for mutual methods, else empty).
#[derive(PartialEq, Eq)]
pub(crate) struct Grant {
    pub(crate) method: Method,
    pub(crate) login: Vec<u8>,
    pub(crate) ticket: Vec<u8>,
    pub(crate) token_secret: Zeroizing<Vec<u8>>,
    pub(crate) expires: u64,
    pub(crate) last: Vec<u8>,
}

impl Grant {
    /// A yes with no token and no last message.
    pub(crate) fn plain(method: Method, login: Vec<u8>, expires: u64) -> Grant {
        Grant { method, login, ticket: Vec::new(), token_secret: Zeroizing::new(Vec::new()), expires, last: Vec::new() }
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Try { method, user, .. } => {
                f.debug_struct("Try").field("method", method).field("user", &String::from_utf8_lossy(user)).finish()
            }
            Message::Step { data } => write!(f, "Step ({} bytes)", data.len()),
            Message::Abort => f.write_str("Abort"),
            Message::Reuse { purpose, .. } => f.debug_struct("Reuse").field("purpose", purpose).finish(),
            Message::Challenge { .. } => f.write_str("Challenge"),
            Message::Proof { .. } => f.write_str("Proof"),
            Message::Refused { why, remaining } => {
                f.debug_struct("Refused").field("why", why).field("remaining", remaining).finish()
            }
            Message::Accepted(Grant { method, login, .. }) => f
                .debug_struct("Accepted")
                .field("method", method)
                .field("login", &String::from_utf8_lossy(login))
                .finish(),
            Message::GiveUp => f.write_str("GiveUp"),
        }
    }
}

/// Builds a message (or a method's own message) field by field; wiped when dropped.
pub(crate) struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer(Zeroizing::new(Vec::new()))
    }
    pub(crate) fn finish(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
    pub(crate) fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    pub(crate) fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub(crate) fn raw(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    pub(crate) fn bytes(self, v: &[u8]) -> Self {
        let len = u16::try_from(v.len()).expect("fields are capped far below 64 KiB");
        self.raw(&len.to_be_bytes()).raw(v)
    }
}

/// Reads a message (or a method's own message) field by field.
pub(crate) struct Reader<'a>(&'a [u8]);

fn truncated() -> Error {
    Error::new(ErrorCode::Protocol, "a truncated host-auth message")
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader(bytes)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.0.len() < n {
            return Err(truncated());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub(crate) fn array(&mut self) -> Result<[u8; 32]> {
        Ok(self.take(32)?.try_into().expect("32 bytes"))
    }
    pub(crate) fn bytes(&mut self, cap: usize, what: &str) -> Result<&'a [u8]> {
        let len = usize::from(u16::from_be_bytes(self.take(2)?.try_into().expect("2 bytes")));
        if len > cap {
            return Err(Error::new(ErrorCode::TooLarge, format!("a {len}-byte {what}; the limit is {cap} bytes")));
        }
        self.take(len)
    }
    fn method(&mut self) -> Result<Method> {
        let code = self.u8()?;
        Method::from_code(i64::from(code))
            .ok_or_else(|| Error::new(ErrorCode::Protocol, format!("unknown method code {code}")))
    }
    pub(crate) fn done(&self) -> Result<()> {
        if self.0.is_empty() { Ok(()) } else { Err(Error::new(ErrorCode::Protocol, "bytes after a host-auth message")) }
    }
}

impl Message {
    /// The message's bytes (wiped when dropped: some carry secrets).
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let w = Writer::new();
        let w = match self {
            Message::Try { method, user, binding, validity, first } => {
                w.u8(1).u8(method.code()).bytes(user).raw(binding).u32(*validity).bytes(first)
            }
            Message::Reuse { purpose, ticket, binding } => w.u8(2).u8(*purpose as u8).bytes(ticket).raw(binding),
            Message::Challenge { nonce } => w.u8(3).raw(nonce),
            Message::Proof { mac } => w.u8(4).raw(mac),
            Message::Refused { why, remaining } => {
                let codes: Vec<u8> = remaining.iter().map(|m| m.code()).collect();
                w.u8(5).u8(*why as u8).bytes(&codes)
            }
            Message::Accepted(Grant { method, login, ticket, token_secret, expires, last }) => {
                w.u8(6).u8(method.code()).bytes(login).bytes(ticket).bytes(token_secret).u64(*expires).bytes(last)
            }
            Message::GiveUp => w.u8(7),
            Message::Step { data } => w.u8(8).bytes(data),
            Message::Abort => w.u8(9),
        };
        w.finish()
    }

    /// Parses one message.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Message> {
        let mut r = Reader::new(bytes);
        let message = match r.u8()? {
            1 => Message::Try {
                method: r.method()?,
                user: r.bytes(MAX_NAME, "user name")?.to_vec(),
                binding: r.array()?,
                validity: r.u32()?,
                first: Zeroizing::new(r.bytes(MAX_STEP, "method message")?.to_vec()),
            },
            2 => Message::Reuse {
                purpose: match r.u8()? {
                    1 => ReusePurpose::Login,
                    2 => ReusePurpose::Revoke,
                    other => return Err(Error::new(ErrorCode::Protocol, format!("unknown reuse purpose {other}"))),
                },
                ticket: r.bytes(MAX_TICKET, "reuse ticket")?.to_vec(),
                binding: r.array()?,
            },
            3 => Message::Challenge { nonce: r.array()? },
            4 => Message::Proof { mac: r.array()? },
            5 => {
                let why = match r.u8()? {
                    1 => Refusal::NotAccepted,
                    2 => Refusal::Failed,
                    3 => Refusal::TokenInvalid,
                    4 => Refusal::Unavailable,
                    other => return Err(Error::new(ErrorCode::Protocol, format!("unknown refusal {other}"))),
                };
                let codes = r.bytes(Method::ALL.len(), "method list")?;
                let remaining = codes
                    .iter()
                    .map(|code| {
                        Method::from_code(i64::from(*code))
                            .ok_or_else(|| Error::new(ErrorCode::Protocol, format!("unknown method code {code}")))
                    })
                    .collect::<Result<_>>()?;
                Message::Refused { why, remaining }
            }
            6 => Message::Accepted(Grant {
                method: r.method()?,
                login: r.bytes(MAX_NAME, "login")?.to_vec(),
                ticket: r.bytes(MAX_TICKET, "reuse ticket")?.to_vec(),
                token_secret: Zeroizing::new(r.bytes(64, "token secret")?.to_vec()),
                expires: r.u64()?,
                last: r.bytes(MAX_STEP, "method message")?.to_vec(),
            }),
            7 => Message::GiveUp,
            8 => Message::Step { data: Zeroizing::new(r.bytes(MAX_STEP, "method message")?.to_vec()) },
            9 => Message::Abort,
            other => return Err(Error::new(ErrorCode::Protocol, format!("unknown host-auth message kind {other}"))),
        };
        r.done()?;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip() {
        let all = vec![
            Message::Try {
                method: Method::UsrPwd,
                user: b"al\xffce".to_vec(),
                binding: [3; 32],
                validity: 86_400,
                first: Zeroizing::new(b"pw".to_vec()),
            },
            Message::Step { data: Zeroizing::new(vec![0x60; MAX_STEP]) },
            Message::Abort,
            Message::Reuse { purpose: ReusePurpose::Revoke, ticket: vec![1, 2], binding: [4; 32] },
            Message::Challenge { nonce: [5; 32] },
            Message::Proof { mac: [6; 32] },
            Message::Refused { why: Refusal::NotAccepted, remaining: vec![Method::Ssh, Method::UsrPwd] },
            Message::Accepted(Grant { last: vec![1, 2, 3], ..Grant::plain(Method::UidGid, b"bob".to_vec(), 0) }),
            Message::Accepted(Grant {
                ticket: vec![4; MAX_TICKET],
                token_secret: Zeroizing::new(vec![5; 32]),
                last: vec![6; MAX_STEP],
                ..Grant::plain(Method::Krb5, vec![b'b'; MAX_NAME], 9)
            }),
            Message::GiveUp,
        ];
        for message in all {
            assert_eq!(Message::decode(&message.encode()).unwrap(), message);
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let secret = Zeroizing::new(b"hunter2".to_vec());
        let shown = format!(
            "{:?}",
            Message::Try { method: Method::UsrPwd, user: b"al".to_vec(), binding: [0; 32], validity: 0, first: secret }
        );
        assert!(!shown.contains("hunter2") && !shown.contains("104"), "{shown}");
        let token_secret = Zeroizing::new(b"tokensecret".to_vec());
        let accepted = Message::Accepted(Grant {
            token_secret,
            last: b"proof".to_vec(),
            ..Grant::plain(Method::UsrPwd, vec![], 1)
        });
        assert!(!format!("{accepted:?}").contains("116") && !format!("{accepted:?}").contains("112"));
        let step = Message::Step { data: Zeroizing::new(b"hunter2".to_vec()) };
        assert_eq!(format!("{step:?}"), "Step (7 bytes)");
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(Message::decode(&[]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(Message::decode(&[10]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(Message::decode(&[3, 1, 2]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(Message::decode(&[7, 0]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(Message::decode(&[1, 9]).unwrap_err().code(), ErrorCode::Protocol);
        let long_user = [&[1u8, 0, 0x10, 0][..], &[b'a'; 4096]].concat();
        assert_eq!(Message::decode(&long_user).unwrap_err().code(), ErrorCode::TooLarge);
        assert_eq!(Message::decode(&[5, 1, 0, 1, 9]).unwrap_err().code(), ErrorCode::Protocol);
        // A method message over the cap, in a Step and in a Try.
        let long_step = [&[8u8, 0xf0, 1][..], &[0x60; 0xf001]].concat();
        assert_eq!(Message::decode(&long_step).unwrap_err().code(), ErrorCode::TooLarge);
        let long_try = [&[1u8, 2, 0, 1, b'a'][..], &[0; 36], &[0xf0, 1], &[0x60; 0xf001]].concat();
        assert_eq!(Message::decode(&long_try).unwrap_err().code(), ErrorCode::TooLarge);
        // A Step that announces more than it carries, an Abort with a body.
        assert_eq!(Message::decode(&[8, 0, 5, 1]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(Message::decode(&[9, 0]).unwrap_err().code(), ErrorCode::Protocol);
    }
}
