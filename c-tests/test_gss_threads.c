/* Many threads accepting at once with ONE options object and ONE acceptor credential, as a
 * threaded daemon would: `test_gss_threads N PORT_FILE` listens on 127.0.0.1, writes its port
 * to PORT_FILE, accepts N connections from MIT's gss-client, and serves each on its own
 * thread (gss-sample protocol: NOOP|CONTEXT_NEXT, the context, one wrapped message answered
 * with a MIC, NOOP). All threads start together, so the establishments overlap. Exits 0 when
 * every client was accepted as the test user; gss-threads.sh runs it under helgrind. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

#define MAX_CLIENTS 64

static const daemonauth_gss_options *shared_options;
static const daemonauth_gss_cred *shared_cred;
static pthread_barrier_t start_together;

/* One client, start to finish; returns NULL on success, else what failed. */
static void *serve(void *arg) {
    int fd = *(int *)arg;
    uint8_t flags = 0;
    daemonauth_buffer *token = NULL, *message = NULL, *mic = NULL;
    daemonauth_gss_ctx *ctx = NULL;
    char *peer = NULL;
    const char *failure = NULL;
    const char *user = getenv("DAEMONAUTH_TEST_USER");
    char expected[256];

    snprintf(expected, sizeof expected, "%s@DAEMONAUTH.TEST", user ? user : "alice");
    pthread_barrier_wait(&start_together);
    if (daemonauth_gss_token_recv(shared_options, fd, &flags, &token) != DAEMONAUTH_RESULT_OK ||
        !(flags & DAEMONAUTH_SAMPLE_TOKEN_CONTEXT_NEXT))
        failure = "first token";
    else if (daemonauth_gss_accept(shared_options, shared_cred, fd, fd, &ctx) != DAEMONAUTH_RESULT_OK)
        failure = "accept";
    else if (daemonauth_gss_ctx_peer_name(ctx, &peer) != DAEMONAUTH_RESULT_OK || strcmp(peer, expected) != 0)
        failure = "peer name";
    daemonauth_buffer_free(token);
    token = NULL;
    if (failure == NULL &&
        (daemonauth_gss_token_recv(shared_options, fd, &flags, &token) != DAEMONAUTH_RESULT_OK ||
         daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token), daemonauth_buffer_len(token), &message,
                               NULL) != DAEMONAUTH_RESULT_OK ||
         daemonauth_gss_get_mic(ctx, daemonauth_buffer_data(message), daemonauth_buffer_len(message), &mic) !=
             DAEMONAUTH_RESULT_OK ||
         daemonauth_gss_token_send(shared_options, fd, DAEMONAUTH_SAMPLE_TOKEN_MIC, daemonauth_buffer_data(mic),
                                   daemonauth_buffer_len(mic)) != DAEMONAUTH_RESULT_OK))
        failure = "message";
    daemonauth_buffer_free(token);
    token = NULL;
    if (failure == NULL && daemonauth_gss_token_recv(shared_options, fd, &flags, &token) != DAEMONAUTH_RESULT_OK)
        failure = "closing NOOP";
    if (failure != NULL)
        fprintf(stderr, "client on fd %d: %s failed: %s\n", fd, failure, daemonauth_last_error());
    daemonauth_buffer_free(token);
    daemonauth_buffer_free(message);
    daemonauth_buffer_free(mic);
    daemonauth_string_free(peer);
    daemonauth_gss_ctx_free(ctx);
    close(fd);
    return (void *)failure;
}

int main(int argc, char **argv) {
    int clients, listener, one = 1, i, failures = 0;
    int fds[MAX_CLIENTS];
    pthread_t threads[MAX_CLIENTS];
    struct sockaddr_in addr;
    socklen_t addr_len = sizeof addr;
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;
    daemonauth_gss_name *service = NULL;
    daemonauth_gss_cred *cred = NULL;
    FILE *port_file;

    CHECK(argc == 3);
    clients = atoi(argv[1]);
    CHECK(clients > 0 && clients <= MAX_CLIENTS);
    CHECK_RESULT(daemonauth_gss_options_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_framing(builder, DAEMONAUTH_FRAMING_GSS_SAMPLE),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_context_token_flags(builder, DAEMONAUTH_SAMPLE_TOKEN_CONTEXT),
                 DAEMONAUTH_RESULT_OK);
    /* MIT's gss-client asks for MUTUAL|REPLAY only. */
    CHECK_RESULT(daemonauth_gss_options_builder_set_required_flags(
                     builder, DAEMONAUTH_GSS_FLAG_MUTUAL | DAEMONAUTH_GSS_FLAG_REPLAY),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_timeout_ms(builder, 120000), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_build(builder, &options), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_name_import("host@localhost", DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE,
                                            &service),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_cred_acquire(service, DAEMONAUTH_GSS_USAGE_ACCEPT, "krb5", NULL, NULL, &cred),
                 DAEMONAUTH_RESULT_OK);
    shared_options = options;
    shared_cred = cred;

    listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(listener, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(listener, MAX_CLIENTS) == 0);
    CHECK(getsockname(listener, (struct sockaddr *)&addr, &addr_len) == 0);
    port_file = fopen(argv[2], "w");
    CHECK(port_file != NULL);
    fprintf(port_file, "%d\n", ntohs(addr.sin_port));
    fclose(port_file);

    CHECK(pthread_barrier_init(&start_together, NULL, (unsigned)clients) == 0);
    for (i = 0; i < clients; i++) {
        fds[i] = accept(listener, NULL, NULL);
        CHECK(fds[i] >= 0);
        CHECK(pthread_create(&threads[i], NULL, serve, &fds[i]) == 0);
    }
    for (i = 0; i < clients; i++) {
        void *failure = NULL;
        CHECK(pthread_join(threads[i], &failure) == 0);
        failures += failure != NULL;
    }
    close(listener);
    pthread_barrier_destroy(&start_together);
    daemonauth_gss_cred_free(cred);
    daemonauth_gss_name_free(service);
    daemonauth_gss_options_free(options);
    printf("%d of %d clients accepted on %d threads\n", clients - failures, clients, clients);
    return failures == 0 ? 0 : 1;
}
