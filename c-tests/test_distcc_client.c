/* The client side of distcc's authentication, as distcc's remote.c drives it: connects to a
 * distccd on 127.0.0.1:PORT (or $TEST_DISTCC_ADDRESS, IPv4 or IPv6), authenticates with dcc_gssapi_perform_requested_security (a
 * struct dcc_hostdef laid out as distcc 3.4's, with `,auth=AUTH_NAME`, or none for "-": then
 * the server's name comes from the reverse lookup), checks the exit code and the context
 * handle, and with "compile" sends a real DIST request for a small preprocessed file and
 * expects DONE, STAT 0 and an object file back; with "stall" it sends nothing after the
 * authentication and expects the server to close the connection within 30 s. AUTH_NAME
 * "none" skips the authentication (for a distccd without --auth: scripts/bench's floor for
 * the same client).
 *
 *   test_distcc_client PORT AUTH_NAME|-|none EXPECTED_EXIT_CODE [compile|stall]
 *
 * Prints "exit code N" and exits 0 when the code is the expected one (and the compile worked). */
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <daemonauth.h>
#include <daemonauth/distcc_auth.h>

#include "check.h"

#include "distcc_hostdef.h"

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *data, size_t len) {
    char *p = data;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A distcc token: four letters and eight hex digits, then `len` bytes of `body` if given. */
static int put_token(int fd, const char *name, unsigned value, const char *body) {
    char header[13];
    snprintf(header, sizeof header, "%.4s%08x", name, value);
    return write_all(fd, header, 12) || (body && write_all(fd, body, value));
}

/* Reads a token that must be called `name`; returns its value or -1. */
static long get_token(int fd, const char *name) {
    char header[13] = {0};
    if (read_all(fd, header, 12) != 0 || memcmp(header, name, 4) != 0) {
        fprintf(stderr, "expected %s, got \"%s\"\n", name, header);
        return -1;
    }
    return strtol(header + 4, NULL, 16);
}

/* Skips `len` bytes of a token body. */
static int skip(int fd, long len) {
    char buf[256];
    while (len > 0) {
        size_t n = len > (long)sizeof buf ? sizeof buf : (size_t)len;
        if (read_all(fd, buf, n) != 0) {
            return -1;
        }
        len -= (long)n;
    }
    return 0;
}

/* Sends "gcc -c x.i -o x.o" with a tiny preprocessed file (protocol 1) and checks the reply. */
static void compile(int fd) {
    static const char *const args[] = {"gcc", "-c", "x.i", "-o", "x.o"};
    static const char source[] = "int daemonauth_answer(void) { return 42; }\n";
    size_t i;
    long status, len;
    CHECK(put_token(fd, "DIST", 1, NULL) == 0);
    CHECK(put_token(fd, "ARGC", 5, NULL) == 0);
    for (i = 0; i < 5; i++) {
        CHECK(put_token(fd, "ARGV", (unsigned)strlen(args[i]), args[i]) == 0);
    }
    CHECK(put_token(fd, "DOTI", (unsigned)strlen(source), source) == 0);
    CHECK(get_token(fd, "DONE") == 1);
    status = get_token(fd, "STAT");
    printf("STAT %ld\n", status);
    CHECK(status == 0);
    CHECK((len = get_token(fd, "SERR")) >= 0 && skip(fd, len) == 0);
    CHECK((len = get_token(fd, "SOUT")) >= 0 && skip(fd, len) == 0);
    len = get_token(fd, "DOTO");
    printf("DOTO %ld bytes\n", len);
    CHECK(len > 0);
}

/* Sends nothing and waits (at most 30 s) for the server to close the connection. */
static void stall(int fd) {
    struct pollfd pending = {.fd = fd, .events = POLLIN};
    char byte;
    CHECK(poll(&pending, 1, 30000) == 1);
    CHECK(read(fd, &byte, 1) <= 0);
    printf("closed by the server\n");
}

int main(int argc, char **argv) {
    struct addrinfo hints, *addr = NULL;
    struct dcc_hostdef host;
    int fd, code, expected;
    const char *address = getenv("TEST_DISTCC_ADDRESS") ? getenv("TEST_DISTCC_ADDRESS") : "127.0.0.1";

    CHECK(argc >= 4);
    expected = atoi(argv[3]);
    memset(&host, 0, sizeof host);
    host.mode = DCC_MODE_TCP;
    host.hostname = (char *)address;
    host.port = atoi(argv[1]);
    host.authenticate = 1;
    host.auth_name = strcmp(argv[2], "-") == 0 ? NULL : argv[2];

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    CHECK(getaddrinfo(address, argv[1], &hints, &addr) == 0);
    fd = socket(addr->ai_family, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK(connect(fd, addr->ai_addr, addr->ai_addrlen) == 0);
    freeaddrinfo(addr);

    if (strcmp(argv[2], "none") == 0) {
        code = 0;
    } else {
        distcc_ctx_handle = GSS_C_NO_CONTEXT;
        code = dcc_gssapi_perform_requested_security(&host, fd, fd);
        printf("exit code %d\n", code);
        if (code != 0) {
            fprintf(stderr, "last error: %s\n", daemonauth_last_error());
        }
        CHECK(code == expected);
        /* A context after success, none after any failure. */
        CHECK((code == 0) == (distcc_ctx_handle != GSS_C_NO_CONTEXT));
        dcc_gssapi_delete_ctx(&distcc_ctx_handle);
        CHECK(distcc_ctx_handle == GSS_C_NO_CONTEXT);
    }
    if (code == 0 && argc > 4 && strcmp(argv[4], "compile") == 0) {
        compile(fd);
    }
    if (code == 0 && argc > 4 && strcmp(argv[4], "stall") == 0) {
        stall(fd);
    }
    close(fd);
    printf("ok\n");
    return 0;
}
