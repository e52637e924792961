/* daemonauth_load_libraries opens the libraries the library otherwise opens at first use, so
 * that a daemon can confine itself afterwards: in a child that chroots into an empty directory,
 * the first GSS-API call fails (MIT's library cannot be found there: a daemon chrooted into a
 * tree others can write would have loaded theirs) unless the child called it before the
 * chroot, and then it works. Needs root for chroot(2): exits 77 (skipped) otherwise. */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "loaded.h"

/* In a child: optionally load the libraries, chroot into `root`, import a GSS-API name.
 * Returns the child's exit status: 0 imported, 1 refused with DAEMONAUTH_RESULT_CONFIG. */
static int import_in_chroot(const char *root, int load_first) {
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        if (load_first && daemonauth_load_libraries() != DAEMONAUTH_RESULT_OK)
            _exit(10);
        if (chroot(root) != 0 || chdir("/") != 0)
            _exit(11);
        daemonauth_gss_name *name = NULL;
        daemonauth_result result =
            daemonauth_gss_name_import("host@localhost", DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &name);
        if (result == DAEMONAUTH_RESULT_OK) {
            daemonauth_gss_name_free(name);
            _exit(0);
        }
        fprintf(stderr, "in the chroot (%s): %s\n", load_first ? "loaded first" : "not loaded",
                daemonauth_last_error());
        _exit(result == DAEMONAUTH_RESULT_CONFIG && strstr(daemonauth_last_error(), "libgssapi_krb5.so.2") ? 1 : 12);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    return WEXITSTATUS(status);
}

int main(void) {
    if (geteuid() != 0) {
        puts("skipped: chroot(2) needs root");
        return 77;
    }
    char root[] = "/tmp/daemonauth-empty-root-XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    CHECK(!loaded("libgssapi_krb5.so.2"));
    int without = import_in_chroot(root, 0);
    int with = import_in_chroot(root, 1);
    CHECK(rmdir(root) == 0);
    CHECK(without == 1);
    CHECK(with == 0);

    /* In this process: everything opened at once; a second call changes nothing. */
    CHECK_RESULT(daemonauth_load_libraries(), DAEMONAUTH_RESULT_OK);
    CHECK(loaded("libgssapi_krb5.so.2") && loaded("libkrb5.so.3"));
    CHECK_RESULT(daemonauth_load_libraries(), DAEMONAUTH_RESULT_OK);
    puts("libraries opened before the chroot serve the first GSS-API call inside it");
    return 0;
}
