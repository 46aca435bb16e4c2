/* ptrace: a tracer counting its child's syscalls, each in a function of its own, for debugging both backwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
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

static volatile int progress; /* the tracee's */
static volatile int stops;    /* the tracer's */

/* The tracee's work: one syscall each. */
__attribute__((noinline)) static void work(int i)
{
    progress = progress * 10 + i;
    getppid();
}

/* The tracer's record of one stop at the tracee's getppid. */
__attribute__((noinline)) static void on_stop(int status)
{
    stops++;
    if ((status >> 8) != (SIGTRAP | 0x80))
        printf("unexpected stop %#x\n", status);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        /* The tracee, after its exec. */
        for (int i = 1; i <= 3; i++)
            work(i);
        _exit(progress == 123 ? 0 : 1);
    }
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
        execl("/proc/self/exe", argv[0], "tracee", (char *)0);
        _exit(2);
    }
    int st;
    /* Stopped by the SIGTRAP that follows its exec. */
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD) == 0);
    for (;;) {
        CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);
        CHECK(waitpid(c, &st, 0) == c);
        if (!WIFSTOPPED(st))
            break;
        struct user_regs_struct regs;
        CHECK(ptrace(PTRACE_GETREGS, c, 0, &regs) == 0);
        if (regs.orig_rax == SYS_getppid)
            on_stop(st);
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(stops == 6);
    printf("tracer saw %d stops at getppid; the child's progress was 123\n", stops);
    printf("EXIT-SUCCESS\n");
    return 0;
}
