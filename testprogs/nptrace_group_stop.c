/* ptrace: group-stops of a seized tracee (PTRACE_EVENT_STOP, PTRACE_LISTEN, continued by SIGCONT) and of a traced one (runs on when resumed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void seized(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        char b;
        close(p[1]);
        _exit(read(p[0], &b, 1) == 1 ? 0 : 1);
    }
    close(p[0]);
    CHECK(ptrace(PTRACE_SEIZE, c, 0, 0) == 0);
    CHECK(kill(c, SIGSTOP) == 0);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP && st >> 16 == 0);
    printf("seized: SIGSTOP delivery stop\n");
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGSTOP) == 0);
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    CHECK(WSTOPSIG(st) == SIGSTOP && st >> 16 == PTRACE_EVENT_STOP);
    siginfo_t si;
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0 && si.si_signo == SIGSTOP);
    printf("seized: group-stop (PTRACE_EVENT_STOP, SIGSTOP)\n");
    CHECK(ptrace(PTRACE_LISTEN, c, 0, 0) == 0);
    CHECK(kill(c, SIGCONT) == 0);
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    CHECK(WSTOPSIG(st) == SIGTRAP && st >> 16 == PTRACE_EVENT_STOP);
    printf("seized: continued while listening (PTRACE_EVENT_STOP, SIGTRAP)\n");
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGCONT);
    printf("seized: SIGCONT delivery stop\n");
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGCONT) == 0);
    CHECK(write(p[1], "x", 1) == 1);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(p[1]);
}

static void traced(void)
{
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        _exit(4);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGSTOP) == 0);
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    siginfo_t si;
    errno = 0;
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(ptrace(PTRACE_LISTEN, c, 0, 0) == -1 && errno == EIO);
    printf("traced: group-stop (GETSIGINFO fails with EINVAL, LISTEN with EIO)\n");
    /* Resumed by its tracer, it runs although its process is stopped. */
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 4);
    printf("traced: ran on and exited 4\n");
}

int main(void)
{
    alarm(20); /* watchdog */
    seized();
    traced();
    printf("EXIT-SUCCESS\n");
    return 0;
}
