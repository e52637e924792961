//! GSS-API protection of the CVS protocol stream after `Gssapi-encrypt` (confidentiality)
//! or `Gssapi-authenticate` (integrity only), in both directions: each packet is a 2-byte
//! big-endian length N and N bytes of `gss_wrap(P)`, where P is a 2-byte big-endian length
//! L, L bytes of data, and possibly padding.

use zeroize::Zeroizing;

use super::response_packets::ResponsePacketizer;
use crate::error::{Error, ErrorCode, Result};
use crate::gss::SecurityContext;

/// The most data bytes cvs puts in one packet (its `BUFFER_DATA_SIZE`).
/// cbindgen:ignore
pub const MAX_PACKET_DATA: usize = 4096;

/// One packet carrying `data` (at most [`MAX_PACKET_DATA`] bytes), encrypted when `encrypt`.
pub fn seal(context: &SecurityContext, encrypt: bool, data: &[u8]) -> Result<Vec<u8>> {
    let mut packet = Vec::new();
    seal_into(context, encrypt, data, &mut packet)?;
    Ok(packet)
}

/// Appends one packet carrying `data` to `wire` (as [`seal`]).
fn seal_into(context: &SecurityContext, encrypt: bool, data: &[u8], wire: &mut Vec<u8>) -> Result<()> {
    if data.len() > MAX_PACKET_DATA {
        return Err(Error::new(ErrorCode::TooLarge, format!("{} bytes do not fit one packet", data.len())));
    }
    let mut plain = Zeroizing::new(Vec::with_capacity(data.len() + 2));
    plain.extend_from_slice(&(data.len() as u16).to_be_bytes());
    plain.extend_from_slice(data);
    let (wrapped, encrypted) = context.wrap(encrypt, &plain)?;
    if encrypt && !encrypted {
        return Err(Error::new(ErrorCode::Gss, "the mechanism did not encrypt the packet"));
    }
    let len = u16::try_from(wrapped.len())
        .map_err(|_| Error::new(ErrorCode::TooLarge, "a wrapped packet exceeds 65535 bytes"))?;
    wire.extend_from_slice(&len.to_be_bytes());
    wire.extend_from_slice(&wrapped);
    Ok(())
}

/// Seals a server's response stream into packets that cvs 1.12.13's client reads without
/// hanging (see [`super::response_packets`]): fed the responses in any split, it returns the
/// wire bytes to send, many packets in one buffer (one write).
pub struct ResponseSealer {
    packetizer: ResponsePacketizer,
    encrypt: bool,
}

impl ResponseSealer {
    /// A sealer for a stream whose protection (`encrypt`: confidentiality, else integrity)
    /// starts at a response boundary.
    pub fn new(encrypt: bool) -> Self {
        ResponseSealer { packetizer: ResponsePacketizer::new(), encrypt }
    }

    /// The packets for the next `responses` bytes (empty while a body piece is incomplete).
    pub fn seal(&mut self, context: &SecurityContext, responses: &[u8]) -> Result<Vec<u8>> {
        let encrypt = self.encrypt;
        let mut wire = Vec::new();
        self.packetizer.push(responses, &mut |piece: &[u8]| seal_into(context, encrypt, piece, &mut wire))?;
        Ok(wire)
    }
}

/// The data of a packet's wrapped part (without its 2-byte length). With `encrypt`, a packet
/// that was not encrypted is refused.
pub fn open(context: &SecurityContext, encrypt: bool, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let (plain, encrypted) = context.unwrap(wrapped)?;
    if encrypt && !encrypted {
        return Err(Error::new(ErrorCode::Protocol, "an unencrypted packet on an encrypted stream"));
    }
    let len = match plain.get(..2) {
        Some(header) => usize::from(u16::from_be_bytes([header[0], header[1]])),
        None => return Err(Error::new(ErrorCode::Protocol, "a packet shorter than its length field")),
    };
    let data = plain
        .get(2..2 + len)
        .ok_or_else(|| Error::new(ErrorCode::Protocol, "a packet shorter than its announced length"))?;
    Ok(Zeroizing::new(data.to_vec()))
}
