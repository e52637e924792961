/* The panic guard: an export that panics returns an error to C, the process lives on, and the
 * library keeps working. Also the argument checks every export shares. Uses the exports of the
 * test-hooks build, which the public header deliberately does not declare. */
#include "check.h"

daemonauth_result daemonauth_test_panic(void);
daemonauth_result daemonauth_test_string_argument(const char *text);

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
    puts("panic guard: ok");
    return 0;
}
