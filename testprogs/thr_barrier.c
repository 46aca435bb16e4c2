//! cflags: -pthread
//! replays: 3
/* pthread_barrier_wait across rounds: 4 threads each write their slot of a round's array,
 * meet at a barrier, then check everyone's slot of that round; exactly one thread per
 * round gets PTHREAD_BARRIER_SERIAL_THREAD (which one depends on the interleaving and is
 * printed), and the arrival order in each round is logged. */
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

#define NT 4
#define ROUNDS 12

static pthread_barrier_t bar;
static int slot[ROUNDS][NT];
static int serial_of[ROUNDS];
static int serial_count[ROUNDS];
static char arrival[ROUNDS][NT + 1];
static int narrived[ROUNDS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    for (int r = 0; r < ROUNDS; r++) {
        /* a varying amount of syscalls before arriving, to vary the arrival order */
        for (int k = 0; k < (id * 3 + r) % 4; k++)
            sched_yield();
        slot[r][id] = r * 10 + id;
        CHECK(pthread_mutex_lock(&mu) == 0);
        arrival[r][narrived[r]++] = (char)('0' + id);
        CHECK(pthread_mutex_unlock(&mu) == 0);
        int ret = pthread_barrier_wait(&bar);
        CHECK(ret == 0 || ret == PTHREAD_BARRIER_SERIAL_THREAD);
        if (ret == PTHREAD_BARRIER_SERIAL_THREAD) {
            serial_of[r] = id;
            __atomic_add_fetch(&serial_count[r], 1, __ATOMIC_SEQ_CST);
        }
        /* after the barrier every slot of this round is written */
        for (int j = 0; j < NT; j++)
            CHECK(slot[r][j] == r * 10 + j);
    }
    return NULL;
}

int main(void)
{
    pthread_t th[NT];
    CHECK(pthread_barrier_init(&bar, NULL, NT) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    for (int r = 0; r < ROUNDS; r++) {
        printf("round %2d: arrival order %s, serial thread %d\n", r, arrival[r], serial_of[r]);
        CHECK(serial_count[r] == 1);
        CHECK(narrived[r] == NT);
    }
    CHECK(pthread_barrier_destroy(&bar) == 0);

    /* a barrier of 1 returns SERIAL at once */
    CHECK(pthread_barrier_init(&bar, NULL, 1) == 0);
    CHECK(pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD);
    CHECK(pthread_barrier_destroy(&bar) == 0);
    CHECK(pthread_barrier_init(&bar, NULL, 0) == EINVAL);
    printf("EXIT-SUCCESS\n");
    return 0;
}
