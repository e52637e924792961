/* Kerberos initial credentials through a responder callback, against the throwaway KDC: a
 * ticket lands in a fresh cache, whether krb5 asks through its responder (preauth required)
 * or its prompter (no preauth); every question of a step arrives in one call; wrong
 * passwords, unanswered questions, aborts and an unreachable KDC give distinct errors. */
#include "realm.h"

#define PREAUTH_USER "preauth"
#define PREAUTH_PASSWORD "preauth-Passw0rd"
#define EXPIRED_USER "expired"
#define EXPIRED_PASSWORD "expired-Passw0rd"

/* The library's debug log, which says which krb5 path asked. */
static char debug_log[4096];

static void collect(void *userdata, daemonauth_log_level level, const char *message) {
    (void)userdata;
    (void)level;
    strncat(debug_log, message, sizeof debug_log - strlen(debug_log) - 2);
    strcat(debug_log, "\n");
}

struct script {
    const char *username; /* answer to `username`, or NULL */
    const char *password; /* answer to `password`, or NULL */
    int status;           /* what the callback returns */
    int calls;
    int questions;        /* how many questions the last call saw */
    char names[128];      /* their names, space-separated */
    char challenge[256];  /* the challenge of `password` */
};

static int scripted(void *userdata, daemonauth_responder_ctx *rctx) {
    struct script *script = userdata;
    const char *const *names = daemonauth_responder_list_questions(rctx);
    const char *const *name;

    CHECK(names != NULL);
    script->calls++;
    script->questions = 0;
    script->names[0] = '\0';
    for (name = names; *name != NULL; name++) {
        const char *challenge = daemonauth_responder_get_challenge(rctx, *name);
        CHECK(challenge != NULL);
        script->questions++;
        strncat(script->names, *name, sizeof script->names - strlen(script->names) - 2);
        strcat(script->names, " ");
        if (strcmp(*name, "password") == 0)
            snprintf(script->challenge, sizeof script->challenge, "%s", challenge);
    }
    /* Only this step's questions can be read or answered; answers must be UTF-8. */
    CHECK(daemonauth_responder_get_challenge(rctx, "no-such-question") == NULL);
    CHECK_RESULT(daemonauth_responder_set_answer(rctx, "no-such-question", "x"), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_CONTAINS(daemonauth_last_error(), "`no-such-question` is not one of this step's questions");
    CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", "\xff\xfe"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    if (script->username != NULL)
        CHECK_RESULT(daemonauth_responder_set_answer(rctx, "username", script->username), DAEMONAUTH_RESULT_OK);
    if (script->password != NULL) {
        /* A second answer replaces the first. */
        CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", "first try"), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_responder_set_answer(rctx, "password", script->password), DAEMONAUTH_RESULT_OK);
    }
    return script->status;
}

/* Runs get_init_creds for `principal` into `ccache` through a callback following `script`. */
static daemonauth_result run(const char *principal, const char *ccache, struct script *script) {
    daemonauth_responder *responder = NULL;
    daemonauth_result result;
    CHECK_RESULT(daemonauth_responder_new_callback(scripted, script, &responder), DAEMONAUTH_RESULT_OK);
    CHECK(responder != NULL);
    debug_log[0] = '\0';
    result = daemonauth_responder_krb5_get_init_creds(principal, ccache, responder);
    daemonauth_responder_free(responder);
    return result;
}

int main(void) {
    const char *user = realm_env("DAEMONAUTH_TEST_USER");
    const char *password = realm_env("DAEMONAUTH_TEST_PASSWORD");
    char ccache[600], conf[512], previous[512];
    daemonauth_responder *responder = NULL;
    FILE *file;

    daemonauth_set_log_callback(collect, NULL);
    CHECK_RESULT(daemonauth_set_log_level(DAEMONAUTH_LOG_LEVEL_DEBUG), DAEMONAUTH_RESULT_OK);
    CHECK(system("kadmin.local -q 'addprinc +requires_preauth -pw " PREAUTH_PASSWORD " " PREAUTH_USER "'"
                 " >/dev/null 2>&1") == 0);
    CHECK(system("kadmin.local -q 'addprinc +needchange -pw " EXPIRED_PASSWORD " " EXPIRED_USER "'"
                 " >/dev/null 2>&1") == 0);

    /* The right password: a TGT in a fresh FILE: cache, klist agrees. */
    {
        struct script script = {NULL, password, 0, 0, 0, "", "unset"};
        fresh_ccache(ccache, sizeof ccache, "cc-good");
        CHECK(!has_ticket(ccache));
        CHECK_RESULT(run(user, ccache, &script), DAEMONAUTH_RESULT_OK);
        CHECK(has_ticket(ccache));
        CHECK(script.calls == 1);
        CHECK(strcmp(script.names, "password ") == 0);
        CHECK(strcmp(script.challenge, "") == 0); /* krb5's own password challenge */
        CHECK_CONTAINS(debug_log, "krb5 asks through its responder for alice: password");
        CHECK(strstr(debug_log, password) == NULL);
    }

    /* With preauthentication required, krb5's own responder question arrives unchanged. */
    {
        struct script script = {NULL, PREAUTH_PASSWORD, 0, 0, 0, "", "unset"};
        fresh_ccache(ccache, sizeof ccache, "cc-preauth");
        CHECK_RESULT(run(PREAUTH_USER, ccache, &script), DAEMONAUTH_RESULT_OK);
        CHECK(has_ticket(ccache));
        CHECK(script.calls == 1);
        CHECK(strcmp(script.names, "password ") == 0);
        CHECK(strcmp(script.challenge, "") == 0);
        CHECK_CONTAINS(debug_log, "krb5 asks through its responder for preauth: password");
        CHECK(strstr(debug_log, PREAUTH_PASSWORD) == NULL);
    }

    /* An expired password: krb5's prompter asks for a new one, which the bridge does not route
     * to responders; the error says what krb5 wanted. */
    {
        struct script script = {NULL, EXPIRED_PASSWORD, 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-expired");
        CHECK_RESULT(run(EXPIRED_USER, ccache, &script), DAEMONAUTH_RESULT_UNSUPPORTED);
        CHECK_CONTAINS(daemonauth_last_error(), "which daemonauth does not route to a responder");
        CHECK(!has_ticket(ccache));
    }

    /* A wrong password with preauthentication: the KDC refuses it. */
    {
        struct script script = {NULL, "wrong-password", 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-preauth-wrong");
        CHECK_RESULT(run(PREAUTH_USER, ccache, &script), DAEMONAUTH_RESULT_AUTH_FAILED);
        CHECK_CONTAINS(daemonauth_last_error(), "Preauthentication failed");
        CHECK(!has_ticket(ccache));
    }

    /* A wrong password: AUTH_FAILED with krb5's words, and no ticket. */
    {
        struct script script = {NULL, "wrong-password", 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-wrong");
        CHECK_RESULT(run(user, ccache, &script), DAEMONAUTH_RESULT_AUTH_FAILED);
        CHECK_CONTAINS(daemonauth_last_error(), "getting initial credentials for alice");
        CHECK_CONTAINS(daemonauth_last_error(), "Decrypt integrity check failed"); /* krb5's text */
        CHECK(strstr(daemonauth_last_error(), "wrong-password") == NULL);
        CHECK(!has_ticket(ccache));
    }

    /* Nothing answered: the distinct UNANSWERED code. */
    {
        struct script script = {NULL, NULL, 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-unanswered");
        CHECK_RESULT(run(user, ccache, &script), DAEMONAUTH_RESULT_UNANSWERED);
        CHECK_CONTAINS(daemonauth_last_error(), "password");
        CHECK(script.calls == 1); /* asked once, not again through krb5's prompter */
        CHECK(!has_ticket(ccache));
    }

    /* The callback aborts: UNANSWERED, saying so, even with the right answer set. */
    {
        struct script script = {NULL, password, 7, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-abort");
        CHECK_RESULT(run(user, ccache, &script), DAEMONAUTH_RESULT_UNANSWERED);
        CHECK_CONTAINS(daemonauth_last_error(), "aborted (returned 7)");
        CHECK(!has_ticket(ccache));
    }

    /* No principal: `username` and `password` arrive together in one call. */
    {
        struct script script = {user, password, 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-login");
        CHECK_RESULT(run(NULL, ccache, &script), DAEMONAUTH_RESULT_OK);
        CHECK(script.calls == 1);
        CHECK(script.questions == 2);
        CHECK(strcmp(script.names, "username password ") == 0);
        CHECK(strcmp(script.challenge, "{\"service\":\"krb5\",\"realm\":\"DAEMONAUTH.TEST\"}") == 0);
        CHECK(has_ticket(ccache));
    }

    /* A NULL cache means the default one (KRB5CCNAME). */
    {
        struct script script = {NULL, password, 0, 0, 0, "", ""};
        fresh_ccache(ccache, sizeof ccache, "cc-default");
        snprintf(previous, sizeof previous, "%s", realm_env("KRB5CCNAME"));
        CHECK(setenv("KRB5CCNAME", ccache, 1) == 0);
        CHECK_RESULT(run(user, NULL, &script), DAEMONAUTH_RESULT_OK);
        CHECK(setenv("KRB5CCNAME", previous, 1) == 0);
        CHECK(has_ticket(ccache));
    }

    /* An unreachable KDC: KRB5, with krb5's message. */
    {
        struct script script = {NULL, password, 0, 0, 0, "", ""};
        realm_path(conf, sizeof conf, "unreachable.conf");
        file = fopen(conf, "w");
        CHECK(file != NULL);
        fprintf(file, "[libdefaults]\n default_realm = DAEMONAUTH.TEST\n dns_lookup_kdc = false\n"
                      "[realms]\n DAEMONAUTH.TEST = {\n  kdc = 127.0.0.1:1\n }\n");
        CHECK(fclose(file) == 0);
        snprintf(previous, sizeof previous, "%s", realm_env("KRB5_CONFIG"));
        CHECK(setenv("KRB5_CONFIG", conf, 1) == 0);
        fresh_ccache(ccache, sizeof ccache, "cc-unreachable");
        CHECK_RESULT(run(user, ccache, &script), DAEMONAUTH_RESULT_KRB5);
        CHECK_CONTAINS(daemonauth_last_error(), "Cannot contact any KDC");
        CHECK(setenv("KRB5_CONFIG", previous, 1) == 0);
    }

    /* Argument checks and ownership. */
    CHECK_RESULT(daemonauth_responder_krb5_get_init_creds(user, NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_responder_krb5_get_init_creds");
    CHECK_RESULT(daemonauth_responder_new_callback(NULL, NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "responder_out");
    CHECK_RESULT(daemonauth_responder_new_callback(NULL, NULL, &responder), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_responder_new_terminal(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK(daemonauth_responder_list_questions(NULL) == NULL);
    CHECK_RESULT(daemonauth_responder_set_answer(NULL, "password", "x"), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    daemonauth_responder_free(NULL);
    puts("responder krb5: ok");
    return 0;
}
