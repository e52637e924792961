/* What the example daemons share: where their own and the library's messages go, a
 * listening socket on an IPv4 or IPv6 address, and the options of their limits.
 *
 * inetd (and xinetd, and systemd with StandardError=socket) hands a daemon its connection as
 * descriptors 0, 1 AND 2, so in inetd mode nothing may ever be written to standard error: the
 * client would read it in the middle of its protocol. A daemon calls daemon_log_open before
 * anything else, option errors included, and then logs with daemon_log only. */
#ifndef DAEMONAUTH_EXAMPLES_DAEMON_COMMON_H
#define DAEMONAUTH_EXAMPLES_DAEMON_COMMON_H

#include <errno.h>
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
