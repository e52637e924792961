/* Minimal assertions for the C tests: a failed check prints where and why, then exits 1. */
#ifndef DAEMONAUTH_C_TESTS_CHECK_H
#define DAEMONAUTH_C_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daemonauth.h>

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n", __FILE__,        \
                    __LINE__, #cond, daemonauth_last_error());                             \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_RESULT(call, expected)                                                       \
    do {                                                                                   \
        daemonauth_result check_got_ = (call);                                             \
        if (check_got_ != (expected)) {                                                    \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %s (last error: %s)\n",  \
                    __FILE__, __LINE__, #call, (int)check_got_,                            \
                    daemonauth_strerror((int)check_got_), #expected,                       \
                    daemonauth_last_error());                                              \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                   \
    do {                                                                                   \
        const char *check_h_ = (haystack);                                                 \
        if (check_h_ == NULL || strstr(check_h_, (needle)) == NULL) {                      \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,  \
                    check_h_ ? check_h_ : "(null)", (needle));                             \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

#endif
