//! cflags: -pthread
//! replays: 3
/* pthread_create/pthread_join of several threads: return values through join, distinct
 * gettid()s (all sharing the process's getpid()), thread names set with
 * pthread_setname_np and prctl(PR_SET_NAME) read back with pthread_getname_np,
 * prctl(PR_GET_NAME) and /proc/self/task/TID/comm. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define N 5

struct arg {
    int idx;
    pid_t tid;
    pid_t pid;
    char prctl_name[16];
};

static void read_comm(pid_t tid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, cap - 1);
    CHECK(n > 0);
    close(fd);
    buf[n] = 0;
    if (buf[n - 1] == '\n')
        buf[n - 1] = 0;
}

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void *worker(void *p)
{
    struct arg *a = p;
    /* wait until main has named the odd threads */
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    a->tid = (pid_t)syscall(SYS_gettid);
    a->pid = getpid();
    if (a->idx % 2 == 0) {
        /* odd workers are named by main through pthread_setname_np; even ones name themselves */
        char name[32];
        snprintf(name, sizeof name, "self-%d-longname-truncated", a->idx);
        CHECK(prctl(PR_SET_NAME, name) == 0);
    }
    CHECK(prctl(PR_GET_NAME, a->prctl_name) == 0);
    return (void *)(intptr_t)(a->idx * 100 + 7);
}

int main(void)
{
    pthread_t th[N];
    struct arg args[N];
    pid_t main_tid = (pid_t)syscall(SYS_gettid);
    CHECK(main_tid == getpid());
    CHECK(pthread_setname_np(pthread_self(), "thr-main") == 0);
    for (int i = 0; i < N; i++) {
        args[i] = (struct arg){ .idx = i };
        CHECK(pthread_create(&th[i], NULL, worker, &args[i]) == 0);
        if (i % 2 == 1) {
            char name[16];
            snprintf(name, sizeof name, "set-by-main-%d", i);
            CHECK(pthread_setname_np(th[i], name) == 0);
            char back[16];
            CHECK(pthread_getname_np(th[i], back, sizeof back) == 0);
            CHECK(strcmp(back, name) == 0);
        }
    }
    pthread_mutex_lock(&gate_mu);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    /* names too long for pthread_setname_np are refused */
    CHECK(pthread_setname_np(pthread_self(), "this-name-is-much-too-long") == ERANGE);
    for (int i = 0; i < N; i++) {
        void *ret;
        CHECK(pthread_join(th[i], &ret) == 0);
        printf("thread %d returned %ld, pid same as main: %s, tid distinct from main: %s, saw own name \"%s\"\n",
               i, (long)(intptr_t)ret, args[i].pid == getpid() ? "yes" : "no",
               args[i].tid != main_tid ? "yes" : "no", args[i].prctl_name);
        CHECK((intptr_t)ret == i * 100 + 7);
        CHECK(args[i].pid == getpid());
        CHECK(args[i].tid != main_tid);
        for (int j = 0; j < i; j++)
            CHECK(args[j].tid != args[i].tid);
        if (i % 2 == 1)
            CHECK(strncmp(args[i].prctl_name, "set-by-main-", 12) == 0);
        else
            CHECK(strncmp(args[i].prctl_name, "self-", 5) == 0 && strlen(args[i].prctl_name) == 15);
    }
    /* one more thread, created after the others are gone */
    pthread_t t;
    struct arg a = { .idx = 42 };
    CHECK(pthread_create(&t, NULL, worker, &a) == 0);
    char comm[32];
    void *ret;
    CHECK(pthread_join(t, &ret) == 0);
    CHECK((intptr_t)ret == 4207);
    printf("thread 42 returned %ld, its name was \"%s\"\n", (long)(intptr_t)ret, a.prctl_name);
    read_comm(main_tid, comm, sizeof comm);
    printf("main's comm: %s\n", comm);
    CHECK(strcmp(comm, "thr-main") == 0);
    char mine[16];
    CHECK(pthread_getname_np(pthread_self(), mine, sizeof mine) == 0);
    CHECK(strcmp(mine, "thr-main") == 0);
    /* tids in the log are recorded values; printing them checks replay reproduces them */
    printf("tids relative to main:");
    for (int i = 0; i < N; i++)
        printf(" %d", (int)(args[i].tid - main_tid));
    printf("\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
