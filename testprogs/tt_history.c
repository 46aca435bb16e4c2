//! cflags: -no-pie -fno-inline
/* Time-travel target: a function hit several times with its argument, syscalls between
 * hits, a global corrupted by a function and rewritten later, and a short loop. */
#include <stdio.h>
#include <unistd.h>

volatile long counter;
volatile long victim = 100;

long bump(long k)
{
    counter += k;
    return counter;
}

void corrupt(void)
{
    victim = -1;
}

int main(void)
{
    for (long i = 1; i <= 5; i++) {
        bump(i);
        getppid();
    }
    victim = 7;
    corrupt();
    long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += i ^ counter;
    victim = 8;
    printf("counter=%ld victim=%ld sum=%ld\n", counter, victim, sum);
    printf("EXIT-SUCCESS\n");
    return 0;
}
