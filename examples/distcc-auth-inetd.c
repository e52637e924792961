/* distcc-auth-inetd: distcc's GSS-API authentication in front of an unauthenticating
 * distccd, built on libdaemonauth's daemonauth_distcc_* API.
 *
 *   distcc-auth-inetd [-listen PORT] [-once] [-principal NAME]
 *                     [-blacklist FILE | -whitelist FILE] [-realm-entries]
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
 * principal. Timeouts: the DAEMONAUTH_DISTCC_*_TIMEOUT_MS environment variables. */
#define _POSIX_C_SOURCE 200809L

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

static void usage(void) {
    fprintf(stderr, "Usage: distcc-auth-inetd [-listen PORT] [-once] [-principal NAME]\n"
                    "       [-blacklist FILE | -whitelist FILE] [-realm-entries] -- COMMAND [ARG...]\n");
    exit(2);
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
    int i;

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
        pid_t child = fork();
        if (child == 0) {
            signal(SIGCHLD, SIG_DFL); /* distccd waits for its compiler */
            close(listener);
            _exit(serve(server, conn, conn, argv + i + 1));
        }
        close(conn);
        if (once) {
            int status = 1;
            if (child > 0) {
                waitpid(child, &status, 0);
            }
            close(listener);
            daemonauth_distcc_server_free(server);
            return child > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        }
    }
}
