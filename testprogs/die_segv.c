//! exit: 139
/* killed by SIGSEGV with no handler (NULL write); prints observations first. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    /* no core file, please */
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    printf("pid %d time %lld.%09ld about to write through NULL\n", getpid(), (long long)t.tv_sec, t.tv_nsec);
    fflush(stdout);
    volatile int *volatile p = NULL;
    *p = 1;
    printf("unreachable\n");
    return 0;
}
