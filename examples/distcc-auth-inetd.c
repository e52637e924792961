/* distcc-auth-inetd: distcc's GSS-API authentication in front of an unauthenticating
 * distccd, built on libdaemonauth's daemonauth_distcc_* API.
 *
 *   distcc-auth-inetd [-listen [ADDRESS:]PORT] [-once] [-principal NAME]
 *                     [-blacklist FILE | -whitelist FILE] [-realm-entries]
 *                     [-timeout-ms MS] [-exchange-timeout-ms MS]
 *                     [-max-children N] [-max-failures N] [-failure-window-ms MS]
 *                     (-relay [ADDRESS:]PORT [-relay-idle-ms MS] | -- COMMAND [ARG...])
 *
 * Without -listen it serves the connection on descriptors 0 and 1 (run it from inetd): it
 * authenticates the client exactly as `distccd --auth` would (handshake, TLEN tokens, `y`/`n`)
 * and then execs COMMAND, typically `distccd --inetd ...`, which serves the compile on the
 * same connection. With -relay it instead connects to a distccd daemon without --auth
 * listening on ADDRESS:PORT (default 127.0.0.1; it must listen on loopback only) and relays
 * the connection to it both ways until both sides have finished: this is the deployment to
 * use, since `distccd --inetd` waits a full second per compile and a daemon does not. The
 * relay ends when no byte has moved either way for -relay-idle-ms (default 300000, distccd's
 * own I/O timeout), and a write to either side that cannot finish within that time ends it
 * too (SO_SNDTIMEO), so a client that stops reading or sending never holds a process for
 * long. Without -listen every message, from the first option error on, goes to syslog
 * (facility daemon): inetd hands over the connection as descriptor 2 too, so nothing is ever
 * written there. With -listen it listens on ADDRESS (an IPv4 or IPv6 address, IPv6 in
 * brackets: -listen [::1]:3632; default 127.0.0.1) and does that for each connection in a
 * child process (-once: for one connection only); it logs to standard error and prints
 * "starting... listening on ADDRESS:PORT" once it listens. Started by systemd socket
 * activation (LISTEN_PID and LISTEN_FDS for this process, one socket as descriptor 3) it
 * serves a connection (Accept=yes) as under inetd, and a listening socket (Accept=no) as with
 * -listen, with the limits below, logging to syslog; -listen is then an error.
 *
 * The server principal is -principal, else $DISTCCD_PRINCIPAL (as distccd). The lists are
 * distccd's --blacklist/--whitelist; -realm-entries lets an entry with `@` match the whole
 * principal. -timeout-ms bounds each read or write of the exchange (default 30000),
 * -exchange-timeout-ms the whole exchange with one client (default 60000); without them the
 * DAEMONAUTH_DISTCC_IO_TIMEOUT_MS and DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS environment
 * variables apply, as in distccd with the drop-in.
 *
 * Limits with -listen (libdaemonauth's daemonauth_limiter): at most -max-children
 * connections are served at once (default 32); one beyond them is closed at once. After
 * -max-failures failed authentications (default 5) within -failure-window-ms (default 60000)
 * from one client address, connections from it are closed unserved until the window has
 * passed. Under inetd use inetd's own limits (xinetd instances/per_source, systemd
 * MaxConnections/MaxConnectionsPerSource). */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "daemon-common.h"

/* What runs the compile once the client is authenticated: a relay to a distccd daemon at
 * relay_address:relay_port, or else command exec'd on the connection. */
struct backend {
    const char *relay_address, *relay_port;
    uint32_t relay_idle_ms;
    char **command;
};

static int authenticate(const daemonauth_distcc_server *server, int read_fd, int write_fd);
static int run_backend(int read_fd, int write_fd, const struct backend *backend);

static void usage(void) {
    daemon_log(LOG_ERR, "usage: distcc-auth-inetd [-listen [ADDRESS:]PORT] [-once] [-principal NAME] "
                        "[-blacklist FILE | -whitelist FILE] [-realm-entries] "
                        "[-timeout-ms MS] [-exchange-timeout-ms MS] [-max-children N] [-max-failures N] [-failure-window-ms MS] "
                        "(-relay [ADDRESS:]PORT [-relay-idle-ms MS] | -- COMMAND [ARG...])");
    exit(2);
}

/* Serves a connection of the listening mode in its child: refused unserved when its address
 * has used up its failures; a failed authentication is counted against the address. */
static int serve_limited(const daemonauth_distcc_server *server, const daemonauth_limiter *limiter, int conn,
                         const struct backend *backend) {
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
    status = authenticate(server, conn, conn);
    if (status != 0) {
        daemonauth_limiter_record_failure(limiter, address[0] ? address : NULL, NULL);
        return status;
    }
    return run_backend(conn, conn, backend);
}

/* Connects to the distccd daemon at address:port with TCP_NODELAY (the relay forwards each
 * piece as it arrives; Nagle would hold a small piece back); -1 on failure. */
static int connect_backend(const char *address, const char *port) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
    struct addrinfo *found = NULL;
    int one = 1, fd = -1;
    if (getaddrinfo(address, port, &hints, &found) != 0)
        return -1;
    fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && (connect(fd, found->ai_addr, found->ai_addrlen) != 0 ||
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

/* Copies what one read returns from `from` to `to`; 0 at end of input, -1 on an error.
 * After each read TCP_QUICKACK is re-armed on `from` (as the library does on every socket it
 * reads): Debian's distcc client writes its request in many small pieces, and with a delayed
 * ACK here its Nagle would hold the second piece back for 40 ms. */
static int relay_once(int from, int to) {
    char buffer[65536];
    int one = 1;
    ssize_t got = read(from, buffer, sizeof buffer);
    if (got < 0)
        return errno == EINTR ? 1 : -1;
    setsockopt(from, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one); /* fails harmlessly on a pipe */
    for (ssize_t sent = 0; sent < got;) {
        ssize_t n = write(to, buffer + sent, (size_t)(got - sent));
        if (n < 0 && errno != EINTR)
            return -1;
        sent += n > 0 ? n : 0;
    }
    return got > 0;
}

/* Relays client (read_fd/write_fd) <-> backend both ways; an end of input is passed on as a
 * shutdown of the other side's writing, and the relay ends when both directions have ended,
 * on an error, or when nothing has moved for idle_ms (a write blocked for idle_ms is an
 * error). Returns 0 when both ended cleanly. */
static int relay(int read_fd, int write_fd, int backend, uint32_t idle_ms) {
    int one = 1, to_backend_open = 1, to_client_open = 1;
    struct timeval send_timeout = {.tv_sec = idle_ms / 1000, .tv_usec = (idle_ms % 1000) * 1000};
    /* A side that has gone away makes a write fail with EPIPE, which is logged below, instead
     * of killing the relay without a word. */
    signal(SIGPIPE, SIG_IGN);
    setsockopt(write_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on a pipe */
    setsockopt(write_fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    setsockopt(backend, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    while (to_backend_open || to_client_open) {
        struct pollfd fds[2] = {{.fd = to_backend_open ? read_fd : -1, .events = POLLIN},
                                {.fd = to_client_open ? backend : -1, .events = POLLIN}};
        int ready = poll(fds, 2, (int)idle_ms);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (ready == 0) {
            daemon_log(LOG_WARNING, "relay: nothing moved for %u ms, closing the connection", (unsigned)idle_ms);
            return 1;
        }
        if (fds[0].revents) {
            int status = relay_once(read_fd, backend);
            if (status < 0) {
                daemon_log_errno("relay: to distccd");
                return 1;
            }
            if (status == 0) {
                shutdown(backend, SHUT_WR);
                to_backend_open = 0;
            }
        }
        if (fds[1].revents) {
            int status = relay_once(backend, write_fd);
            if (status < 0) {
                daemon_log_errno("relay: to the client");
                return 1;
            }
            if (status == 0) {
                shutdown(write_fd, SHUT_WR);
                to_client_open = 0;
            }
        }
    }
    return 0;
}

/* Authenticates the client on read_fd/write_fd: 0, or distcc's exit code. */
static int authenticate(const daemonauth_distcc_server *server, int read_fd, int write_fd) {
    char *principal = NULL;
    daemonauth_result result = daemonauth_distcc_server_check_client(server, read_fd, write_fd, &principal);
    if (result != DAEMONAUTH_RESULT_OK) {
        daemonauth_distcc_exit code = daemonauth_distcc_exit_code(result);
        daemon_log(LOG_WARNING, "client refused: %s (distcc exit code %d)", daemonauth_last_error(), (int)code);
        return (int)code;
    }
    daemon_log(LOG_INFO, "authenticated %s", principal ? principal : "(unnamed)");
    daemonauth_string_free(principal);
    return 0;
}

/* Serves the authenticated client: relays it to the backend daemon (returns 0 when the
 * relay ended cleanly) or execs the backend command on its descriptors (returns only on
 * failure). */
static int run_backend(int read_fd, int write_fd, const struct backend *backend) {
    if (backend->relay_port != NULL) {
        int daemon = connect_backend(backend->relay_address, backend->relay_port);
        int status;
        if (daemon < 0) {
            daemon_log_errno("relay: connect to distccd");
            return 1;
        }
        status = relay(read_fd, write_fd, daemon, backend->relay_idle_ms);
        close(daemon);
        return status;
    }
    if ((read_fd != 0 && dup2(read_fd, 0) < 0) || (write_fd != 1 && dup2(write_fd, 1) < 0)) {
        daemon_log_errno("dup2");
        return 1;
    }
    execvp(backend->command[0], backend->command);
    daemon_log_errno("exec");
    return 1;
}

/* Splits -listen's or -relay's [ADDRESS:]PORT (an IPv6 ADDRESS in brackets) into address and port. */
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

/* Sets a timeout option's value with `set`; a value that is not a positive number exits. */
static void set_timeout(daemonauth_distcc_server_builder *builder,
                        daemonauth_result (*set)(daemonauth_distcc_server_builder *, uint32_t), const char *option,
                        const char *value) {
    uint32_t timeout_ms = 0;
    if (!daemon_parse_u32(value, &timeout_ms) || set(builder, timeout_ms) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s: %s is not a positive number of milliseconds", option, value);
        exit(2);
    }
}

int main(int argc, char **argv) {
    const char *principal = NULL, *list = NULL, *address = NULL, *port = NULL;
    struct backend backend = {NULL, NULL, 300000, NULL};
    int once = 0, list_mode = DAEMONAUTH_DISTCC_LIST_MODE_NONE;
    uint32_t list_flags = 0;
    daemonauth_distcc_server_builder *builder = NULL;
    daemonauth_distcc_server *server = NULL;
    daemonauth_limiter_builder *limits = NULL;
    daemonauth_limiter *limiter = NULL;
    int i, listener = -1;

    enum daemon_activation activation = daemon_socket_activation("distcc-auth-inetd", &listener);
    daemon_log_open("distcc-auth-inetd", !daemon_has_option(argc, argv, "-listen"));
    if (daemonauth_distcc_server_builder_new(&builder) != DAEMONAUTH_RESULT_OK ||
        daemonauth_limiter_builder_new(&limits) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        return 1;
    }
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-listen") == 0 && i + 1 < argc) {
            split_listen(argv[++i], &address, &port);
        } else if (strcmp(argv[i], "-relay") == 0 && i + 1 < argc) {
            split_listen(argv[++i], &backend.relay_address, &backend.relay_port);
        } else if (strcmp(argv[i], "-relay-idle-ms") == 0 && i + 1 < argc) {
            if (!daemon_parse_u32(argv[++i], &backend.relay_idle_ms) || backend.relay_idle_ms > INT_MAX) {
                daemon_log(LOG_ERR, "-relay-idle-ms: %s is not a positive number of milliseconds", argv[i]);
                exit(2);
            }
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
        } else if (strcmp(argv[i], "-timeout-ms") == 0 && i + 1 < argc) {
            set_timeout(builder, daemonauth_distcc_server_builder_set_timeout_ms, argv[i], argv[i + 1]);
            i++;
        } else if (strcmp(argv[i], "-exchange-timeout-ms") == 0 && i + 1 < argc) {
            set_timeout(builder, daemonauth_distcc_server_builder_set_exchange_timeout_ms, argv[i], argv[i + 1]);
            i++;
        } else if (i + 1 < argc && daemon_limit_option(limits, argv[i], argv[i + 1])) {
            i++;
        } else {
            usage();
        }
    }
    daemon_activation_excludes(activation != DAEMON_NOT_ACTIVATED, port != NULL, "-listen");
    if (i + 1 < argc && backend.relay_port == NULL) {
        backend.command = argv + i + 1;
    } else if (i < argc || backend.relay_port == NULL) {
        usage(); /* exactly one of -relay and -- COMMAND */
    }
    if (daemonauth_distcc_server_builder_set_principal(builder, principal) != DAEMONAUTH_RESULT_OK ||
        daemonauth_distcc_server_builder_set_list(builder, list, list_mode, list_flags) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        return 2;
    }
    /* _build consumes its builder, whether it succeeds or not. */
    if (daemonauth_distcc_server_builder_build(builder, &server) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        daemonauth_limiter_builder_free(limits);
        return 1;
    }
    if (daemonauth_limiter_builder_build(limits, &limiter) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s", daemonauth_last_error());
        daemonauth_distcc_server_free(server);
        return 1;
    }
    if (port == NULL && listener < 0) {
        int status = authenticate(server, 0, 1);
        if (status == 0)
            status = run_backend(0, 1, &backend);
        daemonauth_distcc_server_free(server);
        daemonauth_limiter_free(limiter);
        return status;
    }

    if (listener < 0)
        listener = daemon_listen(address, port);
    if (listener < 0) {
        daemon_log_errno(address);
        daemonauth_distcc_server_free(server);
        daemonauth_limiter_free(limiter);
        return 1;
    }
    signal(SIGCHLD, once ? SIG_DFL : SIG_IGN); /* children reap themselves unless -once */
    if (port != NULL)
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
            _exit(serve_limited(server, limiter, conn, &backend));
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
