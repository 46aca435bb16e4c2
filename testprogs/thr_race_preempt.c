//! cflags: -pthread
//! replays: 3
//! rtt: --chaos --timeslice-ms 5 --chaos-seed 11
/* A racy counter with no syscalls in the loop: 2 threads each do ITERS times
 * `tmp = counter; <about 1 us of straight-line arithmetic>; counter = tmp + 1` without a
 * lock (about 10-20 ms of computation per thread). Threads switch mid-loop only by
 * preemption, and a switch between the load and the store loses the other thread's
 * increments: the final value depends on where the preemptions fell (if any) and is
 * printed. (Each iteration is long so that the replay, which finds a preemption point by
 * stopping at its address once per iteration, has few visits to make.) */
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

#ifndef ITERS
#define ITERS 20000
#endif

#define STEP(x) x = (x) / d + ((x) << 3) + 1
#define STEP8(x) STEP(x); STEP(x); STEP(x); STEP(x); STEP(x); STEP(x); STEP(x); STEP(x)
#define STEP64(x) STEP8(x); STEP8(x); STEP8(x); STEP8(x); STEP8(x); STEP8(x); STEP8(x); STEP8(x)

static volatile long counter;
static volatile unsigned long divisor = 7;
static unsigned long result[2];
static long mine[2];

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    unsigned long d = divisor, acc = 0;
    for (long i = 0; i < ITERS; i++) {
        long tmp = counter;
        unsigned long x = (unsigned long)i * 2 + (unsigned long)id;
        STEP64(x);
        STEP64(x);
        acc += x;
        counter = tmp + 1;
        mine[id]++;
    }
    result[id] = acc;
    return NULL;
}

int main(void)
{
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("final counter %ld of %ld increments (%ld lost)\n", counter, 2L * ITERS, 2L * ITERS - counter);
    printf("checksums %lx %lx\n", result[0], result[1]);
    CHECK(mine[0] == ITERS && mine[1] == ITERS);
    CHECK(counter >= 2 && counter <= 2L * ITERS);
    printf("EXIT-SUCCESS\n");
    return 0;
}
