/* sigsuspend woken by a signal sent from a forked child (signal blocked until sigsuspend). */
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

static volatile sig_atomic_t got;
static volatile pid_t sender;
static volatile int value;

static void h(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = sig;
    sender = si->si_pid;
    value = si->si_code == SI_QUEUE ? si->si_value.sival_int : 0;
}

int main(void)
{
    alarm(20); /* watchdog: never hang */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);

    for (int round = 0; round < 3; round++) {
        fflush(stdout);
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) {
            if (round == 2) {
                union sigval v = { .sival_int = 777 };
                CHECK(sigqueue(getppid(), SIGUSR2, v) == 0);
            } else {
                CHECK(kill(getppid(), SIGUSR1) == 0);
            }
            _exit(round);
        }
        got = 0;
        int loops = 0;
        while (!got) {
            CHECK(loops++ < 100);
            int r = sigsuspend(&old);
            CHECK(r == -1 && errno == EINTR);
        }
        int st;
        CHECK(waitpid(c, &st, 0) == c);
        printf("round %d: sigsuspend woke with signal %d from pid %d (child %d) value %d, child status %d\n",
               round, got, sender, c, value, WEXITSTATUS(st));
        CHECK(sender == c && WEXITSTATUS(st) == round);
        CHECK(got == (round == 2 ? SIGUSR2 : SIGUSR1));
        if (round == 2)
            CHECK(value == 777);
        /* mask is restored after sigsuspend */
        sigset_t cur;
        CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0);
        CHECK(sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGUSR2));
    }
    alarm(0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
