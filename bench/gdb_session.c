/* gdb benchmark target: main calls a function of about a million instructions (no
 * syscalls) on one line, so that reverse-next has to step back over it. */
#include <stdio.h>

long churn(long n)
{
    long acc = 0;
    for (long i = 0; i < n; i++)
        acc = acc * 31 + i;
    return acc;
}

int main(void)
{
    long before = 1;
    long mixed = churn(84000);
    long after = mixed & 0xff;
    printf("%ld %ld\n", before, after);
    return 0;
}
