/* A program that links libdaemonauth (as pkg-config says) loads no Kerberos library when it
 * starts: MIT's GSS-API and krb5 libraries, and the five they bring, are opened at the first
 * GSS-API call, so a CVS pserver or a usrpwd host-auth daemon never pays for them. After that
 * call they are loaded, and once: a second call finds the same instance. */
#define _GNU_SOURCE

#include "check.h"
#include "loaded.h"

static void check_kerberos_loaded(int expected) {
    static const char *const sonames[] = {"libgssapi_krb5.so.2", "libkrb5.so.3", "libk5crypto.so.3",
                                          "libkrb5support.so.0"};
    for (size_t i = 0; i < sizeof sonames / sizeof sonames[0]; i++) {
        if (loaded(sonames[i]) != expected) {
            fprintf(stderr, "%s is %s\n", sonames[i], expected ? "not loaded" : "loaded");
            exit(1);
        }
    }
}

int main(void) {
    check_kerberos_loaded(0);

    /* What a pserver does before it checks a password: no Kerberos. */
    char *scrambled = NULL;
    CHECK_RESULT(cvs_auth_scramble("secret", &scrambled), DAEMONAUTH_RESULT_OK);
    daemonauth_string_free(scrambled);
    CHECK(daemonauth_version() != NULL);
    check_kerberos_loaded(0);

    /* The first GSS-API call opens the libraries. */
    daemonauth_gss_name *name = NULL;
    CHECK_RESULT(daemonauth_gss_name_import("host@localhost", DAEMONAUTH_GSS_NAME_TYPE_HOST_BASED_SERVICE, &name),
                 DAEMONAUTH_RESULT_OK);
    check_kerberos_loaded(1);
    daemonauth_gss_name_free(name);

    /* Later calls use them as loaded. */
    CHECK_RESULT(daemonauth_gss_name_import("alice", DAEMONAUTH_GSS_NAME_TYPE_USER_NAME, &name), DAEMONAUTH_RESULT_OK);
    daemonauth_gss_name_free(name);
    check_kerberos_loaded(1);
    puts("Kerberos loaded at the first GSS-API call, not at start");
    return 0;
}
