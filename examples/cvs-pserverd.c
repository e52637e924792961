/* cvs-pserverd: a CVS pserver/gserver front end that needs no patched cvs.
 *
 *   cvs-pserverd [-inetd | -port PORT [-listen ADDR] [-once]]
 *                [-root DIR]... [-root-regexp ERE]... [-system-passwords pam|crypt|off]
 *                [-pam-service NAME] [-allow-empty-password] [-keytab KEYTAB]
 *                [-fail-delay-ms MS] [-timeout-ms MS] [-idle-ms MS] [-cvs PATH] [-syslog]
 *                [-max-children N] [-max-failures N] [-failure-window-ms MS]
 *
 * For each connection it authenticates the client with libdaemonauth (pserver, `cvs login`
 * verification, or gserver), switches to the system user, answers I LOVE YOU and runs
 * `cvs -f server` as that user, staying in the middle: it checks the client's Root request
 * and, when the client asks for Gssapi-encrypt or Gssapi-authenticate (cvs -x / -a over
 * :gserver:), wraps and unwraps the stream. With -inetd it serves one connection on standard
 * input and output and logs to syslog from its first message on (option errors included):
 * inetd hands over the connection as descriptor 2 too, so nothing is ever written there.
 * Otherwise it listens on ADDR (an IPv4 or IPv6 address, default 127.0.0.1) and forks per
 * connection, logging to standard error unless -syslog is given. Started by systemd socket
 * activation (LISTEN_PID and LISTEN_FDS for this process, one socket as descriptor 3) it needs
 * neither: a connection (Accept=yes) is served as with -inetd, a listening socket (Accept=no)
 * as with -port, with the limits below; -port is then an error, and so is -inetd with a
 * listening socket.
 *
 * System passwords are checked through PAM with the service cvs-pserverd unless -pam-service
 * names another (the library's default, cvs, is not used: Debian's cvs ships no PAM file).
 *
 * -timeout-ms bounds the whole authentication (default 30 s); -idle-ms how long a session
 * may stay stuck after it, both sides silent or one not reading what the other sends
 * (default 600000, 10 minutes).
 *
 * Limits (libdaemonauth's daemonauth_limiter): standalone, at most -max-children sessions
 * at once (default 32); a connection beyond them is answered "error 0 ... too many
 * connections" and closed. -max-failures wrong passwords (default 5) within
 * -failure-window-ms (default 60000) from one client address, or for one user, make further
 * logins from that address or for that user fail (I HATE YOU, password not checked) until
 * the window has passed. With -inetd every connection is a new process: use inetd's own
 * limits (xinetd instances/per_source, systemd MaxConnections/MaxConnectionsPerSource). */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "daemon-common.h"

static const char *cvs_path = "/usr/bin/cvs";

static void usage(void) {
    daemon_log(LOG_ERR, "usage: cvs-pserverd [-inetd | -port PORT [-listen ADDR] [-once]] "
                        "[-root DIR]... [-root-regexp ERE]... [-system-passwords pam|crypt|off] "
                        "[-pam-service NAME] [-allow-empty-password] [-keytab KEYTAB] "
                        "[-fail-delay-ms MS] [-timeout-ms MS] [-idle-ms MS] [-cvs PATH] [-syslog] "
                        "[-max-children N] [-max-failures N] [-failure-window-ms MS]");
    exit(2);
}

/* A number of milliseconds from the command line; exits with status 2 if it is not one. */
static uint32_t milliseconds(const char *option, const char *value) {
    char *end = NULL;
    errno = 0;
    unsigned long ms = strtoul(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || ms > UINT32_MAX) {
        daemon_log(LOG_ERR, "%s: %s is not a number of milliseconds", option, value);
        exit(2);
    }
    return (uint32_t)ms;
}

/* -system-passwords: pam, crypt or off; exits with status 2 for anything else. */
static int system_passwords(const char *value) {
    if (strcmp(value, "pam") == 0)
        return CVS_AUTH_SYSTEM_PASSWORDS_PAM;
    if (strcmp(value, "crypt") == 0)
        return CVS_AUTH_SYSTEM_PASSWORDS_CRYPT;
    if (strcmp(value, "off") == 0)
        return CVS_AUTH_SYSTEM_PASSWORDS_OFF;
    daemon_log(LOG_ERR, "-system-passwords: %s is not pam, crypt or off", value);
    exit(2);
}

/* Runs `cvs -f server` as the current (already switched) user and relays to it. */
static int run_cvs(const cvs_auth_server_config *config, cvs_auth_session *session, int fd) {
    int to_cvs[2], from_cvs[2];
    if (pipe(to_cvs) != 0 || pipe(from_cvs) != 0) {
        daemon_log_errno("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        daemon_log_errno("fork");
        return 1;
    }
    if (pid == 0) {
        dup2(to_cvs[0], 0);
        dup2(from_cvs[1], 1);
        dup2(from_cvs[1], 2);
        close(to_cvs[0]);
        close(to_cvs[1]);
        close(from_cvs[0]);
        close(from_cvs[1]);
        if (fd > 2)
            close(fd);
        execl(cvs_path, "cvs", "-f", "server", (char *)NULL);
        daemon_log_errno("exec cvs");
        _exit(127);
    }
    close(to_cvs[0]);
    close(from_cvs[1]);
    /* The library takes from_cvs[0] and to_cvs[1] and closes them. */
    int status = 0;
    if (cvs_auth_session_relay(config, session, fd, fd, from_cvs[0], to_cvs[1], 0) != DAEMONAUTH_RESULT_OK)
        daemon_report("relay");
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Serves one client on fd (read and write): the whole life of a connection. */
static int serve(const cvs_auth_server_config *config, int fd) {
    cvs_auth_session *session = NULL;
    if (cvs_auth_server_authenticate(config, fd, fd, &session) != DAEMONAUTH_RESULT_OK) {
        daemon_report("refused");
        return 1;
    }
    int status = 0;
    /* A verification request (`cvs login`) only checks the password: no switch, no cvs. */
    bool verify_only = cvs_auth_session_kind(session) == CVS_AUTH_REQUEST_KIND_VERIFICATION;
    if (!verify_only && cvs_auth_session_switch_user(session) != DAEMONAUTH_RESULT_OK) {
        daemon_report("switching user");
        cvs_auth_session_refuse(session, fd, "cannot switch to the system user");
        status = 1;
    } else if (cvs_auth_session_accept(session, fd) != DAEMONAUTH_RESULT_OK) {
        daemon_report("answering");
        status = 1;
    } else if (!verify_only) {
        status = run_cvs(config, session, fd);
    }
    cvs_auth_session_free(session);
    return status;
}

/* Refuses a connection beyond -max-children with the protocol's error, without blocking:
 * the reply fits an empty socket buffer, and what the client sent is drained so that the
 * close does not reset the connection before the client reads the reply. */
static void refuse_busy(int fd) {
    static const char busy[] = "error 0 cvs-pserverd: too many connections, try again later\n";
    char drain[4096];
    if (send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        daemon_report("refusing a connection");
    shutdown(fd, SHUT_WR);
    while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0)
        ;
    close(fd);
}

int main(int argc, char **argv) {
    int inetd = 0, once = 0, listener = -1;
    const char *address = "127.0.0.1", *port = NULL;
    cvs_auth_server_config_builder *builder = NULL;
    cvs_auth_server_config *config = NULL;
    daemonauth_limiter_builder *limits = NULL;
    daemonauth_limiter *limiter = NULL;
    enum daemon_activation activation = daemon_socket_activation("cvs-pserverd", &listener);
    inetd = activation == DAEMON_ACTIVATED_CONNECTION;
    daemon_log_open("cvs-pserverd",
                    inetd || daemon_has_option(argc, argv, "-inetd") || daemon_has_option(argc, argv, "-syslog"));
    if (cvs_auth_server_config_builder_new(&builder) != DAEMONAUTH_RESULT_OK ||
        daemonauth_limiter_builder_new(&limits) != DAEMONAUTH_RESULT_OK) {
        daemon_report("config");
        return 2;
    }
    daemon_must(cvs_auth_server_config_builder_set_pam_service(builder, "cvs-pserverd"), "-pam-service");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "-inetd") == 0) {
            inetd = 1;
            continue;
        } else if (strcmp(arg, "-once") == 0) {
            once = 1;
            continue;
        } else if (strcmp(arg, "-allow-empty-password") == 0) {
            daemon_must(cvs_auth_server_config_builder_set_allow_empty_password(builder, true), arg);
            continue;
        } else if (strcmp(arg, "-syslog") == 0) {
            continue;
        }
        if (!value)
            usage();
        i++;
        if (strcmp(arg, "-port") == 0)
            port = value;
        else if (strcmp(arg, "-listen") == 0)
            address = value;
        else if (strcmp(arg, "-root") == 0)
            daemon_must(cvs_auth_server_config_builder_add_allowed_root(builder, value), arg);
        else if (strcmp(arg, "-root-regexp") == 0)
            daemon_must(cvs_auth_server_config_builder_add_allowed_root_regexp(builder, value), arg);
        else if (strcmp(arg, "-system-passwords") == 0)
            daemon_must(cvs_auth_server_config_builder_set_system_passwords(builder, system_passwords(value)), arg);
        else if (strcmp(arg, "-pam-service") == 0)
            daemon_must(cvs_auth_server_config_builder_set_pam_service(builder, value), arg);
        else if (strcmp(arg, "-keytab") == 0)
            daemon_must(cvs_auth_server_config_builder_set_keytab(builder, value), arg);
        else if (strcmp(arg, "-fail-delay-ms") == 0)
            daemon_must(cvs_auth_server_config_builder_set_fail_delay_ms(builder, milliseconds(arg, value)), arg);
        else if (strcmp(arg, "-timeout-ms") == 0)
            daemon_must(cvs_auth_server_config_builder_set_timeout_ms(builder, milliseconds(arg, value)), arg);
        else if (strcmp(arg, "-idle-ms") == 0)
            daemon_must(cvs_auth_server_config_builder_set_idle_timeout_ms(builder, milliseconds(arg, value)), arg);
        else if (daemon_limit_option(limits, arg, value))
            continue;
        else if (strcmp(arg, "-cvs") == 0)
            cvs_path = value;
        else
            usage();
    }
    daemon_activation_excludes(activation != DAEMON_NOT_ACTIVATED, port != NULL, "-port");
    daemon_activation_excludes(activation == DAEMON_ACTIVATED_LISTENER, inetd, "-inetd");
    if (inetd + (port != NULL) + (listener >= 0) != 1)
        usage();
    daemon_must(daemonauth_limiter_builder_build(limits, &limiter), "limits");
    daemon_must(cvs_auth_server_config_builder_set_limiter(builder, limiter), "limiter");
    daemon_must(cvs_auth_server_config_builder_build(builder, &config), "config");
    if (inetd)
        return serve(config, 0);

    if (listener < 0)
        listener = daemon_listen(address, port);
    if (listener < 0) {
        daemon_log(LOG_ERR, "listening on %s port %s: %s", address, port, strerror(errno));
        return 1;
    }
    if (!once)
        daemon_reap_children();
    fprintf(stderr, "starting...\n");
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0)
            continue;
        if (daemonauth_limiter_admit_child(limiter) != DAEMONAUTH_RESULT_OK) {
            daemon_report("connection refused");
            refuse_busy(fd);
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            /* Children must see their own children exit (cvs server waits for its). */
            signal(SIGCHLD, SIG_DFL);
            close(listener);
            _exit(serve(config, fd));
        }
        if (pid > 0)
            daemonauth_limiter_add_child(limiter, pid);
        close(fd);
        if (once) {
            int status = 0;
            if (pid > 0)
                waitpid(pid, &status, 0);
            cvs_auth_server_config_free(config);
            daemonauth_limiter_free(limiter);
            return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
        }
    }
}
