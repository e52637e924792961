//! CVS pserver authentication against Debian's real cvs 1.12.13 (`cvs pserver` on a socket
//! pair), our server against broken and hostile clients, and gserver in a throwaway realm.

mod support;

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use daemonauth::ErrorCode;
use daemonauth::cvs::request::RequestKind;
use daemonauth::cvs::root::CvsRoot;
use daemonauth::cvs::server::{self, ServerOptions, SystemPasswords};
use daemonauth::cvs::{client, gss_stream, scramble};
use daemonauth::io::Channel;
use daemonauth::sysauth::sys;

/// A repository made by `cvs init` with `CVSROOT/passwd` entries and `SystemAuth`.
fn repository(label: &str, passwd: &str, system_auth: bool) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cvs-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let status = Command::new("cvs").arg("-d").arg(&dir).arg("init").status().expect("run cvs init");
    assert!(status.success());
    std::fs::write(dir.join("CVSROOT/passwd"), passwd).unwrap();
    let config = if system_auth { "SystemAuth=yes\n" } else { "SystemAuth=no\n" };
    std::fs::write(dir.join("CVSROOT/config"), config).unwrap();
    dir
}

fn hash(password: &str) -> String {
    sys::crypt(password.as_bytes(), b"$6$daemonau$").unwrap().unwrap().to_string()
}

fn passwd_lines() -> String {
    format!("alice:{}:nobody\nrooty:{}:root\nempty::nobody\n", hash("secret"), hash("secret"))
}

/// Runs Debian's `cvs pserver` on one end of a socket pair; returns the other end.
fn real_pserver(repo: &Path) -> (UnixStream, std::process::Child) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let fd: OwnedFd = theirs.into();
    let child = Command::new("cvs")
        .arg("-f")
        .arg(format!("--allow-root={}", repo.display()))
        .arg("pserver")
        .stdin(Stdio::from(fd.try_clone().unwrap()))
        .stdout(Stdio::from(fd.try_clone().unwrap()))
        .stderr(Stdio::from(fd))
        .spawn()
        .expect("run cvs pserver");
    (ours, child)
}

fn client_auth(
    stream: &UnixStream,
    root: &str,
    kind: RequestKind,
    password: &str,
) -> (daemonauth::Result<()>, Vec<String>) {
    let root = CvsRoot::parse(root).unwrap();
    let channel = Channel::new(stream.as_raw_fd(), stream.as_raw_fd(), Duration::from_secs(20)).unwrap();
    let mut messages = Vec::new();
    let result = client::authenticate(&channel, &root, kind, &scramble::scramble(password.as_bytes()), &mut messages);
    (result, messages)
}

fn against_real_cvs(
    repo: &Path,
    root: &str,
    kind: RequestKind,
    password: &str,
) -> (daemonauth::Result<()>, Vec<String>) {
    let (stream, mut child) = real_pserver(repo);
    let outcome = client_auth(&stream, root, kind, password);
    drop(stream);
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

fn is_root() -> bool {
    sys::current_user().unwrap() == "root"
}

#[test]
fn our_client_against_real_cvs_pserver() {
    let repo = repository("real", &passwd_lines(), false);
    let root = format!(":pserver:alice@localhost:{}", repo.display());
    let (result, _) = against_real_cvs(&repo, &root, RequestKind::Verification, "secret");
    result.unwrap();
    if is_root() {
        // cvs switches to the system user (nobody) before I LOVE YOU.
        let (result, _) = against_real_cvs(&repo, &root, RequestKind::Auth, "secret");
        result.unwrap();
    }
    let (result, _) = against_real_cvs(&repo, &root, RequestKind::Verification, "wrong");
    let err = result.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthFailed);
    assert!(err.message().contains("rejected access"), "{err}");

    let other = format!(":pserver:alice@localhost:{}/elsewhere", repo.display());
    let (result, messages) = against_real_cvs(&repo, &other, RequestKind::Verification, "secret");
    // Debian's cvs says so on its standard error, which is the socket.
    assert_eq!(result.unwrap_err().code(), ErrorCode::Protocol);
    assert!(messages.iter().any(|m| m.contains("no such repository")), "{messages:?}");

    let carol = format!(":pserver:carol@localhost:{}", repo.display());
    let (result, messages) = against_real_cvs(&repo, &carol, RequestKind::Verification, "x");
    assert_eq!(result.unwrap_err().code(), ErrorCode::AuthFailed);
    assert!(messages.iter().any(|m| m.contains("no such user carol in CVSROOT/passwd")), "{messages:?}");
}

fn options(repo: &Path) -> ServerOptions {
    ServerOptions {
        roots: vec![repo.display().to_string()],
        timeout: Duration::from_millis(1500),
        fail_delay: Duration::from_millis(50),
        system_passwords: SystemPasswords::Crypt,
        ..ServerOptions::default()
    }
}

/// Runs our server on a thread against what `client` does with its end of a socket pair;
/// returns the server's result and everything it answered.
fn our_server(
    options: ServerOptions,
    client: impl FnOnce(&mut UnixStream),
) -> (daemonauth::Result<server::Session>, String) {
    let (mut ours, theirs) = UnixStream::pair().unwrap();
    let handle = std::thread::spawn(move || {
        let channel = options.channel(theirs.as_raw_fd(), theirs.as_raw_fd()).unwrap();
        let result = server::authenticate(&channel, &options);
        drop(theirs);
        result
    });
    client(&mut ours);
    let _ = ours.shutdown(std::net::Shutdown::Write);
    let mut reply = String::new();
    let _ = ours.read_to_string(&mut reply);
    (handle.join().unwrap(), reply)
}

fn request(kind: &str, repo: &Path, user: &str, password: &str) -> Vec<u8> {
    let scrambled = scramble::scramble(password.as_bytes());
    let mut bytes = format!("BEGIN {kind} REQUEST\n{}\n{user}\n", repo.display()).into_bytes();
    bytes.extend_from_slice(&scrambled);
    bytes.extend_from_slice(format!("\nEND {kind} REQUEST\n").as_bytes());
    bytes
}

fn send(bytes: Vec<u8>) -> impl FnOnce(&mut UnixStream) {
    move |stream| {
        let _ = stream.write_all(&bytes);
    }
}

#[test]
fn our_server_answers_as_cvs_does() {
    let repo = repository("ours", &passwd_lines(), false);
    let (session, reply) = our_server(options(&repo), send(request("VERIFICATION", &repo, "alice", "secret")));
    let session = session.unwrap();
    assert_eq!((session.cvs_user.as_str(), session.system_user.name.as_str()), ("alice", "nobody"));
    assert_eq!(session.kind, RequestKind::Verification);
    assert_eq!(reply, "", "nothing is answered before accept()");

    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "alice", "wrong")));
    assert_eq!((result.err().unwrap().code(), reply.as_str()), (ErrorCode::AuthFailed, "I HATE YOU\n"));
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "carol", "x")));
    assert_eq!(
        (result.err().unwrap().code(), reply.as_str()),
        (ErrorCode::AuthFailed, "error 0 no such user carol in CVSROOT/passwd\n")
    );
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "rooty", "secret")));
    assert_eq!(
        (result.err().unwrap().code(), reply.as_str()),
        (ErrorCode::AccessDenied, "error 0: root not allowed\n")
    );
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "empty", "anything")));
    assert_eq!((result.err().unwrap().code(), reply.as_str()), (ErrorCode::AuthFailed, "I HATE YOU\n"));
    let allow_empty = ServerOptions { allow_empty_password: true, ..options(&repo) };
    our_server(allow_empty, send(request("AUTH", &repo, "empty", "anything"))).0.unwrap();
    let elsewhere = repo.join("sub");
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &elsewhere, "alice", "secret")));
    assert_eq!(result.err().unwrap().code(), ErrorCode::AccessDenied);
    assert_eq!(reply, format!("error 0 {}: no such repository\nI HATE YOU\n", elsewhere.display()));
    let patterns = ServerOptions {
        roots: vec![],
        root_patterns: vec![sys::Regex::new("^/.*/cvs-ours-[0-9]+$").unwrap()],
        ..options(&repo)
    };
    our_server(patterns, send(request("AUTH", &repo, "alice", "secret"))).0.unwrap();
}

#[test]
fn server_failures_reach_the_client_only_as_a_fixed_text() {
    // An unreadable CVSROOT/passwd (a directory) and a bad CVSROOT/config: the details, with
    // their paths, are in the error (the log), the client gets the fixed text.
    let repo = repository("generic", "", false);
    std::fs::remove_file(repo.join("CVSROOT/passwd")).unwrap();
    std::fs::create_dir(repo.join("CVSROOT/passwd")).unwrap();
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "alice", "secret")));
    assert!(result.err().unwrap().message().contains("CVSROOT/passwd"));
    assert_eq!(reply, "error 0 authentication failed\n");
    std::fs::remove_dir(repo.join("CVSROOT/passwd")).unwrap();
    std::fs::write(repo.join("CVSROOT/config"), "SystemAuth=perhaps\n").unwrap();
    let (result, reply) = our_server(options(&repo), send(request("AUTH", &repo, "carol", "x")));
    assert!(result.err().unwrap().message().contains("perhaps"));
    assert_eq!(reply, "error 0 authentication failed\n");
    // gserver with a key table that does not exist: its path never reaches the client.
    let keytab = "/nonexistent/daemonauth-private.keytab";
    let gserver = ServerOptions { keytab: Some(keytab.to_owned()), ..options(&repo) };
    let (result, reply) = our_server(gserver, send(b"BEGIN GSSAPI REQUEST\n\x00\x04junk".to_vec()));
    assert!(result.is_err());
    assert_eq!(reply, "error 0 authentication failed\n");
}

#[test]
fn our_client_and_server_agree() {
    let repo = repository("pair", &passwd_lines(), false);
    let root = format!(":pserver:alice@localhost:{}", repo.display());
    let (result, reply) = our_server(options(&repo), |stream| {
        let (result, _) = client_auth(stream, &root, RequestKind::Verification, "wrong");
        assert_eq!(result.unwrap_err().code(), ErrorCode::AuthFailed);
    });
    assert_eq!((result.err().unwrap().code(), reply.as_str()), (ErrorCode::AuthFailed, ""));
}

#[test]
fn bad_input_is_refused_clearly_and_in_time() {
    let repo = repository("bad", &passwd_lines(), true);
    let good = request("AUTH", &repo, "alice", "secret");
    let mut crlf = good.clone();
    crlf.splice(18..18, *b"\r");
    let mut no_a = good.clone();
    let at = good.len() - "\nEND AUTH REQUEST\n".len() - 7;
    no_a[at] = b'Z';
    let mut nul = good.clone();
    nul[20] = 0;
    let huge = [b"BEGIN AUTH REQUEST\n".to_vec(), vec![b'/'; 1 << 20]].concat();
    let cases: Vec<(&str, Vec<u8>, ErrorCode)> = vec![
        ("CRLF", crlf, ErrorCode::Protocol),
        ("1 MiB line", huge, ErrorCode::TooLarge),
        ("no A", no_a, ErrorCode::Protocol),
        ("NUL", nul, ErrorCode::Protocol),
    ];
    for (name, bytes, code) in cases {
        let started = Instant::now();
        let (result, reply) = our_server(options(&repo), send(bytes));
        assert_eq!(result.err().map(|e| e.code()), Some(code), "{name}");
        assert_eq!(reply, "error 0 authentication failed\n", "{name}");
        assert!(started.elapsed() < Duration::from_secs(5), "{name}");
    }
    // EOF after every line of the request.
    let lines: Vec<usize> = good.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
    for end in std::iter::once(0).chain(lines[..lines.len() - 1].iter().copied()) {
        let (result, _) = our_server(options(&repo), send(good[..end].to_vec()));
        assert_eq!(result.err().map(|e| e.code()), Some(ErrorCode::PeerClosed), "EOF after {end} bytes");
    }
    // A slow client: a byte every 100 ms never finishes within the 1.5 s for the request.
    let started = Instant::now();
    let (result, _) = our_server(options(&repo), |stream| {
        for byte in good.iter().take(40) {
            if stream.write_all(&[*byte]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    assert_eq!(result.err().map(|e| e.code()), Some(ErrorCode::Timeout));
    assert!(started.elapsed() < Duration::from_secs(6));
}

/// Runs our gserver client against `server` on a thread (the other end of a socket pair).
fn gserver_pair<T: Send + 'static>(
    server: impl FnOnce(UnixStream) -> T + Send + 'static,
) -> (daemonauth::Result<daemonauth::gss::SecurityContext>, Vec<String>, T) {
    let (ours, theirs) = UnixStream::pair().unwrap();
    let handle = std::thread::spawn(move || server(theirs));
    let root = CvsRoot::parse(":gserver:localhost:/repo").unwrap();
    let channel = Channel::new(ours.as_raw_fd(), ours.as_raw_fd(), Duration::from_secs(10)).unwrap();
    let mut messages = Vec::new();
    let result = client::gserver_authenticate(&channel, &root, None, &mut messages);
    drop(ours);
    (result, messages, handle.join().unwrap())
}

fn gserver_options() -> ServerOptions {
    ServerOptions { root_patterns: vec![sys::Regex::new("^/repo$").unwrap()], ..ServerOptions::default() }
}

/// Makes alice@DAEMONAUTH.TEST map to the local `user` through an auth_to_local rule in a copy
/// of the realm's krb5.conf, used from now on in this (single-test) process; returns its path.
fn map_alice_to(user: &str) -> PathBuf {
    let config = std::fs::read_to_string(std::env::var("KRB5_CONFIG").unwrap()).unwrap();
    let rule = format!("auth_to_local = RULE:[1:$1@$0](^alice@DAEMONAUTH[.]TEST$)s/.*/{user}/\n        kdc = ");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("krb5-cvs-{user}-{}.conf", std::process::id()));
    std::fs::write(&path, config.replacen("    kdc = ", &rule, 1)).unwrap();
    // SAFETY: support::in_realm runs each realm test alone in its own process; the threads
    // this test starts are joined before the next call.
    unsafe { std::env::set_var("KRB5_CONFIG", &path) };
    path
}

fn serve_gserver(stream: UnixStream) -> daemonauth::Result<server::Session> {
    let options = gserver_options();
    let channel = options.channel(stream.as_raw_fd(), stream.as_raw_fd()).unwrap();
    let session = server::authenticate(&channel, &options)?;
    session.accept(&channel)?;
    Ok(session)
}

#[test]
fn gserver_maps_principals_and_protects_packets() {
    support::in_realm("gserver_maps_principals_and_protects_packets", || {
        let path = map_alice_to("nobody");
        let (client, messages, session) = gserver_pair(serve_gserver);
        let (client, session) = (client.unwrap(), session.unwrap());
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!((session.cvs_user.as_str(), session.system_user.name.as_str()), ("nobody", "nobody"));
        assert_eq!(session.kind, RequestKind::Gssapi);
        let server_context = session.context.as_ref().unwrap();
        for encrypt in [true, false] {
            let packet = gss_stream::seal(&client, encrypt, b"noop\n").unwrap();
            assert_eq!(usize::from(u16::from_be_bytes([packet[0], packet[1]])), packet.len() - 2);
            assert_eq!(&gss_stream::open(server_context, encrypt, &packet[2..]).unwrap()[..], b"noop\n");
            let reply = gss_stream::seal(server_context, encrypt, b"ok\n").unwrap();
            assert_eq!(&gss_stream::open(&client, encrypt, &reply[2..]).unwrap()[..], b"ok\n");
        }
        // An integrity-only packet on an encrypted stream is refused.
        let packet = gss_stream::seal(&client, false, b"x").unwrap();
        assert_eq!(gss_stream::open(server_context, true, &packet[2..]).unwrap_err().code(), ErrorCode::Protocol);
        assert_eq!(gss_stream::seal(&client, true, &[0; 4097]).unwrap_err().code(), ErrorCode::TooLarge);
        std::fs::remove_file(path).unwrap();
    });
}

/// Opens every packet in `wire`: the data of each, in order.
fn open_all(context: &daemonauth::gss::SecurityContext, encrypt: bool, mut wire: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !wire.is_empty() {
        let len = usize::from(u16::from_be_bytes([wire[0], wire[1]]));
        out.push(gss_stream::open(context, encrypt, &wire[2..2 + len]).unwrap().to_vec());
        wire = &wire[2 + len..];
    }
    out
}

#[test]
fn the_response_sealer_cuts_packets_as_the_cvs_client_reads() {
    support::in_realm("the_response_sealer_cuts_packets_as_the_cvs_client_reads", || {
        let path = map_alice_to("nobody");
        let (client, _, session) = gserver_pair(serve_gserver);
        let (client, session) = (client.unwrap(), session.unwrap());
        let server_context = session.context.as_ref().unwrap();
        let body: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut responses = b"Created d/\n/repo/d/f\n/f/1.1///\nu=rw\n5000\n".to_vec();
        responses.extend_from_slice(&body);
        responses.extend_from_slice(b"ok\n");
        for encrypt in [true, false] {
            let mut sealer = gss_stream::ResponseSealer::new(encrypt);
            // Fed in two uneven parts (the first ends inside the body): the same packets.
            let mut wire = sealer.seal(server_context, &responses[..100]).unwrap();
            wire.extend(sealer.seal(server_context, &responses[100..]).unwrap());
            let packets = open_all(&client, encrypt, &wire);
            let line_bytes = responses.len() - body.len();
            assert_eq!(packets.len(), line_bytes + 2);
            let sizes: Vec<usize> = packets.iter().map(Vec::len).filter(|&n| n > 1).collect();
            assert_eq!(sizes, [4096, 904]);
            assert_eq!(packets.concat(), responses);
        }
        // The library's reader takes packets of any size, not only what it sends itself.
        let data = vec![b'x'; 30000];
        let mut plain = (data.len() as u16).to_be_bytes().to_vec();
        plain.extend_from_slice(&data);
        let (wrapped, _) = server_context.wrap(true, &plain).unwrap();
        assert_eq!(&gss_stream::open(&client, true, &wrapped).unwrap()[..], &data[..]);
        std::fs::remove_file(path).unwrap();
    });
}

#[test]
fn gserver_refusals_reach_the_client() {
    support::in_realm("gserver_refusals_reach_the_client", || {
        // Without a mapping, alice@DAEMONAUTH.TEST is the local user "alice", absent here.
        if sys::user_by_name("alice").unwrap().is_none() {
            let (client, messages, session) = gserver_pair(serve_gserver);
            assert_eq!(client.err().map(|e| e.code()), Some(ErrorCode::AuthFailed));
            assert!(session.is_err());
            assert!(messages.iter().any(|m| m.contains("alice")), "{messages:?}");
        }
        // A server that answers the first token with text, as cvs does when GSS-API fails.
        let (client, messages, ()) = gserver_pair(|mut stream| {
            let mut start = [0u8; 23];
            stream.read_exact(&mut start).unwrap();
            assert_eq!(&start[..21], b"BEGIN GSSAPI REQUEST\n");
            let mut token = vec![0u8; usize::from(u16::from_be_bytes([start[21], start[22]]))];
            stream.read_exact(&mut token).unwrap();
            stream.write_all(b"error 0 no GSSAPI here\n").unwrap();
        });
        let err = client.err().unwrap();
        assert_eq!(err.code(), ErrorCode::AuthFailed);
        assert_eq!(messages, vec!["error 0 no GSSAPI here".to_owned()]);
        assert!(err.message().contains("error 0 no GSSAPI here"), "{err}");

        // A principal mapped to root is refused.
        let path = map_alice_to("root");
        let (client, messages, session) = gserver_pair(serve_gserver);
        assert_eq!(client.err().map(|e| e.code()), Some(ErrorCode::AuthFailed));
        assert_eq!(session.err().map(|e| e.code()), Some(ErrorCode::AccessDenied));
        // cvs clients skip the code up to the first space, as ours does.
        assert_eq!(messages, vec!["root not allowed".to_owned()]);
        std::fs::remove_file(path).unwrap();
    });
}
