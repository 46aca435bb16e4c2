//! cflags: -pthread
//! replays: 3
/* A deliberately racy counter: 3 threads each do `tmp = counter; <syscall>; counter = tmp + 1`
 * without a lock. Threads switch at syscalls, so increments are lost; the final (wrong)
 * value and the per-thread view of it depend on the interleaving and are printed. The
 * syscalls alternate between sched_yield, getppid and a 0-byte write. */
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
#define ITERS 200

static volatile long counter;
static long last_seen[NT];
static long hist[NT][8];

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < ITERS; i++) {
        long tmp = counter;
        switch ((i + id) % 3) {
        case 0:
            sched_yield();
            break;
        case 1:
            getppid();
            break;
        default:
            CHECK(write(1, "", 0) == 0);
            break;
        }
        counter = tmp + 1;
        if (i % 25 == 0)
            hist[id][i / 25] = tmp;
    }
    last_seen[id] = counter;
    return NULL;
}

int main(void)
{
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("final counter %ld of %d increments (%ld lost)\n", counter, NT * ITERS, NT * ITERS - counter);
    CHECK(counter >= ITERS && counter <= NT * ITERS);
    for (int i = 0; i < NT; i++) {
        printf("thread %d: saw at its end %ld; samples", i, last_seen[i]);
        for (int k = 0; k < 8; k++)
            printf(" %ld", hist[i][k]);
        printf("\n");
    }
    printf("EXIT-SUCCESS\n");
    return 0;
}
