//! cflags: -pthread
//! replays: 3
/* 1000 short-lived threads, created 10 at a time and joined, each adding its number to a
 * mutex-protected sum and recording its position in the global arrival order; thread
 * stacks are reused by glibc's cache. Prints the sum and how often arrival order differed
 * from creation order within a batch. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define TOTAL 1000
#define BATCH 10

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long sum;
static int arrivals;
static int arrival_of[TOTAL];
static pid_t tid_of[TOTAL];

static void *worker(void *p)
{
    int n = (int)(intptr_t)p;
    tid_of[n] = (pid_t)syscall(SYS_gettid);
    CHECK(pthread_mutex_lock(&mu) == 0);
    sum += n;
    arrival_of[n] = arrivals++;
    CHECK(pthread_mutex_unlock(&mu) == 0);
    return (void *)(intptr_t)(n * 2);
}

int main(void)
{
    int out_of_order = 0;
    for (int b = 0; b < TOTAL; b += BATCH) {
        pthread_t th[BATCH];
        for (int i = 0; i < BATCH; i++)
            CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(b + i)) == 0);
        for (int i = 0; i < BATCH; i++) {
            void *ret;
            CHECK(pthread_join(th[i], &ret) == 0);
            CHECK((intptr_t)ret == (b + i) * 2);
        }
        for (int i = 1; i < BATCH; i++)
            out_of_order += arrival_of[b + i] < arrival_of[b + i - 1];
    }
    long expect = (long)TOTAL * (TOTAL - 1) / 2;
    printf("sum %ld (expected %ld), %d arrivals\n", sum, expect, arrivals);
    CHECK(sum == expect && arrivals == TOTAL);
    printf("arrivals out of creation order within batches: %d\n", out_of_order);
    int distinct_in_batch = 1;
    for (int b = 0; b < TOTAL; b += BATCH)
        for (int i = 0; i < BATCH; i++)
            for (int j = 0; j < i; j++)
                distinct_in_batch &= tid_of[b + i] != tid_of[b + j];
    printf("tids distinct within each batch: %s\n", distinct_in_batch ? "yes" : "no");
    CHECK(distinct_in_batch);
    printf("first arrivals:");
    for (int i = 0; i < 20; i++)
        printf(" %d", arrival_of[i]);
    printf("\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
