/* distcc 3.4's struct dcc_hostdef (its src/distcc.h, built with GSS-API), for the tests that
 * play distcc's part: the layout is the ABI the library reads `authenticate` and `auth_name`
 * from. */
#ifndef DAEMONAUTH_C_TESTS_DISTCC_HOSTDEF_H
#define DAEMONAUTH_C_TESTS_DISTCC_HOSTDEF_H

struct dcc_hostdef {
    enum { DCC_MODE_TCP = 1, DCC_MODE_SSH, DCC_MODE_LOCAL } mode;
    char *user;
    char *hostname;
    int port;
    char *ssh_command;
    int is_up;
    int n_slots;
    char *hostdef_string;
    int protover;   /* enum dcc_protover */
    int compr;      /* enum dcc_compress */
    int cpp_where;  /* enum dcc_cpp_where */
    int authenticate;
    char *auth_name;
    struct dcc_hostdef *next;
};

#endif
