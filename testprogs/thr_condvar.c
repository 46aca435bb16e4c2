//! cflags: -pthread
//! replays: 3
/* Producer/consumer: 2 producers and 3 consumers on a small bounded queue guarded by a
 * mutex and two condition variables (pthread_cond_wait/signal); the end is announced with
 * pthread_cond_broadcast. Which consumer took which item depends on the interleaving and
 * is printed. Also pthread_cond_timedwait with an already-expired deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define QCAP 4
#define NPROD 2
#define NCONS 3
#define PER_PROD 40

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[QCAP], qhead, qlen;
static int done;
static char taken_by[NPROD * PER_PROD];
static int consumed[NCONS];
static long sum[NCONS];
static int full_waits, empty_waits;

static void *producer(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < PER_PROD; i++) {
        int item = id * PER_PROD + i;
        CHECK(pthread_mutex_lock(&mu) == 0);
        while (qlen == QCAP) {
            full_waits++;
            CHECK(pthread_cond_wait(&not_full, &mu) == 0);
        }
        queue[(qhead + qlen) % QCAP] = item;
        qlen++;
        CHECK(pthread_cond_signal(&not_empty) == 0);
        CHECK(pthread_mutex_unlock(&mu) == 0);
        if (i % 7 == 0)
            sched_yield();
    }
    return NULL;
}

static void *consumer(void *p)
{
    int id = (int)(intptr_t)p;
    for (;;) {
        CHECK(pthread_mutex_lock(&mu) == 0);
        while (qlen == 0 && !done) {
            empty_waits++;
            CHECK(pthread_cond_wait(&not_empty, &mu) == 0);
        }
        if (qlen == 0 && done) {
            CHECK(pthread_mutex_unlock(&mu) == 0);
            return NULL;
        }
        int item = queue[qhead];
        qhead = (qhead + 1) % QCAP;
        qlen--;
        CHECK(pthread_cond_signal(&not_full) == 0);
        CHECK(pthread_mutex_unlock(&mu) == 0);
        CHECK(item >= 0 && item < NPROD * PER_PROD && taken_by[item] == 0);
        taken_by[item] = (char)('a' + id);
        consumed[id]++;
        sum[id] += item;
        getppid(); /* "process" the item */
    }
}

int main(void)
{
    pthread_t prod[NPROD], cons[NCONS];
    for (int i = 0; i < NCONS; i++)
        CHECK(pthread_create(&cons[i], NULL, consumer, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NPROD; i++)
        CHECK(pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NPROD; i++)
        CHECK(pthread_join(prod[i], NULL) == 0);
    CHECK(pthread_mutex_lock(&mu) == 0);
    done = 1;
    CHECK(pthread_cond_broadcast(&not_empty) == 0);
    CHECK(pthread_mutex_unlock(&mu) == 0);
    for (int i = 0; i < NCONS; i++)
        CHECK(pthread_join(cons[i], NULL) == 0);

    int total = 0;
    long total_sum = 0;
    for (int i = 0; i < NCONS; i++) {
        printf("consumer %c took %d items (sum %ld)\n", 'a' + i, consumed[i], sum[i]);
        total += consumed[i];
        total_sum += sum[i];
    }
    printf("items taken by: %.*s\n", PER_PROD, taken_by);
    printf("                %.*s\n", PER_PROD, taken_by + PER_PROD);
    printf("producer waits on full queue: %d, consumer waits on empty queue: %d\n", full_waits, empty_waits);
    CHECK(total == NPROD * PER_PROD);
    CHECK(total_sum == (long)NPROD * PER_PROD * (NPROD * PER_PROD - 1) / 2);

    /* timedwait with a deadline in the past times out at once */
    struct timespec past;
    CHECK(clock_gettime(CLOCK_REALTIME, &past) == 0);
    past.tv_sec -= 1;
    CHECK(pthread_mutex_lock(&mu) == 0);
    int r = pthread_cond_timedwait(&not_empty, &mu, &past);
    CHECK(pthread_mutex_unlock(&mu) == 0);
    printf("timedwait with expired deadline: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    CHECK(r == ETIMEDOUT);
    printf("EXIT-SUCCESS\n");
    return 0;
}
