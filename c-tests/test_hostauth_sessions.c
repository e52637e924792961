/* Host-auth sessions from C against a daemon in the same process (one daemon thread per
 * connection, Unix socket pairs):
 *   registry  the client configuration's entries in a registry the caller holds: counters and
 *             the established token after a session, then a reuse;
 *   threads   eight threads authenticating at once on one entry: no count is lost;
 *   expired, revoked, tampered
 *             a reuse token the client presents although the daemon must refuse it (put back
 *             through the test-hooks exports): the daemon logs why and the client falls back to
 *             the password;
 *   replayed  a reuse proof recorded on one channel and replayed on another is refused.
 *
 *   test_hostauth_sessions CASE */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* The test-hooks exports (not in the shipped headers). */
daemonauth_result daemonauth_test_hostauth_token_take(const daemonauth_hostauth_client_config *config, const char *host,
                                                      const char *user, int server_kind, daemonauth_buffer **token_out);
daemonauth_result daemonauth_test_hostauth_token_put(const daemonauth_hostauth_client_config *config, const char *host,
                                                     const char *user, int server_kind, const uint8_t *token,
                                                     size_t len);
daemonauth_result daemonauth_test_hostauth_token_prove(int fd, const uint8_t *token, size_t len, const uint8_t *proof,
                                                       daemonauth_buffer **proof_out);

#define ROOTD DAEMONAUTH_HOSTAUTH_SERVER_ROOTD
/* `openssl passwd -6 -salt daemonau secret` */
#define SECRET_HASH "$6$daemonau$Lkn7/W/WBaI2z6W5gD9HpuKOVtwOAle1mn/Bk6/a1r6obmh6NeeGFCcA/tSHyojtpZdSMEbsIDnhN049pJdQC1"

static char dir[] = "/tmp/daemonauth-hostauth-sessions-XXXXXX";
static char public_key[65];
static daemonauth_hostauth_server_config *server;
static daemonauth_hostauth_client_config *client;
static daemonauth_hostauth_registry *registry;
static daemonauth_responder *answers;

/* The library's messages, kept to look for the daemon's reasons. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[65536];

static void keep_log(void *userdata, daemonauth_log_level level, const char *message) {
    (void)userdata;
    (void)level;
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(log_text);
    snprintf(log_text + used, sizeof log_text - used, "%s\n", message);
    pthread_mutex_unlock(&log_lock);
}

static const char *path_of(const char *name) {
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, sizeof paths[0], "%s/%s", dir, name);
    return path;
}

static void write_private(const char *name, const char *text) {
    FILE *f = fopen(path_of(name), "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
    CHECK(chmod(path_of(name), 0600) == 0);
}

/* The daemon (usrpwd from a password file, uidgid, reuse tokens valid at most max_validity_s)
 * and a client whose rc file lists `methods`, with the password `secret` and the registry. */
static void setup(uint32_t max_validity_s, const char *methods) {
    char *hex = NULL, text[512];
    CHECK(mkdtemp(dir) != NULL);
    CHECK_RESULT(daemonauth_hostauth_key_generate(path_of("key")), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_key_public(path_of("key"), &hex), DAEMONAUTH_RESULT_OK);
    memcpy(public_key, hex, 65);
    daemonauth_string_free(hex);
    write_private("access", "default usrpwd uidgid\n");
    write_private("passwd", "alice:" SECRET_HASH "\n");
    write_private("secret", "1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
    write_private("answers", "password=secret\n");
    snprintf(text, sizeof text, "default list %s\n", methods);
    write_private("rootauthrc", text);

    daemonauth_hostauth_server_config_builder *builder = NULL;
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_key_file(builder, path_of("key")), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_access_file(builder, path_of("access")),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_password_check(
                     builder, DAEMONAUTH_HOSTAUTH_PASSWORD_CHECK_FILE, path_of("passwd")),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_secret_file(builder, path_of("secret")),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_max_validity_s(builder, max_validity_s),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_set_fail_delay_ms(builder, 1), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_server_config_builder_build(builder, &server), DAEMONAUTH_RESULT_OK);

    daemonauth_hostauth_client_config_builder *client_builder = NULL;
    CHECK_RESULT(daemonauth_hostauth_registry_new(&registry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_responder_new_file(path_of("answers"), &answers), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_new(&client_builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_set_authrc_file(client_builder, path_of("rootauthrc")),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_set_pinned_key(client_builder, public_key),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_set_responder(client_builder, answers), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_set_registry(client_builder, registry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_client_config_builder_build(client_builder, &client), DAEMONAUTH_RESULT_OK);
}

static void teardown(void) {
    char cmd[600];
    daemonauth_hostauth_client_config_free(client);
    daemonauth_hostauth_server_config_free(server);
    daemonauth_hostauth_registry_free(registry);
    daemonauth_responder_free(answers);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

struct daemon_side {
    int fd;
    daemonauth_result result;
    bool reused, revoked;
};

static void *run_daemon(void *arg) {
    struct daemon_side *d = arg;
    daemonauth_hostauth_session *session = NULL;
    d->result = daemonauth_hostauth_server_accept(server, d->fd, d->fd, &session);
    if (session) {
        daemonauth_hostauth_session_reused(session, &d->reused);
        daemonauth_hostauth_session_revoked(session, &d->revoked);
    }
    daemonauth_hostauth_session_free(session);
    return NULL;
}

/* A connection to a daemon thread: *fd is the client's end. */
static void connect_daemon(struct daemon_side *d, pthread_t *thread, int *fd) {
    int fds[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    *d = (struct daemon_side){fds[1], DAEMONAUTH_RESULT_INTERNAL, false, false};
    *fd = fds[0];
    CHECK(pthread_create(thread, NULL, run_daemon, d) == 0);
}

static void disconnect_daemon(struct daemon_side *d, pthread_t thread, int fd) {
    shutdown(fd, SHUT_RDWR);
    pthread_join(thread, NULL);
    close(fd);
    close(d->fd);
}

/* One session as `user`; whether it reused a token. When the token it was given or proved
 * expires (the client session's getter) goes to *expires. */
static bool session_expiring(const char *user, uint64_t *expires) {
    struct daemon_side d;
    pthread_t thread;
    int fd;
    connect_daemon(&d, &thread, &fd);
    daemonauth_hostauth_session *session = NULL;
    CHECK_RESULT(daemonauth_hostauth_client_authenticate(client, fd, fd, "localhost", user, ROOTD, &session),
                 DAEMONAUTH_RESULT_OK);
    disconnect_daemon(&d, thread, fd);
    CHECK_RESULT(d.result, DAEMONAUTH_RESULT_OK);
    bool reused = false;
    CHECK_RESULT(daemonauth_hostauth_session_reused(session, &reused), DAEMONAUTH_RESULT_OK);
    CHECK(reused == d.reused);
    CHECK_RESULT(daemonauth_hostauth_session_token_expires(session, expires), DAEMONAUTH_RESULT_OK);
    daemonauth_hostauth_session_free(session);
    return reused;
}

static bool session_as(const char *user) {
    uint64_t expires = 0;
    return session_expiring(user, &expires);
}

static void check_counters(const char *user, int method, uint32_t successes, uint32_t failures) {
    daemonauth_hostauth_entry *entry = NULL;
    uint32_t ok = 0, failed = 0;
    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "localhost", user, ROOTD, &entry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, method, &ok, &failed), DAEMONAUTH_RESULT_OK);
    if (ok != successes || failed != failures) {
        fprintf(stderr, "method %d: %u successes, %u failures; expected %u, %u\n", method, ok, failed, successes,
                failures);
        exit(1);
    }
    daemonauth_hostauth_entry_free(entry);
}

static void registry_case(void) {
    uint64_t token_expires = 0;
    setup(0, "uidgid usrpwd");
    CHECK(!session_expiring("alice", &token_expires));
    /* uidgid failed (alice is not this process's user), usrpwd succeeded and left a token. */
    check_counters("alice", DAEMONAUTH_HOSTAUTH_METHOD_UIDGID, 0, 1);
    check_counters("alice", DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, 1, 0);
    daemonauth_hostauth_entry *entry = NULL;
    daemonauth_hostauth_established *established = NULL;
    size_t count = 0;
    bool has_token = false, active = false;
    uint64_t expires = 0;
    daemonauth_hostauth_method method = DAEMONAUTH_HOSTAUTH_METHOD_UIDGID;
    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "localhost", "alice", ROOTD, &entry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_established_count(entry, &count), DAEMONAUTH_RESULT_OK);
    CHECK(count == 1);
    CHECK_RESULT(daemonauth_hostauth_entry_established_at(entry, 0, &established), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_established_method(established, &method), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_established_has_token(established, &has_token), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_established_is_active(established, &active), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_established_expires(established, &expires), DAEMONAUTH_RESULT_OK);
    CHECK(method == DAEMONAUTH_HOSTAUTH_METHOD_USRPWD && has_token && active);
    /* The daemon's default longest validity, 24 h. */
    uint64_t now = (uint64_t)time(NULL);
    CHECK(expires > now + 86000 && expires <= now + 86400);
    CHECK(token_expires == expires);
    CHECK_CONTAINS(daemonauth_hostauth_established_login(established), "alice");
    daemonauth_hostauth_established_free(established);
    daemonauth_hostauth_entry_free(entry);
    /* The token goes first next time: reused, counted as a usrpwd success. */
    token_expires = 0;
    CHECK(session_expiring("alice", &token_expires));
    CHECK(token_expires == expires);
    check_counters("alice", DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, 2, 0);
    check_counters("alice", DAEMONAUTH_HOSTAUTH_METHOD_UIDGID, 0, 1);
    teardown();
}

#define THREADS 8
#define ROUNDS 25

static const char *me;

static void *sessions(void *arg) {
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        uint64_t expires = 1;
        CHECK(!session_expiring(me, &expires));
        CHECK(expires == 0); /* uidgid: no token */
    }
    return NULL;
}

static void threads_case(void) {
    struct passwd *pw = getpwuid(getuid());
    CHECK(pw != NULL);
    me = pw->pw_name;
    setup(0, "uidgid");
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, sessions, NULL) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    check_counters(me, DAEMONAUTH_HOSTAUTH_METHOD_UIDGID, THREADS * ROUNDS, 0);
    teardown();
}

/* Sets up with tokens valid at most max_validity_s (0: the default), logs in as alice with the
 * password and returns the token the client got, taken out. */
static daemonauth_buffer *token_after_login(uint32_t max_validity_s) {
    daemonauth_buffer *token = NULL;
    setup(max_validity_s, "usrpwd");
    CHECK(!session_as("alice"));
    CHECK_RESULT(daemonauth_test_hostauth_token_take(client, "localhost", "alice", ROOTD, &token), DAEMONAUTH_RESULT_OK);
    return token;
}

/* Gives the client `token` back as its newest; the next session presents it, the daemon
 * refuses it logging `why`, and the client authenticates with the password instead. */
static void presented_and_refused(const uint8_t *token, size_t len, const char *why) {
    CHECK_RESULT(daemonauth_test_hostauth_token_put(client, "localhost", "alice", ROOTD, token, len),
                 DAEMONAUTH_RESULT_OK);
    log_text[0] = '\0';
    CHECK(!session_as("alice"));
    CHECK_CONTAINS(log_text, "host-auth: reuse token refused (TokenInvalid); authenticating afresh");
    CHECK_CONTAINS(log_text, why);
    CHECK_CONTAINS(log_text, "host-auth: authenticated alice as alice by usrpwd");
}

static void expired_case(void) {
    daemonauth_buffer *token = token_after_login(1);
    struct timespec pause = {2, 0};
    nanosleep(&pause, NULL);
    presented_and_refused(daemonauth_buffer_data(token), daemonauth_buffer_len(token),
                          "host-auth: reuse refused: the reuse token has expired");
    daemonauth_buffer_free(token);
    teardown();
}

static void revoked_case(void) {
    daemonauth_buffer *token = token_after_login(0);
    /* An authentication the program recorded itself (no token) is not what gets revoked. */
    daemonauth_hostauth_entry *entry = NULL;
    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "localhost", "alice", ROOTD, &entry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, "alice", "",
                                                           (uint64_t)time(NULL) + 3600, true),
                 DAEMONAUTH_RESULT_OK);
    daemonauth_hostauth_entry_free(entry);
    struct daemon_side d;
    pthread_t thread;
    int fd;
    connect_daemon(&d, &thread, &fd);
    CHECK_RESULT(daemonauth_hostauth_client_revoke(client, fd, fd, "localhost", "alice", ROOTD), DAEMONAUTH_RESULT_OK);
    disconnect_daemon(&d, thread, fd);
    CHECK(d.result == DAEMONAUTH_RESULT_OK && d.revoked);
    presented_and_refused(daemonauth_buffer_data(token), daemonauth_buffer_len(token),
                          "host-auth: reuse refused: the reuse token was revoked");
    daemonauth_buffer_free(token);
    teardown();
}

static void tampered_case(void) {
    daemonauth_buffer *token = token_after_login(0);
    size_t len = daemonauth_buffer_len(token);
    uint8_t *altered = malloc(len);
    CHECK(altered != NULL);
    memcpy(altered, daemonauth_buffer_data(token), len);
    altered[len - 1] ^= 1; /* the ticket's serial: it parses, but its secret is another */
    presented_and_refused(altered, len, "host-auth: reuse refused: a wrong reuse proof");
    free(altered);
    daemonauth_buffer_free(token);
    teardown();
}

/* Proves `token` to a daemon thread with `proof` (NULL: the right one); the result, and the
 * proof sent in *sent (when accepted). */
static daemonauth_result prove(const daemonauth_buffer *token, const uint8_t *proof, daemonauth_buffer **sent,
                               struct daemon_side *d) {
    pthread_t thread;
    int fd;
    connect_daemon(d, &thread, &fd);
    daemonauth_result result = daemonauth_test_hostauth_token_prove(fd, daemonauth_buffer_data(token),
                                                                    daemonauth_buffer_len(token), proof, sent);
    disconnect_daemon(d, thread, fd);
    return result;
}

static void replayed_case(void) {
    daemonauth_buffer *token = token_after_login(0), *recorded = NULL, *none = NULL;
    struct daemon_side d;
    CHECK_RESULT(prove(token, NULL, &recorded, &d), DAEMONAUTH_RESULT_OK);
    CHECK(d.result == DAEMONAUTH_RESULT_OK && d.reused);
    CHECK(daemonauth_buffer_len(recorded) == 32);
    log_text[0] = '\0';
    CHECK_RESULT(prove(token, daemonauth_buffer_data(recorded), &none, &d), DAEMONAUTH_RESULT_AUTH_FAILED);
    CHECK(d.result != DAEMONAUTH_RESULT_OK && none == NULL);
    CHECK_CONTAINS(log_text, "host-auth: reuse refused: a wrong reuse proof");
    /* The token itself is still good: an honest proof on a third channel is accepted. */
    daemonauth_buffer *again = NULL;
    CHECK_RESULT(prove(token, NULL, &again, &d), DAEMONAUTH_RESULT_OK);
    CHECK(memcmp(daemonauth_buffer_data(again), daemonauth_buffer_data(recorded), 32) != 0);
    daemonauth_buffer_free(again);
    daemonauth_buffer_free(recorded);
    daemonauth_buffer_free(token);
    teardown();
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {{"registry", registry_case}, {"threads", threads_case},   {"expired", expired_case},
                 {"revoked", revoked_case},   {"tampered", tampered_case}, {"replayed", replayed_case}};
    CHECK(argc == 2);
    daemonauth_set_log_callback(keep_log, NULL);
    CHECK_RESULT(daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_INFO), DAEMONAUTH_RESULT_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            puts("ok");
            return 0;
        }
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
