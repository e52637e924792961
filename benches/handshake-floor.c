/* The handshake floor for scripts/bench: one Kerberos GSS-API context (mutual) established
 * and one message wrapped by the initiator and unwrapped by the acceptor, three ways:
 *
 *   inprocess           raw GSS-API calls, tokens handed over in memory (no I/O at all)
 *   socketpair-raw      raw GSS-API calls, the two sides in two threads over a socketpair,
 *                       each token a 4-byte big-endian length and the body in one write
 *   socketpair-library  libdaemonauth's daemonauth_gss_initiate/_accept, _wrap/_unwrap and
 *                       _token_send/_recv over the same kind of socketpair (its default framing
 *                       is the same 4-byte length)
 *
 *   handshake-floor MODE COUNT     prints the mean microseconds per handshake
 *
 * Runs in a realm's environment (scripts/realm): the user's ticket cache and a keytab with
 * host/localhost. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <daemonauth.h>
#include <gssapi/gssapi.h>

#define FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)
static const char message[] = "benchmark message";
static gss_name_t target;

static void die(const char *what) {
    fprintf(stderr, "handshake-floor: %s failed\n", what);
    exit(1);
}

/* ---- raw GSS, tokens in memory or over a socket */
static void send_token(int fd, const gss_buffer_desc *token) {
    unsigned char *frame = malloc(token->length + 4);
    uint32_t len = htonl((uint32_t)token->length);
    memcpy(frame, &len, 4);
    memcpy(frame + 4, token->value, token->length);
    if (write(fd, frame, token->length + 4) != (ssize_t)(token->length + 4))
        die("write");
    free(frame);
}

static void read_all(int fd, void *buffer, size_t len) {
    for (size_t got = 0; got < len;) {
        ssize_t n = read(fd, (char *)buffer + got, len - got);
        if (n <= 0)
            die("read");
        got += (size_t)n;
    }
}

static void recv_token(int fd, gss_buffer_desc *token) {
    uint32_t len;
    read_all(fd, &len, 4);
    token->length = ntohl(len);
    token->value = malloc(token->length);
    read_all(fd, token->value, token->length);
}

static void raw_initiator(int fd) {
    OM_uint32 minor, major;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in = GSS_C_EMPTY_BUFFER, out, plain = {sizeof message - 1, (void *)message};
    do {
        major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, GSS_C_NO_OID, FLAGS, 0, NULL,
                                     &in, NULL, &out, NULL, NULL);
        free(in.value);
        in.value = NULL;
        if (GSS_ERROR(major))
            die("gss_init_sec_context");
        if (out.length)
            send_token(fd, &out);
        gss_release_buffer(&minor, &out);
        if (major & GSS_S_CONTINUE_NEEDED)
            recv_token(fd, &in);
    } while (major & GSS_S_CONTINUE_NEEDED);
    if (gss_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &plain, NULL, &out) != GSS_S_COMPLETE)
        die("gss_wrap");
    send_token(fd, &out);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

static void raw_acceptor(int fd, gss_cred_id_t cred) {
    OM_uint32 minor, major;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in, out;
    do {
        recv_token(fd, &in);
        major = gss_accept_sec_context(&minor, &ctx, cred, &in, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL,
                                       NULL, NULL);
        free(in.value);
        if (GSS_ERROR(major))
            die("gss_accept_sec_context");
        if (out.length)
            send_token(fd, &out);
        gss_release_buffer(&minor, &out);
    } while (major & GSS_S_CONTINUE_NEEDED);
    recv_token(fd, &in);
    if (gss_unwrap(&minor, ctx, &in, &out, NULL, NULL) != GSS_S_COMPLETE || out.length != sizeof message - 1)
        die("gss_unwrap");
    free(in.value);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

static void raw_inprocess(gss_cred_id_t cred) {
    OM_uint32 minor, major_i, major_a = GSS_S_CONTINUE_NEEDED;
    gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
    gss_buffer_desc to_acceptor = GSS_C_EMPTY_BUFFER, to_initiator = GSS_C_EMPTY_BUFFER, out;
    gss_buffer_desc plain = {sizeof message - 1, (void *)message};
    for (;;) {
        major_i = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, GSS_C_NO_OID, FLAGS, 0, NULL,
                                       &to_initiator, NULL, &to_acceptor, NULL, NULL);
        gss_release_buffer(&minor, &to_initiator);
        if (GSS_ERROR(major_i))
            die("gss_init_sec_context");
        if (!(major_i & GSS_S_CONTINUE_NEEDED) && !(major_a & GSS_S_CONTINUE_NEEDED))
            break;
        major_a = gss_accept_sec_context(&minor, &actx, cred, &to_acceptor, GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL,
                                         &to_initiator, NULL, NULL, NULL);
        gss_release_buffer(&minor, &to_acceptor);
        if (GSS_ERROR(major_a))
            die("gss_accept_sec_context");
        if (!(major_i & GSS_S_CONTINUE_NEEDED))
            break;
    }
    gss_release_buffer(&minor, &to_acceptor);
    if (gss_wrap(&minor, ictx, 1, GSS_C_QOP_DEFAULT, &plain, NULL, &to_acceptor) != GSS_S_COMPLETE ||
        gss_unwrap(&minor, actx, &to_acceptor, &out, NULL, NULL) != GSS_S_COMPLETE)
        die("wrap/unwrap");
    gss_release_buffer(&minor, &to_acceptor);
    gss_release_buffer(&minor, &out);
    gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
    gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
}

/* ---- the library */
static daemonauth_gss_name *library_target;
static daemonauth_gss_cred *library_cred; /* acquired once, as a server does */

static void library_initiator(int fd) {
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *token = NULL;
    if (daemonauth_gss_initiate(NULL, NULL, library_target, fd, fd, &ctx) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_wrap(ctx, (const uint8_t *)message, sizeof message - 1, true, &token, NULL) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_token_send(NULL, fd, 0, daemonauth_buffer_data(token), daemonauth_buffer_len(token)) !=
            DAEMONAUTH_RESULT_OK)
        die(daemonauth_last_error());
    daemonauth_buffer_free(token);
    daemonauth_gss_ctx_free(ctx);
}

static void library_acceptor(int fd) {
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *token = NULL, *plain = NULL;
    if (daemonauth_gss_accept(NULL, library_cred, fd, fd, &ctx) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_token_recv(NULL, fd, NULL, &token) != DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token), daemonauth_buffer_len(token), &plain, NULL) !=
            DAEMONAUTH_RESULT_OK ||
        daemonauth_buffer_len(plain) != sizeof message - 1)
        die(daemonauth_last_error());
    daemonauth_buffer_free(token);
    daemonauth_buffer_free(plain);
    daemonauth_gss_ctx_free(ctx);
}

/* ---- the acceptor thread of the socketpair modes */
struct acceptor_args {
    int fd, count, library;
    gss_cred_id_t cred;
};

static void *acceptor_thread(void *arg) {
    struct acceptor_args *a = arg;
    for (int i = 0; i < a->count; i++) {
        if (a->library)
            library_acceptor(a->fd);
        else
            raw_acceptor(a->fd, a->cred);
    }
    return NULL;
}

int main(int argc, char **argv) {
    OM_uint32 minor;
    gss_buffer_desc name = {strlen("host@localhost"), (void *)"host@localhost"};
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    struct timespec t0, t1;
    int count, fds[2];
    if (argc != 3 || (count = atoi(argv[2])) <= 0)
        die("usage: handshake-floor inprocess|socketpair-raw|socketpair-library COUNT");
    if (gss_import_name(&minor, &name, GSS_C_NT_HOSTBASED_SERVICE, &target) != GSS_S_COMPLETE ||
        gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, GSS_C_NO_OID_SET, GSS_C_ACCEPT, &cred, NULL, NULL) !=
            GSS_S_COMPLETE ||
        daemonauth_gss_name_import("host@localhost", DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &library_target) !=
            DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_cred_acquire(NULL, DAEMONAUTH_GSS_USAGE_ACCEPT, NULL, NULL, NULL, &library_cred) !=
            DAEMONAUTH_RESULT_OK)
        die("setup");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        die("socketpair");
    int library = strcmp(argv[1], "socketpair-library") == 0;
    int inprocess = strcmp(argv[1], "inprocess") == 0;
    if (!library && !inprocess && strcmp(argv[1], "socketpair-raw") != 0)
        die("mode");
    /* one warm-up handshake each way, outside the timing (the ticket for host/localhost) */
    raw_inprocess(cred);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (inprocess) {
        for (int i = 0; i < count; i++)
            raw_inprocess(cred);
    } else {
        struct acceptor_args args = {fds[1], count, library, cred};
        pthread_t thread;
        pthread_create(&thread, NULL, acceptor_thread, &args);
        for (int i = 0; i < count; i++) {
            if (library)
                library_initiator(fds[0]);
            else
                raw_initiator(fds[0]);
        }
        pthread_join(thread, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / count);
    gss_release_cred(&minor, &cred);
    gss_release_name(&minor, &target);
    daemonauth_gss_name_free(library_target);
    daemonauth_gss_cred_free(library_cred);
    return 0;
}
