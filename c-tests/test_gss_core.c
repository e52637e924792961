/* The GSS-API core through the C API, in a throwaway realm: both sides of a context over a
 * socketpair (the acceptor in a forked child, as a daemon would run it), in every framing;
 * wrap/unwrap with and without confidentiality, MIC, context export in a parent and import in
 * a forked child, and the refusals: oversized announcements, truncated and silent peers. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static const char *const framing_names[] = {"", "distcc TLEN", "u16", "u32", "gss-sample"};

/* Options with a framing, a per-token timeout, a whole-exchange timeout and a token limit
 * (0: the defaults). */
static daemonauth_gss_options *options_with(int framing, uint32_t timeout_ms, uint32_t exchange_timeout_ms,
                                            size_t max_token_len) {
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;
    CHECK_RESULT(daemonauth_gss_options_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_framing(builder, framing), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_timeout_ms(builder, timeout_ms), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_exchange_timeout_ms(builder, exchange_timeout_ms),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_max_token_len(builder, max_token_len),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_flags(
                     builder, DAEMONAUTH_GSS_FLAG_MUTUAL | DAEMONAUTH_GSS_FLAG_REPLAY |
                                  DAEMONAUTH_GSS_FLAG_SEQUENCE),
                 DAEMONAUTH_RESULT_OK);
    if (framing == DAEMONAUTH_FRAMING_GSS_SAMPLE)
        CHECK_RESULT(daemonauth_gss_options_builder_set_context_token_flags(builder,
                                                                            DAEMONAUTH_SAMPLE_TOKEN_CONTEXT),
                     DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_build(builder, &options), DAEMONAUTH_RESULT_OK);
    CHECK(options != NULL);
    return options;
}

static daemonauth_gss_options *options_for(int framing) {
    return options_with(framing, 5000, 0, 0);
}

/* The acceptor: accepts, checks the client's name, answers one wrapped message with a MIC
 * over its plaintext. Runs in a child; exits 0 on success. */
static int serve(int fd, int framing) {
    daemonauth_gss_options *options = options_for(framing);
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *token = NULL, *message = NULL, *mic = NULL;
    char *peer = NULL;
    bool encrypted = false;

    CHECK_RESULT(daemonauth_gss_accept(options, NULL, fd, fd, &ctx), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_ctx_peer_name(ctx, &peer), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(peer, "alice@DAEMONAUTH.TEST") == 0);
    CHECK_RESULT(daemonauth_gss_token_recv(options, fd, NULL, &token), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token),
                                       daemonauth_buffer_len(token), &message, &encrypted),
                 DAEMONAUTH_RESULT_OK);
    CHECK(encrypted);
    CHECK(daemonauth_buffer_len(message) == 5 &&
          memcmp(daemonauth_buffer_data(message), "hello", 5) == 0);
    CHECK_RESULT(daemonauth_gss_get_mic(ctx, daemonauth_buffer_data(message),
                                        daemonauth_buffer_len(message), &mic),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_token_send(options, fd, 0, daemonauth_buffer_data(mic),
                                       daemonauth_buffer_len(mic)),
                 DAEMONAUTH_RESULT_OK);
    daemonauth_string_free(peer);
    daemonauth_buffer_free(token);
    daemonauth_buffer_free(message);
    daemonauth_buffer_free(mic);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_options_free(options);
    return 0;
}

/* Establishes a context with host@localhost over fd as the initiator. */
static daemonauth_gss_ctx *initiate_to_host(const daemonauth_gss_options *options, int fd) {
    daemonauth_gss_name *target = NULL;
    daemonauth_gss_ctx *ctx = NULL;
    CHECK_RESULT(daemonauth_gss_name_import("host@localhost",
                                            DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &target),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_initiate(options, NULL, target, fd, fd, &ctx), DAEMONAUTH_RESULT_OK);
    daemonauth_gss_name_free(target);
    return ctx;
}

static void check_child(pid_t pid) {
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void round_trip(int framing) {
    int fds[2];
    pid_t pid;
    daemonauth_gss_options *options = options_for(framing);
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *wrapped = NULL, *mic = NULL;
    char *peer = NULL, *mech = NULL;
    uint32_t flags = 0, lifetime = 0;
    bool encrypted = false;

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        _exit(serve(fds[1], framing));
    }
    close(fds[1]);
    ctx = initiate_to_host(options, fds[0]);
    CHECK_RESULT(daemonauth_gss_ctx_peer_name(ctx, &peer), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(peer, "host/localhost@DAEMONAUTH.TEST") == 0);
    CHECK_RESULT(daemonauth_gss_ctx_flags(ctx, &flags), DAEMONAUTH_RESULT_OK);
    CHECK((flags & DAEMONAUTH_GSS_FLAG_MUTUAL) && (flags & DAEMONAUTH_GSS_FLAG_SEQUENCE));
    CHECK_RESULT(daemonauth_gss_ctx_mech(ctx, &mech), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(mech, "1.2.840.113554.1.2.2") == 0);
    CHECK_RESULT(daemonauth_gss_ctx_lifetime(ctx, &lifetime), DAEMONAUTH_RESULT_OK);
    CHECK(lifetime > 0);

    CHECK_RESULT(daemonauth_gss_wrap(ctx, (const uint8_t *)"hello", 5, true, &wrapped, &encrypted),
                 DAEMONAUTH_RESULT_OK);
    CHECK(encrypted);
    CHECK_RESULT(daemonauth_gss_token_send(options, fds[0], 0, daemonauth_buffer_data(wrapped),
                                       daemonauth_buffer_len(wrapped)),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_token_recv(options, fds[0], NULL, &mic), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_verify_mic(ctx, (const uint8_t *)"hello", 5,
                                           daemonauth_buffer_data(mic), daemonauth_buffer_len(mic)),
                 DAEMONAUTH_RESULT_OK);
    /* The MIC is over "hello", not anything else. */
    CHECK_RESULT(daemonauth_gss_verify_mic(ctx, (const uint8_t *)"jello", 5,
                                           daemonauth_buffer_data(mic), daemonauth_buffer_len(mic)),
                 DAEMONAUTH_RESULT_GSS);
    check_child(pid);
    printf("gss round trip over %s framing: ok\n", framing_names[framing]);
    daemonauth_string_free(peer);
    daemonauth_string_free(mech);
    daemonauth_buffer_free(wrapped);
    daemonauth_buffer_free(mic);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_options_free(options);
    close(fds[0]);
}

/* Integrity-only wrapping reports no confidentiality; a tampered token is refused. Export
 * hands the context to a forked child that keeps using it; the exported original is dead. */
static void protection_and_export(void) {
    int fds[2];
    pid_t pid, user;
    daemonauth_gss_options *options = options_for(DAEMONAUTH_FRAMING_U32_BE);
    daemonauth_gss_ctx *ctx = NULL, *imported = NULL;
    daemonauth_buffer *wrapped = NULL, *exported = NULL;
    bool encrypted = true;
    uint8_t tampered[4096];

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* The acceptor's parent accepts, exports, and a grandchild imports and unwraps. */
        daemonauth_gss_ctx *server = NULL;
        daemonauth_buffer *token = NULL, *message = NULL;
        close(fds[0]);
        CHECK_RESULT(daemonauth_gss_accept(options, NULL, fds[1], fds[1], &server),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_gss_ctx_export(server, &exported), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_gss_unwrap(server, (const uint8_t *)"x", 1, &message, NULL),
                     DAEMONAUTH_RESULT_INVALID_ARGUMENT);
        CHECK_CONTAINS(daemonauth_last_error(), "exported");
        user = fork();
        CHECK(user >= 0);
        if (user == 0) {
            CHECK_RESULT(daemonauth_gss_ctx_import(daemonauth_buffer_data(exported),
                                                   daemonauth_buffer_len(exported), &imported),
                         DAEMONAUTH_RESULT_OK);
            /* First a tampered copy: refused. */
            CHECK_RESULT(daemonauth_gss_token_recv(options, fds[1], NULL, &token), DAEMONAUTH_RESULT_OK);
            CHECK_RESULT(daemonauth_gss_unwrap(imported, daemonauth_buffer_data(token),
                                               daemonauth_buffer_len(token), &message, &encrypted),
                         DAEMONAUTH_RESULT_GSS);
            CHECK(message == NULL);
            daemonauth_buffer_free(token);
            CHECK_RESULT(daemonauth_gss_token_recv(options, fds[1], NULL, &token), DAEMONAUTH_RESULT_OK);
            CHECK_RESULT(daemonauth_gss_unwrap(imported, daemonauth_buffer_data(token),
                                               daemonauth_buffer_len(token), &message, &encrypted),
                         DAEMONAUTH_RESULT_OK);
            CHECK(!encrypted);
            CHECK(daemonauth_buffer_len(message) == 7 &&
                  memcmp(daemonauth_buffer_data(message), "in-kid!", 7) == 0);
            _exit(0);
        }
        check_child(user);
        _exit(0);
    }
    close(fds[1]);
    ctx = initiate_to_host(options, fds[0]);

    /* Integrity only: confidentiality not applied, and tampering is detected. */
    CHECK_RESULT(daemonauth_gss_wrap(ctx, (const uint8_t *)"in-kid!", 7, false, &wrapped, &encrypted),
                 DAEMONAUTH_RESULT_OK);
    CHECK(!encrypted);
    CHECK(daemonauth_buffer_len(wrapped) <= sizeof tampered);
    memcpy(tampered, daemonauth_buffer_data(wrapped), daemonauth_buffer_len(wrapped));
    tampered[daemonauth_buffer_len(wrapped) - 1] ^= 0x01;
    CHECK_RESULT(daemonauth_gss_token_send(options, fds[0], 0, tampered, daemonauth_buffer_len(wrapped)),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_token_send(options, fds[0], 0, daemonauth_buffer_data(wrapped),
                                       daemonauth_buffer_len(wrapped)),
                 DAEMONAUTH_RESULT_OK);
    check_child(pid);
    puts("gss protection and export across fork: ok");
    daemonauth_buffer_free(wrapped);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_options_free(options);
    close(fds[0]);
}

/* A peer that sends `bytes` and then either closes or stays silent. */
static daemonauth_result accept_from(const void *bytes, size_t len, int close_after,
                                     uint32_t timeout_ms) {
    int fds[2];
    daemonauth_result result;
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_gss_options *options = options_with(DAEMONAUTH_FRAMING_U32_BE, timeout_ms, 0, 65536);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    CHECK(write(fds[0], bytes, len) == (ssize_t)len);
    if (close_after)
        close(fds[0]);
    result = daemonauth_gss_accept(options, NULL, fds[1], fds[1], &ctx);
    CHECK(ctx == NULL);
    if (!close_after)
        close(fds[0]);
    close(fds[1]);
    daemonauth_gss_options_free(options);
    return result;
}

/* A forked initiator trickles a valid-looking token a byte every 50 ms: within the 30 s
 * token timeout each time, but the whole establishment gets 500 ms. */
static void trickling_initiator(void) {
    int fds[2];
    time_t started;
    pid_t pid;
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_gss_options *options = options_with(DAEMONAUTH_FRAMING_U32_BE, 30000, 500, 0);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        static const unsigned char header[4] = {0, 0, 1, 0};
        const struct timespec pause = {0, 50000000};
        int i;
        close(fds[1]);
        for (i = 0; i < 4 + 256; i++) {
            unsigned char byte = i < 4 ? header[i] : 0x60;
            if (write(fds[0], &byte, 1) != 1)
                break;
            nanosleep(&pause, NULL);
        }
        _exit(0);
    }
    close(fds[0]);
    started = time(NULL);
    CHECK_RESULT(daemonauth_gss_accept(options, NULL, fds[1], fds[1], &ctx), DAEMONAUTH_RESULT_TIMEOUT);
    CHECK_CONTAINS(daemonauth_last_error(), "exchange did not finish within its limit of 500 ms");
    CHECK(time(NULL) - started < 10);
    CHECK(ctx == NULL);
    close(fds[1]);
    kill(pid, SIGKILL);
    CHECK(waitpid(pid, NULL, 0) == pid);
    daemonauth_gss_options_free(options);
    puts("gss exchange deadline: ok");
}

/* Names in their printable and canonical forms; credentials from an explicit keytab and
 * credential cache (the cred store); a context over a pair of pipes, one per direction. */
static void names_credentials_and_pipes(void) {
    int to_server[2], to_client[2];
    char ccache[512], *text = NULL;
    pid_t pid;
    daemonauth_gss_name *service = NULL, *canonical = NULL;
    daemonauth_gss_cred *initiator = NULL;
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_gss_options *options = options_for(DAEMONAUTH_FRAMING_U32_BE);
    const char *dir = getenv("DAEMONAUTH_TEST_DIR");
    const char *keytab = getenv("DAEMONAUTH_TEST_KEYTAB");

    CHECK(dir != NULL && keytab != NULL);
    CHECK_RESULT(daemonauth_gss_name_import("host@localhost",
                                            DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &service),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_name_display(service, &text), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(text, "host@localhost") == 0);
    daemonauth_string_free(text);
    CHECK_RESULT(daemonauth_gss_name_canonicalize(service, "krb5", &canonical), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_name_display(canonical, &text), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(text, "host/localhost@DAEMONAUTH.TEST") == 0);
    daemonauth_string_free(text);

    /* The process defaults point nowhere useful: only the explicit store can work. */
    snprintf(ccache, sizeof ccache, "FILE:%s/ccache", dir);
    setenv("KRB5CCNAME", "FILE:/nonexistent/ccache", 1);
    setenv("KRB5_KTNAME", "FILE:/nonexistent/keytab", 1);
    CHECK_RESULT(daemonauth_gss_cred_acquire(NULL, DAEMONAUTH_GSS_USAGE_INITIATE, NULL, NULL, ccache, &initiator),
                 DAEMONAUTH_RESULT_OK);

    CHECK(pipe(to_server) == 0 && pipe(to_client) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        daemonauth_gss_cred *acceptor = NULL;
        daemonauth_gss_ctx *server = NULL;
        char *client = NULL;
        CHECK_RESULT(daemonauth_gss_cred_acquire(service, DAEMONAUTH_GSS_USAGE_ACCEPT, NULL, keytab, NULL, &acceptor),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_gss_accept(options, acceptor, to_server[0], to_client[1], &server),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_gss_ctx_peer_name(server, &client), DAEMONAUTH_RESULT_OK);
        CHECK(strcmp(client, "alice@DAEMONAUTH.TEST") == 0);
        _exit(0);
    }
    CHECK_RESULT(daemonauth_gss_initiate(options, initiator, service, to_client[0], to_server[1], &ctx),
                 DAEMONAUTH_RESULT_OK);
    check_child(pid);
    puts("gss names, credential store and pipe pair: ok");
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_cred_free(initiator);
    daemonauth_gss_name_free(canonical);
    daemonauth_gss_name_free(service);
    daemonauth_gss_options_free(options);
}

static void refusals(void) {
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;
    daemonauth_gss_name *name = NULL;
    daemonauth_gss_cred *cred = NULL;
    daemonauth_gss_ctx *ctx = NULL;

    CHECK_RESULT(accept_from("\xff\xff\xff\xff", 4, 1, 5000), DAEMONAUTH_RESULT_TOO_LARGE);
    CHECK_CONTAINS(daemonauth_last_error(), "4294967295-byte token");
    CHECK_RESULT(accept_from("\x00\x00\x00\x10" "abc", 7, 1, 5000), DAEMONAUTH_RESULT_PEER_CLOSED);
    CHECK_RESULT(accept_from("", 0, 1, 5000), DAEMONAUTH_RESULT_PEER_CLOSED);
    CHECK_RESULT(accept_from("\x00\x00", 2, 0, 200), DAEMONAUTH_RESULT_TIMEOUT);
    CHECK_RESULT(accept_from("\x00\x00\x00\x04junk", 8, 1, 5000), DAEMONAUTH_RESULT_GSS);
    CHECK_CONTAINS(daemonauth_last_error(), "gss_accept_sec_context failed");

    /* A service nobody has keys for. */
    CHECK_RESULT(daemonauth_gss_name_import("nosuch@localhost",
                                            DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &name),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_cred_acquire(name, DAEMONAUTH_GSS_USAGE_ACCEPT, NULL, NULL, NULL, &cred),
                 DAEMONAUTH_RESULT_NO_CREDENTIALS);
    CHECK(cred == NULL);
    CHECK_RESULT(daemonauth_gss_initiate(NULL, NULL, name, -1, -1, &ctx),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    daemonauth_gss_name_free(name);

    /* Arguments. */
    CHECK_RESULT(daemonauth_gss_name_import(NULL, 1, &name), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_gss_name_import("x@y", 9, &name), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_gss_name_import("x@y", 1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_gss_options_builder_set_framing(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_gss_options_builder_build(NULL, &options), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK(options == NULL);
    CHECK_RESULT(daemonauth_gss_options_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_framing(builder, 9), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "9 is not a token framing");
    /* build consumes the builder even when its out-pointer is NULL. */
    CHECK_RESULT(daemonauth_gss_options_builder_build(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    daemonauth_gss_options_builder_free(NULL);
    CHECK_RESULT(daemonauth_gss_wrap(NULL, NULL, 0, true, NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    /* An out-pointer is NULL after a failure, whatever it held before. */
    ctx = (daemonauth_gss_ctx *)&name;
    CHECK_RESULT(daemonauth_gss_ctx_import((const uint8_t *)"garbage", 7, &ctx), DAEMONAUTH_RESULT_GSS);
    CHECK(ctx == NULL);
    daemonauth_gss_name_free(NULL);
    daemonauth_gss_cred_free(NULL);
    daemonauth_gss_ctx_free(NULL);
    daemonauth_gss_options_free(NULL);
    daemonauth_buffer_free(NULL);
    daemonauth_string_free(NULL);
    puts("gss refusals: ok");
}

int main(void) {
    int framing;
    for (framing = DAEMONAUTH_FRAMING_DISTCC_TLEN; framing <= DAEMONAUTH_FRAMING_GSS_SAMPLE; framing++)
        round_trip(framing);
    protection_and_export();
    refusals();
    trickling_initiator();
    names_credentials_and_pipes();
    return 0;
}
