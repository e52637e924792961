/* What the example daemons share: where their own and the library's messages go, and a
 * listening socket on an IPv4 or IPv6 address.
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
#include <stdarg.h>
#include <stdio.h>
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

/* Whether one of the arguments before "--" is option. */
static inline int daemon_has_option(int argc, char **argv, const char *option) {
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], option) == 0)
            return 1;
    return 0;
}

/* A TCP socket listening on the numeric IPv4 or IPv6 address and port, or -1 with errno set
 * (EINVAL for an address or port that is not numeric). The IPv6 any-address "::" accepts
 * IPv4 connections too. */
static inline int daemon_listen(const char *address, const char *port, int backlog) {
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
        bind(s, found->ai_addr, found->ai_addrlen) != 0 || listen(s, backlog) != 0) {
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

#endif
