/* daemonauth_limiter through the C API, as a forking daemon uses it (issue #9, item 5): the
 * cap on live children, the failure throttle per address and per user (recorded in a forked
 * child, seen by the parent), the builder, its defaults and its refusals. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(void) {
    daemonauth_limiter_builder *builder = NULL;
    daemonauth_limiter *limiter = NULL;
    cvs_auth_server_config_builder *config_builder = NULL;
    cvs_auth_server_config *config = NULL;
    pid_t child;
    int status, i;
    time_t started;

    /* The builder: NULL arguments refused, 0 means the default, a built builder is consumed. */
    CHECK_RESULT(daemonauth_limiter_builder_new(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_limiter_builder_set_max_children(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_limiter_builder_set_max_children");
    CHECK_RESULT(daemonauth_limiter_builder_build(NULL, &limiter), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_limiter_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_build(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_limiter_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_max_children(builder, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_max_failures(builder, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_failure_window_ms(builder, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_build(builder, &limiter), DAEMONAUTH_RESULT_OK);
    for (i = 0; i < 4; i++)
        CHECK_RESULT(daemonauth_limiter_record_failure(limiter, "192.0.2.9", NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_check(limiter, "192.0.2.9", NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_record_failure(limiter, "192.0.2.9", NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_check(limiter, "192.0.2.9", NULL), DAEMONAUTH_RESULT_ACCESS_DENIED);
    CHECK_CONTAINS(daemonauth_last_error(), "5 failed attempts from 192.0.2.9 within 60 s");
    daemonauth_limiter_free(limiter);
    daemonauth_limiter_builder_free(NULL);
    CHECK_RESULT(daemonauth_limiter_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    daemonauth_limiter_builder_free(builder);

    CHECK_RESULT(daemonauth_limiter_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_max_children(builder, 1), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_max_failures(builder, 2), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_set_failure_window_ms(builder, 60000), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_builder_build(builder, &limiter), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_add_child(limiter, 0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_limiter_check(NULL, "192.0.2.1", NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    /* One child at most: a second is refused until the first has exited. */
    CHECK_RESULT(daemonauth_limiter_admit_child(limiter), DAEMONAUTH_RESULT_OK);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        pause();
        _exit(0);
    }
    CHECK_RESULT(daemonauth_limiter_add_child(limiter, child), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_admit_child(limiter), DAEMONAUTH_RESULT_ACCESS_DENIED);
    CHECK_CONTAINS(daemonauth_last_error(), "the limit is 1");
    CHECK(kill(child, SIGKILL) == 0);
    started = time(NULL);
    while (daemonauth_limiter_admit_child(limiter) != DAEMONAUTH_RESULT_OK)
        CHECK(time(NULL) - started < 10); /* the limiter reaps it */

    /* Failures recorded in a forked child throttle the address and the user in the parent. */
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        for (i = 0; i < 2; i++)
            if (daemonauth_limiter_record_failure(limiter, "192.0.2.1", "alice") != DAEMONAUTH_RESULT_OK)
                _exit(1);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_RESULT(daemonauth_limiter_check(limiter, "192.0.2.1", NULL), DAEMONAUTH_RESULT_ACCESS_DENIED);
    CHECK_CONTAINS(daemonauth_last_error(), "2 failed attempts from 192.0.2.1");
    CHECK_RESULT(daemonauth_limiter_check(limiter, NULL, "alice"), DAEMONAUTH_RESULT_ACCESS_DENIED);
    CHECK_CONTAINS(daemonauth_last_error(), "for alice");
    CHECK_RESULT(daemonauth_limiter_check(limiter, "192.0.2.2", "bob"), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_limiter_check(limiter, NULL, NULL), DAEMONAUTH_RESULT_OK);

    /* Shared with a CVS server policy, which keeps it after the caller frees its own handle. */
    CHECK_RESULT(cvs_auth_server_config_builder_new(&config_builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_limiter(config_builder, limiter), DAEMONAUTH_RESULT_OK);
    daemonauth_limiter_free(limiter);
    CHECK_RESULT(cvs_auth_server_config_builder_build(config_builder, &config), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_limiter(NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    cvs_auth_server_config_free(config);
    daemonauth_limiter_free(NULL);
    puts("limiter: ok");
    return 0;
}
