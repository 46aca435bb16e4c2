//! cflags: -pthread
//! replays: 3
/* POSIX unnamed semaphores between threads: a semaphore used as a counting resource pool
 * (at most 2 of 4 threads inside at once, checked), a pair used for ping-pong hand-off
 * between two threads, sem_trywait on zero (EAGAIN), sem_getvalue, sem_timedwait with an
 * already-expired deadline (ETIMEDOUT) and with an invalid deadline (EINVAL), and
 * sem_clockwait. The order in which threads entered the pool is printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define NT 4
#define ROUNDS 10
#define SLOTS 2

static sem_t pool, ping, pong;
static int inside, max_inside;
static char entries[NT * ROUNDS + 1];
static int nentries;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *pool_user(void *p)
{
    int id = (int)(intptr_t)p;
    for (int r = 0; r < ROUNDS; r++) {
        while (sem_wait(&pool) != 0)
            CHECK(errno == EINTR);
        CHECK(pthread_mutex_lock(&mu) == 0);
        inside++;
        if (inside > max_inside)
            max_inside = inside;
        CHECK(inside <= SLOTS);
        entries[nentries++] = (char)('A' + id);
        CHECK(pthread_mutex_unlock(&mu) == 0);
        sched_yield(); /* hold the slot across a switch */
        CHECK(pthread_mutex_lock(&mu) == 0);
        inside--;
        CHECK(pthread_mutex_unlock(&mu) == 0);
        CHECK(sem_post(&pool) == 0);
    }
    return NULL;
}

static char pingpong[64];
static int npp;

static void *ponger(void *p)
{
    (void)p;
    for (int i = 0; i < 10; i++) {
        CHECK(sem_wait(&ping) == 0);
        pingpong[npp++] = 'o';
        CHECK(sem_post(&pong) == 0);
    }
    return NULL;
}

int main(void)
{
    CHECK(sem_init(&pool, 0, SLOTS) == 0);
    CHECK(sem_init(&ping, 0, 0) == 0);
    CHECK(sem_init(&pong, 0, 0) == 0);

    /* single-thread semantics */
    int v = -1;
    errno = 0;
    CHECK(sem_trywait(&ping) == -1 && errno == EAGAIN);
    struct timespec past;
    CHECK(clock_gettime(CLOCK_REALTIME, &past) == 0);
    past.tv_sec -= 1;
    errno = 0;
    CHECK(sem_timedwait(&ping, &past) == -1 && errno == ETIMEDOUT);
    struct timespec bad = { 0, 2000000000L };
    errno = 0;
    CHECK(sem_timedwait(&ping, &bad) == -1 && errno == EINVAL);
    struct timespec mono;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &mono) == 0);
    mono.tv_nsec += 1000000; /* 1 ms from now */
    if (mono.tv_nsec >= 1000000000L) {
        mono.tv_sec++;
        mono.tv_nsec -= 1000000000L;
    }
    errno = 0;
    CHECK(sem_clockwait(&ping, CLOCK_MONOTONIC, &mono) == -1 && errno == ETIMEDOUT);
    CHECK(sem_post(&ping) == 0 && sem_post(&ping) == 0);
    CHECK(sem_getvalue(&ping, &v) == 0 && v == 2);
    CHECK(sem_timedwait(&ping, &past) == 0); /* available: no timeout even with a past deadline */
    CHECK(sem_trywait(&ping) == 0);
    CHECK(sem_getvalue(&ping, &v) == 0 && v == 0);
    printf("trywait EAGAIN, timedwait ETIMEDOUT/EINVAL, clockwait ETIMEDOUT, getvalue ok\n");

    /* resource pool */
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&th[i], NULL, pool_user, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    entries[nentries] = 0;
    printf("pool entries: %s (max %d inside at once)\n", entries, max_inside);
    CHECK(nentries == NT * ROUNDS && max_inside <= SLOTS);
    CHECK(sem_getvalue(&pool, &v) == 0 && v == SLOTS);

    /* ping-pong */
    pthread_t pt;
    CHECK(pthread_create(&pt, NULL, ponger, NULL) == 0);
    for (int i = 0; i < 10; i++) {
        pingpong[npp++] = 'i';
        CHECK(sem_post(&ping) == 0);
        CHECK(sem_wait(&pong) == 0);
    }
    CHECK(pthread_join(pt, NULL) == 0);
    pingpong[npp] = 0;
    printf("ping-pong: %s\n", pingpong);
    for (int i = 0; i < 20; i++)
        CHECK(pingpong[i] == (i % 2 ? 'o' : 'i'));
    CHECK(sem_destroy(&pool) == 0 && sem_destroy(&ping) == 0 && sem_destroy(&pong) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
