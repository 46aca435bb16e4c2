/* SIGCHLD handler on child exit (exit code, killed by signal), reaping inside the handler. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t nchld;
static volatile pid_t reaped_pid[8];
static volatile int reaped_status[8], chld_codes[8], chld_status[8];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    int saved = errno;
    int st;
    pid_t p = waitpid(si->si_pid, &st, WNOHANG);
    if (nchld < 8) {
        reaped_pid[nchld] = p;
        reaped_status[nchld] = st;
        chld_codes[nchld] = si->si_code;
        chld_status[nchld] = si->si_status;
    }
    nchld++;
    errno = saved;
}

int main(void)
{
    alarm(20); /* watchdog */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);

    for (int round = 0; round < 2; round++) {
        fflush(stdout);
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) {
            if (round == 0)
                _exit(7);
            signal(SIGTERM, SIG_DFL);
            raise(SIGTERM);
            _exit(99);
        }
        int before = nchld;
        for (int i = 0; nchld == before; i++) {
            CHECK(i < 100);
            sigsuspend(&old);
        }
        int k = nchld - 1;
        printf("round %d: SIGCHLD for child %d: reaped %d code %d si_status %d", round, c,
               reaped_pid[k], chld_codes[k], chld_status[k]);
        if (WIFEXITED(reaped_status[k]))
            printf(" exited %d\n", WEXITSTATUS(reaped_status[k]));
        else
            printf(" killed by %d\n", WTERMSIG(reaped_status[k]));
        CHECK(reaped_pid[k] == c);
        if (round == 0)
            CHECK(chld_codes[k] == CLD_EXITED && chld_status[k] == 7 && WEXITSTATUS(reaped_status[k]) == 7);
        else
            CHECK(chld_codes[k] == CLD_KILLED && chld_status[k] == SIGTERM && WTERMSIG(reaped_status[k]) == SIGTERM);
    }
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);

    /* SIG_IGN for SIGCHLD: children are auto-reaped */
    CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(1);
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("waitpid with SIGCHLD ignored -> %d errno %d\n", w, errno);
    CHECK(w == -1 && errno == ECHILD);
    alarm(0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
