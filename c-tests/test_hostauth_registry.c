/* The host-auth registry from C (issue 12, "Model and API"): entries and their method lists,
 * ROOT's print format exactly, ROOT's example .rootauthrc lines read through the registry with
 * diagnostics for malformed lines, established authentications, NULL and invalid arguments,
 * handles on removed entries, and many threads on one registry. */
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define BORDER "+------------------------------------------------------------------+\n"

static char home[256];

static void write_file(const char *name, const char *text) {
    char path[512];
    FILE *file;
    snprintf(path, sizeof path, "%s/%s", home, name);
    file = fopen(path, "w");
    CHECK(file != NULL);
    CHECK(fputs(text, file) >= 0);
    CHECK(fclose(file) == 0);
}

/* Checks that `text` (freed here) is exactly `expected`. */
static void check_text(char *text, const char *expected) {
    if (text == NULL || strcmp(text, expected) != 0) {
        fprintf(stderr, "got:\n%s\nexpected:\n%s\n", text ? text : "(null)", expected);
        exit(1);
    }
    daemonauth_string_free(text);
}

static char *entry_text(const daemonauth_hostauth_entry *entry) {
    char *text = NULL;
    CHECK_RESULT(daemonauth_hostauth_entry_print(entry, &text), DAEMONAUTH_RESULT_OK);
    return text;
}

/* The methods of an entry as digits, e.g. "4130". */
static void check_order(const daemonauth_hostauth_entry *entry, const char *expected) {
    char got[16] = "";
    size_t count = 0, i;
    CHECK_RESULT(daemonauth_hostauth_entry_count(entry, &count), DAEMONAUTH_RESULT_OK);
    CHECK(count < sizeof got);
    for (i = 0; i < count; i++) {
        daemonauth_hostauth_method method;
        CHECK_RESULT(daemonauth_hostauth_entry_method_at(entry, i, &method, NULL), DAEMONAUTH_RESULT_OK);
        got[i] = (char)('0' + (int)method);
    }
    if (strcmp(got, expected) != 0) {
        fprintf(stderr, "methods %s, expected %s\n", got, expected);
        exit(1);
    }
}

/* The seed's THostAuth::Print sequence, built by hand. */
static void seed_sequence(daemonauth_hostauth_registry *registry) {
    daemonauth_hostauth_entry *entry = NULL, *again = NULL;
    daemonauth_hostauth_method method;
    char *details = NULL;
    uint32_t ok = 9, failed = 9;
    const int order[] = {DAEMONAUTH_HOSTAUTH_METHOD_UIDGID, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD};
    const int bad_order[] = {DAEMONAUTH_HOSTAUTH_METHOD_SSH, 6};

    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "pcepsft43.cern.ch", "ganis",
                                                  DAEMONAUTH_HOSTAUTH_SERVER_ANY, &entry),
                 DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK(entry == NULL);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "pcepsft43.cern.ch", "ganis",
                                                  DAEMONAUTH_HOSTAUTH_SERVER_ANY, &entry),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_GSS,
                                                      "pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates"),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, "pt:no ru:1 us:ganis"),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_SRP, "pt:no ru:1 us:ganis"),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_UIDGID, "pt:yes us:ganis"),
                 DAEMONAUTH_RESULT_OK);
    check_text(entry_text(entry),
               BORDER "+ Host:pcepsft43.cern.ch - User:ganis - # of available methods:4\n"
                      "+ Method: 3   Details:pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates\n"
                      "+ Method: 4   Details:pt:no ru:1 us:ganis\n"
                      "+ Method: 1   Details:pt:no ru:1 us:ganis\n"
                      "+ Method: 5   Details:pt:yes us:ganis\n" BORDER);

    /* The same entry through a second handle. */
    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "pcepsft43.cern.ch", "ganis",
                                                  DAEMONAUTH_HOSTAUTH_SERVER_ANY, &again),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_remove_method(again, DAEMONAUTH_HOSTAUTH_METHOD_UIDGID), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_remove_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_UIDGID),
                 DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_entry_set_details(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, "pt:no ru:1 us:gganis"),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, DAEMONAUTH_HOSTAUTH_METHOD_SRP, NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, "pt:no us:ganis"),
                 DAEMONAUTH_RESULT_OK);
    check_text(entry_text(again),
               BORDER "+ Host:pcepsft43.cern.ch - User:ganis - # of available methods:4\n"
                      "+ Method: 1   Details:pt:no ru:1 us:ganis\n"
                      "+ Method: 3   Details:pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates\n"
                      "+ Method: 4   Details:pt:no ru:1 us:gganis\n"
                      "+ Method: 0   Details:pt:no us:ganis\n" BORDER);

    /* Ordering. */
    CHECK_RESULT(daemonauth_hostauth_entry_set_last(entry, DAEMONAUTH_HOSTAUTH_METHOD_SRP), DAEMONAUTH_RESULT_OK);
    check_order(entry, "3401");
    CHECK_RESULT(daemonauth_hostauth_entry_set_last(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5, NULL),
                 DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5, "pp:me@REALM"),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, "pt:yes us:x"),
                 DAEMONAUTH_RESULT_OK);
    check_order(entry, "42301");
    CHECK_RESULT(daemonauth_hostauth_entry_reorder(entry, order, 2), DAEMONAUTH_RESULT_OK);
    check_order(entry, "504231");
    CHECK_RESULT(daemonauth_hostauth_entry_reorder(entry, bad_order, 2), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "6 is not a host-auth method");
    check_order(entry, "504231");
    CHECK_RESULT(daemonauth_hostauth_entry_reorder(entry, NULL, 1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_reorder(entry, NULL, 0), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_method_at(entry, 2, &method, &details), DAEMONAUTH_RESULT_OK);
    CHECK(method == DAEMONAUTH_HOSTAUTH_METHOD_SSH);
    CHECK(strcmp(details, "pt:yes us:x") == 0);
    daemonauth_string_free(details);
    details = NULL;
    CHECK_RESULT(daemonauth_hostauth_entry_method_at(entry, 6, &method, &details), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK(details == NULL);

    /* Counters follow their method. */
    CHECK_RESULT(daemonauth_hostauth_entry_count_attempt(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, true),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_count_attempt(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, false),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_count_attempt(again, DAEMONAUTH_HOSTAUTH_METHOD_SSH, false),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, DAEMONAUTH_HOSTAUTH_METHOD_GSS, NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, &ok, &failed),
                 DAEMONAUTH_RESULT_OK);
    CHECK(ok == 1 && failed == 2);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, &ok, &failed),
                 DAEMONAUTH_RESULT_OK);
    CHECK(ok == 0 && failed == 0);
    CHECK_RESULT(daemonauth_hostauth_entry_remove_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, &ok, &failed),
                 DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_entry_count_attempt(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, true),
                 DAEMONAUTH_RESULT_NOT_FOUND);

    daemonauth_hostauth_entry_free(again);
    daemonauth_hostauth_entry_free(entry);
}

static void established(daemonauth_hostauth_registry *registry) {
    daemonauth_hostauth_entry *entry = NULL;
    daemonauth_hostauth_established *e = NULL;
    daemonauth_hostauth_method method;
    size_t count = 9, removed = 9;
    uint64_t expires = 0;
    bool active = false, has_token = true;

    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "est.example.org", "ganis", DAEMONAUTH_HOSTAUTH_SERVER_ROOTD,
                                                  &entry),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_established_count(entry, &count), DAEMONAUTH_RESULT_OK);
    CHECK(count == 0);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, DAEMONAUTH_HOSTAUTH_METHOD_SRP, "ganis",
                                                           "pt:0 ru:1 us:ganis", 4000000000u, true),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, "ganis", NULL, 1000,
                                                           true),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5, "g@R", "pt:0",
                                                           4000000000u, true),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, 7, "x", NULL, 0, true),
                 DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_add_established(entry, 0, NULL, NULL, 0, true),
                 DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_deactivate(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_established_count(entry, &count), DAEMONAUTH_RESULT_OK);
    CHECK(count == 3);

    CHECK_RESULT(daemonauth_hostauth_entry_established_at(entry, 0, &e), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_established_method(e, &method), DAEMONAUTH_RESULT_OK);
    CHECK(method == DAEMONAUTH_HOSTAUTH_METHOD_SRP);
    CHECK(strcmp(daemonauth_hostauth_established_login(e), "ganis") == 0);
    CHECK(strcmp(daemonauth_hostauth_established_details(e), "pt:0 ru:1 us:ganis") == 0);
    CHECK_RESULT(daemonauth_hostauth_established_expires(e, &expires), DAEMONAUTH_RESULT_OK);
    CHECK(expires == 4000000000u);
    CHECK_RESULT(daemonauth_hostauth_established_is_active(e, &active), DAEMONAUTH_RESULT_OK);
    CHECK(active);
    CHECK_RESULT(daemonauth_hostauth_established_has_token(e, &has_token), DAEMONAUTH_RESULT_OK);
    CHECK(!has_token);
    daemonauth_hostauth_established_free(e);
    e = NULL;
    CHECK_RESULT(daemonauth_hostauth_entry_established_at(entry, 3, &e), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK(e == NULL);
    CHECK(daemonauth_hostauth_established_login(NULL) == NULL);
    CHECK(daemonauth_hostauth_established_details(NULL) == NULL);
    CHECK_RESULT(daemonauth_hostauth_established_expires(NULL, &expires), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    daemonauth_hostauth_established_free(NULL);

    {
        char *text = NULL;
        CHECK_RESULT(daemonauth_hostauth_entry_print_established(entry, &text), DAEMONAUTH_RESULT_OK);
        check_text(text, BORDER "+ Host:est.example.org - Number of Established Authentications: 3\n"
                                "+ Method:1 Login:ganis Active:1 Expires:4000000000\n"
                                "+   Details:pt:0 ru:1 us:ganis\n"
                                "+ Method:4 Login:ganis Active:1 Expires:1000\n"
                                "+   Details:\n"
                                "+ Method:2 Login:g@R Active:0 Expires:4000000000\n"
                                "+   Details:pt:0\n" BORDER);
    }
    /* Expired (SSH) and inactive (Kerberos) go. */
    CHECK_RESULT(daemonauth_hostauth_entry_cleanup(entry, &removed), DAEMONAUTH_RESULT_OK);
    CHECK(removed == 2);
    CHECK_RESULT(daemonauth_hostauth_entry_cleanup(entry, NULL), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_established_count(entry, &count), DAEMONAUTH_RESULT_OK);
    CHECK(count == 1);

    /* A server kind is part of the key. */
    CHECK_RESULT(daemonauth_hostauth_registry_remove(registry, "est.example.org", "ganis",
                                                     DAEMONAUTH_HOSTAUTH_SERVER_ANY),
                 DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_registry_remove(registry, "est.example.org", "ganis",
                                                     DAEMONAUTH_HOSTAUTH_SERVER_ROOTD),
                 DAEMONAUTH_RESULT_OK);
    /* The handle outlives its entry without dangling. */
    CHECK_RESULT(daemonauth_hostauth_entry_established_count(entry, &count), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, 0, NULL), DAEMONAUTH_RESULT_NOT_FOUND);
    CHECK_CONTAINS(daemonauth_last_error(), "est.example.org");
    daemonauth_hostauth_entry_free(entry);
}

/* ROOT's example .rootauthrc lines, plus two malformed ones, read through the registry. */
static void rc_files(daemonauth_hostauth_registry *registry) {
    daemonauth_hostauth_entry *entry = NULL;
    char *text = NULL;
    char etc[300];

    snprintf(etc, sizeof etc, "%s/etc", home);
    CHECK(mkdir(etc, 0700) == 0);
    CHECK(setenv("HOME", home, 1) == 0);
    CHECK(setenv("ROOTETCDIR", etc, 1) == 0);
    CHECK(unsetenv("ROOTAUTHRC") == 0);
    write_file(".rootauthrc", "default list 4 0 1\n"
                              "default    method  ssh pt:yes us:qwerty\n"
                              "default    method  3 pt:0\n"
                              "default user asdfgh  method  usrpwd pt:1 ru:no\n"
                              "lxplus*.cern.ch  method  3 pt:no  ad:certificates\n"
                              "pcepsft43.cern.ch  user poiuyt method globus pt:no \\\n"
                              "                   cd:~/CA/HubCA/poiuyt ad:certificates\n"
                              "localhost:proofd list  uidgid\n"
                              "pcepsft43.cern.ch  user asdfgh method 2 pt:no pp:asdkrb@LOC.KRB.REALM\n"
                              "lxplus*.cern.ch  list  ssh 3 krb5\n"
                              "default list usrpwd ssh uidgid\n"
                              "bad.example.org method nine\n"
                              "localhost:httpd list ssh\n");

    CHECK_RESULT(daemonauth_hostauth_registry_read(registry, "lxplus001.cern.ch", "me",
                                                   DAEMONAUTH_HOSTAUTH_SERVER_ROOTD, &entry),
                 DAEMONAUTH_RESULT_OK);
    check_text(entry_text(entry), BORDER "+ Host:lxplus001.cern.ch - User:me - # of available methods:3\n"
                                         "+ Method: 4   Details:pt:no ru:1 us:\n"
                                         "+ Method: 3   Details:pt:no  ad:certificates\n"
                                         "+ Method: 2   Details:pt:no ru:0 us:\n" BORDER);
    CHECK_RESULT(daemonauth_hostauth_registry_diagnostics(registry, &text), DAEMONAUTH_RESULT_OK);
    CHECK_CONTAINS(text, "/.rootauthrc:12: unknown method 'nine'\n");
    CHECK_CONTAINS(text, "/.rootauthrc:13: unknown server kind 'httpd'");
    CHECK(strstr(text, "/.rootauthrc:11: ") == NULL);
    daemonauth_string_free(text);
    daemonauth_hostauth_entry_free(entry);

    CHECK_RESULT(daemonauth_hostauth_registry_read(registry, "localhost", "me", DAEMONAUTH_HOSTAUTH_SERVER_PROOFD, &entry),
                 DAEMONAUTH_RESULT_OK);
    check_order(entry, "5");
    daemonauth_hostauth_entry_free(entry);
    CHECK_RESULT(daemonauth_hostauth_registry_read(registry, "pcepsft43.cern.ch", "asdfgh",
                                                   DAEMONAUTH_HOSTAUTH_SERVER_ANY, &entry),
                 DAEMONAUTH_RESULT_OK);
    check_text(entry_text(entry), BORDER "+ Host:pcepsft43.cern.ch - User:asdfgh - # of available methods:1\n"
                                         "+ Method: 2   Details:pt:no pp:asdkrb@LOC.KRB.REALM\n" BORDER);
    daemonauth_hostauth_entry_free(entry);

    /* A clean file leaves no diagnostics. */
    write_file(".rootauthrc", "default list ssh\n");
    CHECK_RESULT(daemonauth_hostauth_registry_read(registry, "x.example.org", "me", DAEMONAUTH_HOSTAUTH_SERVER_ANY, &entry),
                 DAEMONAUTH_RESULT_OK);
    check_order(entry, "4");
    daemonauth_hostauth_entry_free(entry);
    CHECK_RESULT(daemonauth_hostauth_registry_diagnostics(registry, &text), DAEMONAUTH_RESULT_OK);
    check_text(text, "");
}

static void bad_arguments(daemonauth_hostauth_registry *registry) {
    daemonauth_hostauth_entry *entry = (daemonauth_hostauth_entry *)1;
    daemonauth_hostauth_registry *none = NULL;
    size_t count;
    char *text;

    CHECK_RESULT(daemonauth_hostauth_registry_new(NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_add(NULL, "h", "u", -1, &entry), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK(entry == NULL);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, NULL, "u", -1, &entry), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "h", NULL, -1, &entry), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "", "u", -1, &entry), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "h", "u", 3, &entry), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_CONTAINS(daemonauth_last_error(), "daemonauth_hostauth_registry_add");
    CHECK_CONTAINS(daemonauth_last_error(), "3 is not a host-auth server kind");
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "h", "u", -2, &entry), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "h", "u", -1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_get(registry, "h", "u", -1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_read(registry, "h", "u", -1, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_remove(NULL, "h", "u", -1), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_print(registry, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_print(none, &text), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_registry_diagnostics(none, &text), DAEMONAUTH_RESULT_NULL_ARGUMENT);

    CHECK_RESULT(daemonauth_hostauth_registry_add(registry, "h", "u", -1, &entry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, 6, NULL), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, -1, NULL), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(NULL, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_set_first(entry, 99, "x"), DAEMONAUTH_RESULT_INVALID_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_count(entry, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_count(NULL, &count), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_method_at(entry, 0, NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, 0, NULL, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_print(entry, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    CHECK_RESULT(daemonauth_hostauth_entry_established_at(entry, 0, NULL), DAEMONAUTH_RESULT_NULL_ARGUMENT);
    /* An entry added without details gets the .rootrc defaults (none here: ROOT's built-ins). */
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_USRPWD, ""), DAEMONAUTH_RESULT_OK);
    check_text(entry_text(entry), BORDER "+ Host:h - User:u - # of available methods:1\n"
                                         "+ Method: 0   Details:pt:no ru:1 cp:1 us:u\n" BORDER);
    CHECK_RESULT(daemonauth_hostauth_registry_remove(registry, "h", "u", -1), DAEMONAUTH_RESULT_OK);
    daemonauth_hostauth_entry_free(entry);
    daemonauth_hostauth_entry_free(NULL);
    daemonauth_hostauth_registry_free(NULL);
}

/* Threads: each counts on the shared entry through its own handle while another thread adds
 * and removes a second entry; every count lands. */
#define THREADS 8
#define ROUNDS 2000
static daemonauth_hostauth_registry *shared;

static void *count_successes(void *arg) {
    daemonauth_hostauth_entry *entry = NULL;
    int i;
    (void)arg;
    CHECK_RESULT(daemonauth_hostauth_registry_get(shared, "threads.example.org", "u", DAEMONAUTH_HOSTAUTH_SERVER_ANY,
                                                  &entry),
                 DAEMONAUTH_RESULT_OK);
    for (i = 0; i < ROUNDS; i++)
        CHECK_RESULT(daemonauth_hostauth_entry_count_attempt(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, true),
                     DAEMONAUTH_RESULT_OK);
    daemonauth_hostauth_entry_free(entry);
    return NULL;
}

static void *churn(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        daemonauth_hostauth_entry *entry = NULL;
        char *text = NULL;
        CHECK_RESULT(daemonauth_hostauth_registry_add(shared, "churn", "u", DAEMONAUTH_HOSTAUTH_SERVER_ANY, &entry),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_KRB5, "pt:no"),
                     DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_hostauth_registry_print(shared, &text), DAEMONAUTH_RESULT_OK);
        daemonauth_string_free(text);
        CHECK_RESULT(daemonauth_hostauth_registry_remove(shared, "churn", "u", DAEMONAUTH_HOSTAUTH_SERVER_ANY),
                     DAEMONAUTH_RESULT_OK);
        daemonauth_hostauth_entry_free(entry);
    }
    return NULL;
}

static void threads(void) {
    pthread_t workers[THREADS + 1];
    daemonauth_hostauth_entry *entry = NULL;
    uint32_t ok = 0, failed = 1;
    int i;
    CHECK_RESULT(daemonauth_hostauth_registry_new(&shared), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_registry_add(shared, "threads.example.org", "u", DAEMONAUTH_HOSTAUTH_SERVER_ANY,
                                                  &entry),
                 DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_entry_add_method(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, "pt:no"),
                 DAEMONAUTH_RESULT_OK);
    for (i = 0; i < THREADS; i++)
        CHECK(pthread_create(&workers[i], NULL, count_successes, NULL) == 0);
    CHECK(pthread_create(&workers[THREADS], NULL, churn, NULL) == 0);
    for (i = 0; i <= THREADS; i++)
        CHECK(pthread_join(workers[i], NULL) == 0);
    /* The registry may go before the handle. */
    daemonauth_hostauth_registry_free(shared);
    CHECK_RESULT(daemonauth_hostauth_entry_counters(entry, DAEMONAUTH_HOSTAUTH_METHOD_SSH, &ok, &failed),
                 DAEMONAUTH_RESULT_OK);
    CHECK(ok == THREADS * ROUNDS && failed == 0);
    daemonauth_hostauth_entry_free(entry);
}

int main(void) {
    daemonauth_hostauth_registry *registry = NULL;
    char *text = NULL;
    snprintf(home, sizeof home, "/tmp/daemonauth-hostauth-c-XXXXXX");
    CHECK(mkdtemp(home) != NULL);
    CHECK(setenv("HOME", home, 1) == 0);
    CHECK(setenv("ROOTETCDIR", home, 1) == 0);

    CHECK_RESULT(daemonauth_hostauth_registry_new(&registry), DAEMONAUTH_RESULT_OK);
    CHECK_RESULT(daemonauth_hostauth_registry_print(registry, &text), DAEMONAUTH_RESULT_OK);
    check_text(text, "");
    seed_sequence(registry);
    established(registry);
    bad_arguments(registry);
    CHECK_RESULT(daemonauth_hostauth_registry_print(registry, &text), DAEMONAUTH_RESULT_OK);
    check_text(text, BORDER "+ Host:pcepsft43.cern.ch - User:ganis - # of available methods:5\n"
                            "+ Method: 3   Details:pt:no cd:~/.globus cf:usercert.pem kf:userkey.pem ad:certificates\n"
                            "+ Method: 5   Details:pt:no us:ganis\n" /* re-added by reorder: defaults */
                            "+ Method: 4   Details:pt:yes us:x\n"
                            "+ Method: 2   Details:pp:me@REALM\n"
                            "+ Method: 1   Details:pt:no ru:1 us:ganis\n" BORDER
                     BORDER "+ Host:pcepsft43.cern.ch - Number of Established Authentications: 0\n" BORDER);
    rc_files(registry);
    daemonauth_hostauth_registry_free(registry);
    threads();
    {
        char command[300];
        snprintf(command, sizeof command, "rm -rf '%s'", home);
        CHECK(system(command) == 0);
    }
    puts("hostauth registry: ok");
    return 0;
}
