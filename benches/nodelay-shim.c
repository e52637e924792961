/* LD_PRELOAD shim for the benchmark only: turns TCP_NODELAY on for every socket a program
 * connects or accepts, so MIT's gss-sample pair (which writes a token's length and body in two
 * send() calls) can be measured without its Nagle/delayed-ACK stalls. Never shipped.
 *
 *   cc -shared -fPIC -o nodelay-shim.so nodelay-shim.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on non-TCP */
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
    int (*real)(int, const struct sockaddr *, socklen_t) =
        (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
    int result = real(fd, address, length);
    if (result == 0)
        nodelay(fd);
    return result;
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
    int (*real)(int, struct sockaddr *, socklen_t *) =
        (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    int result = real(fd, address, length);
    if (result >= 0)
        nodelay(result);
    return result;
}
