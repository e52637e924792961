/* The version string matches the package version the build system knows. */
#include "check.h"

int main(void) {
    CHECK(strcmp(daemonauth_version(), DAEMONAUTH_EXPECTED_VERSION) == 0);
    printf("version: %s\n", daemonauth_version());
    return 0;
}
