/* spawn+exit cost for scripts/bench: runs PROGRAM COUNT times (fork, exec, wait4) and prints
 * the mean microseconds per run and the largest peak RSS of a run in kB. A small C launcher,
 * so that neither an interpreter's start nor its memory is counted.
 *
 *   spawn-cost PROGRAM COUNT */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec t0, t1;
    long peak_kb = 0;
    int count = argc == 3 ? atoi(argv[2]) : 0;
    if (count <= 0) {
        fprintf(stderr, "usage: spawn-cost PROGRAM COUNT\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < count; i++) {
        struct rusage usage;
        int status;
        pid_t child = fork();
        if (child == 0) {
            execl(argv[1], argv[1], (char *)NULL);
            _exit(127);
        }
        if (child < 0 || wait4(child, &status, 0, &usage) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "spawn-cost: %s failed\n", argv[1]);
            return 1;
        }
        if (usage.ru_maxrss > peak_kb)
            peak_kb = usage.ru_maxrss;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.1f %ld\n", ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / count, peak_kb);
    return 0;
}
