/* Benchmark: a tracer that counts its child's syscalls with PTRACE_SYSCALL (N getppid). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 10000;
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        for (long i = 0; i < n; i++)
            syscall(SYS_getppid);
        _exit(0);
    }
    int st;
    long stops = 0;
    waitpid(c, &st, 0);
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, c, 0, 0) != 0 || waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
            break;
        stops++;
    }
    printf("%ld syscall stops\n", stops);
    return !(WIFEXITED(st) && stops >= 2 * n);
}
