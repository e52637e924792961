/* gss-server: MIT's sample GSS-API server, wire- and output-compatible with Debian's
 * krb5-gss-samples, built on libdaemonauth.
 *
 *   gss-server [-port port] [-verbose] [-once] [-inetd] [-export] [-logfile file]
 *              [-keytab keytab] service_name
 *
 * It accepts a context for service_name (a host-based service name such as host@myhost),
 * then answers each data message with a MIC or a NOOP, as MIT's sample does. Unlike MIT's
 * server it also serves v1 clients (gss-client -v1), whose tokens carry no flags byte.
 *
 * Like MIT's, it serves one connection at a time (no fork, no threads): while one client is
 * served the next waits in the listen queue. A stalled or trickling client holds it at most
 * for its deadlines: 10 s per token, and the library's 60 s for the whole context establishment.
 * A server for many clients forks per connection with daemonauth_limiter (cvs-pserverd,
 * distcc-auth-inetd). It listens on every IPv4 and IPv6 address (where the system has IPv6).
 * With -inetd it serves the connection on descriptor 0; inetd hands it over as descriptors 1
 * and 2 too, so in that mode nothing is written to them: the trace goes to -logfile only (none
 * by default) and errors, usage errors included, to syslog.
 *
 * Started by systemd socket activation (LISTEN_PID and LISTEN_FDS for this process, one
 * socket as descriptor 3) it needs neither -inetd nor -port: a connection (Accept=yes) is
 * served as with -inetd, a listening socket (Accept=no) as the standalone server serves its
 * own. -port is then an error, and so is -inetd with a listening socket. */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "daemon-common.h"
#include "gss-sample.h"

static FILE *logfile;
static int verbose;

static void usage(void) {
    daemon_log(LOG_ERR, "usage: gss-server [-port port] [-verbose] [-once] [-inetd] [-export] [-logfile file] "
                        "[-keytab keytab] service_name");
    exit(1);
}

/* A failed GSS-API step of the set-up: to the log file, else to the program's log. */
static void setup_error(const char *what) {
    if (logfile)
        sample_display_error(logfile, what);
    else
        daemon_log(LOG_ERR, "GSS-API error %s: %s", what, daemonauth_last_error());
}

static double seconds_between(const struct timeval *later, const struct timeval *earlier) {
    return (double)(later->tv_sec - earlier->tv_sec) +
           (double)(later->tv_usec - earlier->tv_usec) / 1000000.0;
}

/* MIT's -export self-test: export the context and import it back. */
static int export_and_import(daemonauth_gss_ctx **ctx) {
    daemonauth_buffer *token = NULL;
    struct timeval t1, t2, t3;

    gettimeofday(&t1, NULL);
    if (daemonauth_gss_ctx_export(*ctx, &token) != DAEMONAUTH_RESULT_OK) {
        sample_display_error(logfile, "exporting context");
        return -1;
    }
    gettimeofday(&t2, NULL);
    if (verbose && logfile)
        fprintf(logfile, "Exported context: %d bytes, %7.4f seconds\n",
                (int)daemonauth_buffer_len(token), seconds_between(&t2, &t1));
    daemonauth_gss_ctx_free(*ctx);
    *ctx = NULL;
    if (daemonauth_gss_ctx_import(daemonauth_buffer_data(token), daemonauth_buffer_len(token),
                                  ctx) != DAEMONAUTH_RESULT_OK) {
        sample_display_error(logfile, "importing context");
        daemonauth_buffer_free(token);
        return -1;
    }
    daemonauth_buffer_free(token);
    gettimeofday(&t3, NULL);
    if (verbose && logfile)
        fprintf(logfile, "Importing context: %7.4f seconds\n", seconds_between(&t3, &t2));
    return 0;
}

/* MIT's verbose server traces each step of the context loop. */
static void trace_token(void *userdata, daemonauth_gss_token_event event, const uint8_t *token, size_t len) {
    (void)userdata;
    if (logfile == NULL)
        return;
    switch (event) {
    case DAEMONAUTH_GSS_TOKEN_EVENT_RECEIVED:
        fprintf(logfile, "Received token (size=%d): \n", (int)len);
        break;
    case DAEMONAUTH_GSS_TOKEN_EVENT_SENT:
        fprintf(logfile, "Sending accept_sec_context token (size=%d):\n", (int)len);
        break;
    case DAEMONAUTH_GSS_TOKEN_EVENT_CONTINUE_NEEDED:
        fprintf(logfile, "continue needed...\n");
        return;
    default:
        fprintf(logfile, "\n");
        return;
    }
    sample_print_token(logfile, token, len);
}

/* The options for one protocol version: context tokens flagged CONTEXT (v2) or bare (v1). */
static daemonauth_gss_options *make_options(uint8_t context_token_flags) {
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;

    if (daemonauth_gss_options_builder_new(&builder) != DAEMONAUTH_RESULT_OK)
        return NULL;
    if (daemonauth_gss_options_builder_set_framing(builder, DAEMONAUTH_FRAMING_GSS_SAMPLE) ||
        daemonauth_gss_options_builder_set_timeout_ms(builder, 10000) ||
        daemonauth_gss_options_builder_set_required_flags(builder, 0) ||
        daemonauth_gss_options_builder_set_context_token_flags(builder, context_token_flags) ||
        (verbose && daemonauth_gss_options_builder_set_token_observer(builder, trace_token, NULL))) {
        daemonauth_gss_options_builder_free(builder);
        return NULL;
    }
    daemonauth_gss_options_builder_build(builder, &options);
    return options;
}

/* Establishes the context (or not, for an unauthenticated client). v1 is set for a client of
 * the old protocol, whose first token is already a context token. */
static int establish(int s, const daemonauth_gss_cred *cred, const daemonauth_gss_options *options,
                     const daemonauth_gss_options *v1_options, daemonauth_gss_ctx **ctx, bool *v1) {
    uint8_t flags = 0;
    daemonauth_buffer *first = NULL;
    daemonauth_result result;
    uint32_t ret_flags = 0;
    char *client = NULL, *mech = NULL, *user = NULL;

    *ctx = NULL;
    if (daemonauth_gss_token_recv(options, s, &flags, &first) != DAEMONAUTH_RESULT_OK) {
        sample_display_error(logfile, "receiving token");
        return -1;
    }
    *v1 = (flags == 0);
    if (*v1) {
        /* A v1 client: its tokens (and ours to it) have no flags byte. */
        result = daemonauth_gss_accept_after(v1_options, cred, daemonauth_buffer_data(first),
                                             daemonauth_buffer_len(first), s, s, ctx);
    } else if (!(flags & DAEMONAUTH_SAMPLE_TOKEN_NOOP)) {
        if (logfile)
            fprintf(logfile, "Expected NOOP token, got %d token instead\n", flags);
        daemonauth_buffer_free(first);
        return -1;
    } else if (flags & DAEMONAUTH_SAMPLE_TOKEN_CONTEXT_NEXT) {
        result = daemonauth_gss_accept(options, cred, s, s, ctx);
    } else {
        daemonauth_buffer_free(first);
        if (logfile)
            fprintf(logfile, "Accepted unauthenticated connection.\n");
        return 0;
    }
    daemonauth_buffer_free(first);
    if (result != DAEMONAUTH_RESULT_OK) {
        sample_display_error(logfile, "accepting context");
        return -1;
    }

    daemonauth_gss_ctx_flags(*ctx, &ret_flags);
    sample_display_ctx_flags(logfile, ret_flags);
    if (verbose && logfile && daemonauth_gss_ctx_mech(*ctx, &mech) == DAEMONAUTH_RESULT_OK) {
        fprintf(logfile, "Accepted connection using mechanism OID ");
        sample_print_oid(logfile, mech);
        fprintf(logfile, ".\n");
    }
    daemonauth_string_free(mech);
    if (daemonauth_gss_ctx_local_user(*ctx, &user) == DAEMONAUTH_RESULT_OK)
        printf("localname: %s\n", user);
    daemonauth_string_free(user);
    if (daemonauth_gss_ctx_peer_name(*ctx, &client) != DAEMONAUTH_RESULT_OK) {
        sample_display_error(logfile, "displaying name");
        return -1;
    }
    printf("Accepted connection: \"%s\"\n", client);
    daemonauth_string_free(client);
    return 0;
}

/* Prints a received message as MIT does: quoted if it starts printable, else in hex. */
static void log_message(const daemonauth_buffer *message) {
    const uint8_t *p = daemonauth_buffer_data(message);
    size_t len = daemonauth_buffer_len(message);
    if (logfile == NULL)
        return;
    fprintf(logfile, "Received message: ");
    if (len >= 2 && (isprint(p[0]) || isspace(p[0])) && (isprint(p[1]) || isspace(p[1]))) {
        fprintf(logfile, "\"%.*s\"\n", (int)len, (const char *)p);
    } else {
        fprintf(logfile, "\n");
        sample_print_token(logfile, p, len);
    }
}

/* Serves one connection: context, then messages until NOOP (or, for v1, end of stream). */
static int sign_server(int s, const daemonauth_gss_cred *cred, int export) {
    daemonauth_gss_options *options = make_options(DAEMONAUTH_SAMPLE_TOKEN_CONTEXT);
    daemonauth_gss_options *v1_options = make_options(0);
    daemonauth_gss_ctx *ctx = NULL;
    bool v1 = false;
    int i, status = -1;

    if (options == NULL || v1_options == NULL) {
        sample_display_error(logfile, "setting up");
        goto done;
    }
    if (establish(s, cred, options, v1_options, &ctx, &v1) < 0)
        goto done;
    if (ctx == NULL)
        printf("Accepted unauthenticated connection.\n");
    if (ctx != NULL && export) {
        for (i = 0; i < 3; i++)
            if (export_and_import(&ctx) < 0)
                goto done;
    }

    for (;;) {
        uint8_t flags = 0, reply_flags;
        daemonauth_buffer *token = NULL, *message = NULL, *mic = NULL;
        const daemonauth_buffer *plain;
        bool encrypted = false, wrapped, send_mic;
        daemonauth_result received = daemonauth_gss_token_recv(options, s, &flags, &token);

        if (received == DAEMONAUTH_RESULT_PEER_CLOSED && v1) {
            status = 0; /* v1 clients just close */
            break;
        }
        if (received != DAEMONAUTH_RESULT_OK) {
            sample_display_error(logfile, "receiving token");
            break;
        }
        if (flags & DAEMONAUTH_SAMPLE_TOKEN_NOOP) {
            if (logfile)
                fprintf(logfile, "NOOP token\n");
            daemonauth_buffer_free(token);
            status = 0;
            break;
        }
        if (verbose && logfile) {
            fprintf(logfile, "Message token (flags=%d):\n", flags);
            sample_print_token(logfile, daemonauth_buffer_data(token), daemonauth_buffer_len(token));
        }
        /* v1 messages carry no flags: always wrapped, always answered with a MIC. */
        wrapped = v1 || (flags & DAEMONAUTH_SAMPLE_TOKEN_WRAPPED);
        send_mic = v1 || (flags & DAEMONAUTH_SAMPLE_TOKEN_SEND_MIC);
        if (ctx == NULL && (flags & (DAEMONAUTH_SAMPLE_TOKEN_WRAPPED | DAEMONAUTH_SAMPLE_TOKEN_ENCRYPTED |
                                     DAEMONAUTH_SAMPLE_TOKEN_SEND_MIC))) {
            if (logfile)
                fprintf(logfile, "Unauthenticated client requested authenticated services!\n");
            daemonauth_buffer_free(token);
            break;
        }
        plain = token;
        if (wrapped) {
            if (daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token), daemonauth_buffer_len(token),
                                      &message, &encrypted) != DAEMONAUTH_RESULT_OK) {
                sample_display_error(logfile, "unsealing message");
                daemonauth_buffer_free(token);
                break;
            }
            if (!encrypted && (flags & DAEMONAUTH_SAMPLE_TOKEN_ENCRYPTED))
                fprintf(stderr, "Warning!  Message not encrypted.\n");
            plain = message;
        }
        log_message(plain);
        if (send_mic) {
            if (daemonauth_gss_get_mic(ctx, daemonauth_buffer_data(plain), daemonauth_buffer_len(plain),
                                       &mic) != DAEMONAUTH_RESULT_OK) {
                sample_display_error(logfile, "signing message");
                daemonauth_buffer_free(token);
                daemonauth_buffer_free(message);
                break;
            }
            reply_flags = v1 ? 0 : DAEMONAUTH_SAMPLE_TOKEN_MIC;
        } else {
            reply_flags = DAEMONAUTH_SAMPLE_TOKEN_NOOP;
        }
        received = daemonauth_gss_token_send(options, s, reply_flags, daemonauth_buffer_data(mic),
                                             daemonauth_buffer_len(mic));
        daemonauth_buffer_free(token);
        daemonauth_buffer_free(message);
        daemonauth_buffer_free(mic);
        if (received != DAEMONAUTH_RESULT_OK) {
            sample_display_error(logfile, "sending token");
            break;
        }
    }
done:
    if (logfile)
        fflush(logfile);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_options_free(options);
    daemonauth_gss_options_free(v1_options);
    return status;
}

/* Listens on every IPv6 and IPv4 address, or every IPv4 address without IPv6. */
static int create_socket(unsigned short port) {
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    int s = daemon_listen("::", service);
    if (s < 0 && errno == EAFNOSUPPORT)
        s = daemon_listen("0.0.0.0", service);
    if (s < 0)
        daemon_log_errno("listening on socket");
    return s;
}

int main(int argc, char **argv) {
    unsigned short port = GSS_SAMPLE_DEFAULT_PORT;
    int once = 0, do_inetd = 0, export = 0, port_given = 0, listener = -1;
    const char *keytab = NULL;
    daemonauth_gss_name *service = NULL;
    daemonauth_gss_cred *cred = NULL;

    enum daemon_activation activation = daemon_socket_activation("gss-server", &listener);
    /* In inetd mode standard output is the connection: no trace there unless -logfile. */
    do_inetd = activation == DAEMON_ACTIVATED_CONNECTION || daemon_has_option(argc, argv, "-inetd");
    daemon_log_open("gss-server", do_inetd);
    logfile = do_inetd ? NULL : stdout;
    for (argc--, argv++; argc > 0; argc--, argv++) {
        if (strcmp(*argv, "-port") == 0) {
            if (--argc == 0)
                usage();
            if ((port = sample_parse_port(*++argv)) == 0)
                usage();
            port_given = 1;
        } else if (strcmp(*argv, "-verbose") == 0) {
            verbose = 1;
        } else if (strcmp(*argv, "-once") == 0) {
            once = 1;
        } else if (strcmp(*argv, "-inetd") == 0) {
            do_inetd = 1;
        } else if (strcmp(*argv, "-export") == 0) {
            export = 1;
        } else if (strcmp(*argv, "-logfile") == 0) {
            if (--argc == 0)
                usage();
            argv++;
            if (strcmp(*argv, "/dev/null") == 0) {
                logfile = NULL;
            } else if ((logfile = fopen(*argv, "a")) == NULL) {
                daemon_log_errno(*argv);
                exit(1);
            }
        } else if (strcmp(*argv, "-keytab") == 0) {
            if (--argc == 0)
                usage();
            keytab = *++argv;
        } else {
            break;
        }
    }
    if (argc != 1 || (*argv)[0] == '-')
        usage();
    daemon_activation_excludes(activation != DAEMON_NOT_ACTIVATED, port_given, "-port");
    daemon_activation_excludes(activation == DAEMON_ACTIVATED_LISTENER, do_inetd, "-inetd");

    if (daemonauth_gss_name_import(*argv, DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &service) !=
        DAEMONAUTH_RESULT_OK) {
        setup_error("importing name");
        return 1;
    }
    if (daemonauth_gss_cred_acquire(service, DAEMONAUTH_GSS_USAGE_ACCEPT, NULL, keytab, NULL, &cred) !=
        DAEMONAUTH_RESULT_OK) {
        setup_error("acquiring credentials");
        return 1;
    }
    daemonauth_gss_name_free(service);

    if (do_inetd) {
        /* As MIT does, stdout and stderr are closed; unlike MIT, they are reopened on
         * /dev/null so that no later file (a keytab, a replay cache) lands on fd 1 or 2. */
        close(1);
        close(2);
        if (open("/dev/null", O_WRONLY) != 1 || open("/dev/null", O_WRONLY) != 2)
            return 1;
        sign_server(0, cred, export);
        close(0);
    } else {
        if (listener < 0)
            listener = create_socket(port);
        if (listener >= 0) {
            fprintf(stderr, "starting...\n");
            do {
                int s = accept(listener, NULL, NULL);
                if (s < 0) {
                    daemon_log_errno("accepting connection");
                    continue;
                }
                sign_server(s, cred, export);
                close(s);
            } while (!once);
            close(listener);
        }
    }
    daemonauth_gss_cred_free(cred);
    return !do_inetd && listener < 0; /* 1 when it could not listen */
}
