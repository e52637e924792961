/* Helpers for the tests that run inside the throwaway realm (scripts/realm): the realm's
 * settings from the environment, fresh credential caches, and klist as an outside witness. */
#ifndef DAEMONAUTH_C_TESTS_REALM_H
#define DAEMONAUTH_C_TESTS_REALM_H

#include <unistd.h>

#include "check.h"

/* The value of a realm variable; the test fails if it is missing. */
static inline const char *realm_env(const char *name) {
    const char *value = getenv(name);
    if (value == NULL || value[0] == '\0') {
        fprintf(stderr, "%s is not set: run this test through scripts/realm exec\n", name);
        exit(1);
    }
    return value;
}

/* Writes into `out` the path of a file named `name` in the realm's directory. */
static inline void realm_path(char *out, size_t size, const char *name) {
    CHECK((size_t)snprintf(out, size, "%s/%s", realm_env("DAEMONAUTH_TEST_DIR"), name) < size);
}

/* Writes into `out` the name of a FILE: credential cache `name` that does not exist yet. */
static inline void fresh_ccache(char *out, size_t size, const char *name) {
    char path[512];
    realm_path(path, sizeof path, name);
    unlink(path);
    CHECK((size_t)snprintf(out, size, "FILE:%s", path) < size);
}

/* Whether `ccache` holds a valid ticket-granting ticket, as klist sees it. */
static inline int has_ticket(const char *ccache) {
    char command[600];
    CHECK((size_t)snprintf(command, sizeof command, "klist -s -c '%s'", ccache) < sizeof command);
    return system(command) == 0;
}

#endif
