/* The distcc drop-in in a program that is NOT distccd (it defines none of distccd's option
 * globals): the weak references are NULL, and daemonauth_distcc_set_list() supplies the list.
 * Also the daemonauth_distcc_* API on both sides: the server builder, its setters and their
 * precedence over the environment, one built server shared by several threads, the client's
 * timeout. Runs in the throwaway realm. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
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
    result = daemonauth_distcc_client_authenticate(sv[0], sv[0], "localhost", "distccd", 0);
    close(sv[0]);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status));
    *server_code = WEXITSTATUS(status);
    return result;
}

/* Forks a peer on a socket pair that writes `bytes` one every `interval_ms` (0: all at once)
 * and then holds the connection open, silent, for 30 s; returns our end, the peer in *peer. */
static int silent_peer(const char *bytes, int interval_ms, pid_t *peer) {
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    *peer = fork();
    CHECK(*peer >= 0);
    if (*peer == 0) {
        struct timespec pause_for = {interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L};
        size_t i, len = strlen(bytes);
        close(sv[1]);
        for (i = 0; i < len; i++) {
            if (write(sv[0], bytes + i, interval_ms ? 1 : len) < 0)
                _exit(1);
            if (!interval_ms)
                break;
            nanosleep(&pause_for, NULL);
        }
        sleep(30);
        _exit(0);
    }
    close(sv[0]);
    return sv[1];
}

static void end_peer(int fd, pid_t peer) {
    int status;
    close(fd);
    kill(peer, SIGKILL);
    CHECK(waitpid(peer, &status, 0) == peer);
}

/* A server from a builder with the given timeouts and no principal or list. */
static daemonauth_distcc_server *server_with(uint32_t timeout_ms, uint32_t exchange_timeout_ms) {
    daemonauth_distcc_server_builder *builder = NULL;
    daemonauth_distcc_server *server = NULL;
    CHECK_RESULT(daemonauth_distcc_server_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_distcc_server_builder_set_principal(builder, "distccd@localhost"), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_distcc_server_builder_set_timeout_ms(builder, timeout_ms), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_distcc_server_builder_set_exchange_timeout_ms(builder, exchange_timeout_ms),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_distcc_server_builder_build(builder, &server), DAEMONAUTH_RESULT_OK);
    return server;
}

/* Runs check_client against a peer sending `bytes` (see silent_peer): it must fail with
 * TIMEOUT within 10 s, far below the 30 s and 60 s defaults. */
static void times_out(const daemonauth_distcc_server *server, const char *bytes, int interval_ms) {
    pid_t peer;
    char *principal = (char *)"unchanged";
    int fd = silent_peer(bytes, interval_ms, &peer);
    time_t started = time(NULL);
    CHECK_RESULT(daemonauth_distcc_server_check_client(server, fd, fd, &principal), DAEMONAUTH_RESULT_TIMEOUT);
    CHECK(time(NULL) - started < 10);
    CHECK(principal == NULL); /* an out-parameter is NULL after a failure */
    end_peer(fd, peer);
}

/* One authentication on a thread, with the server all the threads share. */
struct shared_run {
    const daemonauth_distcc_server *server;
    int fd;
    daemonauth_result result;
    char *principal;
};

static void *check_on_thread(void *arg) {
    struct shared_run *run = arg;
    run->result = daemonauth_distcc_server_check_client(run->server, run->fd, run->fd, &run->principal);
    return NULL;
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

    /* The API server from a builder: a realm-qualified whitelist entry, the client's name
     * returned. */
    {
        daemonauth_distcc_server_builder *builder = NULL;
        write_list("alice@DAEMONAUTH.TEST\n");
        CHECK_RESULT(daemonauth_distcc_server_builder_new(&builder), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_principal(builder, "distccd@localhost"), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, list_path, DAEMONAUTH_DISTCC_LIST_MODE_WHITELIST,
                                                               DAEMONAUTH_DISTCC_LIST_REALM_ENTRIES),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_distcc_server_builder_build(builder, &server), DAEMONAUTH_RESULT_OK);
    }
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(sv[1]);
        _exit(daemonauth_distcc_client_authenticate(sv[0], sv[0], "localhost", "distccd", 0));
    }
    close(sv[0]);
    CHECK_RESULT(daemonauth_distcc_server_check_client(server, sv[1], sv[1], &principal), DAEMONAUTH_RESULT_OK);
    CHECK(principal != NULL && strcmp(principal, "alice@DAEMONAUTH.TEST") == 0);
    daemonauth_string_free(principal);
    close(sv[1]);
    CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* One server, four threads authenticating four clients at once: all admitted. */
    {
        struct shared_run runs[4];
        pthread_t threads[4];
        pid_t clients[4];
        int i;
        for (i = 0; i < 4; i++) {
            CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
            clients[i] = fork();
            CHECK(clients[i] >= 0);
            if (clients[i] == 0) {
                close(sv[1]);
                _exit(daemonauth_distcc_client_authenticate(sv[0], sv[0], "localhost", "distccd", 0));
            }
            close(sv[0]);
            runs[i].server = server;
            runs[i].fd = sv[1];
            runs[i].principal = NULL;
        }
        for (i = 0; i < 4; i++)
            CHECK(pthread_create(&threads[i], NULL, check_on_thread, &runs[i]) == 0);
        for (i = 0; i < 4; i++) {
            CHECK(pthread_join(threads[i], NULL) == 0);
            CHECK_RESULT(runs[i].result, DAEMONAUTH_RESULT_OK);
            CHECK(runs[i].principal != NULL && strcmp(runs[i].principal, "alice@DAEMONAUTH.TEST") == 0);
            daemonauth_string_free(runs[i].principal);
            close(runs[i].fd);
            CHECK(waitpid(clients[i], &status, 0) == clients[i] && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
    }
    CHECK_RESULT(daemonauth_distcc_server_check_client(NULL, 0, 1, &principal), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_distcc_server_check_client(server, 0, 1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_distcc_server_check_client: argument `principal_out`");
    daemonauth_distcc_server_free(server);
    daemonauth_distcc_server_free(NULL);

    /* Timeouts: a setter wins over the environment, 0 falls back to the environment. */
    setenv("DAEMONAUTH_DISTCC_IO_TIMEOUT_MS", "60000", 1);
    server = server_with(300, 0);
    times_out(server, "", 0); /* silent after connecting: the 300 ms token timeout */
    daemonauth_distcc_server_free(server);
    setenv("DAEMONAUTH_DISTCC_IO_TIMEOUT_MS", "300", 1);
    server = server_with(0, 0);
    times_out(server, "", 0); /* 0: $DAEMONAUTH_DISTCC_IO_TIMEOUT_MS */
    daemonauth_distcc_server_free(server);
    unsetenv("DAEMONAUTH_DISTCC_IO_TIMEOUT_MS");
    /* A client trickling a token a byte every 100 ms: each byte in time, the exchange not. */
    setenv("DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS", "60000", 1);
    server = server_with(0, 700);
    times_out(server, "*TLEN00000100xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 100);
    daemonauth_distcc_server_free(server);
    unsetenv("DAEMONAUTH_DISTCC_EXCHANGE_TIMEOUT_MS");

    /* The client's timeout: a server that answers the handshake and then says nothing. */
    {
        pid_t peer;
        int fd = silent_peer("*", 0, &peer);
        time_t started = time(NULL);
        CHECK_RESULT(daemonauth_distcc_client_authenticate(fd, fd, "localhost", "distccd", 300),
                     DAEMONAUTH_RESULT_TIMEOUT);
        CHECK(time(NULL) - started < 10);
        end_peer(fd, peer);
    }

    /* Builder refusals; a builder passed to _build is consumed even when building fails. */
    {
        daemonauth_distcc_server_builder *builder = NULL;
        daemonauth_distcc_exit code = daemonauth_distcc_exit_code(DAEMONAUTH_RESULT_TIMEOUT);
        CHECK(code == DAEMONAUTH_DISTCC_EXIT_TIMEOUT);
        CHECK(daemonauth_distcc_exit_code(-1) == DAEMONAUTH_DISTCC_EXIT_GSSAPI_FAILED);
        CHECK_RESULT(daemonauth_distcc_server_builder_new(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_timeout_ms(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_build(NULL, &server), DAEMONAUTH_RESULT_NULL_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_new(&builder), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, NULL, DAEMONAUTH_DISTCC_LIST_MODE_BLACKLIST, 0),
                     DAEMONAUTH_RESULT_NULL_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, list_path, 7, 0),
                     DAEMONAUTH_RESULT_INVALID_ARGUMENT);
        CHECK_CONTAINS(daemonauth_last_error(), "7 is not a distcc list mode");
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, list_path, DAEMONAUTH_DISTCC_LIST_MODE_NONE, 0),
                     DAEMONAUTH_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, list_path, DAEMONAUTH_DISTCC_LIST_MODE_BLACKLIST,
                                                               4),
                     DAEMONAUTH_RESULT_INVALID_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_build(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
        CHECK_RESULT(daemonauth_distcc_server_builder_new(&builder), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_distcc_server_builder_set_list(builder, "/nonexistent/distcc.list",
                                                               DAEMONAUTH_DISTCC_LIST_MODE_WHITELIST, 0),
                     DAEMONAUTH_RESULT_OK);
        CHECK(daemonauth_distcc_server_builder_build(builder, &server) != DAEMONAUTH_RESULT_OK);
        CHECK(server == NULL);
        CHECK_RESULT(daemonauth_distcc_server_builder_new(&builder), DAEMONAUTH_RESULT_OK);
        daemonauth_distcc_server_builder_free(builder);
        daemonauth_distcc_server_builder_free(NULL);
    }
    remove(list_path);
    printf("ok\n");
    return 0;
}
