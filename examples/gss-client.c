/* gss-client: MIT's sample GSS-API client, wire- and output-compatible with Debian's
 * krb5-gss-samples, built on libdaemonauth.
 *
 *   gss-client [-port port] [-mech mechanism] [-spnego] [-krb5] [-d] [-seq] [-noreplay]
 *              [-nomutual] [-user user] [-pass pw] [-f] [-q] [-ccount count]
 *              [-mcount count] [-v1] [-na] [-nw] [-nx] [-nm] host service msg
 *
 * It establishes a context with service (host-based, e.g. host@server) on host:port, sends
 * msg (or, with -f, the contents of the file msg) mcount times, wrapped and encrypted unless
 * told otherwise, and verifies the server's MIC over it; all of that ccount times.
 *
 * With -user but no -pass and no ticket for that user in the cache, the password is asked
 * through the library's responder: from the answer file named by $DAEMONAUTH_ANSWER_FILE if
 * set (see docs/responder.md), else on the terminal. */
#define _POSIX_C_SOURCE 200809L

#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gss-sample.h"

struct client_config {
    const char *host, *service, *msg, *mechanism, *username, *password;
    unsigned short port;
    uint32_t gss_flags;
    bool auth, wrap, encrypt, mic, v1, use_file, verbose, spnego;
    int mcount;
};

static void usage(void) {
    fprintf(stderr, "Usage: gss-client [-port port] [-mech mechanism] [-spnego] [-d]\n");
    fprintf(stderr, "       [-seq] [-noreplay] [-nomutual] [-user user] [-pass pw]");
    fprintf(stderr, "\n       [-f] [-q] [-ccount count] [-mcount count]\n");
    fprintf(stderr, "       [-v1] [-na] [-nw] [-nx] [-nm] host service msg\n");
    exit(1);
}

static int connect_to_server(const char *host, unsigned short port) {
    struct addrinfo hints, *found, *ai;
    char service[8];
    int s = -1, error;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    if ((error = getaddrinfo(host, service, &hints, &found)) != 0) {
        fprintf(stderr, "Unknown host: %s\n", host);
        return -1;
    }
    for (ai = found; ai != NULL; ai = ai->ai_next) {
        if ((s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
            continue;
        if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(s);
        s = -1;
    }
    freeaddrinfo(found);
    if (s < 0)
        perror("connecting to server");
    return s;
}

/* Reads the whole file into a malloc'd buffer; exits on failure as MIT's client does. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *data;

    if (f == NULL || fstat(fileno(f), &st) < 0) {
        perror("open");
        fprintf(stderr, "Couldn't open file %s\n", path);
        exit(1);
    }
    data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (data == NULL) {
        fprintf(stderr, "Couldn't allocate %d byte buffer for reading file\n", (int)st.st_size);
        exit(1);
    }
    *len = fread(data, 1, (size_t)st.st_size, f);
    if (*len < (size_t)st.st_size)
        fprintf(stderr, "Warning, only read in %d bytes, expected %d\n", (int)*len, (int)st.st_size);
    fclose(f);
    return data;
}

/* The answer file from $DAEMONAUTH_ANSWER_FILE (if set), then the terminal. */
static daemonauth_responder *make_responder(void) {
    const char *path = getenv("DAEMONAUTH_ANSWER_FILE");
    daemonauth_responder *members[2] = {NULL, NULL}, *chain = NULL;
    size_t count = 0;

    if (path != NULL && daemonauth_responder_new_file(path, &members[count]) == DAEMONAUTH_RESULT_OK)
        count++;
    if (daemonauth_responder_new_terminal(&members[count]) == DAEMONAUTH_RESULT_OK)
        count++;
    if (daemonauth_responder_new_chain((const daemonauth_responder *const *)members, count, &chain) !=
        DAEMONAUTH_RESULT_OK)
        chain = NULL;
    while (count > 0)
        daemonauth_responder_free(members[--count]);
    return chain;
}

/* Acquires the -user/-pass credentials, if any were asked for. */
static int client_credentials(const struct client_config *cfg, const char *mech,
                              daemonauth_gss_cred **cred) {
    daemonauth_gss_name *user = NULL;
    daemonauth_responder *responder = NULL;
    daemonauth_result result;

    *cred = NULL;
    if (cfg->username == NULL && cfg->password == NULL)
        return 0;
    if (cfg->password != NULL) {
        if (cfg->username != NULL &&
            daemonauth_gss_name_import(cfg->username, DAEMONAUTH_GSS_NAME_TYPE_USER_NAME, &user) !=
                DAEMONAUTH_RESULT_OK) {
            sample_display_error(stdout, "parsing client name");
            return -1;
        }
        result = daemonauth_gss_cred_acquire_with_password(user, cfg->password, mech, cred);
        daemonauth_gss_name_free(user);
    } else {
        responder = make_responder();
        result = daemonauth_gss_cred_acquire_initiator(cfg->username, mech, responder, cred);
        daemonauth_responder_free(responder);
    }
    if (result != DAEMONAUTH_RESULT_OK) {
        sample_display_error(stdout, "acquiring creds");
        return -1;
    }
    return 0;
}

/* MIT's verbose client traces each step of the context loop. */
static void trace_token(void *userdata, daemonauth_gss_token_event event, const uint8_t *token, size_t len) {
    (void)userdata;
    (void)token;
    if (event == DAEMONAUTH_GSS_TOKEN_EVENT_SENT)
        printf("Sending init_sec_context token (size=%d)...", (int)len);
    else if (event == DAEMONAUTH_GSS_TOKEN_EVENT_CONTINUE_NEEDED)
        printf("continue needed...");
    else
        printf("\n");
}

/* What MIT's verbose client prints about an established context. */
static void describe_context(const daemonauth_gss_ctx *ctx) {
    char *source = NULL, *name_type = NULL, *target = NULL;
    uint32_t flags = 0, lifetime = 0;
    bool initiator = false;

    daemonauth_gss_ctx_flags(ctx, &flags);
    sample_display_ctx_flags(stdout, flags);
    if (daemonauth_gss_ctx_source_name(ctx, &source, &name_type) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_ctx_target_name(ctx, &target) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_ctx_lifetime(ctx, &lifetime) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_ctx_is_initiator(ctx, &initiator) != DAEMONAUTH_RESULT_OK) {
        sample_display_error(stdout, "inquiring context");
    } else {
        printf("\"%s\" to \"%s\", lifetime %u, flags %x, %s, %s\n", source, target, (unsigned)lifetime,
               (unsigned)flags, initiator ? "locally initiated" : "remotely initiated", "open");
        printf("Name type of source name is ");
        sample_print_oid(stdout, name_type);
        printf(".\n");
    }
    daemonauth_string_free(source);
    daemonauth_string_free(name_type);
    daemonauth_string_free(target);
}

/* Sends the message mcount times and checks each reply. */
static int exchange_messages(int s, const struct client_config *cfg, const daemonauth_gss_options *options,
                             daemonauth_gss_ctx *ctx, const uint8_t *msg, size_t len) {
    int i;
    for (i = 0; i < cfg->mcount; i++) {
        daemonauth_buffer *wrapped = NULL, *reply = NULL;
        const uint8_t *out = msg;
        size_t out_len = len;
        bool encrypted = false;
        uint8_t flags = cfg->v1 ? 0
                                : (uint8_t)(DAEMONAUTH_SAMPLE_TOKEN_DATA |
                                            (cfg->wrap ? DAEMONAUTH_SAMPLE_TOKEN_WRAPPED : 0) |
                                            (cfg->encrypt ? DAEMONAUTH_SAMPLE_TOKEN_ENCRYPTED : 0) |
                                            (cfg->mic ? DAEMONAUTH_SAMPLE_TOKEN_SEND_MIC : 0));
        int ok;

        if (cfg->wrap) {
            if (daemonauth_gss_wrap(ctx, msg, len, cfg->encrypt, &wrapped, &encrypted) != DAEMONAUTH_RESULT_OK) {
                sample_display_error(stdout, "wrapping message");
                return -1;
            }
            if (cfg->encrypt && !encrypted)
                fprintf(stderr, "Warning!  Message not encrypted.\n");
            out = daemonauth_buffer_data(wrapped);
            out_len = daemonauth_buffer_len(wrapped);
        }
        ok = daemonauth_gss_token_send(options, s, flags, out, out_len) == DAEMONAUTH_RESULT_OK;
        daemonauth_buffer_free(wrapped);
        if (!ok || daemonauth_gss_token_recv(options, s, NULL, &reply) != DAEMONAUTH_RESULT_OK) {
            sample_display_error(stdout, "exchanging message");
            return -1;
        }
        if (cfg->mic) {
            ok = daemonauth_gss_verify_mic(ctx, msg, len, daemonauth_buffer_data(reply),
                                           daemonauth_buffer_len(reply)) == DAEMONAUTH_RESULT_OK;
            daemonauth_buffer_free(reply);
            if (!ok) {
                sample_display_error(stdout, "verifying signature");
                return -1;
            }
            if (cfg->verbose)
                printf("Signature verified.\n");
        } else {
            daemonauth_buffer_free(reply);
            if (cfg->verbose)
                printf("Response received.\n");
        }
    }
    return 0;
}

/* The options of one connection, from the command line. */
static daemonauth_gss_options *make_options(const struct client_config *cfg, const char *mech) {
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;

    if (daemonauth_gss_options_builder_new(&builder) != DAEMONAUTH_RESULT_OK)
        return NULL;
    if (daemonauth_gss_options_builder_set_framing(builder, DAEMONAUTH_FRAMING_GSS_SAMPLE) ||
        daemonauth_gss_options_builder_set_timeout_ms(builder, 10000) ||
        daemonauth_gss_options_builder_set_flags(builder, cfg->gss_flags) ||
        daemonauth_gss_options_builder_set_required_flags(builder, 0) ||
        daemonauth_gss_options_builder_set_context_token_flags(builder,
                                                               cfg->v1 ? 0 : DAEMONAUTH_SAMPLE_TOKEN_CONTEXT) ||
        daemonauth_gss_options_builder_set_mech(builder, mech) ||
        (cfg->verbose && daemonauth_gss_options_builder_set_token_observer(builder, trace_token, NULL))) {
        daemonauth_gss_options_builder_free(builder);
        return NULL;
    }
    daemonauth_gss_options_builder_build(builder, &options);
    return options;
}

static int call_server(const struct client_config *cfg) {
    daemonauth_gss_options *options = NULL;
    daemonauth_gss_name *target = NULL;
    daemonauth_gss_cred *cred = NULL;
    daemonauth_gss_ctx *ctx = NULL;
    const char *mech = cfg->spnego ? "spnego" : cfg->mechanism;
    char *file_data = NULL;
    const uint8_t *msg;
    size_t len;
    int s, status = -1;

    if ((s = connect_to_server(cfg->host, cfg->port)) < 0)
        return -1;
    if ((options = make_options(cfg, mech)) == NULL) {
        sample_display_error(stdout, "setting up");
        goto done;
    }
    if (cfg->auth) {
        if (client_credentials(cfg, mech, &cred) < 0)
            goto done;
        if (daemonauth_gss_name_import(cfg->service, DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &target) !=
            DAEMONAUTH_RESULT_OK) {
            sample_display_error(stdout, "parsing name");
            goto done;
        }
        if (!cfg->v1 && daemonauth_gss_token_send(options, s, DAEMONAUTH_SAMPLE_TOKEN_NOOP |
                                                              DAEMONAUTH_SAMPLE_TOKEN_CONTEXT_NEXT,
                                              NULL, 0) != DAEMONAUTH_RESULT_OK) {
            sample_display_error(stdout, "sending token");
            goto done;
        }
        if (daemonauth_gss_initiate(options, cred, target, s, s, &ctx) != DAEMONAUTH_RESULT_OK) {
            sample_display_error(stdout, "initializing context");
            goto done;
        }
        if (cfg->verbose)
            describe_context(ctx);
    } else if (daemonauth_gss_token_send(options, s, DAEMONAUTH_SAMPLE_TOKEN_NOOP, NULL, 0) !=
               DAEMONAUTH_RESULT_OK) {
        sample_display_error(stdout, "sending token");
        goto done;
    }

    if (cfg->use_file) {
        file_data = read_file(cfg->msg, &len);
        msg = (const uint8_t *)file_data;
    } else {
        msg = (const uint8_t *)cfg->msg;
        len = strlen(cfg->msg);
    }
    if (exchange_messages(s, cfg, options, ctx, msg, len) < 0)
        goto done;
    if (!cfg->v1)
        (void)daemonauth_gss_token_send(options, s, DAEMONAUTH_SAMPLE_TOKEN_NOOP, NULL, 0);
    status = 0;
done:
    free(file_data);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_name_free(target);
    daemonauth_gss_cred_free(cred);
    daemonauth_gss_options_free(options);
    close(s);
    return status;
}

int main(int argc, char **argv) {
    struct client_config cfg;
    int i, ccount = 1;

    memset(&cfg, 0, sizeof cfg);
    cfg.port = GSS_SAMPLE_DEFAULT_PORT;
    cfg.gss_flags = DAEMONAUTH_GSS_FLAG_MUTUAL | DAEMONAUTH_GSS_FLAG_REPLAY;
    cfg.auth = cfg.wrap = cfg.encrypt = cfg.mic = cfg.verbose = true;
    cfg.mcount = 1;

    for (argc--, argv++; argc > 0; argc--, argv++) {
        const char *opt = *argv;
#define NEXT_ARG() (--argc == 0 ? (usage(), (char *)NULL) : *++argv)
        if (strcmp(opt, "-port") == 0) { if ((cfg.port = sample_parse_port(NEXT_ARG())) == 0) usage(); }
        else if (strcmp(opt, "-mech") == 0) cfg.mechanism = NEXT_ARG();
        else if (strcmp(opt, "-user") == 0) cfg.username = NEXT_ARG();
        else if (strcmp(opt, "-pass") == 0) cfg.password = NEXT_ARG();
        else if (strcmp(opt, "-iakerb") == 0) cfg.mechanism = "1.3.6.1.5.2.5";
        else if (strcmp(opt, "-spnego") == 0) cfg.spnego = true;
        else if (strcmp(opt, "-krb5") == 0) cfg.mechanism = "krb5"; /* MIT sends the RFC 1964 OID too */
        else if (strcmp(opt, "-d") == 0) cfg.gss_flags |= DAEMONAUTH_GSS_FLAG_DELEG;
        else if (strcmp(opt, "-seq") == 0) cfg.gss_flags |= DAEMONAUTH_GSS_FLAG_SEQUENCE;
        else if (strcmp(opt, "-noreplay") == 0) cfg.gss_flags &= ~(uint32_t)DAEMONAUTH_GSS_FLAG_REPLAY;
        else if (strcmp(opt, "-nomutual") == 0) cfg.gss_flags &= ~(uint32_t)DAEMONAUTH_GSS_FLAG_MUTUAL;
        else if (strcmp(opt, "-f") == 0) cfg.use_file = true;
        else if (strcmp(opt, "-q") == 0) cfg.verbose = false;
        else if (strcmp(opt, "-ccount") == 0) { if ((ccount = atoi(NEXT_ARG())) <= 0) usage(); }
        else if (strcmp(opt, "-mcount") == 0) { if ((cfg.mcount = atoi(NEXT_ARG())) < 0) usage(); }
        else if (strcmp(opt, "-na") == 0) cfg.auth = cfg.wrap = cfg.encrypt = cfg.mic = false;
        else if (strcmp(opt, "-nw") == 0) cfg.wrap = false;
        else if (strcmp(opt, "-nx") == 0) cfg.encrypt = false;
        else if (strcmp(opt, "-nm") == 0) cfg.mic = false;
        else if (strcmp(opt, "-v1") == 0) cfg.v1 = true;
        else break;
#undef NEXT_ARG
    }
    if (argc != 3)
        usage();
    cfg.host = argv[0];
    cfg.service = argv[1];
    cfg.msg = argv[2];

    for (i = 0; i < ccount; i++)
        if (call_server(&cfg) < 0)
            exit(1);
    return 0;
}
