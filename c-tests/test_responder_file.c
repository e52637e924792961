/* The non-interactive responders and chains, through real Kerberos logins: an answer file
 * must be private (like .netrc), a descriptor can carry the answers, a chain hands each
 * responder only what is still open, and the terminal responder fails clearly without a
 * terminal. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "realm.h"

static char answer_file[512];

/* Writes `text` to the answer file with permissions `mode`. */
static void write_answers(const char *text, mode_t mode) {
    FILE *file = fopen(answer_file, "w");
    CHECK(file != NULL);
    CHECK(fputs(text, file) >= 0);
    CHECK(fclose(file) == 0);
    CHECK(chmod(answer_file, mode) == 0);
}

struct tally {
    int calls;
    char names[128]; /* the questions it saw, space-separated */
    const char *password; /* what it answers to `password`, or NULL */
};

static int tallying(void *userdata, daemonauth_responder_ctx *rctx) {
    struct tally *tally = userdata;
    const char *const *name;
    tally->calls++;
    for (name = daemonauth_responder_list_questions(rctx); *name != NULL; name++) {
        strncat(tally->names, *name, sizeof tally->names - strlen(tally->names) - 2);
        strcat(tally->names, " ");
    }
    if (tally->password != NULL)
        CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", tally->password), DAEMONAUTH_RESULT_OK);
    return 0;
}

/* Logs in (as `principal`, or asking for the user name when NULL) into a fresh cache with
 * `responder`, frees it, and returns the result; `*ticket` tells whether klist sees a TGT. */
static daemonauth_result login(const char *principal, daemonauth_responder *responder, int *ticket) {
    char ccache[600];
    daemonauth_result result;
    fresh_ccache(ccache, sizeof ccache, "cc-file");
    result = daemonauth_responder_krb5_get_init_creds(principal, ccache, responder);
    daemonauth_responder_free(responder);
    *ticket = has_ticket(ccache);
    return result;
}

static daemonauth_responder *file_responder(void) {
    daemonauth_responder *responder = NULL;
    CHECK_RESULT(daemonauth_responder_new_file(answer_file, &responder), DAEMONAUTH_RESULT_OK);
    return responder;
}

static daemonauth_responder *chain2(daemonauth_responder *first, daemonauth_responder *second) {
    const daemonauth_responder *list[2];
    daemonauth_responder *chain = NULL;
    list[0] = first;
    list[1] = second;
    CHECK_RESULT(daemonauth_responder_new_chain(list, 2, &chain), DAEMONAUTH_RESULT_OK);
    /* The chain shares its members: freeing them now must not break it. */
    daemonauth_responder_free(first);
    daemonauth_responder_free(second);
    return chain;
}

/* Runs a login with `responder` in a child that has no controlling terminal (setsid) and
 * returns the child's result code. */
static int login_without_terminal(daemonauth_responder *responder) {
    int status, ticket;
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        CHECK(setsid() >= 0);
        _exit((int)login(realm_env("DAEMONAUTH_TEST_USER"), responder, &ticket));
    }
    daemonauth_responder_free(responder);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    return WEXITSTATUS(status);
}

int main(void) {
    const char *user = realm_env("DAEMONAUTH_TEST_USER");
    const char *password = realm_env("DAEMONAUTH_TEST_PASSWORD");
    char text[256];
    daemonauth_responder *responder = NULL, *terminal = NULL;
    int ticket = 0, fds[2];

    realm_path(answer_file, sizeof answer_file, "answers");
    snprintf(text, sizeof text, "# answers for the test\n\npassword=%s\n", password);

    /* A private answer file logs in. */
    write_answers(text, 0600);
    CHECK_RESULT(login(user, file_responder(), &ticket), DAEMONAUTH_RESULT_OK);
    CHECK(ticket);

    /* A file group or others can read is refused, and nothing is obtained. */
    write_answers(text, 0644);
    CHECK_RESULT(login(user, file_responder(), &ticket), DAEMONAUTH_RESULT_INSECURE_FILE);
    CHECK_CONTAINS(daemonauth_last_error(), "mode 0644");
    CHECK(!ticket);
    fds[0] = open(answer_file, O_RDONLY);
    CHECK(fds[0] >= 0);
    CHECK_RESULT(daemonauth_responder_new_fd(fds[0], &responder), DAEMONAUTH_RESULT_INSECURE_FILE);
    CHECK(close(fds[0]) == 0);

    /* A malformed file is a configuration error that does not show the line. */
    write_answers("hunter2\n", 0600);
    CHECK_RESULT(login(user, file_responder(), &ticket), DAEMONAUTH_RESULT_CONFIG);
    CHECK_CONTAINS(daemonauth_last_error(), "line 1: expected name=value");
    CHECK(strstr(daemonauth_last_error(), "hunter2") == NULL);

    /* A file that does not name the question leaves it unanswered. */
    write_answers("# nothing here\n", 0600);
    CHECK_RESULT(login(user, file_responder(), &ticket), DAEMONAUTH_RESULT_UNANSWERED);

    /* Answers through a pipe, read when the responder is made: user name and password. */
    snprintf(text, sizeof text, "username=%s\npassword=%s\n", user, password);
    CHECK(pipe(fds) == 0);
    CHECK(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(close(fds[1]) == 0);
    CHECK_RESULT(daemonauth_responder_new_fd(fds[0], &responder), DAEMONAUTH_RESULT_OK);
    CHECK(close(fds[0]) == 0);
    CHECK_RESULT(login(NULL, responder, &ticket), DAEMONAUTH_RESULT_OK);
    CHECK(ticket);
    CHECK_RESULT(daemonauth_responder_new_fd(-1, &responder), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_responder_new_fd");
    CHECK(responder == NULL);

    /* A pipe whose writer never closes: a timeout after 10 s, not a caller blocked forever. */
    {
        time_t started;
        CHECK(pipe(fds) == 0);
        CHECK(write(fds[1], text, strlen(text)) == (ssize_t)strlen(text));
        started = time(NULL);
        alarm(60); /* before the fix this blocked forever */
        CHECK_RESULT(daemonauth_responder_new_fd(fds[0], &responder), DAEMONAUTH_RESULT_TIMEOUT);
        alarm(0);
        CHECK(time(NULL) - started < 30);
        CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
    }

    /* A path that is not UTF-8 is taken as the bytes it is. */
    {
        char latin1_path[600];
        snprintf(latin1_path, sizeof latin1_path, "%s-caf\xe9", answer_file);
        snprintf(text, sizeof text, "password=%s\n", password);
        fds[0] = open(latin1_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fds[0] >= 0);
        CHECK(write(fds[0], text, strlen(text)) == (ssize_t)strlen(text));
        CHECK(close(fds[0]) == 0);
        CHECK_RESULT(daemonauth_responder_new_file(latin1_path, &responder), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(login(user, responder, &ticket), DAEMONAUTH_RESULT_OK);
        CHECK(ticket);
        CHECK(unlink(latin1_path) == 0);
    }

    /* A chain: a callback that answers nothing, then the file, which answers. */
    {
        struct tally tally = {0, "", NULL};
        daemonauth_responder *callback = NULL;
        snprintf(text, sizeof text, "password=%s\n", password);
        write_answers(text, 0600);
        CHECK_RESULT(daemonauth_responder_new_callback(tallying, &tally, &callback), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(login(user, chain2(callback, file_responder()), &ticket), DAEMONAUTH_RESULT_OK);
        CHECK(ticket);
        CHECK(tally.calls == 1);
        CHECK(strcmp(tally.names, "password ") == 0);
    }

    /* A chain: the file answers `username`, the callback sees only `password`. */
    {
        struct tally tally = {0, "", NULL};
        daemonauth_responder *callback = NULL;
        tally.password = password;
        snprintf(text, sizeof text, "username=%s\n", user);
        write_answers(text, 0600);
        CHECK_RESULT(daemonauth_responder_new_callback(tallying, &tally, &callback), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(login(NULL, chain2(file_responder(), callback), &ticket), DAEMONAUTH_RESULT_OK);
        CHECK(ticket);
        CHECK(tally.calls == 1);
        CHECK(strcmp(tally.names, "password ") == 0);
    }

    /* No terminal: a clear NO_TERMINAL; a file earlier in a chain spares the terminal. */
    CHECK_RESULT(daemonauth_responder_new_terminal(&terminal), DAEMONAUTH_RESULT_OK);
    CHECK(login_without_terminal(terminal) == DAEMONAUTH_RESULT_NO_TERMINAL);
    snprintf(text, sizeof text, "password=%s\n", password);
    write_answers(text, 0600);
    CHECK_RESULT(daemonauth_responder_new_terminal(&terminal), DAEMONAUTH_RESULT_OK);
    CHECK(login_without_terminal(chain2(file_responder(), terminal)) == DAEMONAUTH_RESULT_OK);

    /* Argument checks. */
    CHECK_RESULT(daemonauth_responder_new_file(NULL, &responder), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_responder_new_file(answer_file, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_responder_new_chain(NULL, 1, &responder), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_responder_new_chain(NULL, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "responder_out");
    CHECK_RESULT(daemonauth_responder_new_fd(0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "responder_out");
    {
        const daemonauth_responder *holes[1] = {NULL};
        CHECK_RESULT(daemonauth_responder_new_chain(holes, 1, &responder), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    }
    puts("responder file: ok");
    return 0;
}
