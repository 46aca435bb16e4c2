/* Benchmark: about 1.5 s of computation without a syscall, then a call to done(). */
#include <stdio.h>
#include <stdlib.h>

volatile unsigned long sink;

__attribute__((noinline)) void done(unsigned long v)
{
    sink = v;
}

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 1300000000UL;
    unsigned long x = (unsigned long)argc;
    for (unsigned long i = 0; i < n; i++)
        x = x * 6364136223846793005UL + i;
    done(x);
    printf("%lu\n", x);
    return 0;
}
