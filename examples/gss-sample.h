/* Shared helpers of the gss-server and gss-client examples: the gss-sample token flags and
 * the output MIT's sample programs print, written against libdaemonauth only. */
#ifndef DAEMONAUTH_EXAMPLES_GSS_SAMPLE_H
#define DAEMONAUTH_EXAMPLES_GSS_SAMPLE_H

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <daemonauth.h>

/* MIT's default port for the sample pair. */
#define GSS_SAMPLE_DEFAULT_PORT 4444

/* The port number in `text` (decimal, 1 to 65535), or 0 when it is not one (MIT's programs
 * take atoi's answer, so that "-port x" listens on a port the kernel picks). */
static inline unsigned short sample_parse_port(const char *text) {
    char *end;
    if (!isdigit((unsigned char)text[0])) /* strtoul would skip blanks and take a sign */
        return 0;
    errno = 0;
    unsigned long port = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
        return 0;
    return (unsigned short)port;
}

/* Prints the failure of the last library call the way MIT's display_status does. */
static inline void sample_display_error(FILE *out, const char *what) {
    if (out != NULL)
        fprintf(out, "GSS-API error %s: %s\n", what, daemonauth_last_error());
}

/* MIT's display_ctx_flags, including its trailing spaces. */
static inline void sample_display_ctx_flags(FILE *out, uint32_t flags) {
    if (out == NULL)
        return;
    if (flags & DAEMONAUTH_GSS_FLAG_DELEG)
        fprintf(out, "context flag: GSS_C_DELEG_FLAG\n");
    if (flags & DAEMONAUTH_GSS_FLAG_MUTUAL)
        fprintf(out, "context flag: GSS_C_MUTUAL_FLAG\n");
    if (flags & DAEMONAUTH_GSS_FLAG_REPLAY)
        fprintf(out, "context flag: GSS_C_REPLAY_FLAG\n");
    if (flags & DAEMONAUTH_GSS_FLAG_SEQUENCE)
        fprintf(out, "context flag: GSS_C_SEQUENCE_FLAG\n");
    if (flags & DAEMONAUTH_GSS_FLAG_CONF)
        fprintf(out, "context flag: GSS_C_CONF_FLAG \n");
    if (flags & DAEMONAUTH_GSS_FLAG_INTEG)
        fprintf(out, "context flag: GSS_C_INTEG_FLAG \n");
}

/* Prints a dotted OID in MIT's braced form, "{ 1 2 840 113554 1 2 2 }". */
static inline void sample_print_oid(FILE *out, const char *dotted) {
    const char *p;
    fputs("{ ", out);
    for (p = dotted; *p != '\0'; p++)
        fputc(*p == '.' ? ' ' : *p, out);
    fputs(" }", out);
}

/* MIT's print_token: hex bytes, 16 to a line. */
static inline void sample_print_token(FILE *out, const uint8_t *p, size_t len) {
    size_t i;
    if (out == NULL)
        return;
    for (i = 0; i < len; i++) {
        fprintf(out, "%02x ", p[i]);
        if (i % 16 == 15)
            fputc('\n', out);
    }
    fputc('\n', out);
    fflush(out);
}

#endif
