/* The netrc responder (daemonauth_responder_new_netrc) from C: a CVS pserver login over a
 * socket pair takes its password from a netrc file for the host of the CVSROOT, chains with a
 * callback for hosts the file does not name, and refuses a file others can read, a file
 * another user owns (as root: chown nobody), a malformed file and a password that is not UTF-8,
 * with clear errors. */
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[256], netrc[300], passfile[300];

static void write_file(const char *path, const char *text, mode_t mode) {
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    CHECK(fputs(text, file) >= 0);
    CHECK(fclose(file) == 0);
    CHECK(chmod(path, mode) == 0);
}

/* Runs `cvs login` for `cvsroot` against a fake server that accepts, with `responder`; stores
 * the request the server received in `sent`. */
static daemonauth_result login(const char *cvsroot, const daemonauth_responder *responder, char *sent, size_t size) {
    int pair[2];
    ssize_t got;
    daemonauth_result result;
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(write(pair[1], "I LOVE YOU\n", 11) == 11);
    result = cvs_auth_client_authenticate(pair[0], pair[0], cvsroot, 1, NULL, passfile, responder, 2000, NULL);
    CHECK(shutdown(pair[0], SHUT_WR) == 0);
    got = read(pair[1], sent, size - 1);
    sent[got > 0 ? got : 0] = '\0';
    close(pair[0]);
    close(pair[1]);
    return result;
}

static int answer_other(void *userdata, daemonauth_responder_ctx *rctx) {
    (void)userdata;
    CHECK_CONTAINS(daemonauth_responder_get_challenge(rctx, "password"), "\"host\":\"other.example.org\"");
    CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", "secret"), DAEMONAUTH_RESULT_OK);
    return 0;
}

int main(void) {
    daemonauth_responder *responder = NULL, *callback = NULL, *chain = NULL;
    const daemonauth_responder *list[2];
    char sent[512];

    snprintf(dir, sizeof dir, "/tmp/daemonauth-netrc-c-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(netrc, sizeof netrc, "%s/.netrc", dir);
    snprintf(passfile, sizeof passfile, "%s/.cvspass", dir);
    write_file(passfile, "", 0600);
    write_file(netrc, "machine cvs.example.org login alice password secret\n"
                      "secure cvs.example.org login alice password srp-only\n",
               0600);

    /* The password for the CVSROOT's host ("secret" scrambles to "AZdh d,"). */
    CHECK_RESULT(daemonauth_responder_new_netrc(netrc, &responder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", responder, sent, sizeof sent), DAEMONAUTH_RESULT_OK);
    CHECK(strcmp(sent, "BEGIN VERIFICATION REQUEST\n/repo\nalice\nAZdh d,\nEND VERIFICATION REQUEST\n") == 0);
    /* Another login than the entry's: not answered. */
    CHECK_RESULT(login(":pserver:bob@cvs.example.org:/repo", responder, sent, sizeof sent),
                 DAEMONAUTH_RESULT_UNANSWERED);
    CHECK(sent[0] == '\0');

    /* A host the file does not name falls through to the next responder of a chain. */
    CHECK_RESULT(daemonauth_responder_new_callback(answer_other, NULL, &callback), DAEMONAUTH_RESULT_OK);
    list[0] = responder;
    list[1] = callback;
    CHECK_RESULT(daemonauth_responder_new_chain(list, 2, &chain), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(login(":pserver:alice@other.example.org:/repo", chain, sent, sizeof sent), DAEMONAUTH_RESULT_OK);
    CHECK_CONTAINS(sent, "\nAZdh d,\n");

    /* Readable by others: refused, as ftp does. */
    CHECK(chmod(netrc, 0644) == 0);
    CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", chain, sent, sizeof sent),
                 DAEMONAUTH_RESULT_INSECURE_FILE);
    CHECK_CONTAINS(daemonauth_last_error(), "0644");

    /* Private but another user's: refused too (a file someone else can rewrite). */
    CHECK(chmod(netrc, 0600) == 0);
    if (geteuid() == 0) {
        struct passwd *nobody = getpwnam("nobody");
        CHECK(nobody != NULL);
        CHECK(chown(netrc, nobody->pw_uid, (gid_t)-1) == 0);
        CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", chain, sent, sizeof sent),
                     DAEMONAUTH_RESULT_INSECURE_FILE);
        CHECK_CONTAINS(daemonauth_last_error(), "belongs to uid");
        CHECK(chown(netrc, 0, (gid_t)-1) == 0);
    } else {
        puts("not root: the ownership check is not exercised");
    }

    /* Malformed: file and line, never the stray word. */
    write_file(netrc, "machine cvs.example.org\nlogin alice hunter2\n", 0600);
    CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", responder, sent, sizeof sent), DAEMONAUTH_RESULT_CONFIG);
    CHECK_CONTAINS(daemonauth_last_error(), "line 2");
    CHECK(strstr(daemonauth_last_error(), "hunter2") == NULL);

    /* A Latin-1 password is refused, not altered. */
    write_file(netrc, "machine cvs.example.org password caf\xe9\n", 0600);
    CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", responder, sent, sizeof sent), DAEMONAUTH_RESULT_CONFIG);
    CHECK_CONTAINS(daemonauth_last_error(), "not valid UTF-8");

    /* NULL path: ~/.rootnetrc, then ~/.netrc. */
    daemonauth_responder_free(responder);
    CHECK(setenv("HOME", dir, 1) == 0);
    write_file(netrc, "machine cvs.example.org login alice password wrong\n", 0600);
    snprintf(sent, sizeof sent, "%s/.rootnetrc", dir);
    write_file(sent, "machine cvs.example.org login alice password secret\n", 0600);
    CHECK_RESULT(daemonauth_responder_new_netrc(NULL, &responder), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(login(":pserver:alice@cvs.example.org:/repo", responder, sent, sizeof sent), DAEMONAUTH_RESULT_OK);
    CHECK_CONTAINS(sent, "\nAZdh d,\n");
    daemonauth_responder_free(responder);
    CHECK(unsetenv("HOME") == 0);
    responder = (daemonauth_responder *)1;
    CHECK_RESULT(daemonauth_responder_new_netrc(NULL, &responder), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK(responder == NULL);
    CHECK_RESULT(daemonauth_responder_new_netrc(NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    daemonauth_responder_free(chain);
    daemonauth_responder_free(callback);
    {
        char command[300];
        snprintf(command, sizeof command, "rm -rf '%s'", dir);
        CHECK(system(command) == 0);
    }
    puts("netrc responder: ok");
    return 0;
}
