/* The cvs_auth_* C API without a network: scrambling, canonical roots, pass files, the server
 * policy's builder and its typed setters, the server answering a request written into a socket
 * pair, the client reading canned answers, and NULL or bad arguments refused with the right
 * codes. */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/daemonauth-cvs-api-XXXXXX";

static void write_file(const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

static void read_reply(int fd, char *buf, size_t size) {
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
}

static void scrambling(void) {
    char *text = NULL, *back = NULL;
    CHECK_RESULT(cvs_auth_scramble("secret", &text), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(text, "AZdh d,") == 0);
    CHECK_RESULT(cvs_auth_descramble(text, &back), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(back, "secret") == 0);
    daemonauth_string_free(text);
    daemonauth_string_free(back);
    /* Latin-1 bytes (not UTF-8) are a password like any other, scrambled as cvs does. */
    CHECK_RESULT(cvs_auth_scramble("p\344ss", &text), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(text, "A:\242ZZ") == 0);
    CHECK_RESULT(cvs_auth_descramble(text, &back), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(back, "p\344ss") == 0);
    daemonauth_string_free(text);
    daemonauth_string_free(back);
    CHECK_RESULT(cvs_auth_descramble("Bxyz", &back), DAEMONAUTH_RESULT_PROTOCOL);
    CHECK_CONTAINS(daemonauth_last_error(), "unknown scrambling method");
    CHECK_RESULT(cvs_auth_scramble(NULL, &text), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_scramble("x", NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_root_canonical(":pserver:alice@CVS.Example.ORG:/r/", &text), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(text, ":pserver:alice@cvs.example.org:2401/r") == 0);
    daemonauth_string_free(text);
    CHECK_RESULT(cvs_auth_root_canonical(":ext:alice@h:/r", &text), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
}

static void pass_files(void) {
    char path[512], *found = NULL;
    struct stat st;
    snprintf(path, sizeof path, "%s/cvspass", dir);
    const char *root = ":pserver:alice@localhost:/repo";
    CHECK_RESULT(cvs_auth_passfile_lookup(path, root, &found), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(cvs_auth_passfile_store(path, root, "AZdh d,"), DAEMONAUTH_RESULT_OK);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_RESULT(cvs_auth_passfile_lookup(path, ":pserver:alice@LOCALHOST:2401/repo/", &found), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(found, "AZdh d,") == 0);
    daemonauth_string_free(found);
    CHECK_RESULT(cvs_auth_passfile_remove(path, root), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_passfile_remove(path, root), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(cvs_auth_passfile_store(path, root, "no A"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_passfile_store(path, NULL, "A"), DAEMONAUTH_RESULT_NULL_ARGUMENT);
}

/* Every typed setter: a NULL builder is NULL_ARGUMENT, a bad value INVALID_ARGUMENT with a last
 * error that says what was wrong, and the builder stays usable after a refused value. */
static void config_builder(void) {
    cvs_auth_server_config_builder *builder = NULL;
    cvs_auth_server_config *config = NULL;
    CHECK_RESULT(cvs_auth_server_config_builder_new(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_new(&builder), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(builder, "repo"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "cvs_auth_server_config_builder_add_allowed_root");
    CHECK_CONTAINS(daemonauth_last_error(), "\"repo\" is not an absolute path");
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(builder, "/srv/../etc"),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(builder, "/srv/cvs"), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root_regexp(builder, "("),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "invalid regular expression \"(\"");
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root_regexp(builder, "^/srv/[a-z]+$"),
                 DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_set_system_passwords(builder, 0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "0 is not a system password check");
    CHECK_RESULT(cvs_auth_server_config_builder_set_system_passwords(builder, 4), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_system_passwords(builder, CVS_AUTH_SYSTEM_PASSWORDS_OFF),
                 DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_set_pam_service(builder, ""), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "is not a PAM service name");
    CHECK_RESULT(cvs_auth_server_config_builder_set_pam_service(builder, "../passwd"),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_pam_service(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_pam_service(builder, "cvs"), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_set_keytab(builder, ""), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "the keytab name is empty");
    CHECK_RESULT(cvs_auth_server_config_builder_set_keytab(builder, "FILE:/etc/krb5.keytab"), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_keytab(builder, NULL), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_set_max_line(builder, CVS_AUTH_MAX_LINE_LIMIT + 1),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "is more than 65536");
    CHECK_RESULT(cvs_auth_server_config_builder_set_max_line(builder, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_max_line(builder, CVS_AUTH_MAX_LINE_LIMIT), DAEMONAUTH_RESULT_OK);

    CHECK_RESULT(cvs_auth_server_config_builder_set_timeout_ms(builder, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_idle_timeout_ms(builder, UINT32_MAX), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_fail_delay_ms(builder, 10), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_allow_empty_password(builder, false), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_limiter(builder, NULL), DAEMONAUTH_RESULT_OK);

    /* A NULL builder, for every setter. */
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(NULL, "/srv/cvs"), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "argument `builder` is NULL");
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root_regexp(NULL, "^/srv$"),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_timeout_ms(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_idle_timeout_ms(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_fail_delay_ms(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_max_line(NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_allow_empty_password(NULL, true), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_system_passwords(NULL, CVS_AUTH_SYSTEM_PASSWORDS_PAM),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_pam_service(NULL, "cvs"), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_keytab(NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_set_limiter(NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_build(NULL, &config), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK(config == NULL);

    /* Building consumes the builder, also when it fails: under valgrind (memcheck_test_cvs_api)
     * a builder left behind would be a leak, and freeing it a second time an invalid free. */
    CHECK_RESULT(cvs_auth_server_config_builder_build(builder, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_build(builder, &config), DAEMONAUTH_RESULT_OK);
    CHECK(config != NULL);
    cvs_auth_server_config_free(config);

    /* A builder that is never built is freed with _builder_free. */
    CHECK_RESULT(cvs_auth_server_config_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    cvs_auth_server_config_builder_free(builder);
    cvs_auth_server_config_builder_free(NULL);
    cvs_auth_server_config_free(NULL);
}

/* A policy allowing `repo`, with a short fail delay and empty hashes allowed or not. */
static cvs_auth_server_config *server_config(const char *repo, bool allow_empty_password) {
    cvs_auth_server_config_builder *builder = NULL;
    cvs_auth_server_config *config = NULL;
    CHECK_RESULT(cvs_auth_server_config_builder_new(&builder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_add_allowed_root(builder, repo), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_fail_delay_ms(builder, 10), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_set_allow_empty_password(builder, allow_empty_password),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_builder_build(builder, &config), DAEMONAUTH_RESULT_OK);
    return config;
}

/* A verification request for alice, whose CVSROOT/passwd hash is empty, answered with `config`
 * (which other threads may be using at the same time): accepted, as `config` allows. */
struct verification {
    const cvs_auth_server_config *config;
    const char *repo;
    const char *request;
};

static void *verify_alice(void *arg) {
    const struct verification *v = arg;
    int pair[2];
    char reply[64];
    cvs_auth_session *session = NULL;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], v->request, strlen(v->request)) == (ssize_t)strlen(v->request));
    CHECK_RESULT(cvs_auth_server_authenticate(v->config, pair[0], pair[0], &session), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(cvs_auth_session_cvs_user(session), "alice") == 0);
    CHECK(strcmp(cvs_auth_session_system_user(session), "nobody") == 0);
    CHECK(strcmp(cvs_auth_session_repository(session), v->repo) == 0);
    CHECK(cvs_auth_session_kind(session) == CVS_AUTH_REQUEST_KIND_VERIFICATION);
    CHECK(cvs_auth_session_method(session) == CVS_AUTH_METHOD_PSERVER);
    CHECK_RESULT(cvs_auth_session_accept(session, pair[0]), DAEMONAUTH_RESULT_OK);
    read_reply(pair[1], reply, sizeof reply);
    CHECK(strcmp(reply, "I LOVE YOU\n") == 0);
    cvs_auth_session_free(session);
    close(pair[0]);
    close(pair[1]);
    return NULL;
}

static void server(void) {
    char repo[512], request[1024], reply[256];
    int pair[2];
    cvs_auth_session *session = NULL;
    snprintf(repo, sizeof repo, "%s/repo", dir);
    CHECK(mkdir(repo, 0755) == 0);
    snprintf(request, sizeof request, "%s/CVSROOT", repo);
    CHECK(mkdir(request, 0755) == 0);
    write_file("repo/CVSROOT/passwd", "alice::nobody\n");

    /* An empty hash is refused by default... */
    cvs_auth_server_config *config = server_config(repo, false);
    snprintf(request, sizeof request, "BEGIN VERIFICATION REQUEST\n%s\nalice\nAx\nEND VERIFICATION REQUEST\n", repo);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], request, strlen(request)) == (ssize_t)strlen(request));
    CHECK_RESULT(cvs_auth_server_authenticate(config, pair[0], pair[0], &session), DAEMONAUTH_RESULT_AUTH_FAILED);
    read_reply(pair[1], reply, sizeof reply);
    CHECK(strcmp(reply, "I HATE YOU\n") == 0);
    close(pair[0]);
    close(pair[1]);
    cvs_auth_server_config_free(config);

    /* ...and allowed when configured; the built policy is shared: several threads
     * authenticate with it at once. */
    config = server_config(repo, true);
    struct verification v = {config, repo, request};
    verify_alice(&v);
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        CHECK(pthread_create(&threads[i], NULL, verify_alice, &v) == 0);
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);

    CHECK(cvs_auth_session_cvs_user(NULL) == NULL);
    CHECK(cvs_auth_session_kind(NULL) == CVS_AUTH_REQUEST_KIND_NONE);
    CHECK(cvs_auth_session_method(NULL) == CVS_AUTH_METHOD_NONE);
    CHECK_RESULT(cvs_auth_session_switch_user(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_authenticate(config, 0, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_authenticate(NULL, 0, 0, &session), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_session_relay(config, NULL, 0, 1, -1, -1, 0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "server_read_fd and server_write_fd must be two open descriptors");
    cvs_auth_session_free(NULL);
    cvs_auth_server_config_free(config);
}

static void client(void) {
    int pair[2];
    char *messages = NULL, sent[512];
    const char *answer = "E first\nE second\nerror 0 go away\n";
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], answer, strlen(answer)) == (ssize_t)strlen(answer));
    CHECK_RESULT(cvs_auth_client_authenticate(pair[0], pair[0], ":pserver:alice@localhost:/repo", true, "secret",
                                              NULL, NULL, 2000, &messages),
                 DAEMONAUTH_RESULT_AUTH_FAILED);
    CHECK(strcmp(messages, "first\nsecond\ngo away") == 0);
    CHECK_CONTAINS(daemonauth_last_error(), "go away");
    daemonauth_string_free(messages);
    read_reply(pair[1], sent, sizeof sent);
    CHECK(strcmp(sent, "BEGIN VERIFICATION REQUEST\n/repo\nalice\nAZdh d,\nEND VERIFICATION REQUEST\n") == 0);
    close(pair[0]);
    close(pair[1]);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], "I HATE YOU\n", 11) == 11);
    CHECK_RESULT(cvs_auth_client_authenticate(pair[0], pair[0], ":pserver:alice@localhost:/repo", false, "x", NULL,
                                              NULL, 2000, NULL),
                 DAEMONAUTH_RESULT_AUTH_FAILED);
    CHECK_CONTAINS(daemonauth_last_error(), "rejected access to /repo for user alice");
    close(pair[0]);
    close(pair[1]);

    CHECK_RESULT(cvs_auth_client_authenticate(0, 1, NULL, false, "x", NULL, NULL, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_packet_seal(NULL, true, (const uint8_t *)"x", 1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    /* The response sealer: made and freed; a NULL sealer, context or output is refused. */
    cvs_auth_response_sealer *sealer = NULL;
    daemonauth_buffer *wire = NULL;
    CHECK_RESULT(cvs_auth_response_sealer_new(true, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_response_sealer_new(true, &sealer), DAEMONAUTH_RESULT_OK);
    CHECK(sealer != NULL);
    CHECK_RESULT(cvs_auth_response_sealer_seal(sealer, NULL, (const uint8_t *)"ok\n", 3, &wire),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_response_sealer_seal(NULL, NULL, (const uint8_t *)"ok\n", 3, &wire),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_response_sealer_seal(sealer, NULL, (const uint8_t *)"ok\n", 3, NULL),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK(wire == NULL);
    cvs_auth_response_sealer_free(sealer);
    cvs_auth_response_sealer_free(NULL);
}

int main(void) {
    CHECK(mkdtemp(dir) != NULL);
    scrambling();
    pass_files();
    config_builder();
    server();
    client();
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    CHECK(system(command) == 0);
    return 0;
}
