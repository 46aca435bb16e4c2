//! cflags: -O0 -fno-inline
/* gdb target: a global balance that one of several writers corrupts, a loop calling a
 * helper, a caller whose locals are read after reverse-finish, and a long function a
 * reverse-next steps over. */
#include <stdio.h>

int balance = 100;
static long history[8];

static long square(long x)
{
    long r = x * x;
    return r;
}

static void deposit(int amount)
{
    balance += amount;
}

static void corrupt(int seed)
{
    int junk = seed * 7;
    balance = junk - 1000;
}

/* About a million instructions without a syscall. */
static long churn(long n)
{
    long acc = 0;
    for (long i = 0; i < n; i++)
        acc = acc * 31 + i;
    return acc;
}

static int settle(int amount, int percent)
{
    int interest = amount * percent / 100;
    return amount + interest;
}

int main(int argc, char **argv)
{
    long total = 0;
    (void)argv;
    for (int i = 0; i < 5; i++) {
        total += square(i);
        history[i] = total;
    }
    deposit(10);
    deposit(20);
    corrupt(argc);
    deposit(5);
    long mixed = churn(250000);
    int final = settle(balance, 10);
    printf("total=%ld balance=%d final=%d mixed=%ld\n", total, balance, final, mixed & 0xff);
    printf("EXIT-SUCCESS\n");
    return 0;
}
