//! cflags: -pthread
//! replays: 3
/* Thread-directed signals. All signals used are blocked in every thread and only unblocked
 * inside sigsuspend, so nothing is lost whatever the interleaving: pthread_kill to a worker,
 * tgkill(2) to another, a process-directed kill() that only one thread accepts, a worker
 * signalling the main thread; each handler records gettid() and the checks compare it to
 * the intended thread. A dedicated thread collects a process-directed SIGHUP, SIGTERM and
 * three queued SIGRTMIN with sigwaitinfo (the order it saw them in is printed). Also
 * tgkill with signal 0 and with a wrong tgid (ESRCH). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static volatile sig_atomic_t usr1_hits, usr2_hits;
static pid_t usr1_tid[4], usr2_tid[4];

static void on_usr1(int sig)
{
    (void)sig;
    if (usr1_hits < 4)
        usr1_tid[usr1_hits] = gettid_();
    usr1_hits++;
}

static void on_usr2(int sig)
{
    (void)sig;
    if (usr2_hits < 4)
        usr2_tid[usr2_hits] = gettid_();
    usr2_hits++;
}

static pthread_t main_thread;
static pid_t w1_tid, w2_tid, main_tid;
static volatile int w2_tid_ready;

static void wait_for(volatile sig_atomic_t *hits, int n, int unblock)
{
    sigset_t m;
    CHECK(pthread_sigmask(SIG_SETMASK, NULL, &m) == 0);
    sigdelset(&m, unblock);
    while (*hits < n) {
        int r = sigsuspend(&m);
        CHECK(r == -1 && errno == EINTR);
    }
}

static void *w1(void *p)
{
    (void)p;
    w1_tid = gettid_();
    /* first a pthread_kill aimed at us, then a process-directed SIGUSR1 only we accept */
    wait_for(&usr1_hits, 2, SIGUSR1);
    return NULL;
}

static void *w2(void *p)
{
    (void)p;
    __atomic_store_n(&w2_tid, gettid_(), __ATOMIC_SEQ_CST);
    w2_tid_ready = 1;
    wait_for(&usr2_hits, 1, SIGUSR2);
    /* now signal the main thread, which waits for SIGUSR2 too */
    CHECK(pthread_kill(main_thread, SIGUSR2) == 0);
    return NULL;
}

static char seen[16];
static int rt_values[3], nrt;

static void *sigwaiter(void *p)
{
    (void)p;
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGHUP);
    sigaddset(&w, SIGTERM);
    sigaddset(&w, SIGRTMIN);
    for (int i = 0; i < 5; i++) {
        siginfo_t si;
        int s = sigwaitinfo(&w, &si);
        CHECK(s > 0 && si.si_signo == s);
        if (s == SIGHUP)
            seen[i] = 'H';
        else if (s == SIGTERM)
            seen[i] = 'T';
        else {
            CHECK(s == SIGRTMIN && si.si_code == SI_QUEUE);
            seen[i] = 'R';
            rt_values[nrt++] = si.si_value.sival_int;
        }
    }
    return NULL;
}

int main(void)
{
    main_thread = pthread_self();
    main_tid = gettid_();
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    sa.sa_handler = on_usr2;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGUSR1);
    sigaddset(&all, SIGUSR2);
    sigaddset(&all, SIGHUP);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGRTMIN);
    CHECK(pthread_sigmask(SIG_BLOCK, &all, NULL) == 0);

    pthread_t t1, t2, tw;
    CHECK(pthread_create(&t1, NULL, w1, NULL) == 0);
    CHECK(pthread_create(&t2, NULL, w2, NULL) == 0);
    CHECK(pthread_create(&tw, NULL, sigwaiter, NULL) == 0);

    /* the sigwaiter's signals, all process-directed */
    union sigval v;
    for (int i = 0; i < 3; i++) {
        v.sival_int = 100 + i;
        CHECK(sigqueue(getpid(), SIGRTMIN, v) == 0);
        if (i == 1)
            CHECK(kill(getpid(), SIGHUP) == 0);
    }
    CHECK(kill(getpid(), SIGTERM) == 0);

    CHECK(pthread_kill(t1, SIGUSR1) == 0);
    while (!w2_tid_ready)
        sched_yield();
    pid_t t2tid = __atomic_load_n(&w2_tid, __ATOMIC_SEQ_CST);
    CHECK(syscall(SYS_tgkill, getpid(), t2tid, 0) == 0);
    errno = 0;
    CHECK(syscall(SYS_tgkill, getpid() + 1000000, t2tid, SIGUSR2) == -1 && errno == ESRCH);
    CHECK(syscall(SYS_tgkill, getpid(), t2tid, SIGUSR2) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);

    /* w2 signals us once it got its SIGUSR2 */
    wait_for(&usr2_hits, 2, SIGUSR2);
    CHECK(pthread_join(t1, NULL) == 0);
    CHECK(pthread_join(t2, NULL) == 0);
    CHECK(pthread_join(tw, NULL) == 0);

    printf("SIGUSR1 (pthread_kill, then process-directed): handled by w1 both times: %s\n",
           usr1_tid[0] == w1_tid && usr1_tid[1] == w1_tid ? "yes" : "no");
    CHECK(usr1_hits == 2 && usr1_tid[0] == w1_tid && usr1_tid[1] == w1_tid);
    printf("SIGUSR2 via tgkill handled by w2: %s; w2's pthread_kill handled by main: %s\n",
           usr2_tid[0] == t2tid ? "yes" : "no", usr2_tid[1] == main_tid ? "yes" : "no");
    CHECK(usr2_hits == 2 && usr2_tid[0] == t2tid && usr2_tid[1] == main_tid);
    seen[5] = 0;
    printf("sigwaiter saw %s, queued values %d %d %d\n", seen, rt_values[0], rt_values[1], rt_values[2]);
    CHECK(nrt == 3 && rt_values[0] == 100 && rt_values[1] == 101 && rt_values[2] == 102);
    printf("handler tids relative to main: w1 %d, w2 %d\n", (int)(usr1_tid[0] - main_tid),
           (int)(usr2_tid[0] - main_tid));
    printf("EXIT-SUCCESS\n");
    return 0;
}
