/* sigprocmask + sigpending + unblocking delivers; real-time signals queue in order with values. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t order[32];
static volatile sig_atomic_t norder;
static volatile int values[32];

static void h(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (norder < 32) {
        values[norder] = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
        order[norder++] = sig;
    }
}

static void show_pending(const char *when)
{
    sigset_t p;
    CHECK(sigpending(&p) == 0);
    printf("%s pending:", when);
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&p, s))
            printf(" %d", s);
    printf("\n");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    int rt = SIGRTMIN + 2;
    int sigs[] = { SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, rt };
    for (unsigned i = 0; i < 5; i++)
        CHECK(sigaction(sigs[i], &sa, NULL) == 0);

    sigset_t block, old, cur;
    sigemptyset(&block);
    for (unsigned i = 0; i < 5; i++)
        sigaddset(&block, sigs[i]);
    CHECK(sigprocmask(SIG_BLOCK, &block, &old) == 0);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0);
    printf("SIGUSR1 blocked: %d, previously blocked: %d\n", sigismember(&cur, SIGUSR1), sigismember(&old, SIGUSR1));
    CHECK(sigismember(&cur, SIGUSR1) == 1 && sigismember(&old, SIGUSR1) == 0);
    show_pending("initially");

    CHECK(raise(SIGUSR2) == 0);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(raise(SIGUSR1) == 0); /* coalesces */
    CHECK(kill(getpid(), SIGHUP) == 0);
    for (int i = 0; i < 3; i++) {
        union sigval v = { .sival_int = 100 + i };
        CHECK(sigqueue(getpid(), rt, v) == 0); /* real-time: queued, not coalesced */
    }
    show_pending("after raising");
    printf("handled so far: %d\n", norder);
    CHECK(norder == 0);
    sigset_t p;
    CHECK(sigpending(&p) == 0);
    CHECK(sigismember(&p, SIGUSR1) && sigismember(&p, SIGUSR2) && sigismember(&p, SIGHUP) && sigismember(&p, rt));
    CHECK(!sigismember(&p, SIGTERM));

    /* unblock only SIGUSR2 */
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR2);
    CHECK(sigprocmask(SIG_UNBLOCK, &one, NULL) == 0);
    printf("after unblocking SIGUSR2: handled %d (sig %d)\n", norder, order[0]);
    CHECK(norder == 1 && order[0] == SIGUSR2);
    show_pending("now");

    /* sigwaitinfo consumes SIGHUP synchronously */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    siginfo_t si;
    int s = sigwaitinfo(&hup, &si);
    printf("sigwaitinfo -> %d from pid %d\n", s, si.si_pid);
    CHECK(s == SIGHUP && si.si_pid == getpid());
    struct timespec zero = { 0, 0 };
    s = sigtimedwait(&hup, &si, &zero);
    printf("sigtimedwait with nothing pending -> %d errno %d\n", s, errno);
    CHECK(s == -1 && errno == EAGAIN);

    /* restore the old mask: remaining signals delivered */
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    printf("after restoring mask, handled %d:", norder);
    for (int i = 0; i < norder; i++)
        printf(" %d(%d)", order[i], values[i]);
    printf("\n");
    CHECK(norder == 5);
    int usr1 = 0, rts = 0;
    for (int i = 1; i < norder; i++) {
        if (order[i] == SIGUSR1)
            usr1++;
        if (order[i] == rt) {
            CHECK(values[i] == 100 + rts);
            rts++;
        }
    }
    CHECK(usr1 == 1 && rts == 3);
    show_pending("finally");
    CHECK(sigpending(&p) == 0);
    for (int i = 1; i < NSIG; i++)
        CHECK(!sigismember(&p, i));

    /* SIGKILL/SIGSTOP cannot be blocked */
    sigset_t all;
    sigfillset(&all);
    CHECK(sigprocmask(SIG_SETMASK, &all, NULL) == 0);
    CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0);
    printf("after blocking all: SIGKILL blocked %d SIGSTOP blocked %d SIGINT blocked %d\n",
           sigismember(&cur, SIGKILL), sigismember(&cur, SIGSTOP), sigismember(&cur, SIGINT));
    CHECK(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP) && sigismember(&cur, SIGINT));
    CHECK(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
