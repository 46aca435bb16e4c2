//! cflags: -pthread
//! replays: 3
/* Detached threads (created with PTHREAD_CREATE_DETACHED, or detaching themselves with
 * pthread_detach(pthread_self())) report completion through a mutex + condition variable;
 * main waits until all are done. Some end with pthread_exit(value) from a nested call;
 * a joinable one's pthread_exit value is read with pthread_join; joining a detached thread
 * fails with EINVAL. The completion order is printed. */
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

#define ND 6 /* plus the holder, id ND */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int done_count;
static char done_order[ND + 2];
static long results[ND + 1];
static int released;

static void finish(int id, long value)
{
    CHECK(pthread_mutex_lock(&mu) == 0);
    results[id] = value;
    done_order[done_count++] = (char)('0' + id);
    CHECK(pthread_cond_broadcast(&cv) == 0); /* main and the holder share cv */
    CHECK(pthread_mutex_unlock(&mu) == 0);
}

static void nested_exit(int id, long value)
{
    finish(id, value);
    pthread_exit((void *)(intptr_t)value);
}

static void *detached_worker(void *p)
{
    int id = (int)(intptr_t)p;
    if (id % 2 == 1) {
        CHECK(pthread_detach(pthread_self()) == 0);
    }
    long v = 0;
    for (int i = 0; i <= id * 3; i++) {
        v += i;
        if (i % 2 == 0)
            sched_yield();
    }
    if (id % 3 == 0)
        nested_exit(id, v); /* does not return */
    finish(id, v);
    return NULL;
}

/* a detached thread kept alive until main has tried to join it */
static void *holder(void *p)
{
    (void)p;
    CHECK(pthread_mutex_lock(&mu) == 0);
    while (!released)
        CHECK(pthread_cond_wait(&cv, &mu) == 0);
    CHECK(pthread_mutex_unlock(&mu) == 0);
    finish(ND, 0);
    return NULL;
}

static void *joinable(void *p)
{
    (void)p;
    sched_yield();
    pthread_exit((void *)(intptr_t)4242);
}

int main(void)
{
    pthread_attr_t at;
    CHECK(pthread_attr_init(&at) == 0);
    CHECK(pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED) == 0);
    int ds = -1;
    CHECK(pthread_attr_getdetachstate(&at, &ds) == 0 && ds == PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < ND; i++) {
        pthread_t t;
        /* even ids are created detached, odd ones detach themselves */
        CHECK(pthread_create(&t, i % 2 == 0 ? &at : NULL, detached_worker, (void *)(intptr_t)i) == 0);
    }
    pthread_t h;
    CHECK(pthread_create(&h, &at, holder, NULL) == 0);
    CHECK(pthread_attr_destroy(&at) == 0);
    int jr = pthread_join(h, NULL);
    printf("joining a detached thread: %s\n", jr == EINVAL ? "EINVAL" : strerror(jr));
    CHECK(jr == EINVAL);
    CHECK(pthread_mutex_lock(&mu) == 0);
    released = 1;
    CHECK(pthread_cond_broadcast(&cv) == 0);
    CHECK(pthread_mutex_unlock(&mu) == 0);
    pthread_t j;
    CHECK(pthread_create(&j, NULL, joinable, NULL) == 0);

    CHECK(pthread_mutex_lock(&mu) == 0);
    int waits = 0;
    while (done_count < ND + 1) {
        CHECK(pthread_cond_wait(&cv, &mu) == 0);
        waits++;
    }
    CHECK(pthread_mutex_unlock(&mu) == 0);
    void *ret;
    CHECK(pthread_join(j, &ret) == 0);
    printf("joinable thread's pthread_exit value: %ld\n", (long)(intptr_t)ret);
    CHECK((intptr_t)ret == 4242);
    done_order[ND + 1] = 0;
    printf("detached threads finished in order %s (main woke %d times)\n", done_order, waits);
    for (int i = 0; i < ND; i++) {
        long expect = (long)(i * 3) * (i * 3 + 1) / 2;
        printf("thread %d result %ld\n", i, results[i]);
        CHECK(results[i] == expect);
    }
    printf("EXIT-SUCCESS\n");
    return 0;
}
