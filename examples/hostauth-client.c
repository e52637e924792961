/* hostauth-client: authenticates to a host-auth daemon the way ROOT's clients did, with the
 * methods of the rc files, through libdaemonauth.
 *
 *   hostauth-client [-port PORT | -unix PATH] [-user USER] [-server sockd|rootd|proofd]
 *                   [-pin HEX | -known-hosts FILE] [-answers FILE] [-netrc FILE]
 *                   [-repeat N [-pause-ms MS]] [-revoke] [-gss-service NAME]
 *                   [-timeout-ms MS] HOST
 *
 * The methods to try and their details come from $ROOTAUTHRC, else ~/.rootauthrc, else the
 * system file, with the .rootrc defaults (see docs/hostauth.md); the daemon's list decides
 * which of them run (ROOT's negotiation). Passwords come from the answer file -answers
 * (`password=...`, private to the user), else the netrc file -netrc (without it ~/.rootnetrc
 * then ~/.netrc, as ROOT's clients read them: `machine HOST login USER password PW`, private
 * to the user), else the terminal. -pin or -known-hosts checks the
 * daemon's key; without them the key is taken on trust, and a man in the middle could read a
 * usrpwd password (the client says so). krb5 and globus use the Kerberos ticket cache, and
 * without a ticket ask for the principal's password the same way; they authenticate to the
 * service NAME@HOST (-gss-service, default host) and need the daemon to prove it holds its key.
 * ssh signs with the key file of the method's kf: detail (its passphrase asked the same way),
 * else with the keys of the ssh-agent at $SSH_AUTH_SOCK.
 *
 * It connects to HOST on TCP port PORT (default 1094) or to the Unix socket PATH (-unix,
 * needed for uidgid; not with -port), authenticates -repeat times (default 1; later sessions reuse the token
 * the first one got, when the daemon issues tokens; -pause-ms waits that long between two
 * sessions, so that a token can expire meanwhile), and with -revoke connects once more to
 * revoke that token. One line per session on standard output:
 *   method=usrpwd login=alice reused=no daemon-key=verified
 * Numbers (-repeat, -pause-ms, -timeout-ms) are positive decimals. Exit status: 0 every
 * session authenticated, 1 refused, 2 usage or setup error. */
#define _POSIX_C_SOURCE 200809L

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <daemonauth.h>

#include "daemon-common.h"

static void usage(void) {
    fprintf(stderr, "usage: hostauth-client [-port PORT | -unix PATH] [-user USER] [-server sockd|rootd|proofd] "
                    "[-pin HEX | -known-hosts FILE] [-answers FILE] [-netrc FILE] [-repeat N [-pause-ms MS]] [-revoke] "
                    "[-gss-service NAME] "
                    "[-timeout-ms MS] HOST\n");
    exit(2);
}

/* The value of a number option, or the usage and exit status 2. */
static uint32_t number(const char *value) {
    uint32_t n = 0;
    if (!daemon_parse_u32(value, &n))
        usage();
    return n;
}

static void must(daemonauth_result result, const char *what) {
    if (result != DAEMONAUTH_RESULT_OK) {
        fprintf(stderr, "hostauth-client: %s: %s\n", what, daemonauth_last_error());
        exit(2);
    }
}

/* A connected socket to host:port or to the Unix socket path, or -1 (reported). */
static int connect_to(const char *host, const char *port, const char *unix_path) {
    if (unix_path) {
        struct sockaddr_un addr;
        memset(&addr, 0, sizeof addr);
        addr.sun_family = AF_UNIX;
        strncpy(addr.sun_path, unix_path, sizeof addr.sun_path - 1);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        if (s >= 0 && connect(s, (struct sockaddr *)&addr, sizeof addr) == 0)
            return s;
        perror(unix_path);
        if (s >= 0)
            close(s);
        return -1;
    }
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int status = getaddrinfo(host, port, &hints, &found);
    if (status != 0) {
        fprintf(stderr, "hostauth-client: %s: %s\n", host, gai_strerror(status));
        return -1;
    }
    for (struct addrinfo *ai = found; ai; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s >= 0 && connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
            freeaddrinfo(found);
            return s;
        }
        if (s >= 0)
            close(s);
    }
    freeaddrinfo(found);
    fprintf(stderr, "hostauth-client: cannot connect to %s port %s\n", host, port);
    return -1;
}

static const char *method_name(daemonauth_hostauth_method method) {
    static const char *names[] = {"usrpwd", "srp", "krb5", "globus", "ssh", "uidgid"};
    return (unsigned)method < sizeof names / sizeof names[0] ? names[method] : "?";
}

int main(int argc, char **argv) {
    const char *port = "1094", *unix_path = NULL, *user = getenv("USER"), *pin = NULL, *known = NULL,
               *answers = NULL, *netrc = NULL, *host = NULL, *gss_service = NULL;
    int kind = DAEMONAUTH_HOSTAUTH_SERVER_ROOTD, revoke = 0, port_given = 0;
    uint32_t repeat = 1, timeout_ms = 0, pause_ms = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-revoke") == 0) {
            revoke = 1;
            continue;
        }
        if (arg[0] != '-') {
            if (host || i + 1 != argc)
                usage();
            host = arg;
            continue;
        }
        if (i + 1 >= argc)
            usage();
        const char *value = argv[++i];
        if (strcmp(arg, "-port") == 0) {
            port = value;
            port_given = 1;
        } else if (strcmp(arg, "-unix") == 0)
            unix_path = value;
        else if (strcmp(arg, "-user") == 0)
            user = value;
        else if (strcmp(arg, "-server") == 0 && (kind = daemon_hostauth_server_kind(value)) >= 0)
            continue;
        else if (strcmp(arg, "-pin") == 0)
            pin = value;
        else if (strcmp(arg, "-known-hosts") == 0)
            known = value;
        else if (strcmp(arg, "-answers") == 0)
            answers = value;
        else if (strcmp(arg, "-netrc") == 0)
            netrc = value;
        else if (strcmp(arg, "-gss-service") == 0)
            gss_service = value;
        else if (strcmp(arg, "-repeat") == 0)
            repeat = number(value);
        else if (strcmp(arg, "-pause-ms") == 0)
            pause_ms = number(value);
        else if (strcmp(arg, "-timeout-ms") == 0)
            timeout_ms = number(value);
        else
            usage();
    }
    if (!host || !user || (pin && known) || (port_given && unix_path))
        usage();

    daemonauth_responder *chain[3] = {NULL, NULL, NULL}, *responder = NULL;
    size_t count = 0;
    if (answers)
        must(daemonauth_responder_new_file(answers, &chain[count++]), "-answers");
    /* As ROOT's clients: -netrc, else ~/.rootnetrc then ~/.netrc (when $HOME is set). */
    if (netrc || getenv("HOME"))
        must(daemonauth_responder_new_netrc(netrc, &chain[count++]), "-netrc");
    must(daemonauth_responder_new_terminal(&chain[count++]), "terminal");
    must(daemonauth_responder_new_chain((const daemonauth_responder *const *)chain, count, &responder), "responder");

    daemonauth_hostauth_client_config_builder *builder = NULL;
    daemonauth_hostauth_client_config *config = NULL;
    must(daemonauth_hostauth_client_config_builder_new(&builder), "config");
    must(daemonauth_hostauth_client_config_builder_set_responder(builder, responder), "responder");
    must(daemonauth_hostauth_client_config_builder_set_timeout_ms(builder, timeout_ms), "-timeout-ms");
    must(daemonauth_hostauth_client_config_builder_set_gss_service(builder, gss_service), "-gss-service");
    if (pin)
        must(daemonauth_hostauth_client_config_builder_set_pinned_key(builder, pin), "-pin");
    if (known)
        must(daemonauth_hostauth_client_config_builder_set_known_hosts_file(builder, known), "-known-hosts");
    must(daemonauth_hostauth_client_config_builder_build(builder, &config), "config");

    int status = 0;
    for (uint32_t round = 0; round < repeat && status == 0; round++) {
        if (round > 0 && pause_ms > 0) {
            struct timespec pause = {(time_t)(pause_ms / 1000), (long)(pause_ms % 1000) * 1000000L};
            nanosleep(&pause, NULL);
        }
        int fd = connect_to(host, port, unix_path);
        if (fd < 0) {
            status = 2;
            break;
        }
        daemonauth_hostauth_session *session = NULL;
        if (daemonauth_hostauth_client_authenticate(config, fd, fd, host, user, kind, &session) !=
            DAEMONAUTH_RESULT_OK) {
            fprintf(stderr, "hostauth-client: refused: %s\n", daemonauth_last_error());
            status = 1;
        } else {
            daemonauth_hostauth_method method = DAEMONAUTH_HOSTAUTH_METHOD_USRPWD;
            bool reused = false, verified = false;
            daemonauth_hostauth_session_method(session, &method);
            daemonauth_hostauth_session_reused(session, &reused);
            daemonauth_hostauth_session_daemon_key_verified(session, &verified);
            printf("method=%s login=%s reused=%s daemon-key=%s\n", method_name(method),
                   daemonauth_hostauth_session_login(session), reused ? "yes" : "no",
                   verified ? "verified" : "UNVERIFIED");
            if (!verified)
                fprintf(stderr, "hostauth-client: warning: the daemon's key was not checked (no -pin or "
                                "-known-hosts entry): a man in the middle could have read a password\n");
            fflush(stdout);
            daemonauth_hostauth_session_free(session);
        }
        close(fd);
    }
    if (status == 0 && revoke) {
        int fd = connect_to(host, port, unix_path);
        if (fd < 0 || daemonauth_hostauth_client_revoke(config, fd, fd, host, user, kind) != DAEMONAUTH_RESULT_OK) {
            fprintf(stderr, "hostauth-client: revoking: %s\n", daemonauth_last_error());
            status = 1;
        } else {
            printf("revoked\n");
        }
        if (fd >= 0)
            close(fd);
    }
    daemonauth_hostauth_client_config_free(config);
    daemonauth_responder_free(responder);
    for (size_t i = 0; i < count; i++)
        daemonauth_responder_free(chain[i]);
    return status;
}
