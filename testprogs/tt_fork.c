//! cflags: -no-pie -fno-inline
/* Time-travel across processes: a parent forks a child that computes and exits; the
 * parent waits, then calls a marker function. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

volatile long total;

void marker(long v)
{
    total = v;
}

int main(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        long s = 0;
        for (int i = 0; i < 100; i++)
            s += i;
        marker(s);
        _exit(s == 4950 ? 3 : 1);
    }
    int st = 0;
    waitpid(c, &st, 0);
    marker(WEXITSTATUS(st));
    printf("child status %d\n", WEXITSTATUS(st));
    printf("EXIT-SUCCESS\n");
    return 0;
}
