/* Benchmark workload: many small syscalls (1-byte write and read through a pipe). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 50000;
    int p[2];
    if (pipe(p) != 0) return 1;
    char c = 'x';
    long total = 0;
    for (long i = 0; i < n; i++) {
        if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1) return 1;
        total += c;
    }
    printf("%ld\n", total);
    return 0;
}
