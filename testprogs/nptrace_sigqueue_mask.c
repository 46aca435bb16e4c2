/* ptrace: PEEKSIGINFO of a queued blocked signal, GETSIGMASK/SETSIGMASK unblocking it, and an unknown request failing with EIO. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define PEEKSIGINFO 0x4209
#define GETSIGMASK 0x420a
#define SETSIGMASK 0x420b

struct peeksiginfo_args_ { /* struct ptrace_peeksiginfo_args */
    uint64_t off;
    uint32_t flags;
    int32_t nr;
};

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    got = sig;
}

int main(void)
{
    alarm(20); /* watchdog */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        signal(SIGUSR1, on_usr1);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        sigprocmask(SIG_BLOCK, &s, 0);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGUSR1); /* blocked: stays queued */
        raise(SIGSTOP);
        /* The tracer unblocked SIGUSR1: it was delivered on the way here. */
        printf("child: handler ran for signal %d\n", (int)got);
        fflush(stdout);
        _exit(got == SIGUSR1 ? 6 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    struct peeksiginfo_args_ args = { 0, 0, 4 };
    siginfo_t buf[4];
    memset(buf, 0, sizeof buf);
    long n = ptrace(PEEKSIGINFO, c, &args, buf);
    CHECK(n == 1 && buf[0].si_signo == SIGUSR1);
    printf("PEEKSIGINFO: %ld queued, signal %d\n", n, buf[0].si_signo);

    uint64_t mask = 0;
    CHECK(ptrace(GETSIGMASK, c, (void *)8, &mask) == 0);
    CHECK(mask & (1ULL << (SIGUSR1 - 1)));
    mask &= ~(1ULL << (SIGUSR1 - 1));
    CHECK(ptrace(SETSIGMASK, c, (void *)8, &mask) == 0);
    printf("SIGUSR1 unblocked by the tracer\n");

    errno = 0;
    long r = ptrace(0x42ff, c, 0, 0);
    CHECK(r == -1 && errno == EIO);
    printf("unknown request: EIO\n");
    fflush(stdout);

    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    /* SIGUSR1's delivery stops for the tracer, which passes it on. */
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGUSR1);
    CHECK(ptrace(PTRACE_CONT, c, 0, SIGUSR1) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);
    printf("child: exited with 6\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
