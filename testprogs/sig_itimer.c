/* setitimer(ITIMER_REAL) delivering SIGALRM repeatedly while the main code runs a getppid() loop, then pause(). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t ticks;
static volatile unsigned long iter_at_tick[64];
static volatile unsigned long iters;

static void on_alrm(int sig)
{
    (void)sig;
    if (ticks < 64)
        iter_at_tick[ticks] = iters;
    ticks++;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alrm;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it = { .it_interval = { 0, 2000 }, .it_value = { 0, 2000 } };
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    struct itimerval cur;
    CHECK(getitimer(ITIMER_REAL, &cur) == 0);
    printf("getitimer: interval %ld.%06ld value <= %ld.%06ld\n", (long)cur.it_interval.tv_sec,
           (long)cur.it_interval.tv_usec, (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);
    CHECK(cur.it_interval.tv_usec == 2000);

    /* phase 1: syscalls in a loop until 5 ticks arrive (bounded by time) */
    long long start = now_ns();
    unsigned long ppid_sum = 0;
    while (ticks < 5) {
        ppid_sum += getppid();
        iters++;
        if ((iters & 1023) == 0 && now_ns() - start > 5000000000LL) {
            fprintf(stderr, "timed out waiting for SIGALRM ticks\n");
            return 1;
        }
    }
    int t1 = ticks;
    printf("phase 1: %d ticks after %lu getppid calls (ppid %d)\n", t1, iters, getppid());
    for (int i = 0; i < 5; i++)
        printf("  tick %d arrived at iteration %lu\n", i, iter_at_tick[i]);
    CHECK(ppid_sum == iters * (unsigned long)getppid());

    /* phase 2: pause() returns after each signal */
    for (int i = 0; i < 3; i++) {
        int before = ticks;
        int r = pause();
        CHECK(r == -1 && errno == EINTR);
        CHECK(ticks > before);
    }
    printf("phase 2: pause() woke 3 times, ticks now >= %d\n", t1 + 3);

    /* phase 3: a pure computation loop (no syscalls) gets interrupted too */
    volatile unsigned long x = 0;
    int before = ticks;
    start = now_ns();
    while (ticks < before + 2) {
        for (int k = 0; k < 10000; k++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        if (now_ns() - start > 5000000000LL) {
            fprintf(stderr, "timed out in compute loop\n");
            return 1;
        }
    }
    printf("phase 3: compute loop interrupted, x=%lu\n", (unsigned long)x);

    struct itimerval zero = { { 0, 0 }, { 0, 0 } }, old;
    CHECK(setitimer(ITIMER_REAL, &zero, &old) == 0);
    printf("disarmed; old interval %ld.%06ld; total ticks %d\n", (long)old.it_interval.tv_sec,
           (long)old.it_interval.tv_usec, ticks);
    CHECK(old.it_interval.tv_usec == 2000);
    int final = ticks;
    struct timespec ts = { 0, 5000000 };
    nanosleep(&ts, NULL);
    CHECK(ticks == final);
    printf("EXIT-SUCCESS\n");
    return 0;
}
