//! cflags: -pthread
//! replays: 3
/* Three threads take turns with sched_yield: each appends its letter to a shared log (an
 * atomic index) and yields, many rounds; the resulting order (whatever the scheduler made
 * of it) is printed. Then a strict turn-taking ring where each thread spins with
 * sched_yield until it is its turn. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define NT 3
#define ROUNDS 40

static char log_buf[NT * ROUNDS + 1];
static int nlog;
static int turn;
static char ring[NT * ROUNDS + 1];
static int nring;
static long yields_waiting[NT];

static void *free_yield(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < ROUNDS; i++) {
        int k = __atomic_fetch_add(&nlog, 1, __ATOMIC_SEQ_CST);
        log_buf[k] = (char)('A' + id);
        CHECK(sched_yield() == 0);
    }
    return NULL;
}

static void *ring_yield(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < ROUNDS; i++) {
        while (__atomic_load_n(&turn, __ATOMIC_SEQ_CST) % NT != id) {
            yields_waiting[id]++;
            CHECK(sched_yield() == 0);
        }
        ring[nring++] = (char)('A' + id);
        __atomic_add_fetch(&turn, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void run(void *(*fn)(void *))
{
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&th[i], NULL, fn, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
}

int main(void)
{
    run(free_yield);
    log_buf[nlog] = 0;
    printf("free yielding order:\n");
    for (int i = 0; i < nlog; i += 40)
        printf("  %.40s\n", log_buf + i);
    CHECK(nlog == NT * ROUNDS);
    int counts[NT] = { 0 };
    for (int i = 0; i < nlog; i++)
        counts[log_buf[i] - 'A']++;
    for (int i = 0; i < NT; i++)
        CHECK(counts[i] == ROUNDS);

    run(ring_yield);
    ring[nring] = 0;
    for (int i = 0; i < nring; i++)
        CHECK(ring[i] == 'A' + i % NT);
    printf("ring order correct (%d turns); yields while waiting:", nring);
    for (int i = 0; i < NT; i++)
        printf(" %c=%ld", 'A' + i, yields_waiting[i]);
    printf("\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
