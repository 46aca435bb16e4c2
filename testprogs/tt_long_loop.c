//! cflags: -no-pie -fno-inline
/* Time travel after a long computation without syscalls: the instructions just before
 * the call that follows it must be reachable backwards without replaying it step by
 * step. */
#include <stdio.h>

volatile unsigned long sink;

void done(unsigned long v)
{
    sink = v;
}

int main(int argc, char **argv)
{
    (void)argv;
    unsigned long x = (unsigned long)argc;
    for (unsigned long i = 0; i < 80000000UL; i++)
        x = x * 6364136223846793005UL + i;
    done(x);
    printf("%lu\nEXIT-SUCCESS\n", x);
    return 0;
}
