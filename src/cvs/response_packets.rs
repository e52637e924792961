//! Where a protected CVS response stream may be cut into packets so that cvs 1.12.13's client
//! reads it without hanging.
//!
//! The client's `packetizing_buffer_input` (src/buffer.c) is asked for at least `need` bytes
//! and loops `while (need > 0 || *got == 0)`, subtracting each packet's data length from
//! `need`, a `size_t`: a packet carrying more than `need` bytes wraps `need` around, and the
//! client then blocks reading a packet the server only sends after the client's next request.
//! A packet carrying exactly what is still needed ends the call cleanly. The client asks:
//!
//! - `need == 1` for every response line: `read_line` → `buf_read_short_line` calls its input
//!   with `need` 1 — so every byte of a line is a packet of its own;
//! - `need == min(left, 4096)` for a file body: `read_from_server` / `try_read_from_server` →
//!   `buf_read_data(want)` asks for `min(want, BUFFER_DATA_SIZE)` (callers pass what is left
//!   of the body, or at most 8192) — so a body goes in packets of 4096 bytes counted from its
//!   start, the last one shorter; a packet never spans a 4096-byte boundary of its body.
//!
//! The bodies, with the lines before their length line (client.c, cvs 1.12.13):
//! `Updated`, `Created`, `Update-existing`, `Merged`, `Patched`, `Rcs-diff` (`update_entries`:
//! repository, entry, mode, then `N` or `zN`), `Template` (`read_counted_file`: repository,
//! then `N`) and `Mbinary` (`handle_mbinary`: `N`). The other responses carry whole lines
//! only: `Checked-in`, `New-entry` (repository, entry), `Copy-file` (repository, new name),
//! `Set-sticky` (repository, tag), the other directory responses (repository), and the
//! one-line responses (`ok`, `error`, `M`, `E`, `MT`, `Mode`, `Checksum`, …). Anything else is
//! read as one line, as the client does with an unknown response.
//!
//! [`ResponsePacketizer`] follows the stream and hands out the pieces; the caller seals each
//! piece as one packet (see [`super::gss_stream::ResponseSealer`]).

/// The most data the client's reader asks for at once (cvs's `BUFFER_DATA_SIZE`).
const READ_SIZE: usize = 4096;

/// How much of a line is kept to recognise it: longer than any response name and any length.
const LINE_KEEP: usize = 64;

/// How the client reads a length line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LengthLine {
    /// `update_entries`: `zN` (a gzipped body of N bytes) or `N`.
    Entries,
    /// `read_counted_file` and `handle_mbinary`: `atoi` of the whole line.
    Counted,
}

/// What the current line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    /// A response (its name decides what follows).
    Response,
    /// One of `lines` more lines of the current response, then its length line if `length`.
    Follow { lines: u8, length: Option<LengthLine> },
    /// The length of the body that follows.
    Length(LengthLine),
}

/// What comes after the response line `name` (without its arguments).
fn after_response(name: &[u8]) -> Line {
    let follow = |lines, length| Line::Follow { lines, length };
    match name {
        b"Updated" | b"Created" | b"Update-existing" | b"Merged" | b"Patched" | b"Rcs-diff" => {
            follow(3, Some(LengthLine::Entries))
        }
        b"Template" => follow(1, Some(LengthLine::Counted)),
        b"Mbinary" => Line::Length(LengthLine::Counted),
        b"Checked-in" | b"New-entry" | b"Copy-file" | b"Set-sticky" => follow(2, None),
        b"Removed"
        | b"Remove-entry"
        | b"Set-static-directory"
        | b"Clear-static-directory"
        | b"Clear-sticky"
        | b"Edit-file"
        | b"Clear-template"
        | b"Notified" => follow(1, None),
        _ => Line::Response,
    }
}

/// C's `atoi`: leading white space, an optional sign, digits; 0 when there are none. A
/// negative or absurd length means no body (the client reads none for 0 or less).
fn atoi(text: &[u8]) -> u64 {
    let text = match text.iter().position(|b| !b" \t\n\x0b\x0c\r".contains(b)) {
        Some(start) => &text[start..],
        None => return 0,
    };
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |acc, &d| acc.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    // The client keeps the length in an `int`.
    if negative { 0 } else { value.min(i32::MAX as u64) }
}

fn body_length(kind: LengthLine, line: &[u8]) -> u64 {
    match (kind, line.first()) {
        (LengthLine::Entries, Some(b'z')) => atoi(&line[1..]),
        _ => atoi(line),
    }
}

/// Follows a CVS response stream and cuts it into the pieces cvs 1.12.13's client reads
/// without hanging: one piece per line byte, file bodies in pieces of up to 4096 bytes
/// counted from the start of the body. Fed in any split; keeps no more than one body piece.
#[derive(Debug)]
pub struct ResponsePacketizer {
    line: Line,
    /// The start of the current line (up to [`LINE_KEEP`] bytes).
    kept: Vec<u8>,
    /// Body bytes still to come, and the part of the current piece already seen.
    body_left: u64,
    piece: Vec<u8>,
}

impl Default for ResponsePacketizer {
    fn default() -> Self {
        ResponsePacketizer {
            line: Line::Response,
            kept: Vec::with_capacity(LINE_KEEP),
            body_left: 0,
            piece: Vec::new(),
        }
    }
}

impl ResponsePacketizer {
    /// A packetizer at the start of a response (where protection starts).
    pub fn new() -> Self {
        Self::default()
    }

    /// Follows `data` and calls `emit` with each complete piece, in order.
    pub fn push<E>(&mut self, mut data: &[u8], emit: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        while !data.is_empty() {
            if self.body_left > 0 {
                data = self.body_bytes(data, emit)?;
                continue;
            }
            let byte = data[0];
            data = &data[1..];
            emit(&[byte])?;
            if byte == b'\n' {
                self.end_of_line();
            } else if self.kept.len() < LINE_KEEP {
                self.kept.push(byte);
            }
        }
        Ok(())
    }

    /// Whether the stream is at a response boundary (nothing held, no body or line open).
    pub fn at_response_start(&self) -> bool {
        self.line == Line::Response && self.kept.is_empty() && self.body_left == 0
    }

    fn body_bytes<'d, E>(
        &mut self,
        data: &'d [u8],
        emit: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<&'d [u8], E> {
        // The piece the client's next read asks for: up to 4096 bytes of what is left.
        let piece_len = (self.body_left.min(READ_SIZE as u64)) as usize;
        let take = (piece_len - self.piece.len()).min(data.len());
        let (now, rest) = data.split_at(take);
        if self.piece.is_empty() && take == piece_len {
            emit(now)?;
        } else {
            self.piece.extend_from_slice(now);
            if self.piece.len() < piece_len {
                return Ok(rest);
            }
            emit(&self.piece)?;
            self.piece.clear();
        }
        self.body_left -= piece_len as u64;
        Ok(rest)
    }

    fn end_of_line(&mut self) {
        self.line = match self.line {
            Line::Response => {
                let name_end = self.kept.iter().position(|&b| b == b' ').unwrap_or(self.kept.len());
                after_response(&self.kept[..name_end])
            }
            Line::Follow { lines: 1, length: Some(kind) } => Line::Length(kind),
            Line::Follow { lines: 1, length: None } => Line::Response,
            Line::Follow { lines, length } => Line::Follow { lines: lines - 1, length },
            Line::Length(kind) => {
                self.body_left = body_length(kind, &self.kept);
                Line::Response
            }
        };
        self.kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut packetizer = ResponsePacketizer::new();
        let mut out = Vec::new();
        for chunk in chunks {
            packetizer
                .push(chunk, &mut |piece: &[u8]| {
                    out.push(piece.to_vec());
                    Ok::<(), ()>(())
                })
                .unwrap();
        }
        out
    }

    /// The reads cvs 1.12.13's client makes for `stream`, written out by hand: one byte per
    /// line byte, then `min(left, 4096)` per body read.
    fn reads(lines_then_bodies: &[(&[u8], usize)]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (lines, body) in lines_then_bodies {
            out.extend(lines.iter().map(|&b| vec![b]));
            let mut left = *body;
            let mut byte = 0u8;
            while left > 0 {
                let n = left.min(4096);
                out.push((0..n).map(|_| byte).collect());
                byte = byte.wrapping_add(1);
                left -= n;
            }
        }
        out
    }

    fn body(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i / 4096) as u8).collect()
    }

    /// A checkout's responses: a file whose body is 10000 bytes (3 reads), a `zN` body, a
    /// Template, an Mbinary, lines that only look like lengths, and the final `ok`.
    fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
        let head1 = b"M hello\nMod-time 1 Jan 2020\nCreated proj/\n/r/proj/a\n/a/1.1///\nu=rw,g=r,o=r\n10000\n";
        let head2 = b"Updated proj/\n/r/proj/b\n/b/1.2///\nu=rw\nz5000\n";
        let head3 = b"Template proj/\n/r/proj/\n4096\n";
        let head4 = b"Checked-in proj/\n/r/proj/c\n/c/1.3///\nSet-sticky proj/\n/r/proj/\nT12\nMbinary\n3\n";
        let tail = b"Copy-file proj/\n/r/proj/d\n.#d.1.1\nE 7\nerror  \nok\n";
        let mut data = Vec::new();
        for (head, len) in [(&head1[..], 10000), (&head2[..], 5000), (&head3[..], 4096), (&head4[..], 3)] {
            data.extend_from_slice(head);
            data.extend(body(len));
        }
        data.extend_from_slice(tail);
        let expected = reads(&[(head1, 10000), (head2, 5000), (head3, 4096), (head4, 3), (tail, 0)]);
        (data, expected)
    }

    #[test]
    fn lines_byte_by_byte_and_bodies_in_reader_sized_pieces() {
        let (data, expected) = stream();
        assert_eq!(pieces(&[&data]), expected);
    }

    #[test]
    fn any_split_of_the_input_gives_the_same_pieces() {
        let (data, expected) = stream();
        for cut in (0..data.len()).step_by(97).chain([1, 4095, 4096, 4097]) {
            let (a, b) = data.split_at(cut);
            assert_eq!(pieces(&[a, b]), expected, "cut at {cut}");
        }
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(pieces(&bytes), expected);
    }

    #[test]
    fn lengths_are_read_as_the_client_reads_them() {
        assert_eq!(body_length(LengthLine::Entries, b"z12"), 12);
        assert_eq!(body_length(LengthLine::Counted, b"z12"), 0);
        assert_eq!(body_length(LengthLine::Entries, b"  42 junk"), 42);
        assert_eq!(body_length(LengthLine::Entries, b"-5"), 0);
        assert_eq!(body_length(LengthLine::Entries, b""), 0);
        assert_eq!(body_length(LengthLine::Entries, b"99999999999999999999"), i32::MAX as u64);
    }

    #[test]
    fn a_zero_length_body_is_no_piece_and_a_long_line_is_only_bytes() {
        let long = [b'M', b' '].iter().copied().chain(std::iter::repeat_n(b'x', 5000)).chain([b'\n']);
        let mut data: Vec<u8> = b"Created d/\n/r/d/e\n/e/1.1///\nu=rw\n0\n".to_vec();
        data.extend(long);
        data.extend_from_slice(b"ok\n");
        let out = pieces(&[&data]);
        assert!(out.iter().all(|p| p.len() == 1));
        assert_eq!(out.len(), data.len());
        let mut packetizer = ResponsePacketizer::new();
        packetizer.push(&data, &mut |_: &[u8]| Ok::<(), ()>(())).unwrap();
        assert!(packetizer.at_response_start());
    }

    #[test]
    fn a_response_name_inside_an_argument_line_is_not_a_response() {
        // The entry and repository lines of Checked-in are not read as responses.
        let data = b"Checked-in d/\nMbinary\nUpdated x\nok\n";
        assert!(pieces(&[data]).iter().all(|p| p.len() == 1));
    }
}
