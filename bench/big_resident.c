/* Benchmark: 1 GiB resident, rewritten in rounds separated by a syscall and a call to
 * round_done(), so that checkpoints diverge from the live process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIZE (1UL << 30)

volatile int sink;

__attribute__((noinline)) void round_done(int r)
{
    sink = r;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 8;
    char *p = malloc(SIZE);
    if (!p)
        return 1;
    for (int r = 0; r < rounds; r++) {
        memset(p, r + 1, SIZE);
        getppid();
        round_done(r);
    }
    printf("%d\n", p[SIZE - 1]);
    return 0;
}
