//! cflags: -pthread
//! replays: 3
/* pthread_rwlock: 4 readers and 2 writers. Writers update a pair of values that must stay
 * consistent (b == 2*a) and yield halfway through while holding the write lock; readers
 * check consistency under the read lock and record how many readers were inside at once.
 * The sequence of lock acquisitions (r/W) is logged and printed. Also tryrdlock/trywrlock
 * returning EBUSY and a writer-preferring rwlock attribute. */
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

#define NREAD 4
#define NWRITE 2
#define RITERS 30
#define WITERS 15

static pthread_rwlock_t rw;
static volatile long a, b;
static int readers_inside, max_readers_inside, writers_inside;
static char log_buf[NREAD * RITERS + NWRITE * WITERS + 1];
static int nlog;

static void logc(char c)
{
    int i = __atomic_fetch_add(&nlog, 1, __ATOMIC_SEQ_CST);
    log_buf[i] = c;
}

static void *reader(void *p)
{
    (void)p;
    for (int i = 0; i < RITERS; i++) {
        CHECK(pthread_rwlock_rdlock(&rw) == 0);
        int in = __atomic_add_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
        int m = __atomic_load_n(&max_readers_inside, __ATOMIC_SEQ_CST);
        while (in > m && !__atomic_compare_exchange_n(&max_readers_inside, &m, in, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        CHECK(writers_inside == 0);
        logc('r');
        long x = a;
        getppid(); /* let others run while reading */
        long y = b;
        CHECK(y == 2 * x);
        __atomic_sub_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
        CHECK(pthread_rwlock_unlock(&rw) == 0);
        if (i % 4 == 0)
            sched_yield();
    }
    return NULL;
}

static void *writer(void *p)
{
    (void)p;
    for (int i = 0; i < WITERS; i++) {
        CHECK(pthread_rwlock_wrlock(&rw) == 0);
        CHECK(__atomic_add_fetch(&writers_inside, 1, __ATOMIC_SEQ_CST) == 1);
        CHECK(readers_inside == 0);
        logc('W');
        a = a + 1;
        sched_yield(); /* inconsistent state while holding the write lock */
        b = 2 * a;
        __atomic_sub_fetch(&writers_inside, 1, __ATOMIC_SEQ_CST);
        CHECK(pthread_rwlock_unlock(&rw) == 0);
        sched_yield();
    }
    return NULL;
}

int main(void)
{
    pthread_rwlockattr_t at;
    CHECK(pthread_rwlockattr_init(&at) == 0);
    CHECK(pthread_rwlockattr_setkind_np(&at, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP) == 0);
    CHECK(pthread_rwlock_init(&rw, &at) == 0);

    /* try-lock semantics */
    CHECK(pthread_rwlock_rdlock(&rw) == 0);
    CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY);
    CHECK(pthread_rwlock_tryrdlock(&rw) == 0);
    CHECK(pthread_rwlock_unlock(&rw) == 0);
    CHECK(pthread_rwlock_unlock(&rw) == 0);
    CHECK(pthread_rwlock_wrlock(&rw) == 0);
    CHECK(pthread_rwlock_tryrdlock(&rw) == EBUSY);
    CHECK(pthread_rwlock_trywrlock(&rw) == EBUSY);
    CHECK(pthread_rwlock_unlock(&rw) == 0);
    printf("try-locks: EBUSY as expected\n");

    pthread_t th[NREAD + NWRITE];
    for (int i = 0; i < NREAD + NWRITE; i++)
        CHECK(pthread_create(&th[i], NULL, i < NREAD ? reader : writer, NULL) == 0);
    for (int i = 0; i < NREAD + NWRITE; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    log_buf[nlog] = 0;
    printf("a = %ld, b = %ld\n", a, b);
    CHECK(a == NWRITE * WITERS && b == 2 * a);
    printf("max readers inside at once: %d\n", max_readers_inside);
    CHECK(max_readers_inside >= 1 && max_readers_inside <= NREAD);
    printf("acquisitions:\n");
    for (int i = 0; i < nlog; i += 50)
        printf("  %.50s\n", log_buf + i);
    CHECK(nlog == NREAD * RITERS + NWRITE * WITERS);
    CHECK(pthread_rwlock_destroy(&rw) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
