//! cflags: -pthread
//! replays: 3
/* A worker thread calls fork() while the main thread and another worker keep running; the
 * child (a copy of only the forking thread) checks that it is single-threaded, that its tid
 * is its pid, and that a mutex another thread held at fork time is still locked in the
 * child (trylock -> EBUSY); it writes a line through a pipe and exits with a status the
 * forking thread collects with waitpid. The main thread meanwhile loops on getppid and
 * prints how many times it went round. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static volatile int held_ready, stop_holder, fork_done;
static int pfd[2];

static int count_tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void *holder(void *p)
{
    (void)p;
    CHECK(pthread_mutex_lock(&held) == 0);
    held_ready = 1;
    while (!stop_holder)
        sched_yield();
    CHECK(pthread_mutex_unlock(&held) == 0);
    return NULL;
}

static int child_status = -1;
static char child_line[128];

static void *forker(void *p)
{
    (void)p;
    while (!held_ready)
        sched_yield();
    pid_t me = (pid_t)syscall(SYS_gettid);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        /* the child: only this thread was copied; it is the main thread of the new process */
        int tasks = count_tasks();
        pid_t ctid = (pid_t)syscall(SYS_gettid);
        int busy = pthread_mutex_trylock(&held) == EBUSY; /* still "held" by a thread that isn't here */
        char line[128];
        int n = snprintf(line, sizeof line, "child: tasks=%d tid==pid:%s parent-forker-tid-differs:%s mutex-busy:%s\n",
                         tasks, ctid == getpid() ? "yes" : "no", ctid != me ? "yes" : "no", busy ? "yes" : "no");
        if (write(pfd[1], line, (size_t)n) != n)
            _exit(1);
        _exit(tasks == 1 && ctid == getpid() && busy ? 17 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    child_status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    ssize_t n = read(pfd[0], child_line, sizeof child_line - 1);
    CHECK(n > 0);
    child_line[n] = 0;
    fork_done = 1;
    return NULL;
}

int main(void)
{
    CHECK(pipe(pfd) == 0);
    pthread_t h, f;
    CHECK(pthread_create(&h, NULL, holder, NULL) == 0);
    CHECK(pthread_create(&f, NULL, forker, NULL) == 0);
    long loops = 0;
    while (!fork_done) {
        getppid();
        loops++;
    }
    stop_holder = 1;
    CHECK(pthread_join(f, NULL) == 0);
    CHECK(pthread_join(h, NULL) == 0);
    printf("%s", child_line);
    printf("child exit status %d\n", child_status);
    CHECK(child_status == 17);
    printf("main looped %ld times while the worker forked and waited\n", loops);
    printf("parent tasks now: %d\n", count_tasks());
    printf("EXIT-SUCCESS\n");
    return 0;
}
