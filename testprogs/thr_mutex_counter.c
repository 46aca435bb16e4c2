//! cflags: -pthread
//! replays: 3
/* A mutex-protected counter incremented by 4 threads; each thread makes a syscall while
 * holding and between holding the lock, and the order in which the threads got the lock
 * is logged into a buffer printed at the end. Also pthread_mutex_trylock (EBUSY) and an
 * error-checking mutex (EDEADLK, EPERM). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define NTHREADS 4
#define ITERS 50

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static char order[NTHREADS * ITERS + 1];
static int norder;
static int per_thread[NTHREADS];

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < ITERS; i++) {
        CHECK(pthread_mutex_lock(&mu) == 0);
        long c = counter;
        if (i % 5 == 0)
            getppid(); /* a syscall while holding the lock: others may run and block on it */
        counter = c + 1;
        order[norder++] = (char)('A' + id);
        per_thread[id]++;
        CHECK(pthread_mutex_unlock(&mu) == 0);
        if (i % 3 == id % 3)
            sched_yield();
    }
    return NULL;
}

int main(void)
{
    pthread_t th[NTHREADS];
    /* trylock on a held mutex */
    CHECK(pthread_mutex_lock(&mu) == 0);
    CHECK(pthread_mutex_trylock(&mu) == EBUSY);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    /* let the workers pile up on the held mutex before releasing it */
    for (int i = 0; i < 5; i++)
        sched_yield();
    CHECK(pthread_mutex_unlock(&mu) == 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("counter = %ld (expected %d)\n", counter, NTHREADS * ITERS);
    CHECK(counter == NTHREADS * ITERS);
    order[norder] = 0;
    printf("lock order:\n");
    for (int i = 0; i < norder; i += 50)
        printf("  %.50s\n", order + i);
    int switches = 0;
    for (int i = 1; i < norder; i++)
        switches += order[i] != order[i - 1];
    printf("owner changes: %d\n", switches);
    for (int i = 0; i < NTHREADS; i++) {
        printf("thread %c: %d\n", 'A' + i, per_thread[i]);
        CHECK(per_thread[i] == ITERS);
    }

    /* error-checking mutex */
    pthread_mutexattr_t at;
    pthread_mutex_t em;
    CHECK(pthread_mutexattr_init(&at) == 0);
    CHECK(pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK) == 0);
    CHECK(pthread_mutex_init(&em, &at) == 0);
    CHECK(pthread_mutex_unlock(&em) == EPERM);
    CHECK(pthread_mutex_lock(&em) == 0);
    CHECK(pthread_mutex_lock(&em) == EDEADLK);
    CHECK(pthread_mutex_unlock(&em) == 0);
    CHECK(pthread_mutex_destroy(&em) == 0);
    printf("errorcheck mutex: EPERM, EDEADLK as expected\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
