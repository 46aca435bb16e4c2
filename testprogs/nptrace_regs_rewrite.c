/* ptrace: PEEKUSER orig_rax at a syscall-entry stop, SETREGS rax at the exit stop rewrites getppid's result to 4242. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    alarm(20); /* watchdog */
    pid_t me = getpid();
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        long v = syscall(SYS_getppid);
        printf("child: getppid returned %ld\n", v);
        fflush(stdout);
        _exit(v == 4242 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD) == 0);
    CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);

    int in_syscall = 0, rewritten = 0;
    long nr = -1;
    for (;;) {
        CHECK(waitpid(c, &st, 0) == c);
        if (!WIFSTOPPED(st))
            break;
        CHECK((st >> 8) == (SIGTRAP | 0x80));
        if (!in_syscall) {
            errno = 0;
            nr = ptrace(PTRACE_PEEKUSER, c, (void *)offsetof(struct user, regs.orig_rax), 0);
            CHECK(errno == 0);
            if (nr == SYS_getppid && !rewritten)
                printf("entry stop: PEEKUSER orig_rax == SYS_getppid (%ld)\n", nr);
        } else if (nr == SYS_getppid && !rewritten) {
            struct user_regs_struct r;
            CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
            CHECK((long)r.orig_rax == SYS_getppid);
            CHECK((pid_t)r.rax == me); /* the real result */
            printf("exit stop: real result is the tracer's pid, rewriting to 4242\n");
            r.rax = 4242;
            CHECK(ptrace(PTRACE_SETREGS, c, 0, &r) == 0);
            errno = 0;
            CHECK(ptrace(PTRACE_PEEKUSER, c, (void *)offsetof(struct user, regs.rax), 0) == 4242);
            CHECK(errno == 0);
            rewritten = 1;
        }
        in_syscall = !in_syscall;
        fflush(stdout); /* keep our lines ahead of the child's */
        CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);
    }
    CHECK(rewritten == 1);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
