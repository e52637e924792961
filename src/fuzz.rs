//! Entry points for the fuzz targets under `fuzz/` (built only with the `fuzzing` feature):
//! one per parser or state machine that a peer or a file feeds. Each takes arbitrary bytes,
//! runs the library's own code on them as a daemon or client would meet them (streams through
//! a real socket and [`Channel`], files through their parsers), and checks what must hold of
//! any input. A panic, a hang or an unbounded allocation is a bug; an error is not.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::cvs::{request, response_packets::ResponsePacketizer, root::CvsRoot};
use crate::framing::Framing;
use crate::hostauth::{
    authrc::Authrc,
    daemonrc::Daemonrc,
    frame,
    model::Method,
    pattern::{HostId, ServerKind},
    rootrc::RootRc,
    source::Env,
};
use crate::hostauth::{
    methods::Peer,
    srp, ssh,
    wire::{Message, Writer},
};
use crate::io::Channel;

/// The largest token the stream targets accept (small, so that a fuzzer's lengths hit it).
const MAX_TOKEN: usize = 1 << 16;

/// Runs `read` on a channel whose peer has written `data` and closed its end.
fn with_stream(data: &[u8], read: impl FnOnce(&Channel)) {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    theirs.set_nonblocking(true).expect("non-blocking");
    // The socket buffer holds any input a fuzzer makes (libFuzzer's default -max_len is 4096);
    // what does not fit is cut, as a peer that stopped writing would leave it.
    let _ = std::io::Write::write(&mut &theirs, data);
    drop(theirs);
    let fd = std::os::fd::AsRawFd::as_raw_fd(&ours);
    let channel = Channel::new(fd, fd, Duration::from_millis(200)).expect("a channel");
    read(&channel);
}

/// Token streams in every framing (distcc `TLEN`, CVS u16, u32, gss-sample with and without
/// the flags byte): `data[0]` picks the framing, the rest is what the peer sent. Every token
/// read must be exactly the bytes after its header, and no longer than the cap.
pub fn token_stream(data: &[u8]) {
    let Some((&pick, stream)) = data.split_first() else { return };
    let framing = [Framing::DistccTlen, Framing::U16Be, Framing::U32Be, Framing::GssSample][usize::from(pick % 4)];
    with_stream(stream, |channel| {
        let mut at = 0;
        while let Ok(token) = framing.read(channel, MAX_TOKEN) {
            assert!(token.body.len() <= MAX_TOKEN);
            let header = match framing {
                Framing::DistccTlen => 12,
                Framing::U16Be => 2,
                Framing::U32Be => 4,
                Framing::GssSample if token.flags == 0 => 4,
                Framing::GssSample => 5,
            };
            let body = &stream[at + header..at + header + token.body.len()];
            assert_eq!(body, token.body.as_slice(), "a token's body is the bytes after its header");
            at += header + token.body.len();
        }
    });
}

/// A CVS pserver request as the server reads it (`BEGIN ... REQUEST`, repository, user,
/// scrambled password, `END ... REQUEST`), with cvs's line limit.
pub fn cvs_request(data: &[u8]) {
    with_stream(data, |channel| {
        let deadline = channel.deadline();
        let Ok(kind) = request::read_begin(channel, deadline, request::MAX_LINE) else { return };
        if kind == request::RequestKind::Gssapi {
            return;
        }
        if let Ok(request) = request::read_password_request(channel, deadline, request::MAX_LINE, kind) {
            assert!(!request.user.is_empty() && !request.user.contains(':'));
            assert!(request.repository.len() <= request::MAX_LINE && request.scrambled.len() <= request::MAX_LINE);
        }
    });
}

/// A CVS server's response stream cut into the packets Debian's `cvs -x`/`-a` client reads
/// without hanging. The first two bytes say where to split the rest into two writes: the
/// pieces must not depend on the split, must join back into the start of the stream (what is
/// held back is less than one body piece, waiting for the rest of it), and no piece may
/// exceed the client's 4096-byte reads.
pub fn cvs_response_packets(data: &[u8]) {
    let Some((split, stream)) = data.split_first_chunk::<2>() else { return };
    let split = usize::from(u16::from_le_bytes(*split)) % (stream.len() + 1);
    // The pieces as their bytes end to end and where each ends: one buffer, not an allocation
    // per piece (a line is cut into one-byte pieces).
    let pieces = |parts: &[&[u8]]| {
        let mut packetizer = ResponsePacketizer::new();
        let (mut bytes, mut ends) = (Vec::new(), Vec::new());
        for part in parts {
            packetizer
                .push(part, &mut |piece: &[u8]| {
                    assert!(!piece.is_empty() && piece.len() <= 4096, "a piece of {} bytes", piece.len());
                    bytes.extend_from_slice(piece);
                    ends.push(bytes.len());
                    Ok::<(), ()>(())
                })
                .expect("the sink never fails");
        }
        (bytes, ends)
    };
    let whole = pieces(&[stream]);
    assert_eq!(whole, pieces(&[&stream[..split], &stream[split..]]), "pieces depend on how the stream arrives");
    let joined = &whole.0;
    assert!(stream.starts_with(joined) && stream.len() - joined.len() < 4096, "the pieces join back into the stream");
}

/// A CVSROOT as a user or a `.cvspass` line gives it: one that parses keeps its meaning when
/// written back in canonical form.
pub fn cvs_root(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(root) = CvsRoot::parse(text) else { return };
    let canonical = root.canonical("fuzz");
    let again = CvsRoot::parse(&canonical).expect("a canonical CVSROOT parses");
    assert_eq!(again.canonical("fuzz"), canonical, "the canonical form is stable");
}

/// Files cvs and its users write, read the way the library reads them: `~/.cvspass` (lookup,
/// then store and remove, which rewrite it keeping every other line byte for byte),
/// `CVSROOT/passwd` and `CVSROOT/config`. The bytes are handed to the parsers directly; the
/// unit tests cover reading and replacing the files.
pub fn cvs_files(data: &[u8]) {
    use crate::cvs::{passfile, passwd};
    let root = CvsRoot::parse(":pserver:alice@cvs.example.org:/cvsroot").expect("a valid CVSROOT");
    let _ = passfile::lookup_in(data, &root, "alice");
    let stored = passfile::with_entry(data, &root, "alice", b"Aabc").expect("a valid password is stored");
    let found = passfile::lookup_in(&stored, &root, "alice");
    assert_eq!(found.as_deref().map(|p| p.as_slice()), Some(&b"Aabc"[..]), "the password stored is found");
    let removed = passfile::without_entries(&stored, &root, "alice").expect("the entry stored is removed");
    // Every line but the root's own is kept byte for byte (and an unended last line gets its LF).
    let mut others = passfile::without_entries(data, &root, "alice").map_or_else(|| data.to_vec(), |t| t.to_vec());
    if others.last().is_some_and(|&byte| byte != b'\n') {
        others.push(b'\n');
    }
    assert_eq!(removed.as_slice(), others.as_slice(), "store then remove keeps every other line");
    let _ = passwd::entry_in(data, "alice");
    let _ = passwd::system_auth_in(data);
}

/// Answer files and `.netrc` files (the responders' sources), and the challenge JSON of krb5's
/// responder.
pub fn responder_sources(data: &[u8]) {
    let _ = crate::responder::netrc::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::responder::file::parse(text);
        for field in ["password", "otp", "pkinit", ""] {
            let _ = crate::responder::json::string_field(text, field);
        }
    }
}

/// An environment with no variables: `include` lines may name absolute paths only.
struct NoEnv;

impl Env for NoEnv {
    fn var(&self, _name: &str) -> Option<std::ffi::OsString> {
        None
    }
    fn superuser(&self) -> bool {
        false
    }
}

/// The host-auth rc files: `.rootrc`, the client's `.rootauthrc` and the daemon's access file,
/// each parsed and then asked what ROOT would ask of it.
pub fn hostauth_rc_files(data: &[u8]) {
    let path = Path::new("fuzz");
    let mut rootrc = RootRc::load_files(&[]);
    rootrc.parse_into(path, data);
    for method in [Method::UsrPwd, Method::Srp, Method::Krb5, Method::Globus, Method::Ssh, Method::UidGid] {
        let _ = rootrc.default_details(method, true, b"alice");
        let _ = (rootrc.validity(method), rootrc.reuse(method), rootrc.login_prompt(method));
    }
    let rootrc = Arc::new(rootrc);
    let hosts = [HostId::name(b"pcepsft43.cern.ch"), HostId::name(b"127.0.0.1"), HostId::name(b"")];
    let authrc = Authrc::parse(path, data, &NoEnv, &rootrc);
    let daemonrc = Daemonrc::parse(path, data);
    for host in &hosts {
        for server in [None, Some(ServerKind::Rootd), Some(ServerKind::Proofd)] {
            let _ = authrc.lookup(host, b"alice", server);
        }
        let _ = daemonrc.accepted(host, b"alice", ServerKind::Rootd, &[Method::UsrPwd, Method::UidGid]);
    }
}

/// The host-auth session messages and what the strong methods read from peers and files:
/// `data[0]` picks 0 a session message, 1 an SRP verifier file, 2 a daemon's SRP challenge to a
/// client, 3 an `authorized_keys` file (every entry's options checked for a client), 4 a stream
/// of frames (the layer around the channel), 5 a client's SRP proof to a daemon. A message,
/// challenge or proof that parses must encode to the same bytes. (The SRP arithmetic after the
/// parse is the `srp` crate's, left out: one exchange costs milliseconds.)
pub fn hostauth_messages(data: &[u8]) {
    let Some((selector, rest)) = data.split_first() else { return };
    match selector % 6 {
        0 => {
            if let Ok(message) = Message::decode(rest) {
                assert_eq!(message.encode().as_slice(), rest, "a parsed message encodes to its bytes");
            }
        }
        1 => {
            let _ = srp::VerifierFile::parse(rest, "fuzz");
        }
        2 => {
            if let Ok(c) = srp::Challenge::parse(rest) {
                let bytes = Writer::new().u32(c.bits).bytes(c.salt).bytes(c.b_pub).finish();
                assert_eq!(bytes.as_slice(), rest, "a parsed challenge encodes to its bytes");
            }
        }
        3 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            let peer = Peer { host: b"ws1.example.org".to_vec(), addr: "10.1.2.3".parse().ok(), unix_uid: None };
            for entry in ssh_key::authorized_keys::AuthorizedKeys::new(text).flatten() {
                let _ = ssh::options_allow(&entry, &peer);
            }
        }
        4 => with_stream(rest, |channel| {
            // The frames around the channel (kind, length, body), read as the daemon and the
            // client read them: each one read encodes back to the bytes it came from.
            let mut at = 0;
            while let Ok((kind, body)) = frame::read(channel) {
                let bytes = frame::encode(kind, &body).expect("a frame read fits a frame");
                assert_eq!(bytes, rest[at..at + bytes.len()], "a frame encodes back to its bytes");
                at += bytes.len();
            }
        }),
        _ => {
            if let Ok(p) = srp::Proof::parse(rest) {
                let bytes = Writer::new().bytes(p.a_pub).raw(&p.m1).raw(&p.mac).finish();
                assert_eq!(bytes.as_slice(), rest, "a parsed proof encodes to its bytes");
            }
        }
    }
}
