/* A program that calls GSS-API itself (linked with `pkg-config --libs daemonauth krb5-gssapi`)
 * and the library, which opens libgssapi_krb5.so.2 at its first use, share one instance of it:
 * a name and a buffer the program got from its own gss_* calls are released through the
 * library (distcc's dcc_gssapi_cleanup), as distcc's code does. Under valgrind (memcheck_*),
 * a second instance would show as an invalid free or a leak. */
#include <gssapi/gssapi.h>

#include <daemonauth/distcc_auth.h>

#include "check.h"

int main(void) {
    OM_uint32 minor = 0;
    gss_name_t name = GSS_C_NO_NAME;
    gss_buffer_desc text = {sizeof "host@localhost" - 1, (void *)"host@localhost"};
    CHECK(gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &name) == GSS_S_COMPLETE);
    gss_buffer_desc shown = GSS_C_EMPTY_BUFFER;
    CHECK(gss_display_name(&minor, name, &shown, NULL) == GSS_S_COMPLETE);
    CHECK(shown.value != NULL && shown.length == text.length);

    dcc_gssapi_cleanup(&shown, NULL, &name);
    CHECK(shown.value == NULL && shown.length == 0);
    CHECK(name == GSS_C_NO_NAME);
    puts("the program's GSS-API objects were released through the library");
    return 0;
}
