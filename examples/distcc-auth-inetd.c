/* distcc-auth-inetd: distcc's GSS-API authentication in front of an unauthenticating
 * distccd, built on libdaemonauth's daemonauth_distcc_* API.
 *
 *   distcc-auth-inetd [-listen [ADDRESS:]PORT] [-once] [-principal NAME]
 *                     [-blacklist FILE | -whitelist FILE] [-realm-entries]
 *                     [-max-children N] [-max-failures N] [-failure-window-ms MS]
 *                     -- COMMAND [ARG...]
 *
 * Without -listen it serves the connection on descriptors 0 and 1 (run it from inetd): it
 * authenticates the client exactly as `distccd --auth` would (handshake, TLEN tokens, `y`/`n`)
 * and then execs COMMAND, typically `distccd --inetd ...`, which serves the compile on the
 * same connection. In this mode every message, from the first option error on, goes to syslog
 * (facility daemon): inetd hands over the connection as descriptor 2 too, so nothing is ever
 * written there. With -listen it listens on ADDRESS (an IPv4 or IPv6 address, IPv6 in
 * brackets: -listen [::1]:3632; default 127.0.0.1) and does that for each connection in a
 * child process (-once: for one connection only); it logs to standard error and prints
 * "starting... listening on ADDRESS:PORT" once it listens.
 *
 * The server principal is -principal, else $DISTCCD_PRINCIPAL (as distccd). The lists are
 * distccd's --blacklist/--whitelist; -realm-entries lets an entry with `@` match the whole
 * principal. Timeouts: the DAEMONAUTH_DISTCC_*_TIMEOUT_MS environment variables.
 *
 * Limits with -listen (libdaemonauth's daemonauth_limiter): at most -max-children
 * connections are served at once (default 32); one beyond them is closed at once. After
 * -max-failures failed authentications (default 5) within -failure-window-ms (default 60000)
 * from one client address, connections from it are closed unserved until the window has
 * passed. Under inetd use inetd's own limits (xinetd instances/per_source, systemd
 * MaxConnections/MaxConnectionsPerSource). */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "daemon-common.h"

static int serve(const daemonauth_distcc_server *server, int fd_in, int fd_out, char **command);

static void usage(void) {
    daemon_log(LOG_ERR, "usage: distcc-auth-inetd [-listen [ADDRESS:]PORT] [-once] [-principal NAME] "
                        "[-blacklist FILE | -whitelist FILE] [-realm-entries] "
                        "[-max-children N] [-max-failures N] [-failure-window-ms MS] -- COMMAND [ARG...]");
    exit(2);
}

/* Serves a connection of the listening mode in its child: refused unserved when its address
 * has used up its failures; a failed authentication is counted against the address. */
static int serve_limited(const daemonauth_distcc_server *server, const daemonauth_limiter *limiter, int conn,
                         char **command) {
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    char address[INET6_ADDRSTRLEN + 32] = "";
    int status;
    if (getpeername(conn, (struct sockaddr *)&peer, &len) != 0 ||
        getnameinfo((struct sockaddr *)&peer, len, address, sizeof address, NULL, 0, NI_NUMERICHOST) != 0)
        address[0] = '\0';
    if (daemonauth_limiter_check(limiter, address[0] ? address : NULL, NULL) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_WARNING, "client refused: %s", daemonauth_last_error());
        return 1;
    }
    status = serve(server, conn, conn, command);
    daemonauth_limiter_record_failure(limiter, address[0] ? address : NULL, NULL);
    return status;
}

/* Authenticates the client on fd_in/fd_out and execs command there; returns only on failure. */
static int serve(const daemonauth_distcc_server *server, int fd_in, int fd_out, char **command) {
    char *principal = NULL;
    daemonauth_result result = daemonauth_distcc_server_check_client(server, fd_in, fd_out, &principal);
    if (result != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_WARNING, "client refused: %s (distcc exit code %d)", daemonauth_last_error(),
                   daemonauth_distcc_exit_code(result));
        return daemonauth_distcc_exit_code(result);
    }
    daemon_log(LOG_INFO, "authenticated %s", principal ? principal : "(unnamed)");
    daemonauth_string_free(principal);
    if ((fd_in != 0 && dup2(fd_in, 0) < 0) || (fd_out != 1 && dup2(fd_out, 1) < 0)) {
        daemon_log_errno("dup2");
        return 1;
    }
    execvp(command[0], command);
    daemon_log_errno("exec");
    return 1;
}

/* Splits -listen's [ADDRESS:]PORT (an IPv6 ADDRESS in brackets) into address and port. */
static void split_listen(char *arg, const char **address, const char **port) {
    char *colon = strrchr(arg, ':');
    *address = "127.0.0.1";
    *port = arg;
    if (colon == NULL)
        return;
    *colon = '\0';
    *port = colon + 1;
    *address = arg;
    if (arg[0] == '[') {
        size_t len = strlen(arg);
        if (len < 2 || arg[len - 1] != ']')
            usage();
        arg[len - 1] = '\0';
        *address = arg + 1;
    } else if (strchr(arg, ':') != NULL) {
        usage(); /* an IPv6 address without brackets */
    }
}

int main(int argc, char **argv) {
    const char *principal = NULL, *list = NULL, *address = NULL, *port = NULL;
    int once = 0, list_mode = DAEMONAUTH_DISTCC_LIST_MODE_NONE;
    uint32_t list_flags = 0;
    daemonauth_distcc_server *server = NULL;
    daemonauth_limiter *limiter = NULL;
    int i;

    daemon_log_open("distcc-auth-inetd", !daemon_has_option(argc, argv, "-listen"));
    if (daemonauth_limiter_new(&limiter) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        return 1;
    }
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-listen") == 0 && i + 1 < argc) {
            split_listen(argv[++i], &address, &port);
        } else if (strcmp(argv[i], "-once") == 0) {
            once = 1;
        } else if (strcmp(argv[i], "-principal") == 0 && i + 1 < argc) {
            principal = argv[++i];
        } else if (strcmp(argv[i], "-blacklist") == 0 && i + 1 < argc) {
            list = argv[++i];
            list_mode = DAEMONAUTH_DISTCC_LIST_MODE_BLACKLIST;
        } else if (strcmp(argv[i], "-whitelist") == 0 && i + 1 < argc) {
            list = argv[++i];
            list_mode = DAEMONAUTH_DISTCC_LIST_MODE_WHITELIST;
        } else if (strcmp(argv[i], "-realm-entries") == 0) {
            list_flags |= DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES;
        } else if ((strcmp(argv[i], "-max-children") == 0 || strcmp(argv[i], "-max-failures") == 0 ||
                    strcmp(argv[i], "-failure-window-ms") == 0) && i + 1 < argc) {
            /* -max-children -> max_children, and so on. */
            char key[32];
            size_t k;
            snprintf(key, sizeof key, "%s", argv[i] + 1);
            for (k = 0; key[k]; k++)
                key[k] = key[k] == '-' ? '_' : key[k];
            if (daemonauth_limiter_set(limiter, key, argv[++i]) != DAEMONAUTH_RESULT_OK) {
                daemon_log(LOG_ERR, "%s", daemonauth_last_error());
                return 2;
            }
        } else {
            usage();
        }
    }
    if (i + 1 >= argc) {
        usage();
    }
    if (daemonauth_distcc_server_new(principal, list, list_mode, list_flags, &server) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        return 1;
    }
    if (port == NULL) {
        int status = serve(server, 0, 1, argv + i + 1);
        daemonauth_distcc_server_free(server);
        return status;
    }

    int listener = daemon_listen(address, port, 16);
    if (listener < 0) {
        daemon_log_errno(address);
        daemonauth_distcc_server_free(server);
        return 1;
    }
    signal(SIGCHLD, once ? SIG_DFL : SIG_IGN); /* children reap themselves unless -once */
    fprintf(stderr, strchr(address, ':') ? "starting... listening on [%s]:%s\n" : "starting... listening on %s:%s\n",
            address, port);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            daemon_log_errno("accept");
            continue;
        }
        if (daemonauth_limiter_admit_child(limiter) != DAEMONAUTH_RESULT_OK) {
            daemon_log(LOG_WARNING, "connection refused: %s", daemonauth_last_error());
            close(conn);
            continue;
        }
        pid_t child = fork();
        if (child == 0) {
            signal(SIGCHLD, SIG_DFL); /* distccd waits for its compiler */
            close(listener);
            _exit(serve_limited(server, limiter, conn, argv + i + 1));
        }
        if (child > 0)
            daemonauth_limiter_add_child(limiter, child);
        close(conn);
        if (once) {
            int status = 1;
            if (child > 0) {
                waitpid(child, &status, 0);
            }
            close(listener);
            daemonauth_distcc_server_free(server);
            daemonauth_limiter_free(limiter);
            return child > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        }
    }
}
