/* hostauth-server: a daemon that authenticates ROOT-style host-auth clients with libdaemonauth.
 *
 *   hostauth-server -key FILE [-inetd | -port PORT [-listen ADDR] [-once] | -unix PATH [-once]]
 *                   [-access FILE] [-passwords pam[:SERVICE]|crypt|file:PATH] [-anonymous]
 *                   [-secret FILE] [-revocations FILE] [-max-validity-s S] [-timeout-ms MS]
 *                   [-gss-acceptor SERVICE@HOST] [-keytab FILE] [-srp FILE]
 *                   [-authorized-keys PATTERN] [-fail-delay-ms MS] [-kind sockd|rootd|proofd]
 *                   [-syslog]
 *   hostauth-server -generate-key FILE      (writes a new key file, prints its public key)
 *   hostauth-server -public-key FILE        (prints the public key clients pin)
 *
 * Every connection gets the encrypted channel (Noise NX, the daemon's static key from -key),
 * then ROOT's negotiation against the access file: -access, else $ROOTDAEMONRC,
 * ~/.rootdaemonrc, the system file, else the built-in default (usrpwd). usrpwd passwords are
 * checked through PAM (service hostauth-server by default; the library's default, rootd, is
 * not used), crypt(3) against the system database, or a
 * `user:crypt-hash` file; uidgid only over a Unix-domain socket (-unix), where the kernel
 * vouches for the client's uid; krb5 and globus (any GSS-API mechanism, SPNEGO by default)
 * with the keytab -keytab (default $KRB5_KTNAME), accepting as the service -gss-acceptor
 * (default: any key of the keytab), the client's principal allowed to log in as the user it
 * asks for under the krb5 local-name rules (~/.k5login, else the principal's local name);
 * srp with the verifier file -srp (written by hostauth-srp-passwd; the daemon proves it holds
 * the user's verifier); ssh with the user's authorized keys (-authorized-keys, `%h` the home,
 * `%u` the user; default %h/.ssh/authorized_keys).
 * With -secret, clients that ask get a reuse token. A failed method is answered after
 * -fail-delay-ms (default 2000). -kind says what this daemon is (default rootd): it picks the
 * access file's :srv rules, and clients asking for another kind are refused. Numbers are
 * positive decimals; a bad one is an error (status 2).
 *
 * On success the daemon logs who the client is and closes the connection: a real daemon
 * would serve the client from here, as that user. With -inetd it serves one connection on
 * standard input and output and logs to syslog from its first message on (option errors
 * included): inetd hands the connection over as descriptor 2 too, so nothing is ever written
 * there. Otherwise it listens on ADDR (an IPv4 or IPv6 address, default 127.0.0.1) or on the
 * Unix socket PATH and forks per connection (-once: serves one connection and exits with its
 * status), logging to standard error unless -syslog is given. Started by systemd socket
 * activation (LISTEN_PID and LISTEN_FDS for this process, one socket as descriptor 3) it needs
 * none of -inetd, -port and -unix: a connection (Accept=yes) is served as with -inetd, a
 * listening socket, TCP or Unix (Accept=no), as with -port or -unix; -port and -unix are then
 * errors, and so is -inetd with a listening socket. Exit status: 0 authenticated, 1 refused,
 * 2 usage or setup error. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "daemon-common.h"

static void usage(void) {
    daemon_log(LOG_ERR, "usage: hostauth-server -key FILE [-inetd | -port PORT [-listen ADDR] [-once] | "
                        "-unix PATH [-once]] [-access FILE] [-passwords pam[:SERVICE]|crypt|file:PATH] "
                        "[-anonymous] [-secret FILE] [-revocations FILE] [-max-validity-s S] "
                        "[-kind sockd|rootd|proofd] [-gss-acceptor SERVICE@HOST] [-keytab FILE] [-srp FILE] "
                        "[-authorized-keys PATTERN] "
                        "[-timeout-ms MS] [-fail-delay-ms MS] [-syslog] | "
                        "-generate-key FILE | -public-key FILE");
    exit(2);
}


static int print_public_key(const char *path) {
    char *hex = NULL;
    if (daemonauth_hostauth_key_public(path, &hex) != DAEMONAUTH_RESULT_OK) {
        daemon_report("reading the key file");
        return 2;
    }
    printf("%s\n", hex);
    daemonauth_string_free(hex);
    return 0;
}

static const char *method_name(daemonauth_hostauth_method method) {
    static const char *names[] = {"usrpwd", "srp", "krb5", "globus", "ssh", "uidgid"};
    return (unsigned)method < sizeof names / sizeof names[0] ? names[method] : "?";
}

/* Serves one client on fd (read and write): the whole life of a connection. */
static int serve(const daemonauth_hostauth_server_config *config, int fd) {
    daemonauth_hostauth_session *session = NULL;
    if (daemonauth_hostauth_server_accept(config, fd, fd, &session) != DAEMONAUTH_RESULT_OK) {
        daemon_report("refused");
        return 1;
    }
    daemonauth_hostauth_method method = DAEMONAUTH_HOSTAUTH_METHOD_USRPWD;
    bool reused = false, revoked = false;
    daemonauth_hostauth_session_method(session, &method);
    daemonauth_hostauth_session_reused(session, &reused);
    daemonauth_hostauth_session_revoked(session, &revoked);
    if (revoked)
        daemon_log(LOG_INFO, "revoked a reuse token of %s from %s", daemonauth_hostauth_session_user(session),
                   daemonauth_hostauth_session_client_host(session));
    else {
        const char *principal = daemonauth_hostauth_session_principal(session);
        daemon_log(LOG_INFO, "authenticated %s as %s by %s%s%s%s%s from %s", daemonauth_hostauth_session_user(session),
                   daemonauth_hostauth_session_login(session), method_name(method), reused ? " (reused token)" : "",
                   *principal ? " (principal " : "", principal, *principal ? ")" : "",
                   daemonauth_hostauth_session_client_host(session));
    }
    daemonauth_hostauth_session_free(session);
    return 0;
}

/* A Unix-domain socket listening at path (an old socket file there is replaced). */
static int listen_unix(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, path);
    unlink(path);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(s, SOMAXCONN) != 0) {
        int saved = errno;
        if (s >= 0)
            close(s);
        errno = saved;
        return -1;
    }
    return s;
}

/* The value of a number option; a bad one is logged and exits with status 2. */
static uint32_t number(const char *option, const char *value) {
    uint32_t n = 0;
    if (!daemon_parse_u32(value, &n)) {
        daemon_log(LOG_ERR, "%s: %s is not a positive number", option, value);
        exit(2);
    }
    return n;
}

static void set_passwords(daemonauth_hostauth_server_config_builder *builder, const char *value) {
    daemonauth_result result;
    if (strcmp(value, "crypt") == 0)
        result = daemonauth_hostauth_server_config_builder_set_password_check(
            builder, DAEMONAUTH_HOSTAUTH_PASSWORD_CHECK_SYSTEM_CRYPT, NULL);
    else if (strcmp(value, "pam") == 0)
        result = daemonauth_hostauth_server_config_builder_set_password_check(
            builder, DAEMONAUTH_HOSTAUTH_PASSWORD_CHECK_PAM, "hostauth-server");
    else if (strncmp(value, "pam:", 4) == 0)
        result = daemonauth_hostauth_server_config_builder_set_password_check(
            builder, DAEMONAUTH_HOSTAUTH_PASSWORD_CHECK_PAM, value + 4);
    else if (strncmp(value, "file:", 5) == 0)
        result = daemonauth_hostauth_server_config_builder_set_password_check(
            builder, DAEMONAUTH_HOSTAUTH_PASSWORD_CHECK_FILE, value + 5);
    else
        usage();
    daemon_must(result, "-passwords");
}

int main(int argc, char **argv) {
    int inetd = 0, once = 0, listener = -1;
    const char *address = "127.0.0.1", *port = NULL, *unix_path = NULL, *gss_acceptor = NULL, *keytab = NULL;
    daemonauth_hostauth_server_config_builder *builder = NULL;
    daemonauth_hostauth_server_config *config = NULL;
    enum daemon_activation activation = daemon_socket_activation("hostauth-server", &listener);
    inetd = activation == DAEMON_ACTIVATED_CONNECTION;
    daemon_log_open("hostauth-server",
                    inetd || daemon_has_option(argc, argv, "-inetd") || daemon_has_option(argc, argv, "-syslog"));
    if (argc == 3 && strcmp(argv[1], "-generate-key") == 0) {
        if (daemonauth_hostauth_key_generate(argv[2]) != DAEMONAUTH_RESULT_OK) {
            daemon_report("generating a key");
            return 2;
        }
        return print_public_key(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "-public-key") == 0)
        return print_public_key(argv[2]);
    daemon_must(daemonauth_hostauth_server_config_builder_new(&builder), "config");
    set_passwords(builder, "pam");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "-inetd") == 0) {
            inetd = 1;
            continue;
        } else if (strcmp(arg, "-once") == 0) {
            once = 1;
            continue;
        } else if (strcmp(arg, "-syslog") == 0) {
            continue;
        } else if (strcmp(arg, "-anonymous") == 0) {
            daemon_must(daemonauth_hostauth_server_config_builder_set_anonymous(builder, true), arg);
            continue;
        }
        if (!value)
            usage();
        i++;
        if (strcmp(arg, "-port") == 0)
            port = value;
        else if (strcmp(arg, "-listen") == 0)
            address = value;
        else if (strcmp(arg, "-unix") == 0)
            unix_path = value;
        else if (strcmp(arg, "-key") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_key_file(builder, value), arg);
        else if (strcmp(arg, "-access") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_access_file(builder, value), arg);
        else if (strcmp(arg, "-passwords") == 0)
            set_passwords(builder, value);
        else if (strcmp(arg, "-secret") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_secret_file(builder, value), arg);
        else if (strcmp(arg, "-revocations") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_revocation_file(builder, value), arg);
        else if (strcmp(arg, "-max-validity-s") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_max_validity_s(builder, number(arg, value)), arg);
        else if (strcmp(arg, "-fail-delay-ms") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_fail_delay_ms(builder, number(arg, value)), arg);
        else if (strcmp(arg, "-timeout-ms") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_timeout_ms(builder, number(arg, value)), arg);
        else if (strcmp(arg, "-gss-acceptor") == 0)
            gss_acceptor = value;
        else if (strcmp(arg, "-keytab") == 0)
            keytab = value;
        else if (strcmp(arg, "-srp") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_srp_file(builder, value), arg);
        else if (strcmp(arg, "-authorized-keys") == 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_authorized_keys(builder, value), arg);
        else if (strcmp(arg, "-kind") == 0 && daemon_hostauth_server_kind(value) >= 0)
            daemon_must(daemonauth_hostauth_server_config_builder_set_server_kind(builder,
                                                                                  daemon_hostauth_server_kind(value)),
                        arg);
        else
            usage();
    }
    daemon_activation_excludes(activation != DAEMON_NOT_ACTIVATED, port != NULL, "-port");
    daemon_activation_excludes(activation != DAEMON_NOT_ACTIVATED, unix_path != NULL, "-unix");
    daemon_activation_excludes(activation == DAEMON_ACTIVATED_LISTENER, inetd, "-inetd");
    if (inetd + (port != NULL) + (unix_path != NULL) + (listener >= 0) != 1)
        usage();
    daemon_must(daemonauth_hostauth_server_config_builder_set_gss_acceptor(builder, gss_acceptor, keytab),
                "-gss-acceptor/-keytab");
    daemon_must(daemonauth_hostauth_server_config_builder_build(builder, &config), "config");
    if (inetd)
        return serve(config, 0);

    if (listener < 0)
        listener = unix_path ? listen_unix(unix_path) : daemon_listen(address, port);
    if (listener < 0) {
        daemon_log(LOG_ERR, "listening on %s: %s", unix_path ? unix_path : port, strerror(errno));
        return 2;
    }
    if (!once)
        daemon_reap_children();
    fprintf(stderr, "starting...\n");
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0)
            continue;
        if (once) {
            int status = serve(config, fd);
            close(fd);
            daemonauth_hostauth_server_config_free(config);
            return status;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(listener);
            _exit(serve(config, fd));
        }
        close(fd);
    }
}
