// The public headers compile as C++ and their declarations have C linkage.
#include <daemonauth.h>

#include <cstdio>
#include <cstring>

int main() {
    const char *version = daemonauth_version();
    daemonauth_result result = daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_WARN);
    std::printf("c++: version %s, result %d\n", version, static_cast<int>(result));
    return (result == DAEMONAUTH_RESULT_OK && std::strlen(version) > 0) ? 0 : 1;
}
