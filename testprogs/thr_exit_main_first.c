//! cflags: -pthread
//! replays: 3
/* The main thread calls pthread_exit while two workers keep running: one worker joins the
 * (exited) main thread and gets its pthread_exit value, then joins the other worker, prints
 * EXIT-SUCCESS and returns; as the last thread of the process its return makes glibc call
 * exit(0), which flushes stdout: the process's exit status is 0. */
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

static pthread_t main_thread, worker_a;
static pid_t main_pid;

static void *work_a(void *p)
{
    (void)p;
    long s = 0;
    for (int i = 0; i < 20; i++) {
        s += i;
        sched_yield();
    }
    CHECK(getpid() == main_pid);
    printf("worker a: sum %ld\n", s);
    return (void *)(intptr_t)s;
}

static void *work_b(void *p)
{
    (void)p;
    void *ret;
    CHECK(pthread_join(main_thread, &ret) == 0);
    printf("worker b: main thread exited with %ld\n", (long)(intptr_t)ret);
    CHECK((intptr_t)ret == 77);
    CHECK(pthread_join(worker_a, &ret) == 0);
    printf("worker b: worker a returned %ld\n", (long)(intptr_t)ret);
    CHECK((intptr_t)ret == 190);
    /* the process still runs without its main thread: syscalls work */
    CHECK(getpid() == main_pid);
    CHECK(syscall(SYS_gettid) != main_pid);
    printf("EXIT-SUCCESS\n");
    return NULL; /* last thread: exit(0) */
}

int main(void)
{
    main_pid = getpid();
    main_thread = pthread_self();
    pthread_t b;
    CHECK(pthread_create(&worker_a, NULL, work_a, NULL) == 0);
    CHECK(pthread_create(&b, NULL, work_b, NULL) == 0);
    CHECK(pthread_detach(b) == 0);
    printf("main: calling pthread_exit\n");
    pthread_exit((void *)(intptr_t)77);
}
