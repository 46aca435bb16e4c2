/* Benchmark workload: N threads (default 2) each computing the same CPU-bound loop with no
   syscalls (each about 0.3 s natively). Under rtt one thread runs at a time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static long n;
static void *work(void *arg) {
    unsigned long x = 88172645463325252UL + (long)arg, sum = 0;
    for (long i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; sum += x & 0xff; }
    return (void *)sum;
}
int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    n = argc > 2 ? atol(argv[2]) : 200000000L;
    pthread_t t[16]; void *r; unsigned long total = 0;
    for (long i = 0; i < threads; i++) pthread_create(&t[i], 0, work, (void *)i);
    for (int i = 0; i < threads; i++) { pthread_join(t[i], &r); total += (unsigned long)r; }
    printf("%lu\n", total);
    return 0;
}
