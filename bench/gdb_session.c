/* gdb benchmark target: main calls a function of about a million instructions (no
 * syscalls) on one line, so that reverse-next has to step back over it, and then a small
 * function 2000 times, for a conditional breakpoint that gdb evaluates at every call. */
#include <stdio.h>

long churn(long n)
{
    long acc = 0;
    for (long i = 0; i < n; i++)
        acc = acc * 31 + i;
    return acc;
}

long tick(long i)
{
    return i * 3;
}

int main(void)
{
    long before = 1;
    long mixed = churn(84000);
    long after = mixed & 0xff;
    long sum = 0;
    for (long i = 0; i < 2000; i++)
        sum += tick(i);
    printf("%ld %ld %ld\n", before, after, sum);
    return 0;
}
