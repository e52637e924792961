/* Writes have deadlines and never raise SIGPIPE in the host (issue #9, item 3): with SIGPIPE
 * at its default disposition (which kills), a write to a pipe whose reader closed is an
 * error and the process lives on; a peer (socket or pipe) that stops reading makes a large
 * write end with a timeout instead of blocking forever. The same for the library's own log
 * lines on standard error. */
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { BIG = 8 << 20 };

static daemonauth_gss_options *options_with_timeout(uint32_t ms) {
    daemonauth_gss_options_builder *builder = NULL;
    daemonauth_gss_options *options = NULL;
    CHECK_RESULT(daemonauth_gss_options_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_set_timeout_ms(builder, ms), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_gss_options_builder_build(builder, &options), DAEMONAUTH_RESULT_OK);
    return options;
}

/* Sends a BIG-byte token on fd, which nobody reads: a timeout within a bounded time. */
static void stalled_reader_times_out(int fd) {
    daemonauth_gss_options *options = options_with_timeout(500);
    uint8_t *big = calloc(BIG, 1);
    time_t started = time(NULL);
    CHECK(big != NULL);
    alarm(60); /* before the fix the write blocked forever */
    CHECK_RESULT(daemonauth_gss_token_send(options, fd, 0, big, BIG), DAEMONAUTH_RESULT_TIMEOUT);
    alarm(0);
    CHECK_CONTAINS(daemonauth_last_error(), "did not take what was written within 500 ms");
    CHECK(time(NULL) - started < 10);
    free(big);
    daemonauth_gss_options_free(options);
}

/* Logs a line to standard error made a pipe whose reader closed (`reader_gone`) or that is
 * full and never read: the call returns within a bounded time and the process lives on. */
static void log_to_a_dead_stderr(int reader_gone) {
    int fds[2], saved = dup(2), flags;
    time_t started;
    daemonauth_result result;
    char fill[4096];
    memset(fill, 'x', sizeof fill);
    CHECK(saved >= 0 && pipe(fds) == 0);
    if (reader_gone) {
        CHECK(close(fds[0]) == 0);
    } else {
        flags = fcntl(fds[1], F_GETFL);
        CHECK(fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) == 0);
        while (write(fds[1], fill, sizeof fill) > 0)
            ;
        CHECK(fcntl(fds[1], F_SETFL, flags) == 0);
    }
    CHECK(dup2(fds[1], 2) == 2);
    daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_DEBUG);
    started = time(NULL);
    alarm(30); /* before the fix a full stderr blocked forever, a closed one raised SIGPIPE */
    /* A failed call is logged at debug level. */
    result = daemonauth_gss_token_send(NULL, -1, 0, (const uint8_t *)"x", 1);
    alarm(0);
    CHECK(dup2(saved, 2) == 2 && close(saved) == 0);
    CHECK(result == DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(time(NULL) - started < 10);
    daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_WARN);
    CHECK(close(fds[1]) == 0 && (reader_gone || close(fds[0]) == 0));
}

int main(void) {
    int fds[2];
    sigset_t mask, pending;

    CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);

    /* A pipe whose reader closed: an I/O error, no SIGPIPE, the signal mask as it was. */
    CHECK(pipe(fds) == 0);
    CHECK(close(fds[0]) == 0);
    CHECK_RESULT(daemonauth_gss_token_send(NULL, fds[1], 0, (const uint8_t *)"x", 1), DAEMONAUTH_RESULT_IO);
    CHECK_CONTAINS(daemonauth_last_error(), "Broken pipe");
    CHECK(pthread_sigmask(SIG_BLOCK, NULL, &mask) == 0);
    CHECK(!sigismember(&mask, SIGPIPE));
    CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE));
    CHECK(close(fds[1]) == 0);

    /* The same on a socket whose peer closed. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    CHECK(close(fds[1]) == 0);
    CHECK_RESULT(daemonauth_gss_token_send(NULL, fds[0], 0, (const uint8_t *)"x", 1), DAEMONAUTH_RESULT_IO);
    CHECK(close(fds[0]) == 0);

    /* A socket peer and a pipe reader that stop reading. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    stalled_reader_times_out(fds[0]);
    CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
    CHECK(pipe(fds) == 0);
    stalled_reader_times_out(fds[1]);
    CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);

    log_to_a_dead_stderr(1);
    log_to_a_dead_stderr(0);

    puts("writes are bounded and raise no SIGPIPE");
    return 0;
}
