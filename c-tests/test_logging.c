/* Logging: a host callback receives messages with its userdata, the level filters them, the
 * callback may re-register itself without deadlock, and NULL restores the default sink, which
 * writes to descriptor 2 unless descriptor 2 is a socket (inetd's connection). */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

/* Puts fd on descriptor 2, logs one debug message with the default sink and returns how many
 * bytes the other end (peer, non-blocking) then holds. */
static ssize_t bytes_logged_through(int fd, int peer) {
    char buffer[512];
    int saved = dup(2);
    CHECK(saved >= 0 && dup2(fd, 2) == 2);
    CHECK_RESULT(daemonauth_set_log_level(10), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(dup2(saved, 2) == 2 && close(saved) == 0);
    CHECK(fcntl(peer, F_SETFL, O_NONBLOCK) == 0);
    ssize_t got = read(peer, buffer, sizeof buffer);
    CHECK(got > 0 || (got < 0 && errno == EAGAIN));
    return got < 0 ? 0 : got;
}

struct sink {
    int calls;
    daemonauth_log_level last_level;
    char last_message[512];
};

static void collect(void *userdata, daemonauth_log_level level, const char *message) {
    struct sink *sink = userdata;
    sink->calls++;
    sink->last_level = level;
    snprintf(sink->last_message, sizeof sink->last_message, "%s", message);
}

static void reregister(void *userdata, daemonauth_log_level level, const char *message) {
    collect(userdata, level, message);
    /* Changing the sink from inside the callback must not deadlock. */
    daemonauth_set_log_callback(collect, userdata);
}

int main(void) {
    struct sink sink = {0, DAEMONAUTH_LOG_LEVEL_ERROR, ""};

    daemonauth_set_log_callback(collect, &sink);

    /* Every recorded error is logged at debug level: filtered out at the default level. */
    CHECK_RESULT(daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_WARN), DAEMONAUTH_RESULT_OK);
    CHECK(daemonauth_get_log_level() == DAEMONAUTH_LOG_LEVEL_WARN);
    CHECK_RESULT(daemonauth_set_log_level(0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(sink.calls == 0);

    CHECK_RESULT(daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_DEBUG), DAEMONAUTH_RESULT_OK);
    CHECK(daemonauth_get_log_level() == DAEMONAUTH_LOG_LEVEL_DEBUG);
    CHECK_RESULT(daemonauth_set_log_level(6), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(sink.calls == 1);
    CHECK(sink.last_level == DAEMONAUTH_LOG_LEVEL_DEBUG);
    CHECK_CONTAINS(sink.last_message, "daemonauth_set_log_level: 6 is not a log level");

    daemonauth_set_log_callback(reregister, &sink);
    CHECK_RESULT(daemonauth_set_log_level(7), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(sink.calls == 2);
    CHECK_RESULT(daemonauth_set_log_level(8), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(sink.calls == 3);

    /* Back to the default sink: the collector hears nothing more. */
    daemonauth_set_log_callback(NULL, NULL);
    CHECK_RESULT(daemonauth_set_log_level(9), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK(sink.calls == 3);

    /* The default sink writes to a pipe on descriptor 2, but never to a socket there. */
    int pipe_fds[2], socket_fds[2];
    CHECK(pipe(pipe_fds) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, socket_fds) == 0);
    CHECK(bytes_logged_through(pipe_fds[1], pipe_fds[0]) > 0);
    CHECK(bytes_logged_through(socket_fds[0], socket_fds[1]) == 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(socket_fds[0]);
    close(socket_fds[1]);
    puts("logging: ok");
    return 0;
}
