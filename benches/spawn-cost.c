/* spawn+exit cost for scripts/bench: runs each PROGRAM COUNT times (fork, exec, wait4), one of
 * each in turn, so that a busy moment of the (shared) machine hits them all alike, and prints
 * for each PROGRAM, in order, the mean microseconds per run and the largest peak RSS of a run
 * in kB. A small C launcher, so that neither an interpreter's start nor its memory is counted.
 *
 *   spawn-cost COUNT PROGRAM... */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    int count = argc >= 3 ? atoi(argv[1]) : 0, programs = argc - 2;
    if (count <= 0) {
        fprintf(stderr, "usage: spawn-cost COUNT PROGRAM...\n");
        return 2;
    }
    double *total_us = calloc((size_t)programs, sizeof *total_us);
    long *peak_kb = calloc((size_t)programs, sizeof *peak_kb);
    if (total_us == NULL || peak_kb == NULL)
        return 1;
    for (int i = 0; i < count; i++) {
        for (int p = 0; p < programs; p++) {
            const char *program = argv[2 + p];
            struct rusage usage;
            int status;
            double start = now_us();
            pid_t child = fork();
            if (child == 0) {
                execl(program, program, (char *)NULL);
                _exit(127);
            }
            if (child < 0 || wait4(child, &status, 0, &usage) != child || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0) {
                fprintf(stderr, "spawn-cost: %s failed\n", program);
                return 1;
            }
            total_us[p] += now_us() - start;
            if (usage.ru_maxrss > peak_kb[p])
                peak_kb[p] = usage.ru_maxrss;
        }
    }
    for (int p = 0; p < programs; p++)
        printf("%.1f %ld\n", total_us[p] / count, peak_kb[p]);
    free(total_us);
    free(peak_kb);
    return 0;
}
