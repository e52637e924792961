//! The GSS-API core's safe Rust API against a real KDC: both sides in one process, over a
//! socket pair, with the acceptor on a thread.

mod support;

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::thread;

use daemonauth::ErrorCode;
use daemonauth::framing::Framing;
use daemonauth::gss::{self, Name, NameType, Options, flags};

fn target() -> Name {
    Name::import("host@localhost", NameType::HostBasedService).unwrap()
}

/// Establishes a context with the given initiator and acceptor options; returns both results.
fn establish(
    client: Options,
    server: Options,
) -> (daemonauth::Result<gss::SecurityContext>, daemonauth::Result<gss::SecurityContext>) {
    let (a, b) = UnixStream::pair().unwrap();
    let acceptor = thread::spawn(move || {
        let channel = server.channel(b.as_raw_fd(), b.as_raw_fd()).unwrap();
        let result = gss::accept(&channel, &server, None);
        drop(b);
        result
    });
    let channel = client.channel(a.as_raw_fd(), a.as_raw_fd()).unwrap();
    let initiated = gss::initiate(&channel, &client, None, &target());
    drop(a);
    (initiated, acceptor.join().unwrap())
}

#[test]
fn krb5_and_spnego_contexts_carry_messages() {
    support::in_realm("krb5_and_spnego_contexts_carry_messages", || {
        for mech in [None, Some(gss::oids::krb5()), Some(gss::oids::spnego())] {
            let client = Options { mech: mech.clone(), framing: Framing::U16Be, ..Options::default() };
            let server = Options { framing: Framing::U16Be, ..Options::default() };
            let (client, server) = establish(client, server);
            let (client, server) = (client.unwrap(), server.unwrap());
            assert_eq!(server.peer_name().unwrap(), "alice@DAEMONAUTH.TEST");
            assert_eq!(client.peer_name().unwrap(), "host/localhost@DAEMONAUTH.TEST");
            let (token, encrypted) = client.wrap(true, b"secret").unwrap();
            assert!(encrypted);
            let (message, encrypted) = server.unwrap(&token).unwrap();
            assert_eq!((message.as_slice(), encrypted), (&b"secret"[..], true));
            // A replayed token is refused.
            assert_eq!(server.unwrap(&token).unwrap_err().code(), ErrorCode::Replay);
            // With the default flags (SEQUENCE requested and required), a message that skips
            // one is refused too.
            let (_skipped, _) = client.wrap(true, b"one").unwrap();
            let (second, _) = client.wrap(true, b"two").unwrap();
            assert_eq!(server.unwrap(&second).unwrap_err().code(), ErrorCode::Replay);
            let mic = server.get_mic(b"data").unwrap();
            client.verify_mic(b"data", &mic).unwrap();
            assert_eq!(client.verify_mic(b"date", &mic).unwrap_err().code(), ErrorCode::Gss);
            let expected_mech = mech.unwrap_or_else(gss::oids::krb5);
            let actual = client.info().unwrap().mech.unwrap();
            // SPNEGO negotiates krb5 underneath.
            assert!(actual == expected_mech || actual == gss::oids::krb5(), "{}", actual.to_dotted());
        }
    });
}

#[test]
fn missing_required_flags_are_refused_on_both_sides() {
    support::in_realm("missing_required_flags_are_refused_on_both_sides", || {
        let client =
            Options { flags: flags::MUTUAL, required_flags: flags::MUTUAL | flags::SEQUENCE, ..Options::default() };
        let server = Options::default();
        let (client_result, _) = establish(client, server);
        let err = client_result.err().expect("the client must refuse a context without SEQUENCE");
        assert_eq!(err.code(), ErrorCode::Gss);
        assert!(err.message().contains("lacks required flags SEQUENCE"), "{err}");

        let client = Options { flags: flags::MUTUAL, required_flags: flags::MUTUAL, ..Options::default() };
        let server = Options { required_flags: flags::MUTUAL | flags::SEQUENCE, ..Options::default() };
        let (_, server_result) = establish(client, server);
        let err = server_result.err().expect("the server must refuse a context without SEQUENCE");
        assert!(err.message().contains("lacks required flags SEQUENCE"), "{err}");
    });
}

#[test]
fn unknown_service_fails_with_readable_text() {
    support::in_realm("unknown_service_fails_with_readable_text", || {
        let (a, _b) = UnixStream::pair().unwrap();
        let options = Options::default();
        let channel = options.channel(a.as_raw_fd(), a.as_raw_fd()).unwrap();
        let name = Name::import("nosuch@localhost", NameType::HostBasedService).unwrap();
        let err = gss::initiate(&channel, &options, None, &name).err().unwrap();
        assert_eq!(err.code(), ErrorCode::UnknownPrincipal);
        assert!(err.message().contains("not found in Kerberos database"), "{err}");
    });
}

#[test]
fn no_ticket_cache_is_no_credentials() {
    support::in_realm("no_ticket_cache_is_no_credentials", || {
        let dir = std::env::var("DAEMONAUTH_TEST_DIR").unwrap();
        let store = [("ccache", format!("FILE:{dir}/no-such-ccache"))];
        let store: Vec<(&str, &str)> = store.iter().map(|(key, value)| (*key, value.as_str())).collect();
        let err = gss::Cred::acquire(None, gss::Usage::Initiate, None, &store).err().unwrap();
        assert_eq!(err.code(), ErrorCode::NoCredentials, "{err}");
    });
}

#[test]
fn a_stale_keytab_is_a_key_mismatch_on_both_sides() {
    support::in_realm("a_stale_keytab_is_a_key_mismatch_on_both_sides", || {
        // New keys in the KDC; the service's keytab keeps the old ones.
        let realm = std::env::var("DAEMONAUTH_TEST_REALM").unwrap();
        let status = std::process::Command::new("kadmin.local")
            .args(["-r", &realm, "-q", "cpw -randkey host/localhost"])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let (client, server) = establish(Options::default(), Options::default());
        let server_err = server.err().expect("the acceptor has no key for the new ticket");
        assert_eq!(server_err.code(), ErrorCode::KeyMismatch, "{server_err}");
        // The acceptor sent its KRB-ERROR: the initiator names the same cause instead of
        // "the peer closed the connection".
        let client_err = client.err().expect("the initiator hears the refusal");
        assert_eq!(client_err.code(), ErrorCode::KeyMismatch, "{client_err}");
    });
}

#[test]
fn a_password_gets_a_ticket_of_its_own() {
    support::in_realm("a_password_gets_a_ticket_of_its_own", || {
        let user = std::env::var("DAEMONAUTH_TEST_USER").unwrap();
        let password = std::env::var("DAEMONAUTH_TEST_PASSWORD").unwrap();
        let wrong = gss::acquire_with_password(&user, "not-the-password".to_owned().into(), None).err().unwrap();
        assert_eq!(wrong.code(), ErrorCode::AuthFailed, "{wrong}");

        let cred = gss::acquire_with_password(&user, password.into(), None).unwrap();
        let (a, b) = UnixStream::pair().unwrap();
        let acceptor = thread::spawn(move || {
            let options = Options::default();
            let channel = options.channel(b.as_raw_fd(), b.as_raw_fd()).unwrap();
            gss::accept(&channel, &options, None).map(|context| context.peer_name().unwrap())
        });
        let options = Options::default();
        let channel = options.channel(a.as_raw_fd(), a.as_raw_fd()).unwrap();
        gss::initiate(&channel, &options, Some(&cred), &target()).unwrap();
        assert_eq!(acceptor.join().unwrap().unwrap(), format!("{user}@DAEMONAUTH.TEST"));
    });
}
