//! cflags: -pthread
//! replays: 3
//! rtt: --chaos --timeslice-ms 1
/* Recorded in chaos mode (random time slices up to 1 ms, random choice of the next thread
 * at every switch): a job queue served by 3 workers through a mutex and condition
 * variables, where the main thread submits 60 jobs in bursts and waits for all to finish.
 * Which worker ran each job, and a lock-free racy tally next to the locked one, depend on
 * the interleaving and are printed. */
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

#define NW 3
#define NJOBS 60
#define QCAP 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t have_job = PTHREAD_COND_INITIALIZER;
static pthread_cond_t job_done = PTHREAD_COND_INITIALIZER;
static pthread_cond_t have_room = PTHREAD_COND_INITIALIZER;
static int q[QCAP], qh, qn;
static int finished, stop;
static char ran_by[NJOBS + 1];
static long locked_tally;
static volatile long racy_tally;

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    for (;;) {
        CHECK(pthread_mutex_lock(&mu) == 0);
        while (qn == 0 && !stop)
            CHECK(pthread_cond_wait(&have_job, &mu) == 0);
        if (qn == 0) {
            CHECK(pthread_mutex_unlock(&mu) == 0);
            return NULL;
        }
        int job = q[qh];
        qh = (qh + 1) % QCAP;
        qn--;
        CHECK(pthread_cond_signal(&have_room) == 0);
        CHECK(pthread_mutex_unlock(&mu) == 0);

        long r = racy_tally; /* unlocked read-modify-write around a syscall */
        getppid();
        racy_tally = r + job;

        CHECK(pthread_mutex_lock(&mu) == 0);
        ran_by[job] = (char)('a' + id);
        locked_tally += job;
        finished++;
        CHECK(pthread_cond_signal(&job_done) == 0);
        CHECK(pthread_mutex_unlock(&mu) == 0);
    }
}

int main(void)
{
    pthread_t th[NW];
    for (int i = 0; i < NW; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int j = 0; j < NJOBS; j++) {
        CHECK(pthread_mutex_lock(&mu) == 0);
        while (qn == QCAP)
            CHECK(pthread_cond_wait(&have_room, &mu) == 0);
        q[(qh + qn) % QCAP] = j;
        qn++;
        CHECK(pthread_cond_signal(&have_job) == 0);
        CHECK(pthread_mutex_unlock(&mu) == 0);
        if (j % 10 == 9)
            sched_yield();
    }
    CHECK(pthread_mutex_lock(&mu) == 0);
    while (finished < NJOBS)
        CHECK(pthread_cond_wait(&job_done, &mu) == 0);
    stop = 1;
    CHECK(pthread_cond_broadcast(&have_job) == 0);
    CHECK(pthread_mutex_unlock(&mu) == 0);
    for (int i = 0; i < NW; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    ran_by[NJOBS] = 0;
    printf("jobs ran by: %s\n", ran_by);
    int per[NW] = { 0 };
    for (int j = 0; j < NJOBS; j++) {
        CHECK(ran_by[j] >= 'a' && ran_by[j] < 'a' + NW);
        per[ran_by[j] - 'a']++;
    }
    printf("per worker: a=%d b=%d c=%d\n", per[0], per[1], per[2]);
    printf("locked tally %ld, racy tally %ld\n", locked_tally, racy_tally);
    CHECK(locked_tally == NJOBS * (NJOBS - 1) / 2);
    CHECK(racy_tally <= locked_tally);
    printf("EXIT-SUCCESS\n");
    return 0;
}
