/* daemonauth/distcc_auth.h: the drop-in for distcc 3.4's GSS-API authentication.
 *
 * Written by hand (not generated): it declares, with distcc's exact names and C types, the
 * functions of distcc's src/auth.h and the data symbols distcc's other files use, all
 * implemented by libdaemonauth. A distcc tree built without its auth_common.c,
 * auth_distcc.c and auth_distccd.c and linked with `pkg-config --libs daemonauth` works
 * unchanged. Other programs should prefer the daemonauth_distcc_* API of
 * <daemonauth/distcc.h>; see docs/distcc.md.
 *
 * int-returning functions return 0 or one of distcc's exit codes (daemonauth_distcc_exit).
 * NULL pointer arguments are errors (or no-ops for the release functions), never crashes.
 *
 * Symbols: send_token and recv_token are exported because auth.h declares them, as thin
 * wrappers that the library itself never calls, so a program's own functions of those
 * generic names (MIT's gss-sample has some) interpose harmlessly. distcc's `creds`, `list`
 * and `list_count` are NOT exported: only the auth files used them. distccd's
 * opt_blacklist_enabled, opt_whitelist_enabled and arg_list_file (dopt.c) are read through
 * weak references when the program defines them; otherwise daemonauth_distcc_set_list()
 * supplies the list.
 */
#ifndef DAEMONAUTH_DISTCC_AUTH_H
#define DAEMONAUTH_DISTCC_AUTH_H

#include <gssapi/gssapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Handshake exchange character. */
#define HANDSHAKE '*'
/* Notification of server access. */
#define ACCESS 'y'
/* Notification of server access denied. */
#define NO_ACCESS 'n'

/* distcc's host definition; only its authenticate and auth_name members are read, at the
 * offsets of distcc 3.4 (built with GSS-API). */
struct dcc_hostdef;

/* The client's context after dcc_gssapi_perform_requested_security (empty after a failure). */
extern gss_ctx_id_t distcc_ctx_handle;
/* The server's context after dcc_gssapi_check_client (empty after a failure). */
extern gss_ctx_id_t distccd_ctx_handle;

/* Server: acquires acceptor credentials for $DISTCCD_PRINCIPAL (mandatory). */
int dcc_gssapi_acquire_credentials(void);
/* Server: releases them. */
void dcc_gssapi_release_credentials(void);
/* Server: reads distccd's arg_list_file as a blacklist (mode 1) or whitelist (mode 0). */
int dcc_gssapi_obtain_list(int mode);
/* Server: forgets the list. */
void dcc_gssapi_free_list(void);
/* Server: authenticates a client; writes to to_net_fd, reads from from_net_fd. */
int dcc_gssapi_check_client(int to_net_fd, int from_net_fd);
/* Client: authenticates to the server; writes to to_net_fd, reads from from_net_fd. */
int dcc_gssapi_perform_requested_security(const struct dcc_hostdef *host,
                                          int to_net_fd,
                                          int from_net_fd);
/* Logs the text of a GSS-API status (GSS_C_GSS_CODE or GSS_C_MECH_CODE). */
void dcc_gssapi_status_to_log(OM_uint32 status_code, int status_type);
/* Releases the given buffers and name; each may be NULL. */
void dcc_gssapi_cleanup(gss_buffer_desc *input_tok,
                        gss_buffer_desc *output_tok,
                        gss_name_t *name);
/* 0 if MUTUAL, REPLAY and SEQUENCE requested in req_flags are all in ret_flags. */
int dcc_gssapi_compare_flags(OM_uint32 req_flags, OM_uint32 ret_flags);
/* Deletes *ctx_handle (if any) and empties it. */
void dcc_gssapi_delete_ctx(gss_ctx_id_t *ctx_handle);
/* Sends a token as TLEN%08x and its bytes. */
int send_token(int sd, gss_buffer_t token);
/* Receives a TLEN token (capped length) into a malloc'd buffer for gss_release_buffer. */
int recv_token(int sd, gss_buffer_t token);

#ifdef __cplusplus
}
#endif

#endif /* DAEMONAUTH_DISTCC_AUTH_H */
