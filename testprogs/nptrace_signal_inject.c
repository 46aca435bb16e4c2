/* ptrace: at a signal-delivery stop the tracer replaces SIGUSR1 by SIGUSR2, then suppresses a second SIGUSR1. */
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

static volatile sig_atomic_t got;

static void on_sig(int sig)
{
    got = sig;
}

static const char *name(int sig)
{
    return sig == SIGUSR1 ? "SIGUSR1" : sig == SIGUSR2 ? "SIGUSR2" : sig == 0 ? "none" : "other";
}

int main(void)
{
    alarm(20); /* watchdog */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        signal(SIGUSR1, on_sig);
        signal(SIGUSR2, on_sig);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        got = 0;
        raise(SIGUSR1);
        int first = got;
        printf("child: first raise(SIGUSR1): got %s\n", name(first));
        fflush(stdout);
        got = 0;
        raise(SIGUSR1);
        int second = got;
        printf("child: second raise(SIGUSR1): got %s\n", name(second));
        fflush(stdout);
        _exit(first == SIGUSR2 && second == 0 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);

    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
    siginfo_t si;
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0);
    printf("stop 1: %s (si_code %d, SI_TKILL=%d), resuming with SIGUSR2\n", name(WSTOPSIG(st)), si.si_code,
           SI_TKILL);
    CHECK(si.si_signo == SIGUSR1 && si.si_code == SI_TKILL);
    fflush(stdout);
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGUSR2) == 0);

    /* the injected signal is delivered without another stop */
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
    printf("stop 2: %s, resuming with 0 (suppressed)\n", name(WSTOPSIG(st)));
    fflush(stdout);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);

    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
