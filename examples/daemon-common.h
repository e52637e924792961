/* What the example daemons share: where their own and the library's messages go, a
 * listening socket on an IPv4 or IPv6 address, systemd's socket activation, and the options of
 * their limits.
 *
 * inetd (and xinetd, and systemd with StandardError=socket) hands a daemon its connection as
 * descriptors 0, 1 AND 2, so in inetd mode nothing may ever be written to standard error: the
 * client would read it in the middle of its protocol. A daemon calls daemon_socket_activation
 * and then daemon_log_open before anything else, option errors included, and then logs with
 * daemon_log only. */
#ifndef DAEMONAUTH_EXAMPLES_DAEMON_COMMON_H
#define DAEMONAUTH_EXAMPLES_DAEMON_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <daemonauth.h>

/* The program's name in its messages, and whether they go to syslog (else standard error). */
static const char *daemon_log_name = "daemon";
static int daemon_log_to_syslog;

/* The library's messages, to syslog at the matching priority. */
static inline void daemon_log_library(void *userdata, daemonauth_log_level level, const char *message) {
    (void)userdata;
    syslog(level <= DAEMONAUTH_LOG_LEVEL_ERROR  ? LOG_ERR
           : level == DAEMONAUTH_LOG_LEVEL_WARN ? LOG_WARNING
           : level == DAEMONAUTH_LOG_LEVEL_INFO ? LOG_INFO
                                                : LOG_DEBUG,
           "%s", message);
}

/* Sends the program's and the library's messages to syslog (to_syslog) or standard error. */
static inline void daemon_log_open(const char *name, int to_syslog) {
    daemon_log_name = name;
    daemon_log_to_syslog = to_syslog;
    if (to_syslog) {
        openlog(name, LOG_PID, LOG_DAEMON);
        daemonauth_set_log_callback(daemon_log_library, NULL);
    }
}

/* Logs one message (printf format, no newline). */
static inline void daemon_log(int priority, const char *format, ...) {
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (daemon_log_to_syslog)
        syslog(priority, "%s", message);
    else
        fprintf(stderr, "%s: %s\n", daemon_log_name, message);
}

/* Logs what failed with the text of errno, as perror does. */
static inline void daemon_log_errno(const char *what) {
    daemon_log(LOG_ERR, "%s: %s", what, strerror(errno));
}

/* Logs what failed with the library's last error. */
static inline void daemon_report(const char *what) {
    daemon_log(LOG_WARNING, "%s: %s", what, daemonauth_last_error());
}

/* Exits with status 2 (after logging why) when a setup call failed. */
static inline void daemon_must(daemonauth_result result, const char *what) {
    if (result != DAEMONAUTH_RESULT_OK) {
        daemon_report(what);
        exit(2);
    }
}

/* Lets the kernel reap exited children, so that a forking daemon leaves no zombies. */
static inline void daemon_reap_children(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
}

/* The host-auth server kind NAME names (sockd, rootd, proofd), or -1. */
static inline int daemon_hostauth_server_kind(const char *name) {
    static const struct {
        const char *name;
        int kind;
    } kinds[] = {{"sockd", DAEMONAUTH_HOSTAUTH_SERVER_SOCKD},
                 {"rootd", DAEMONAUTH_HOSTAUTH_SERVER_ROOTD},
                 {"proofd", DAEMONAUTH_HOSTAUTH_SERVER_PROOFD}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(name, kinds[i].name) == 0)
            return kinds[i].kind;
    return -1;
}

/* Whether one of the arguments before "--" is option. */
static inline int daemon_has_option(int argc, char **argv, const char *option) {
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], option) == 0)
            return 1;
    return 0;
}

/* A TCP socket listening on the numeric IPv4 or IPv6 address and port, or -1 with errno set
 * (EINVAL for an address or port that is not numeric). The IPv6 any-address "::" accepts
 * IPv4 connections too. The backlog is SOMAXCONN: with a short queue, a burst of clients
 * overflows it and each dropped SYN costs its client a 1 s retransmission. */
static inline int daemon_listen(const char *address, const char *port) {
    struct addrinfo hints, *found = NULL;
    int on = 1, off = 0;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(address, port, &hints, &found) != 0 || found == NULL) {
        errno = EINVAL;
        return -1;
    }
    int s = socket(found->ai_family, SOCK_STREAM, 0);
    if (s >= 0 && found->ai_family == AF_INET6 && strcmp(address, "::") == 0)
        (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        bind(s, found->ai_addr, found->ai_addrlen) != 0 || listen(s, SOMAXCONN) != 0) {
        int saved = errno;
        if (s >= 0)
            close(s);
        freeaddrinfo(found);
        errno = saved;
        return -1;
    }
    freeaddrinfo(found);
    return s;
}

/* How a daemon was started: by hand or by inetd (not activated), or by systemd socket
 * activation with a listening socket (Accept=no) or with one connection (Accept=yes). */
enum daemon_activation { DAEMON_NOT_ACTIVATED, DAEMON_ACTIVATED_LISTENER, DAEMON_ACTIVATED_CONNECTION };

/* Logs what is wrong with the socket systemd passed (a printf format with one string), to
 * syslog (descriptors 1 and 2 may be the connection), and exits with status 2. */
static inline void daemon_activation_error(const char *name, const char *format, const char *detail) {
    daemon_log_open(name, 1);
    daemon_log(LOG_ERR, format, detail);
    exit(2);
}

/* Socket activation, the protocol of sd_listen_fds(3) without libsystemd: when LISTEN_PID is
 * this process, LISTEN_FDS counts the sockets passed from descriptor 3 on. The daemons serve
 * exactly one. A listening socket (Accept=no) is returned in *listener, to accept connections
 * on as the standalone mode does; a connection (Accept=yes, inetd's contract) is moved onto
 * descriptors 0 and 1, where the inetd mode serves it. LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed (a program the daemon execs keeps its process id and must not
 * take them as its own) and the listener is close-on-exec. Any number of sockets but one, or a
 * descriptor that is not a listening or connected stream socket, is logged to syslog and exits
 * with status 2. Called first in main, before any message. */
static inline enum daemon_activation daemon_socket_activation(const char *name, int *listener) {
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    char ours[24];
    int type = 0, listening = 0;
    socklen_t len = sizeof type, listening_len = sizeof listening;
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;

    snprintf(ours, sizeof ours, "%ld", (long)getpid());
    if (pid == NULL || fds == NULL || strcmp(pid, ours) != 0)
        return DAEMON_NOT_ACTIVATED;
    if (strcmp(fds, "1") != 0)
        daemon_activation_error(name, "socket activation: LISTEN_FDS=%s: the daemon serves exactly one socket", fds);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
        getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_len) != 0)
        daemon_activation_error(name, "socket activation: descriptor 3: %s", strerror(errno));
    if (type != SOCK_STREAM)
        daemon_activation_error(name, "socket activation: descriptor 3 is %s", "not a stream socket");
    if (listening) {
        (void)fcntl(3, F_SETFD, FD_CLOEXEC);
        *listener = 3;
        return DAEMON_ACTIVATED_LISTENER;
    }
    if (getpeername(3, (struct sockaddr *)&peer, &peer_len) != 0)
        daemon_activation_error(name, "socket activation: descriptor 3 is %s", "neither listening nor connected");
    if (dup2(3, 0) != 0 || dup2(3, 1) != 1)
        daemon_activation_error(name, "socket activation: moving the connection to descriptors 0 and 1: %s",
                                strerror(errno));
    close(3);
    return DAEMON_ACTIVATED_CONNECTION;
}

/* A daemon serving a socket from systemd takes no option that says where it listens or where
 * its connection is: such an option, given while activated, is logged and exits with status 2. */
static inline void daemon_activation_excludes(int activated, int given, const char *option) {
    if (activated && given) {
        daemon_log(LOG_ERR, "%s cannot be used with a socket from systemd (LISTEN_FDS)", option);
        exit(2);
    }
}

/* A positive decimal number that fits uint32_t in *value: 1, else 0. */
static inline int daemon_parse_u32(const char *text, uint32_t *value) {
    char *end = NULL;
    unsigned long long number;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    number = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || number == 0 || number > UINT32_MAX)
        return 0;
    *value = (uint32_t)number;
    return 1;
}

/* The limit options (-max-children N, -max-failures N, -failure-window-ms MS): applies
 * `option` with `value` to `builder` and returns 1, or returns 0 when `option` is none of
 * them. A value that is not a positive number is logged and exits with status 2. */
static inline int daemon_limit_option(daemonauth_limiter_builder *builder, const char *option, const char *value) {
    daemonauth_result (*set)(daemonauth_limiter_builder *, uint32_t);
    uint32_t number = 0;
    if (strcmp(option, "-max-children") == 0)
        set = daemonauth_limiter_builder_set_max_children;
    else if (strcmp(option, "-max-failures") == 0)
        set = daemonauth_limiter_builder_set_max_failures;
    else if (strcmp(option, "-failure-window-ms") == 0)
        set = daemonauth_limiter_builder_set_failure_window_ms;
    else
        return 0;
    if (!daemon_parse_u32(value, &number)) {
        daemon_log(LOG_ERR, "%s: %s is not a positive number", option, value ? value : "(missing)");
        exit(2);
    }
    if (set(builder, number) != DAEMONAUTH_RESULT_OK) {
        daemon_log(LOG_ERR, "%s: %s", option, daemonauth_last_error());
        exit(2);
    }
    return 1;
}

#endif
