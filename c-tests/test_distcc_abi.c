/* The drop-in ABI check: this program sees the library only as distcc 3.4 does. It declares
 * the functions and data symbols exactly as distcc's src/auth.h and its other files do, and
 * defines distccd's option globals as its dopt.c does; it links with `pkg-config --libs
 * daemonauth` and nothing else. Built a second time with DAEMONAUTH_WITH_HEADER, it also
 * includes <daemonauth/distcc_auth.h>, so the compiler checks that the shipped prototypes are
 * the same as distcc's.
 *
 * In the throwaway realm it runs distcc's server side (a child, over a socketpair) against
 * its client side: plain, blacklisted, whitelisted, realm-qualified entries, and the helpers
 * (tokens, flags, cleanup, NULL arguments); and, as a threaded host would, one server-side
 * authentication stalled by a silent client while another completes beside it. */

#include <gssapi/gssapi.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- as distcc 3.4's src/auth.h ---- */
#define HANDSHAKE '*'
#define ACCESS 'y'
#define NO_ACCESS 'n'

struct dcc_hostdef;

int dcc_gssapi_acquire_credentials(void);
void dcc_gssapi_release_credentials(void);
int dcc_gssapi_obtain_list(int mode);
void dcc_gssapi_free_list(void);
int dcc_gssapi_check_client(int to_net_fd, int from_net_fd);
int dcc_gssapi_perform_requested_security(const struct dcc_hostdef *host,
                      int to_net_fd,
                      int from_net_fd);
void dcc_gssapi_status_to_log(OM_uint32 status_code, int status_type);
void dcc_gssapi_cleanup(gss_buffer_desc *input_tok,
            gss_buffer_desc *output_tok,
            gss_name_t *name);
int dcc_gssapi_compare_flags(OM_uint32 req_flags, OM_uint32 ret_flags);
void dcc_gssapi_delete_ctx(gss_ctx_id_t *ctx_handle);
int send_token(int sd, gss_buffer_t token);
int recv_token(int sd, gss_buffer_t token);

/* ---- as distcc's remote.c and serve.c use them ---- */
extern gss_ctx_id_t distcc_ctx_handle;
extern gss_ctx_id_t distccd_ctx_handle;

#ifdef DAEMONAUTH_WITH_HEADER
#include <daemonauth/distcc_auth.h>
#endif

/* ---- as distccd's dopt.c defines them ---- */
int opt_auth_enabled = 0;
int opt_blacklist_enabled = 0;
int opt_whitelist_enabled = 0;
const char *arg_list_file = NULL;

/* ---- as distcc's trace.h declares its logger; a stand-in for its trace.c that keeps the
 * last message at each level (syslog's levels, as rs_loglevel) and counts them ---- */
void rs_log0(int level, char const *fn, char const *fmt, ...) __attribute__((format(printf, 3, 4)));

static pthread_mutex_t logged_lock = PTHREAD_MUTEX_INITIALIZER;
static char logged_fn[8][64], logged_message[8][1024];
static int logged_at[8];

void rs_log0(int level, char const *fn, char const *fmt, ...) {
    va_list args;
    pthread_mutex_lock(&logged_lock);
    va_start(args, fmt);
    vsnprintf(logged_message[level & 7], sizeof logged_message[0], fmt, args);
    va_end(args);
    snprintf(logged_fn[level & 7], sizeof logged_fn[0], "%s", fn);
    logged_at[level & 7]++;
    pthread_mutex_unlock(&logged_lock);
}

#include "distcc_hostdef.h"

#define EXPECT(cond)                                                                       \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
            exit(1);                                                                       \
        }                                                                                  \
    } while (0)

static char list_path[256];

static void write_list(const char *text) {
    FILE *f = fopen(list_path, "w");
    EXPECT(f != NULL);
    fputs(text, f);
    fclose(f);
}

/* One connection: distccd's side in a child (its exit status is check_client's code), the
 * client's here. Returns the client's code; *server_code gets the server's. */
static int exchange(int *server_code) {
    int sv[2], status = 0, code;
    struct dcc_hostdef host;
    pid_t child;

    EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    child = fork();
    EXPECT(child >= 0);
    if (child == 0) {
        close(sv[0]);
        if (opt_blacklist_enabled || opt_whitelist_enabled) {
            int ret = dcc_gssapi_obtain_list(opt_blacklist_enabled ? 1 : 0);
            if (ret != 0) {
                _exit(ret);
            }
        }
        code = dcc_gssapi_check_client(sv[1], sv[1]);
        /* A context after success, none after a failure. */
        if ((code == 0) != (distccd_ctx_handle != GSS_C_NO_CONTEXT)) {
            _exit(99);
        }
        dcc_gssapi_delete_ctx(&distccd_ctx_handle);
        dcc_gssapi_free_list();
        _exit(code);
    }
    close(sv[1]);
    memset(&host, 0, sizeof host);
    host.mode = DCC_MODE_TCP;
    host.authenticate = 1;
    host.auth_name = "localhost";
    code = dcc_gssapi_perform_requested_security(&host, sv[0], sv[0]);
    EXPECT((code == 0) == (distcc_ctx_handle != GSS_C_NO_CONTEXT));
    dcc_gssapi_delete_ctx(&distcc_ctx_handle);
    EXPECT(distcc_ctx_handle == GSS_C_NO_CONTEXT);
    close(sv[0]);
    EXPECT(waitpid(child, &status, 0) == child && WIFEXITED(status));
    *server_code = WEXITSTATUS(status);
    printf("client %d, server %d\n", code, *server_code);
    return code;
}

/* A server-side authentication on one descriptor, in a thread; done is set when it returns
 * (atomically: the main thread reads it while the server thread may still run). */
struct server_thread {
    pthread_t thread;
    int fd;
    int code;
    int done;
};

static void *serve_one(void *arg) {
    struct server_thread *server = arg;
    server->code = dcc_gssapi_check_client(server->fd, server->fd);
    __atomic_store_n(&server->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* A threaded host: while one authentication waits on a client that says nothing, another
 * completes; the credentials lock is not held across network I/O. */
static void concurrent_case(void) {
    int silent[2], sv[2], code;
    struct server_thread stalled = {0}, other = {0};
    struct dcc_hostdef host;

    EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, silent) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    stalled.fd = silent[1];
    EXPECT(pthread_create(&stalled.thread, NULL, serve_one, &stalled) == 0);
    sleep(1); /* let it reach its wait for the silent client's handshake */
    other.fd = sv[1];
    EXPECT(pthread_create(&other.thread, NULL, serve_one, &other) == 0);
    memset(&host, 0, sizeof host);
    host.mode = DCC_MODE_TCP;
    host.authenticate = 1;
    host.auth_name = "localhost";
    code = dcc_gssapi_perform_requested_security(&host, sv[0], sv[0]);
    shutdown(sv[0], SHUT_RDWR); /* whatever the outcome, the other server is not kept waiting */
    EXPECT(pthread_join(other.thread, NULL) == 0);
    printf("beside a stalled authentication: client %d, server %d\n", code, other.code);
    EXPECT(code == 0 && other.code == 0);
    EXPECT(!__atomic_load_n(&stalled.done, __ATOMIC_ACQUIRE));
    close(silent[0]); /* the silent client goes away */
    EXPECT(pthread_join(stalled.thread, NULL) == 0);
    EXPECT(stalled.code == 107);
    dcc_gssapi_delete_ctx(&distcc_ctx_handle);
    dcc_gssapi_delete_ctx(&distccd_ctx_handle);
    close(silent[1]);
    close(sv[0]);
    close(sv[1]);
}

static void list_cases(void) {
    int server;
    opt_blacklist_enabled = 1;
    write_list("bob\nalice\n");
    EXPECT(exchange(&server) == 113 && server == 119);   /* blacklisted: 'n' */
    write_list("bob\n");
    EXPECT(exchange(&server) == 0 && server == 0);
    opt_blacklist_enabled = 0;
    opt_whitelist_enabled = 1;
    EXPECT(exchange(&server) == 113 && server == 119);   /* not whitelisted */
    write_list("alice\n");
    EXPECT(exchange(&server) == 0 && server == 0);
    /* A realm-qualified entry never matches, as in distcc, unless enabled. */
    write_list("alice@DAEMONAUTH.TEST\n");
    EXPECT(exchange(&server) == 113 && server == 119);
    setenv("DAEMONAUTH_DISTCC_LIST_REALMS", "1", 1);
    EXPECT(exchange(&server) == 0 && server == 0);
    write_list("alice@OTHER.REALM\n");
    EXPECT(exchange(&server) == 113 && server == 119);
    unsetenv("DAEMONAUTH_DISTCC_LIST_REALMS");
    /* A list file that cannot be read: distccd must not start. */
    arg_list_file = "/nonexistent/list";
    EXPECT(dcc_gssapi_obtain_list(0) == 119);
    arg_list_file = list_path;
    opt_whitelist_enabled = 0;
}

static void helper_cases(void) {
    int sv[2];
    gss_buffer_desc sent, got = GSS_C_EMPTY_BUFFER;
    gss_name_t no_name = GSS_C_NO_NAME;
    gss_ctx_id_t no_ctx = GSS_C_NO_CONTEXT;

    EXPECT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    sent.value = "a token";
    sent.length = 7;
    EXPECT(send_token(sv[0], &sent) == 0);
    EXPECT(recv_token(sv[1], &got) == 0);
    EXPECT(got.length == 7 && memcmp(got.value, "a token", 7) == 0);
    dcc_gssapi_cleanup(&got, NULL, &no_name);   /* releases the malloc'd token */
    EXPECT(got.value == NULL && got.length == 0);
    EXPECT(write(sv[0], "TLENffffffff", 12) == 12);
    EXPECT(recv_token(sv[1], &got) == 109);
    EXPECT(write(sv[0], "GARBAGE00001", 12) == 12);
    EXPECT(recv_token(sv[1], &got) == 109);
    EXPECT(recv_token(sv[1], NULL) == 119);
    EXPECT(send_token(sv[0], NULL) == 119);
    close(sv[0]);
    EXPECT(recv_token(sv[1], &got) == 107);   /* end of stream */
    close(sv[1]);

    EXPECT(dcc_gssapi_compare_flags(GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG,
                                    GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG) == 0);
    EXPECT(dcc_gssapi_compare_flags(GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG, GSS_C_MUTUAL_FLAG) == 119);
    dcc_gssapi_status_to_log(GSS_S_NO_CRED, GSS_C_GSS_CODE);
    dcc_gssapi_cleanup(NULL, NULL, NULL);
    dcc_gssapi_delete_ctx(NULL);
    dcc_gssapi_delete_ctx(&no_ctx);
    EXPECT(dcc_gssapi_perform_requested_security(NULL, 0, 1) == 119);
    EXPECT(dcc_gssapi_check_client(-1, -1) == 119);
    dcc_gssapi_release_credentials();
    dcc_gssapi_release_credentials();
    dcc_gssapi_free_list();
}

int main(void) {
    int server;
    const char *dir = getenv("DAEMONAUTH_TEST_DIR");
    EXPECT(dir != NULL);
    snprintf(list_path, sizeof list_path, "%s/distcc-abi-%ld.list", dir, (long)getpid());
    arg_list_file = list_path;
    setenv("DISTCCD_PRINCIPAL", "distccd@localhost", 1);
    setenv("DISTCC_PRINCIPAL", "distccd", 1);

    helper_cases();
    unsetenv("DISTCCD_PRINCIPAL");
    EXPECT(dcc_gssapi_acquire_credentials() == 119);   /* the principal is mandatory */
    /* ... and says so through distcc's logger, at its warning level, not on stderr. */
    EXPECT(strcmp(logged_fn[4], "daemonauth") == 0);
    EXPECT(strstr(logged_message[4], "no principal name specified (DISTCCD_PRINCIPAL)") != NULL);
    setenv("DISTCCD_PRINCIPAL", "distccd@localhost", 1);
    EXPECT(dcc_gssapi_acquire_credentials() == 0);
    EXPECT(exchange(&server) == 0 && server == 0);
    setenv("DAEMONAUTH_DISTCC_IO_TIMEOUT_MS", "20000", 1);
    concurrent_case();
    unsetenv("DAEMONAUTH_DISTCC_IO_TIMEOUT_MS");
    list_cases();
    /* Informational messages reach distcc too (at its info level; distcc filters by its own
     * --log-level), e.g. "using FILE as a blacklist". */
    EXPECT(logged_at[6] > 0);
    /* The wrong service: the client's GSS-API call fails, no context is left anywhere. */
    setenv("DISTCC_PRINCIPAL", "nosuch", 1);
    EXPECT(exchange(&server) == 119 && server != 0);
    dcc_gssapi_release_credentials();
    remove(list_path);
    printf("ok\n");
    return 0;
}
