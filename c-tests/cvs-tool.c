/* cvs-tool: drives the cvs_auth_* client API from the command line for the interop tests.
 *
 *   cvs-tool lookup PASSFILE CVSROOT            print the scrambled password stored for CVSROOT
 *   cvs-tool store PASSFILE CVSROOT PASSWORD    store PASSWORD (scrambled) for CVSROOT
 *   cvs-tool remove PASSFILE CVSROOT            remove the entry for CVSROOT
 *   cvs-tool scramble PASSWORD                  print PASSWORD scrambled
 *   cvs-tool pserver PORT CVSROOT verify|auth [PASSWORD]
 *                                               authenticate to 127.0.0.1:PORT (no PASSWORD:
 *                                               the pass file, $CVS_PASSFILE)
 *   cvs-tool gserver PORT CVSROOT encrypt|authenticate REPOSITORY [REQUESTS]
 *                                               GSS-API authentication, then Gssapi-encrypt or
 *                                               Gssapi-authenticate and wrapped REQUESTS
 *                                               (default `noop`, `\n` for newlines); prints the
 *                                               wrapped reply up to its `ok` or `error` line
 *                                               (packets of any size). REPOSITORY `-`: no Root
 *                                               before the protection request. With
 *                                               $CVS_TOOL_ANSWERS, a responder file answers the
 *                                               Kerberos password question
 * Exit status 0 on success; errors and the server's messages go to standard error. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <daemonauth.h>

static int fail(const char *what) {
    fprintf(stderr, "cvs-tool: %s: %s\n", what, daemonauth_last_error());
    return 1;
}

static int connect_port(const char *port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)atoi(port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        perror("cvs-tool: connect");
        exit(1);
    }
    return fd;
}

static void print_messages(char *messages) {
    if (messages && *messages)
        fprintf(stderr, "server says: %s\n", messages);
    daemonauth_string_free(messages);
}

static int read_full(int fd, unsigned char *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* Reads plain lines until one is exactly "ok". */
static int read_until_ok(int fd) {
    char line[8192];
    size_t len = 0;
    for (;;) {
        char c;
        if (read(fd, &c, 1) != 1)
            return -1;
        if (c != '\n') {
            if (len + 1 < sizeof line)
                line[len++] = c;
            continue;
        }
        line[len] = '\0';
        if (strcmp(line, "ok") == 0)
            return 0;
        if (strncmp(line, "error", 5) == 0) {
            fprintf(stderr, "cvs-tool: server: %s\n", line);
            return -1;
        }
        len = 0;
    }
}

/* Reads packets (any data size) until the data holds an `ok` or `error` line; prints it all. */
static int read_wrapped_reply(int fd, daemonauth_gss_ctx *ctx, bool encrypt) {
    static char reply[65536];
    size_t used = 0;
    for (;;) {
        unsigned char header[2], body[65536];
        if (read_full(fd, header, 2) != 0)
            return fail("reading a packet length");
        size_t len = ((size_t)header[0] << 8) | header[1];
        daemonauth_buffer *data = NULL;
        if (read_full(fd, body, len) != 0 || cvs_auth_packet_open(ctx, encrypt, body, len, &data) != DAEMONAUTH_RESULT_OK)
            return fail("opening the reply");
        size_t n = daemonauth_buffer_len(data);
        if (n > sizeof reply - 1 - used)
            n = sizeof reply - 1 - used;
        memcpy(reply + used, daemonauth_buffer_data(data), n);
        used += n;
        daemonauth_buffer_free(data);
        reply[used] = '\0';
        if (used == sizeof reply - 1 || (used > 0 && reply[used - 1] == '\n' &&
                                         (strcmp(reply, "ok\n") == 0 || strstr(reply, "\nok\n") ||
                                          strncmp(reply, "error", 5) == 0 || strstr(reply, "\nerror")))) {
            printf("wrapped reply: %s", reply);
            return 0;
        }
    }
}

/* REQUESTS with each two-character `\n` turned into a newline. */
static size_t unescape(const char *requests, char *out, size_t size) {
    size_t len = 0;
    for (const char *p = requests; *p && len + 1 < size; p++) {
        if (p[0] == '\\' && p[1] == 'n') {
            out[len++] = '\n';
            p++;
        } else {
            out[len++] = *p;
        }
    }
    return len;
}

static int gserver(int fd, const char *cvsroot, bool encrypt, const char *repository, const char *requests) {
    daemonauth_gss_ctx *ctx = NULL;
    daemonauth_responder *responder = NULL;
    char *messages = NULL;
    const char *answers = getenv("CVS_TOOL_ANSWERS");
    if (answers && daemonauth_responder_new_file(answers, &responder) != DAEMONAUTH_RESULT_OK)
        return fail("responder");
    daemonauth_result rc = cvs_auth_client_gserver(fd, fd, cvsroot, responder, 10000, &ctx, &messages);
    daemonauth_responder_free(responder);
    print_messages(messages);
    if (rc != DAEMONAUTH_RESULT_OK)
        return fail("gserver authentication");
    char handshake[4096];
    char root[2048] = "";
    if (strcmp(repository, "-") != 0)
        snprintf(root, sizeof root, "Root %s\n", repository);
    snprintf(handshake, sizeof handshake,
             "%sValid-responses ok error Valid-requests Checked-in New-entry Checksum "
             "Copy-file Updated Created Update-existing Merged Patched Rcs-diff Mode Mod-time Removed "
             "Remove-entry Set-static-directory Clear-static-directory Set-sticky Clear-sticky "
             "Template Notified Module-expansion Wrapper-rcsOption M Mbinary E F MT\nvalid-requests\n",
             root);
    if (write(fd, handshake, strlen(handshake)) < 0 || read_until_ok(fd) != 0) {
        fprintf(stderr, "cvs-tool: the plain handshake failed\n");
        return 1;
    }
    const char *request = encrypt ? "Gssapi-encrypt\n" : "Gssapi-authenticate\n";
    if (write(fd, request, strlen(request)) < 0)
        return fail("sending");
    if (strcmp(repository, "-") == 0) {
        /* No Root: the relay must refuse the protection request, in plain text. */
        char answer[4096];
        ssize_t n = read(fd, answer, sizeof answer - 1);
        answer[n > 0 ? n : 0] = '\0';
        printf("plain reply: %s", answer);
        daemonauth_gss_ctx_free(ctx);
        return 0;
    }
    char plain[4096];
    size_t plain_len = unescape(requests, plain, sizeof plain);
    daemonauth_buffer *packet = NULL;
    if (cvs_auth_packet_seal(ctx, encrypt, (const uint8_t *)plain, plain_len, &packet) != DAEMONAUTH_RESULT_OK)
        return fail("sealing");
    if (write(fd, daemonauth_buffer_data(packet), daemonauth_buffer_len(packet)) < 0)
        return fail("sending");
    daemonauth_buffer_free(packet);
    int status = read_wrapped_reply(fd, ctx, encrypt);
    daemonauth_gss_ctx_free(ctx);
    return status;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "lookup") == 0) {
        char *scrambled = NULL;
        if (cvs_auth_passfile_lookup(argv[2], argv[3], &scrambled) != DAEMONAUTH_RESULT_OK)
            return fail("lookup");
        printf("%s\n", scrambled);
        daemonauth_string_free(scrambled);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "store") == 0) {
        char *scrambled = NULL;
        if (cvs_auth_scramble(argv[4], &scrambled) != DAEMONAUTH_RESULT_OK ||
            cvs_auth_passfile_store(argv[2], argv[3], scrambled) != DAEMONAUTH_RESULT_OK)
            return fail("store");
        daemonauth_string_free(scrambled);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "remove") == 0)
        return cvs_auth_passfile_remove(argv[2], argv[3]) == DAEMONAUTH_RESULT_OK ? 0 : fail("remove");
    if (argc == 3 && strcmp(argv[1], "scramble") == 0) {
        char *scrambled = NULL;
        if (cvs_auth_scramble(argv[2], &scrambled) != DAEMONAUTH_RESULT_OK)
            return fail("scramble");
        printf("%s\n", scrambled);
        daemonauth_string_free(scrambled);
        return 0;
    }
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "pserver") == 0) {
        int fd = connect_port(argv[2]);
        char *messages = NULL;
        daemonauth_result rc = cvs_auth_client_authenticate(
            fd, fd, argv[3], strcmp(argv[4], "verify") == 0, argc == 6 ? argv[5] : NULL, NULL, NULL, 10000, &messages);
        print_messages(messages);
        close(fd);
        return rc == DAEMONAUTH_RESULT_OK ? 0 : fail("pserver authentication");
    }
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "gserver") == 0) {
        int fd = connect_port(argv[2]);
        int status = gserver(fd, argv[3], strcmp(argv[4], "encrypt") == 0, argv[5], argc == 7 ? argv[6] : "noop\\n");
        close(fd);
        return status;
    }
    fprintf(stderr, "usage: see the comment at the top of cvs-tool.c\n");
    return 2;
}
