/* rdtsc / rdtscp via <x86intrin.h>: print values, TSC_AUX and differences. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define N 32

int main(void)
{
    unsigned long long t[N];
    for (int i = 0; i < N; i++)
        t[i] = __rdtsc();
    for (int i = 0; i < N; i++)
        printf("rdtsc[%2d] = %llu diff %lld\n", i, t[i], i ? (long long)(t[i] - t[i - 1]) : 0LL);

    unsigned long long p[N];
    unsigned aux[N];
    for (int i = 0; i < N; i++)
        p[i] = __rdtscp(&aux[i]);
    for (int i = 0; i < N; i++)
        printf("rdtscp[%2d] = %llu aux %u diff %lld\n", i, p[i], aux[i],
               i ? (long long)(p[i] - p[i - 1]) : 0LL);

    /* interleave with a syscall */
    unsigned long long a = __rdtsc();
    pid_t pid = getpid();
    unsigned long long b = __rdtsc();
    printf("around getpid(%d): %llu -> %llu (delta %lld)\n", pid, a, b, (long long)(b - a));

    /* a value-dependent computation: this must replay identically too */
    unsigned long long mix = 0;
    for (int i = 0; i < 1000; i++)
        mix = mix * 31 + (__rdtsc() & 0xff);
    printf("mixed low bytes of 1000 rdtsc: %llu\n", mix);
    CHECK(t[N - 1] != 0 && p[N - 1] != 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
