/* The cvs_auth_* C API without a network: scrambling, canonical roots, pass files, the server
 * answering a request written into a socket pair, the client reading canned answers, and
 * NULL or bad arguments refused with the right codes. */
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

static void server(void) {
    char repo[512], request[1024], reply[256];
    int pair[2];
    cvs_auth_server_config *config = NULL;
    cvs_auth_session *session = NULL;
    snprintf(repo, sizeof repo, "%s/repo", dir);
    CHECK(mkdir(repo, 0755) == 0);
    snprintf(request, sizeof request, "%s/CVSROOT", repo);
    CHECK(mkdir(request, 0755) == 0);
    write_file("repo/CVSROOT/passwd", "alice::nobody\n");

    CHECK_RESULT(cvs_auth_server_config_new(&config), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_set(config, "no_such_key", "1"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_set(config, "allow_root_regexp", "("), DAEMONAUTH_RESULT_CONFIG);
    CHECK_RESULT(cvs_auth_server_config_set(config, "system_passwords", "maybe"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_config_set(config, "allow_root", repo), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_set(config, "fail_delay_ms", "10"), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(cvs_auth_server_config_set(NULL, "allow_root", repo), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    /* An empty hash is refused by default... */
    snprintf(request, sizeof request, "BEGIN VERIFICATION REQUEST\n%s\nalice\nAx\nEND VERIFICATION REQUEST\n", repo);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], request, strlen(request)) == (ssize_t)strlen(request));
    CHECK_RESULT(cvs_auth_server_authenticate(config, pair[0], pair[0], &session), DAEMONAUTH_RESULT_AUTH_FAILED);
    read_reply(pair[1], reply, sizeof reply);
    CHECK(strcmp(reply, "I HATE YOU\n") == 0);
    close(pair[0]);
    close(pair[1]);

    /* ...and allowed when configured. */
    CHECK_RESULT(cvs_auth_server_config_set(config, "allow_empty_password", "yes"), DAEMONAUTH_RESULT_OK);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], request, strlen(request)) == (ssize_t)strlen(request));
    CHECK_RESULT(cvs_auth_server_authenticate(config, pair[0], pair[0], &session), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(cvs_auth_session_cvs_user(session), "alice") == 0);
    CHECK(strcmp(cvs_auth_session_system_user(session), "nobody") == 0);
    CHECK(strcmp(cvs_auth_session_repository(session), repo) == 0);
    CHECK(cvs_auth_session_kind(session) == 2);
    CHECK(cvs_auth_session_method(session) == 1);
    CHECK_RESULT(cvs_auth_session_accept(session, pair[0]), DAEMONAUTH_RESULT_OK);
    read_reply(pair[1], reply, sizeof reply);
    CHECK(strcmp(reply, "I LOVE YOU\n") == 0);
    cvs_auth_session_free(session);
    close(pair[0]);
    close(pair[1]);

    CHECK(cvs_auth_session_cvs_user(NULL) == NULL);
    CHECK(cvs_auth_session_kind(NULL) == 0);
    CHECK(cvs_auth_session_method(NULL) == 0);
    CHECK_RESULT(cvs_auth_session_switch_user(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_server_authenticate(config, 0, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_session_relay(config, NULL, 0, 1, -1, -1, 0), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    cvs_auth_session_free(NULL);
    cvs_auth_server_config_free(config);
}

static void client(void) {
    int pair[2];
    char *messages = NULL, sent[512];
    const char *answer = "E first\nE second\nerror 0 go away\n";
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], answer, strlen(answer)) == (ssize_t)strlen(answer));
    CHECK_RESULT(cvs_auth_client_authenticate(pair[0], pair[0], ":pserver:alice@localhost:/repo", 1, "secret",
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
    CHECK_RESULT(cvs_auth_client_authenticate(pair[0], pair[0], ":pserver:alice@localhost:/repo", 0, "x", NULL,
                                              NULL, 2000, NULL),
                 DAEMONAUTH_RESULT_AUTH_FAILED);
    CHECK_CONTAINS(daemonauth_last_error(), "rejected access to /repo for user alice");
    close(pair[0]);
    close(pair[1]);

    CHECK_RESULT(cvs_auth_client_authenticate(0, 1, NULL, 0, "x", NULL, NULL, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_packet_seal(NULL, 1, (const uint8_t *)"x", 1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    /* The response sealer: made and freed; a NULL sealer, context or output is refused. */
    cvs_auth_response_sealer *sealer = NULL;
    daemonauth_buffer *wire = NULL;
    CHECK_RESULT(cvs_auth_response_sealer_new(1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(cvs_auth_response_sealer_new(1, &sealer), DAEMONAUTH_RESULT_OK);
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
    server();
    client();
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    CHECK(system(command) == 0);
    return 0;
}
