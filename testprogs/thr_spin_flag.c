//! cflags: -pthread
//! replays: 3
/* The main thread spin-waits, without syscalls, on an atomic flag that a worker sets after
 * some work of its own (syscalls and a little computation). Under rtt only one thread runs
 * at a time, so the spinner must be preempted for the worker to make progress. A second
 * round spins the other way: the worker spins on a flag that main sets. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int flag1, flag2;
static volatile long work_result;

static void *worker(void *p)
{
    (void)p;
    long s = 0;
    for (int i = 0; i < 10; i++) {
        s += getppid() > 0;
        for (int k = 0; k < 1000; k++)
            s += k % 7;
    }
    work_result = s;
    __atomic_store_n(&flag1, 1, __ATOMIC_RELEASE);
    /* round two: spin until main answers */
    while (!__atomic_load_n(&flag2, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    return NULL;
}

int main(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    while (!__atomic_load_n(&flag1, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    printf("main saw the flag; worker computed %ld\n", work_result);
    CHECK(work_result == 10 + 10 * 2997);
    __atomic_store_n(&flag2, 1, __ATOMIC_RELEASE);
    CHECK(pthread_join(t, NULL) == 0);
    printf("worker saw main's flag\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
