/* vDSO-backed calls in a loop: clock_gettime, gettimeofday, time, getcpu/sched_getcpu; print every value. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define N 200

int main(void)
{
    printf("vdso base %#lx\n", getauxval(AT_SYSINFO_EHDR));
    struct timespec mono[N], real[N], coarse[N], raw[N];
    struct timeval tv[N];
    time_t tt[N];
    int cpu[N];
    unsigned gc[N], gn[N];
    for (int i = 0; i < N; i++) {
        CHECK(clock_gettime(CLOCK_MONOTONIC, &mono[i]) == 0);
        CHECK(clock_gettime(CLOCK_REALTIME, &real[i]) == 0);
        CHECK(clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse[i]) == 0);
        CHECK(clock_gettime(CLOCK_MONOTONIC_RAW, &raw[i]) == 0);
        CHECK(gettimeofday(&tv[i], NULL) == 0);
        tt[i] = time(NULL);
        cpu[i] = sched_getcpu();
        CHECK(getcpu(&gc[i], &gn[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        printf("%3d mono %lld.%09ld real %lld.%09ld coarse %lld.%09ld raw %lld.%09ld tod %lld.%06ld time %lld cpu %d getcpu %u/%u\n",
               i, (long long)mono[i].tv_sec, mono[i].tv_nsec, (long long)real[i].tv_sec,
               real[i].tv_nsec, (long long)coarse[i].tv_sec, coarse[i].tv_nsec,
               (long long)raw[i].tv_sec, raw[i].tv_nsec, (long long)tv[i].tv_sec,
               (long)tv[i].tv_usec, (long long)tt[i], cpu[i], gc[i], gn[i]);
        CHECK(cpu[i] >= 0);
        if (i > 0) {
            long long a = mono[i - 1].tv_sec * 1000000000LL + mono[i - 1].tv_nsec;
            long long b = mono[i].tv_sec * 1000000000LL + mono[i].tv_nsec;
            CHECK(b >= a);
            a = raw[i - 1].tv_sec * 1000000000LL + raw[i - 1].tv_nsec;
            b = raw[i].tv_sec * 1000000000LL + raw[i].tv_nsec;
            CHECK(b >= a);
            CHECK(tt[i] >= tt[i - 1]);
        }
    }
    printf("EXIT-SUCCESS\n");
    return 0;
}
