//! cflags: -pthread
//! replays: 3
/* pthread_cancel of threads blocked at cancellation points: one in read() on an empty pipe,
 * one in pthread_cond_wait (which reacquires the mutex before the cleanup handler runs),
 * one in nanosleep; their pthread_cleanup_push handlers run in LIFO order and the joins
 * return PTHREAD_CANCELED. Also deferred cancellation with cancelling disabled
 * (PTHREAD_CANCEL_DISABLE: the request stays pending until pthread_testcancel after
 * re-enabling) and asynchronous cancellation of a thread in a syscall loop. */
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

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char cleanup_log[128];

static void logs(const char *s)
{
    pthread_mutex_lock(&log_mu);
    strcat(cleanup_log, s);
    pthread_mutex_unlock(&log_mu);
}

static int pipefd[2];
static volatile int started[5];

static void cleanup_str(void *arg) { logs((const char *)arg); }

static void *reader(void *p)
{
    (void)p;
    char buf[8];
    pthread_cleanup_push(cleanup_str, "[read:outer]");
    pthread_cleanup_push(cleanup_str, "[read:inner]");
    started[0] = 1;
    ssize_t n = read(pipefd[0], buf, sizeof buf); /* blocks forever: nobody writes */
    (void)n;
    logs("[read returned!]");
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return NULL;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int held_in_cleanup = -1;

static void unlock_cleanup(void *p)
{
    /* pthread_cond_wait reacquired the mutex before running the handlers */
    held_in_cleanup = pthread_mutex_trylock(&mu) == EBUSY;
    logs("[cond:unlock]");
    CHECK(pthread_mutex_unlock((pthread_mutex_t *)p) == 0);
}

static void *cond_waiter(void *p)
{
    (void)p;
    CHECK(pthread_mutex_lock(&mu) == 0);
    pthread_cleanup_push(unlock_cleanup, &mu);
    started[1] = 1;
    for (;;)
        pthread_cond_wait(&cv, &mu); /* never signalled */
    pthread_cleanup_pop(1);
    return NULL;
}

static void *sleeper(void *p)
{
    (void)p;
    pthread_cleanup_push(cleanup_str, "[sleep]");
    started[2] = 1;
    struct timespec ts = { 1000, 0 };
    nanosleep(&ts, NULL);
    logs("[sleep returned!]");
    pthread_cleanup_pop(0);
    return NULL;
}

static volatile int may_test;
static void *disabled(void *p)
{
    (void)p;
    int old;
    CHECK(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old) == 0);
    CHECK(old == PTHREAD_CANCEL_ENABLE);
    pthread_cleanup_push(cleanup_str, "[disabled]");
    started[3] = 1;
    while (!may_test)
        sched_yield(); /* sched_yield is not a cancellation point anyway */
    /* a cancellation point while disabled: no effect */
    struct timespec ts = { 0, 1000 };
    nanosleep(&ts, NULL);
    logs("[survived while disabled]");
    CHECK(pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old) == 0);
    CHECK(old == PTHREAD_CANCEL_DISABLE);
    pthread_testcancel(); /* acts on the pending request */
    logs("[testcancel returned!]");
    pthread_cleanup_pop(0);
    return NULL;
}

static void *async_loop(void *p)
{
    (void)p;
    int old;
    CHECK(pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old) == 0);
    CHECK(old == PTHREAD_CANCEL_DEFERRED);
    started[4] = 1;
    for (;;)
        getppid();
    return NULL;
}

static void wait_started(int i)
{
    while (!started[i])
        sched_yield();
}

static void cancel_and_join(pthread_t t, const char *what)
{
    CHECK(pthread_cancel(t) == 0);
    void *ret;
    CHECK(pthread_join(t, &ret) == 0);
    printf("%s: join -> %s\n", what, ret == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "something else");
    CHECK(ret == PTHREAD_CANCELED);
}

int main(void)
{
    CHECK(pipe(pipefd) == 0);
    pthread_t t[5];
    CHECK(pthread_create(&t[0], NULL, reader, NULL) == 0);
    CHECK(pthread_create(&t[1], NULL, cond_waiter, NULL) == 0);
    CHECK(pthread_create(&t[2], NULL, sleeper, NULL) == 0);
    CHECK(pthread_create(&t[3], NULL, disabled, NULL) == 0);
    CHECK(pthread_create(&t[4], NULL, async_loop, NULL) == 0);
    for (int i = 0; i < 5; i++)
        wait_started(i);
    /* the cancel may land before the thread reaches its blocking call: it is then acted
       on at that call, so the outcome is the same */
    cancel_and_join(t[0], "blocked in read");
    cancel_and_join(t[1], "blocked in pthread_cond_wait");
    printf("mutex held by the cancelled waiter when its cleanup ran: %s\n", held_in_cleanup == 1 ? "yes" : "no");
    CHECK(held_in_cleanup == 1);
    CHECK(pthread_mutex_trylock(&mu) == 0); /* the cleanup released it */
    CHECK(pthread_mutex_unlock(&mu) == 0);
    cancel_and_join(t[2], "blocked in nanosleep");
    CHECK(pthread_cancel(t[3]) == 0);
    may_test = 1;
    void *ret;
    CHECK(pthread_join(t[3], &ret) == 0);
    printf("cancel while disabled, then testcancel: join -> %s\n",
           ret == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "something else");
    CHECK(ret == PTHREAD_CANCELED);
    cancel_and_join(t[4], "asynchronous, in a getppid loop");
    printf("cleanup log: %s\n", cleanup_log);
    CHECK(strcmp(cleanup_log, "[read:inner][read:outer][cond:unlock][sleep][survived while disabled][disabled]") == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
