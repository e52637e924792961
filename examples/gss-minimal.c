/* gss-minimal: the smallest useful GSS-API server and client on libdaemonauth. Copy it.
 *
 *   gss-minimal server PORT                 accept one client on 127.0.0.1:PORT, print its
 *                                           name, answer its message
 *   gss-minimal client HOST PORT SERVICE    authenticate to SERVICE@HOST (e.g. "host"),
 *                                           send "hello", print the answer
 *
 * The server needs a keytab with the service's key (KRB5_KTNAME), the client a ticket (kinit).
 * Tokens travel with the library's default framing: a 4-byte big-endian length, then the
 * token. Exit status 0 on success. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <daemonauth.h>

static int fail(const char *what) {
    fprintf(stderr, "gss-minimal: %s: %s\n", what, daemonauth_last_error());
    return 1;
}

/* The server side: accept a context, then unwrap one message and wrap a reply. */
static int serve(int fd) {
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *token = NULL, *message = NULL, *reply = NULL;
    char *client = NULL;
    int status = 1;

    if (daemonauth_gss_accept(NULL, NULL, fd, fd, &ctx) != DAEMONAUTH_RESULT_OK)
        return fail("accepting the client");
    if (daemonauth_gss_ctx_peer_name(ctx, &client) == DAEMONAUTH_RESULT_OK &&
        daemonauth_gss_token_recv(NULL, fd, NULL, &token) == DAEMONAUTH_RESULT_OK &&
        daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token), daemonauth_buffer_len(token), &message,
                              NULL) == DAEMONAUTH_RESULT_OK &&
        daemonauth_gss_wrap(ctx, (const uint8_t *)"welcome", 7, true, &reply, NULL) == DAEMONAUTH_RESULT_OK &&
        daemonauth_gss_token_send(NULL, fd, 0, daemonauth_buffer_data(reply), daemonauth_buffer_len(reply)) ==
            DAEMONAUTH_RESULT_OK) {
        printf("%s says \"%.*s\"\n", client, (int)daemonauth_buffer_len(message),
               (const char *)daemonauth_buffer_data(message));
        status = 0;
    } else {
        fail("talking to the client");
    }
    daemonauth_string_free(client);
    daemonauth_buffer_free(token);
    daemonauth_buffer_free(message);
    daemonauth_buffer_free(reply);
    daemonauth_gss_ctx_free(ctx);
    return status;
}

/* The client side: initiate a context to SERVICE@HOST, send a wrapped "hello", read the reply. */
static int call(int fd, const char *target_name) {
    daemonauth_gss_name *target = NULL;
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_buffer *token = NULL, *reply = NULL;
    int status = 1;

    if (daemonauth_gss_name_import(target_name, DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &target) !=
            DAEMONAUTH_RESULT_OK ||
        daemonauth_gss_initiate(NULL, NULL, target, fd, fd, &ctx) != DAEMONAUTH_RESULT_OK) {
        daemonauth_gss_name_free(target);
        return fail("authenticating");
    }
    if (daemonauth_gss_wrap(ctx, (const uint8_t *)"hello", 5, true, &token, NULL) == DAEMONAUTH_RESULT_OK &&
        daemonauth_gss_token_send(NULL, fd, 0, daemonauth_buffer_data(token), daemonauth_buffer_len(token)) ==
            DAEMONAUTH_RESULT_OK) {
        daemonauth_buffer_free(token);
        token = NULL;
        if (daemonauth_gss_token_recv(NULL, fd, NULL, &token) == DAEMONAUTH_RESULT_OK &&
            daemonauth_gss_unwrap(ctx, daemonauth_buffer_data(token), daemonauth_buffer_len(token), &reply,
                                  NULL) == DAEMONAUTH_RESULT_OK) {
            printf("the server says \"%.*s\"\n", (int)daemonauth_buffer_len(reply),
                   (const char *)daemonauth_buffer_data(reply));
            status = 0;
        }
    }
    if (status != 0)
        fail("talking to the server");
    daemonauth_buffer_free(token);
    daemonauth_buffer_free(reply);
    daemonauth_gss_ctx_free(ctx);
    daemonauth_gss_name_free(target);
    return status;
}

int main(int argc, char **argv) {
    int fd, status;
    if (argc == 3 && strcmp(argv[1], "server") == 0) {
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
        int one = 1, listener = socket(AF_INET, SOCK_STREAM, 0);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 1) < 0) {
            perror("gss-minimal: listen");
            return 1;
        }
        printf("listening on 127.0.0.1:%s\n", argv[2]);
        fflush(stdout);
        if ((fd = accept(listener, NULL, NULL)) < 0) {
            perror("gss-minimal: accept");
            return 1;
        }
        status = serve(fd);
    } else if (argc == 5 && strcmp(argv[1], "client") == 0) {
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *found = NULL;
        char target[512];
        if (getaddrinfo(argv[2], argv[3], &hints, &found) != 0 ||
            (fd = socket(found->ai_family, found->ai_socktype, 0)) < 0 ||
            connect(fd, found->ai_addr, found->ai_addrlen) < 0) {
            fprintf(stderr, "gss-minimal: cannot connect to %s port %s\n", argv[2], argv[3]);
            return 1;
        }
        freeaddrinfo(found);
        snprintf(target, sizeof target, "%s@%s", argv[4], argv[2]);
        status = call(fd, target);
    } else {
        fprintf(stderr, "usage: gss-minimal server PORT | gss-minimal client HOST PORT SERVICE\n");
        return 2;
    }
    close(fd);
    return status;
}
