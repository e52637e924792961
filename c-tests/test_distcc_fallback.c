/* The distcc drop-in in a program that is NOT distccd (it defines none of distccd's option
 * globals): the weak references are NULL, and daemonauth_distcc_set_list() supplies the list.
 * Also the daemonauth_distcc_* API on both sides. Runs in the throwaway realm. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <daemonauth.h>
#include <daemonauth/distcc_auth.h>

#include "check.h"

static char list_path[256];

/* The drop-in server in a child, the API client here; returns the client's result and puts
 * the server's exit code in *server_code. */
static daemonauth_result exchange(int *server_code) {
    int sv[2], status = 0;
    daemonauth_result result;
    pid_t child;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int ret = dcc_gssapi_obtain_list(1);
        close(sv[0]);
        _exit(ret == 0 || ret == DAEMONAUTH_DISTCC_EXIT_GSSAPI_FAILED ? dcc_gssapi_check_client(sv[1], sv[1]) : 98);
    }
    close(sv[1]);
    result = daemonauth_distcc_client_authenticate(sv[0], sv[0], "localhost", "distccd");
    close(sv[0]);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
    *server_code = WEXITSTATUS(status);
    return result;
}

static void write_list(const char *text) {
    FILE *f = fopen(list_path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

int main(void) {
    int server_code, sv[2], status = 0;
    char *principal = NULL;
    daemonauth_distcc_server *server = NULL;
    pid_t child;
    const char *dir = getenv("DAEMONAUTH_TEST_DIR");

    CHECK(dir != NULL);
    snprintf(list_path, sizeof list_path, "%s/distcc-fallback-%ld.list", dir, (long)getpid());
    setenv("DISTCCD_PRINCIPAL", "distccd@localhost", 1);
    CHECK(dcc_gssapi_acquire_credentials() == 0);

    /* No distccd globals and no list set: obtain_list has nothing to read, nobody is barred. */
    CHECK(dcc_gssapi_obtain_list(1) == DAEMONAUTH_DISTCC_EXIT_GSSAPI_FAILED);
    CHECK_RESULT(exchange(&server_code), DAEMONAUTH_RESULT_OK);
    CHECK(server_code == 0);

    /* The list comes from daemonauth_distcc_set_list. */
    write_list("alice\n");
    CHECK_RESULT(daemonauth_distcc_set_list(list_path, DAEMONAUTH_DISTCC_LIST_MODE_BLACKLIST, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(exchange(&server_code), DAEMONAUTH_RESULT_ACCESS_DENIED);
    CHECK(server_code == DAEMONAUTH_DISTCC_EXIT_GSSAPI_FAILED);
    CHECK(daemonauth_distcc_exit_code(DAEMONAUTH_RESULT_ACCESS_DENIED) == DAEMONAUTH_DISTCC_EXIT_ACCESS_DENIED);
    CHECK_RESULT(daemonauth_distcc_set_list(list_path, 7, 0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_distcc_set_list(NULL, DAEMONAUTH_DISTCC_LIST_MODE_WHITELIST, 0), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_distcc_set_list(NULL, DAEMONAUTH_DISTCC_LIST_MODE_NONE, 0), DAEMONAUTH_RESULT_OK);
    dcc_gssapi_free_list();
    CHECK_RESULT(exchange(&server_code), DAEMONAUTH_RESULT_OK);
    dcc_gssapi_release_credentials();

    /* The API server: a realm-qualified whitelist entry, the client's name returned. */
    write_list("alice@DAEMONAUTH.TEST\n");
    CHECK_RESULT(daemonauth_distcc_server_new("distccd@localhost", list_path, DAEMONAUTH_DISTCC_LIST_MODE_WHITELIST,
                                              DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES, &server), DAEMONAUTH_RESULT_OK);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(sv[1]);
        _exit(daemonauth_distcc_client_authenticate(sv[0], sv[0], "localhost", "distccd"));
    }
    close(sv[0]);
    CHECK_RESULT(daemonauth_distcc_server_check_client(server, sv[1], sv[1], &principal), DAEMONAUTH_RESULT_OK);
    CHECK(principal != NULL && strcmp(principal, "alice@DAEMONAUTH.TEST") == 0);
    daemonauth_string_free(principal);
    close(sv[1]);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_RESULT(daemonauth_distcc_server_check_client(NULL, 0, 1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    daemonauth_distcc_server_free(server);
    daemonauth_distcc_server_free(NULL);
    CHECK_RESULT(daemonauth_distcc_server_new(NULL, NULL, DAEMONAUTH_DISTCC_LIST_MODE_BLACKLIST, 0, &server),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_distcc_server_new(NULL, NULL, 0, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    remove(list_path);
    printf("ok\n");
    return 0;
}
