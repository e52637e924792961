/* The error API: every code has a distinct description, unknown codes are named as such, and
 * the last error is per thread and says which call failed and why. */
#include <pthread.h>

#include "check.h"

static void *other_thread(void *arg) {
    (void)arg;
    /* A fresh thread has no last error of its own, whatever other threads did. */
    return (void *)(strcmp(daemonauth_last_error(), "") == 0 ? "clean" : "polluted");
}

int main(void) {
    int code;
    pthread_t thread;
    void *verdict = NULL;

    CHECK(strcmp(daemonauth_last_error(), "") == 0);
    CHECK(strcmp(daemonauth_strerror(DAEMONAUTH_RESULT_OK), "success") == 0);
    for (code = DAEMONAUTH_RESULT_OK; code <= DAEMONAUTH_RESULT_REPLAY; code++) {
        int other;
        const char *text = daemonauth_strerror(code);
        CHECK(text != NULL && text[0] != '\0');
        CHECK(strstr(text, "unknown") == NULL);
        for (other = DAEMONAUTH_RESULT_OK; other < code; other++)
            CHECK(strcmp(text, daemonauth_strerror(other)) != 0);
    }
    CHECK(strcmp(daemonauth_strerror(-1), "unknown daemonauth error code") == 0);
    CHECK(strcmp(daemonauth_strerror(DAEMONAUTH_RESULT_REPLAY + 1000),
                 "unknown daemonauth error code") == 0);

    /* A failing call names itself and the reason. */
    CHECK_RESULT(daemonauth_set_log_level(99), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_set_log_level");
    CHECK_CONTAINS(daemonauth_last_error(), "99 is not a log level");

    /* A successful call leaves the last error alone (it describes the last failure). */
    CHECK_RESULT(daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_WARN), DAEMONAUTH_RESULT_OK);
    CHECK_CONTAINS(daemonauth_last_error(), "99 is not a log level");

    CHECK(pthread_create(&thread, NULL, other_thread, NULL) == 0);
    CHECK(pthread_join(thread, &verdict) == 0);
    CHECK(strcmp((const char *)verdict, "clean") == 0);
    CHECK_CONTAINS(daemonauth_last_error(), "99 is not a log level");
    puts("errors: ok");
    return 0;
}
