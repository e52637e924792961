/* The panic guard: an export that panics returns an error to C, the process lives on, and the
 * library keeps working; the panic's message goes to the library's log, which writes to a pipe
 * on descriptor 2 but never to a socket there (inetd's connection). Also the argument checks
 * every export shares. Uses the exports of the test-hooks build, which the public header
 * deliberately does not declare. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

daemonauth_result daemonauth_test_panic(void);
daemonauth_result daemonauth_test_string_argument(const char *text);

/* Puts fd on descriptor 2, panics once in the library and returns what the other end (peer,
 * non-blocking) then holds, as a string in buffer. */
static const char *what_a_panic_writes_through(int fd, int peer, char *buffer, size_t size) {
    int saved = dup(2);
    CHECK(saved >= 0 && dup2(fd, 2) == 2);
    CHECK_RESULT(daemonauth_test_panic(), DAEMONAUTH_RESULT_INTERNAL);
    CHECK(dup2(saved, 2) == 2 && close(saved) == 0);
    CHECK(fcntl(peer, F_SETFL, O_NONBLOCK) == 0);
    ssize_t got = read(peer, buffer, size - 1);
    CHECK(got > 0 || (got < 0 && errno == EAGAIN));
    buffer[got > 0 ? got : 0] = '\0';
    return buffer;
}

int main(void) {
    int round;

    for (round = 0; round < 3; round++) {
        CHECK_RESULT(daemonauth_test_panic(), DAEMONAUTH_RESULT_INTERNAL);
        CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_test_panic: internal error");
        CHECK_CONTAINS(daemonauth_last_error(), "deliberate panic from the test hook");
    }
    /* Still alive and working after the panics. */
    CHECK_RESULT(daemonauth_test_string_argument("fine"), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(daemonauth_test_string_argument(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "argument `text` is NULL");
    CHECK_RESULT(daemonauth_test_string_argument("\xff\xfe"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "not valid UTF-8");
    /* Rust's default panic hook would write "thread ... panicked" to descriptor 2 whatever it is. */
    int pipe_fds[2], socket_fds[2];
    char buffer[1024];
    CHECK(pipe(pipe_fds) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds) == 0);
    CHECK_CONTAINS(what_a_panic_writes_through(pipe_fds[1], pipe_fds[0], buffer, sizeof buffer),
                   "internal error (panic at ");
    CHECK_CONTAINS(buffer, "deliberate panic from the test hook");
    CHECK(strcmp(what_a_panic_writes_through(socket_fds[0], socket_fds[1], buffer, sizeof buffer), "") == 0);
    puts("panic guard: ok");
    return 0;
}
