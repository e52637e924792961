/* responder-kinit: a minimal kinit built on libdaemonauth's responder.
 *
 *   responder-kinit [principal [ccache]]
 *
 * Gets a ticket-granting ticket into ccache (default: the default cache). Every question
 * krb5 asks (password, OTP, PKINIT PIN) and, without a principal, the user name too, goes to
 * one responder: the answer file named by $DAEMONAUTH_ANSWER_FILE (see docs/responder.md)
 * if set, then the terminal. A callback in front of both shows the questions as they come. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>

#include <daemonauth.h>

/* Shows each step's questions; answers none, so the next responder in the chain does. */
static int show_questions(void *userdata, daemonauth_responder_ctx *rctx) {
    const char *const *q;
    (void)userdata;
    fprintf(stderr, "responder-kinit: krb5 asks:");
    for (q = daemonauth_responder_list_questions(rctx); q != NULL && *q != NULL; q++)
        fprintf(stderr, " %s '%s'", *q, daemonauth_responder_get_challenge(rctx, *q));
    fprintf(stderr, "\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *principal = argc > 1 ? argv[1] : NULL;
    const char *ccache = argc > 2 ? argv[2] : NULL;
    const char *path = getenv("DAEMONAUTH_ANSWER_FILE");
    daemonauth_responder *members[3] = {NULL, NULL, NULL}, *chain = NULL;
    size_t count = 0;
    daemonauth_result result;

    if (argc > 3) {
        fprintf(stderr, "usage: responder-kinit [principal [ccache]]\n");
        return 2;
    }
    if (daemonauth_responder_new_callback(show_questions, NULL, &members[count]) == DAEMONAUTH_RESULT_OK)
        count++;
    if (path != NULL && daemonauth_responder_new_file(path, &members[count]) == DAEMONAUTH_RESULT_OK)
        count++;
    if (daemonauth_responder_new_terminal(&members[count]) == DAEMONAUTH_RESULT_OK)
        count++;
    result = daemonauth_responder_new_chain((const daemonauth_responder *const *)members, count, &chain);
    while (count > 0)
        daemonauth_responder_free(members[--count]);
    if (result == DAEMONAUTH_RESULT_OK)
        result = daemonauth_responder_krb5_get_init_creds(principal, ccache, chain);
    daemonauth_responder_free(chain);
    if (result != DAEMONAUTH_RESULT_OK) {
        fprintf(stderr, "responder-kinit: %s (%s)\n", daemonauth_strerror(result), daemonauth_last_error());
        return 1;
    }
    printf("responder-kinit: ticket obtained for %s\n", principal ? principal : "the user named");
    return 0;
}
