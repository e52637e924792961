//! The encrypted, authenticated channel every host-auth session runs in, made before any
//! method: `Noise_NX_25519_ChaChaPoly_BLAKE2s` through the `snow` crate.
//!
//! NX: both sides use fresh ephemeral X25519 keys; the daemon also proves its static key (sent
//! encrypted in the second message), which the client checks against its pin, known-hosts
//! style. The client has no static key: it proves who it is with a method inside the channel.
//! NK would need every client to know the daemon key beforehand (no first use without a pin);
//! XX would add a third message for a client key nobody checks.
//!
//! The client's opening (`Hello`: magic, protocol version, server kind) travels in clear in
//! the same write as the first Noise message and is the Noise prologue on both sides, so a
//! changed version or server kind makes the handshake fail. The handshake hash identifies this
//! channel: methods and reuse proofs are bound to it, so a man in the middle, who has a
//! different channel with each side, cannot relay them.

use zeroize::Zeroizing;

use super::frame::{self, FrameKind, MAX_BODY};
use super::keys::{PublicKey, StaticKey};
use crate::error::{Error, ErrorCode, Result};
use crate::io::Channel;

/// The Noise protocol name.
const NOISE: &str = "Noise_NX_25519_ChaChaPoly_BLAKE2s";
/// The magic that opens a client's Hello.
const MAGIC: &[u8; 4] = b"DAHA";
/// The protocol version this library speaks (2: methods of several messages, `Step`).
pub(crate) const VERSION: u8 = 2;
/// Noise's authentication tag.
const TAG_LEN: usize = 16;
/// The largest plaintext of one sealed message.
pub(crate) const MAX_PLAINTEXT: usize = MAX_BODY - TAG_LEN;

/// The Noise parameters of the channel.
pub(crate) fn noise_params() -> snow::params::NoiseParams {
    NOISE.parse().expect("a valid Noise protocol name")
}

fn noise_error(what: &str, err: snow::Error) -> Error {
    Error::new(ErrorCode::Protocol, format!("{what}: {err}"))
}

/// An established channel: every message is encrypted and authenticated, in order.
pub(crate) struct SecureChannel {
    io: Channel,
    transport: snow::TransportState,
    hash: [u8; 32],
    daemon_key: PublicKey,
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureChannel").finish_non_exhaustive()
    }
}

fn hello(server_kind: u8) -> [u8; 6] {
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], VERSION, server_kind]
}

impl SecureChannel {
    /// The client side: sends Hello and the first Noise message in one write, reads the
    /// daemon's answer, and checks the daemon's static key against `expected` (None: any key).
    pub(crate) fn client(io: Channel, server_kind: u8, expected: Option<PublicKey>) -> Result<SecureChannel> {
        let prologue = hello(server_kind);
        let mut state = snow::Builder::new(noise_params())
            .prologue(&prologue)
            .build_initiator()
            .map_err(|err| noise_error("starting the handshake", err))?;
        let mut message = vec![0u8; MAX_BODY];
        let len = state.write_message(&[], &mut message).map_err(|err| noise_error("handshake message 1", err))?;
        let mut opening = frame::encode(FrameKind::Hello, &prologue)?;
        opening.extend_from_slice(&frame::encode(FrameKind::Handshake, &message[..len])?);
        io.write_all(&opening, io.deadline()).map_err(|err| err.context("opening the host-auth channel"))?;
        let answer = frame::read_kind(&io, FrameKind::Handshake)?;
        state.read_message(&answer, &mut message).map_err(|err| noise_error("the daemon's handshake message", err))?;
        let daemon_key: PublicKey = state
            .get_remote_static()
            .and_then(|key| key.try_into().ok())
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "the daemon sent no static key"))?;
        if let Some(expected) = expected {
            if expected != daemon_key {
                return Err(Error::new(
                    ErrorCode::KeyMismatch,
                    format!(
                        "the daemon's key {} is not the pinned key {}: a different daemon or a man in the middle",
                        super::keys::hex(&daemon_key),
                        super::keys::hex(&expected)
                    ),
                ));
            }
        }
        Self::finish(io, state, daemon_key)
    }

    /// The daemon side: reads Hello and the first Noise message, answers with its ephemeral
    /// and static keys. Returns the channel and the server kind the client asked for. A
    /// client speaking another version gets a `Refused` frame naming this one.
    pub(crate) fn server(io: Channel, key: &StaticKey) -> Result<(SecureChannel, u8)> {
        let opening = frame::read_kind(&io, FrameKind::Hello)?;
        let prologue: [u8; 6] = opening
            .as_slice()
            .try_into()
            .ok()
            .filter(|h: &[u8; 6]| h[..4] == MAGIC[..])
            .ok_or_else(|| Error::new(ErrorCode::Protocol, "the client's opening is not a host-auth Hello"))?;
        if prologue[4] != VERSION {
            let reason = format!("protocol version {} unsupported; this daemon speaks version {VERSION}", prologue[4]);
            frame::write(&io, FrameKind::Refused, reason.as_bytes())?;
            return Err(Error::new(ErrorCode::Unsupported, reason));
        }
        let mut state = snow::Builder::new(noise_params())
            .prologue(&prologue)
            .local_private_key(key.private.as_ref())
            .build_responder()
            .map_err(|err| noise_error("starting the handshake", err))?;
        let first = frame::read_kind(&io, FrameKind::Handshake)?;
        let mut message = vec![0u8; MAX_BODY];
        state.read_message(&first, &mut message).map_err(|err| noise_error("the client's handshake message", err))?;
        let len = state.write_message(&[], &mut message).map_err(|err| noise_error("handshake message 2", err))?;
        frame::write(&io, FrameKind::Handshake, &message[..len])?;
        Ok((Self::finish(io, state, key.public)?, prologue[5]))
    }

    fn finish(io: Channel, state: snow::HandshakeState, daemon_key: PublicKey) -> Result<SecureChannel> {
        let hash: [u8; 32] = state
            .get_handshake_hash()
            .try_into()
            .map_err(|_| Error::new(ErrorCode::Internal, "the handshake hash is not 32 bytes"))?;
        let transport = state.into_transport_mode().map_err(|err| noise_error("finishing the handshake", err))?;
        Ok(SecureChannel { io, transport, hash, daemon_key })
    }

    /// The handshake hash: the same on both ends of this channel, different on any other.
    pub(crate) fn handshake_hash(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The daemon's static public key.
    pub(crate) fn daemon_key(&self) -> &PublicKey {
        &self.daemon_key
    }

    #[cfg(test)]
    /// The underlying descriptors and deadlines.
    pub(crate) fn io(&self) -> &Channel {
        &self.io
    }

    /// Encrypts and sends one message in one write.
    pub(crate) fn send(&mut self, plaintext: &[u8]) -> Result<()> {
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(Error::new(
                ErrorCode::TooLarge,
                format!("a {}-byte host-auth message exceeds {MAX_PLAINTEXT} bytes", plaintext.len()),
            ));
        }
        let mut sealed = vec![0u8; plaintext.len() + TAG_LEN];
        let len = self.transport.write_message(plaintext, &mut sealed).map_err(|err| noise_error("sealing", err))?;
        frame::write(&self.io, FrameKind::Sealed, &sealed[..len])
    }

    /// Receives and decrypts one message; a forged, replayed, reordered or truncated message
    /// fails. The plaintext is wiped when dropped.
    pub(crate) fn recv(&mut self) -> Result<Zeroizing<Vec<u8>>> {
        let sealed = frame::read_kind(&self.io, FrameKind::Sealed)?;
        let mut plaintext = Zeroizing::new(vec![0u8; sealed.len()]);
        let len = self.transport.read_message(&sealed, &mut plaintext).map_err(|_| {
            Error::new(ErrorCode::Protocol, "a host-auth message failed authentication (forged, replayed or reordered)")
        })?;
        plaintext.truncate(len);
        Ok(plaintext)
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::tests::pair;
    use super::*;
    use std::time::Duration;

    type Ends = (Result<SecureChannel>, Result<(SecureChannel, u8)>);

    /// A channel over a socket pair; the sockets are leaked so the descriptors stay open.
    fn connect(expected: Option<PublicKey>) -> Ends {
        let key = StaticKey::generate().unwrap();
        let (a, b, ca, cb) = pair(Duration::from_secs(5));
        std::mem::forget((a, b));
        std::thread::scope(|s| {
            let server = s.spawn(|| SecureChannel::server(cb, &key));
            let client = SecureChannel::client(ca, 1, expected.or(Some(key.public)));
            (client, server.join().unwrap())
        })
    }

    #[test]
    fn both_ends_share_the_hash_and_messages_flow() {
        let (client, server) = connect(None);
        let (mut client, (mut server, kind)) = (client.unwrap(), server.unwrap());
        assert_eq!(kind, 1);
        assert_eq!(client.handshake_hash(), server.handshake_hash());
        client.send(b"ping").unwrap();
        assert_eq!(server.recv().unwrap().as_slice(), b"ping");
        server.send(b"pong").unwrap();
        assert_eq!(client.recv().unwrap().as_slice(), b"pong");
    }

    #[test]
    fn a_daemon_with_another_key_is_refused() {
        let (client, _server) = connect(Some([7; 32]));
        assert_eq!(client.unwrap_err().code(), ErrorCode::KeyMismatch);
    }

    #[test]
    fn another_version_is_refused_with_the_reason() {
        let key = StaticKey::generate().unwrap();
        let (_a, _b, ca, cb) = pair(Duration::from_secs(5));
        let mut opening = frame::encode(FrameKind::Hello, b"DAHA\x01\x01").unwrap();
        opening.extend_from_slice(&frame::encode(FrameKind::Handshake, &[0; 32]).unwrap());
        ca.write_all(&opening, ca.deadline()).unwrap();
        assert_eq!(SecureChannel::server(cb, &key).unwrap_err().code(), ErrorCode::Unsupported);
        let err = frame::read_kind(&ca, FrameKind::Handshake).unwrap_err();
        assert!(err.message().contains("version 1 unsupported; this daemon speaks version 2"), "{err}");
    }

    #[test]
    fn a_tampered_sealed_message_fails() {
        let (client, server) = connect(None);
        let (client, (mut server, _)) = (client.unwrap(), server.unwrap());
        let forged = frame::encode(FrameKind::Sealed, &[0u8; 40]).unwrap();
        client.io().write_all(&forged, client.io().deadline()).unwrap();
        assert_eq!(server.recv().unwrap_err().code(), ErrorCode::Protocol);
    }
}
