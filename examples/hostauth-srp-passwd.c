/* hostauth-srp-passwd: adds or changes a user's SRP verifier in a host-auth daemon's verifier
 * file (method 1 srp, see docs/hostauth.md), with libdaemonauth.
 *
 *   hostauth-srp-passwd [-bits 2048|3072|4096] [-answers FILE] VERIFIER-FILE USER
 *
 * The new password comes from the answer file -answers (`password=...`, private to the user)
 * and else the terminal (asked once, not echoed). The file keeps verifiers, never passwords:
 * `user:bits:salt:verifier` lines. It is created with mode 0600 when absent; an existing file
 * must be private to the user running this (the daemon's user) and is replaced whole, so a
 * daemon reading it at the same time sees the old or the new file. Exit status: 0 done, 1 the
 * verifier could not be set, 2 usage error. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daemonauth.h>

static void usage(void) {
    fprintf(stderr, "usage: hostauth-srp-passwd [-bits 2048|3072|4096] [-answers FILE] VERIFIER-FILE USER\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *answers = NULL;
    unsigned long bits = 0;
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "-bits") == 0)
            bits = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-answers") == 0)
            answers = argv[i + 1];
        else
            usage();
    }
    if (argc - i != 2)
        usage();
    daemonauth_responder *chain[2] = {NULL, NULL}, *responder = NULL;
    size_t count = 0;
    daemonauth_result result = DAEMONAUTH_RESULT_OK;
    if (answers)
        result = daemonauth_responder_new_file(answers, &chain[count++]);
    if (result == DAEMONAUTH_RESULT_OK)
        result = daemonauth_responder_new_terminal(&chain[count++]);
    if (result == DAEMONAUTH_RESULT_OK)
        result = daemonauth_responder_new_chain((const daemonauth_responder *const *)chain, count, &responder);
    if (result == DAEMONAUTH_RESULT_OK)
        result = daemonauth_hostauth_srp_set_verifier(argv[i], argv[i + 1], (uint32_t)bits, responder);
    daemonauth_responder_free(responder);
    while (count > 0)
        daemonauth_responder_free(chain[--count]);
    if (result != DAEMONAUTH_RESULT_OK) {
        fprintf(stderr, "hostauth-srp-passwd: %s (%s)\n", daemonauth_strerror(result), daemonauth_last_error());
        return 1;
    }
    printf("hostauth-srp-passwd: verifier set for %s\n", argv[i + 1]);
    return 0;
}
