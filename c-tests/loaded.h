/* Whether a shared object is loaded in this process, for the tests of what the library opens
 * and when. Include after defining _GNU_SOURCE (RTLD_NOLOAD). */
#ifndef DAEMONAUTH_C_TESTS_LOADED_H
#define DAEMONAUTH_C_TESTS_LOADED_H

#include <dlfcn.h>

/* Whether `soname` is loaded (RTLD_NOLOAD never loads it). */
static int loaded(const char *soname) {
    void *handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == NULL)
        return 0;
    dlclose(handle);
    return 1;
}

#endif
