/* distcc-auth-inetd: distcc's GSS-API authentication in front of an unauthenticating
 * distccd, built on libdaemonauth's daemonauth_distcc_* API.
 *
 *   distcc-auth-inetd [-listen PORT] [-once] [-principal NAME]
 *                     [-blacklist FILE | -whitelist FILE] [-realm-entries]
 *                     [-max-children N] [-max-failures N] [-failure-window-ms MS]
 *                     -- COMMAND [ARG...]
 *
 * Without -listen it serves the connection on stdin/stdout (run it from inetd): it
 * authenticates the client exactly as `distccd --auth` would (handshake, TLEN tokens, `y`/`n`)
 * and then execs COMMAND, typically `distccd --inetd ...`, which serves the compile on the
 * same connection. With -listen it listens on 127.0.0.1:PORT and does that for each
 * connection in a child process (-once: for one connection only); it prints "starting..." and
 * the address to stderr once it listens.
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

#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <daemonauth.h>

static int serve(const daemonauth_distcc_server *server, int fd_in, int fd_out, char **command);

static void usage(void) {
    fprintf(stderr, "Usage: distcc-auth-inetd [-listen PORT] [-once] [-principal NAME]\n"
                    "       [-blacklist FILE | -whitelist FILE] [-realm-entries]\n"
                    "       [-max-children N] [-max-failures N] [-failure-window-ms MS] -- COMMAND [ARG...]\n");
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
        fprintf(stderr, "distcc-auth-inetd: client refused: %s\n", daemonauth_last_error());
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
        fprintf(stderr, "distcc-auth-inetd: client refused: %s (distcc exit code %d)\n",
                daemonauth_last_error(), daemonauth_distcc_exit_code(result));
        return daemonauth_distcc_exit_code(result);
    }
    fprintf(stderr, "distcc-auth-inetd: authenticated %s\n", principal ? principal : "(unnamed)");
    daemonauth_string_free(principal);
    if (fd_in != 0 && dup2(fd_in, 0) < 0) {
        perror("distcc-auth-inetd: dup2");
        return 1;
    }
    if (fd_out != 1 && dup2(fd_out, 1) < 0) {
        perror("distcc-auth-inetd: dup2");
        return 1;
    }
    execvp(command[0], command);
    perror("distcc-auth-inetd: exec");
    return 1;
}

static int listen_on(int port) {
    struct sockaddr_in addr;
    int one = 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        perror("distcc-auth-inetd: socket");
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 16) < 0) {
        perror("distcc-auth-inetd: bind/listen");
        close(s);
        return -1;
    }
    return s;
}

int main(int argc, char **argv) {
    const char *principal = NULL, *list = NULL;
    int port = 0, once = 0, list_mode = DAEMONAUTH_DISTCC_LIST_MODE_NONE;
    uint32_t list_flags = 0;
    daemonauth_distcc_server *server = NULL;
    daemonauth_limiter *limiter = NULL;
    int i;

    if (daemonauth_limiter_new(&limiter) != DAEMONAUTH_RESULT_OK) {
        fprintf(stderr, "distcc-auth-inetd: %s\n", daemonauth_last_error());
        return 1;
    }
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-listen") == 0 && i + 1 < argc) {
            port = atoi(argv[++i]);
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
                fprintf(stderr, "distcc-auth-inetd: %s\n", daemonauth_last_error());
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
        fprintf(stderr, "distcc-auth-inetd: %s\n", daemonauth_last_error());
        return 1;
    }
    if (port == 0) {
        int status = serve(server, 0, 1, argv + i + 1);
        daemonauth_distcc_server_free(server);
        return status;
    }

    int listener = listen_on(port);
    if (listener < 0) {
        daemonauth_distcc_server_free(server);
        return 1;
    }
    signal(SIGCHLD, once ? SIG_DFL : SIG_IGN); /* children reap themselves unless -once */
    fprintf(stderr, "starting... listening on 127.0.0.1:%d\n", port);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) {
            perror("distcc-auth-inetd: accept");
            continue;
        }
        if (daemonauth_limiter_admit_child(limiter) != DAEMONAUTH_RESULT_OK) {
            fprintf(stderr, "distcc-auth-inetd: connection refused: %s\n", daemonauth_last_error());
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
