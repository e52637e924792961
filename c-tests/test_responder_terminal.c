/* The terminal responder on a real (pseudo-)terminal: a child whose controlling terminal is
 * a pty logs in with principal NULL, so both questions are asked in one pass; the user name
 * is echoed, the password is not, and the ticket is obtained. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>

#include "realm.h"

static char seen[4096]; /* everything the child wrote to its terminal */

/* Appends what the pty master has to `seen` (waiting up to 10 s); 0 at the end of output. */
static int read_more(int master) {
    struct pollfd ready = {master, POLLIN, 0};
    size_t used = strlen(seen);
    ssize_t got;
    if (poll(&ready, 1, 10000) != 1)
        return 0;
    got = read(master, seen + used, sizeof seen - used - 1);
    if (got <= 0) /* EIO once the child has closed its side */
        return 0;
    seen[used + (size_t)got] = '\0';
    return 1;
}

/* Reads from the pty master until `text` has appeared. */
static void await(int master, const char *text) {
    while (strstr(seen, text) == NULL)
        CHECK(read_more(master));
}

static void type_line(int master, const char *text) {
    CHECK(write(master, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(write(master, "\n", 1) == 1);
}

int main(void) {
    const char *user = realm_env("DAEMONAUTH_TEST_USER");
    const char *password = realm_env("DAEMONAUTH_TEST_PASSWORD");
    char ccache[600];
    int master, status;
    pid_t child;

    fresh_ccache(ccache, sizeof ccache, "cc-terminal");
    master = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        daemonauth_responder *terminal = NULL;
        int slave;
        CHECK(setsid() >= 0);
        slave = open(ptsname(master), O_RDWR); /* becomes the controlling terminal */
        CHECK(slave >= 0);
        close(master);
        CHECK_RESULT(daemonauth_responder_new_terminal(&terminal), DAEMONAUTH_RESULT_OK);
        CHECK_RESULT(daemonauth_responder_krb5_get_init_creds(NULL, ccache, terminal), DAEMONAUTH_RESULT_OK);
        daemonauth_responder_free(terminal);
        _exit(0);
    }
    await(master, "Kerberos user name (DAEMONAUTH.TEST): ");
    type_line(master, user);
    await(master, "Kerberos password: ");
    type_line(master, password);
    CHECK(waitpid(child, &status, 0) == child);
    while (read_more(master))
        ;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(has_ticket(ccache));
    /* The user name was echoed before the password prompt; the password never was. */
    CHECK(strstr(seen, user) != NULL && strstr(seen, user) < strstr(seen, "Kerberos password: "));
    CHECK(strstr(seen, password) == NULL);
    close(master);
    puts("responder terminal: ok");
    return 0;
}
