/* clock_gettime (several clocks), gettimeofday, time, nanosleep, clock_nanosleep, times, clock_getres. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static const struct { clockid_t id; const char *name; } clocks[] = {
    { CLOCK_REALTIME, "REALTIME" },
    { CLOCK_MONOTONIC, "MONOTONIC" },
    { CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME" },
    { CLOCK_THREAD_CPUTIME_ID, "THREAD_CPUTIME" },
    { CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW" },
    { CLOCK_REALTIME_COARSE, "REALTIME_COARSE" },
    { CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE" },
    { CLOCK_BOOTTIME, "BOOTTIME" },
};

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void)
{
    for (unsigned i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec t, res;
        CHECK(clock_gettime(clocks[i].id, &t) == 0);
        CHECK(clock_getres(clocks[i].id, &res) == 0);
        printf("%-17s now %lld.%09ld res %lld.%09ld\n", clocks[i].name, (long long)t.tv_sec,
               t.tv_nsec, (long long)res.tv_sec, res.tv_nsec);
        CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
    }
    /* raw syscall variant, bypassing the vDSO */
    struct timespec raw;
    CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &raw) == 0);
    printf("raw syscall MONOTONIC %lld.%09ld\n", (long long)raw.tv_sec, raw.tv_nsec);

    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0);
    printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
    time_t t0 = time(NULL);
    time_t t1;
    CHECK(time(&t1) == t1);
    printf("time() %lld %lld\n", (long long)t0, (long long)t1);
    CHECK(t1 >= t0 && t0 > 1000000000);
    CHECK(tv.tv_sec <= t1 + 1);

    struct timespec m0, m1, m2, m3;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m0) == 0);
    CHECK(ns(m0) >= ns(raw));
    struct timespec req = { 0, 2 * 1000 * 1000 }, rem = { 99, 99 };
    CHECK(nanosleep(&req, &rem) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m1) == 0);
    printf("nanosleep 2ms: monotonic advanced %lld ns\n", ns(m1) - ns(m0));
    CHECK(ns(m1) >= ns(m0));
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m2) == 0);
    printf("clock_nanosleep relative 2ms: advanced %lld ns\n", ns(m2) - ns(m1));
    CHECK(ns(m2) >= ns(m1));
    struct timespec abs = m2;
    abs.tv_nsec += 3000000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m3) == 0);
    printf("clock_nanosleep absolute: now %lld.%09ld target %lld.%09ld\n", (long long)m3.tv_sec,
           m3.tv_nsec, (long long)abs.tv_sec, abs.tv_nsec);
    CHECK(ns(m3) >= ns(abs)); /* an absolute sleep never returns early */
    /* an absolute time in the past returns immediately */
    CHECK(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &m0, NULL) == 0);

    struct timespec bad = { 0, 1000000000 };
    int r = nanosleep(&bad, NULL);
    printf("nanosleep invalid -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);
    r = clock_gettime((clockid_t)12345, &raw);
    printf("clock_gettime bad clock -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);

    /* burn a little CPU so times() / CPU clocks have something to show */
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 3000000; i++)
        x += i ^ (x >> 3);
    struct tms tm;
    clock_t ticks = times(&tm);
    printf("times() -> %lld utime %ld stime %ld cutime %ld cstime %ld (CLK_TCK %ld)\n",
           (long long)ticks, (long)tm.tms_utime, (long)tm.tms_stime, (long)tm.tms_cutime,
           (long)tm.tms_cstime, sysconf(_SC_CLK_TCK));
    CHECK(ticks != (clock_t)-1);
    struct timespec cpu;
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0);
    printf("process cpu time %lld.%09ld (x=%lu)\n", (long long)cpu.tv_sec, cpu.tv_nsec, (unsigned long)x);
    CHECK(ns(cpu) > 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
