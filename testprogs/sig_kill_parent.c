/* kill() from a child to its parent; parent's SA_SIGINFO handler runs while it sits in waitpid. */
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

static volatile sig_atomic_t hits;
static volatile pid_t from[8];
static volatile int codes[8];

static void h(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (hits < 8) {
        from[hits] = si->si_pid;
        codes[hits] = si->si_code;
    }
    hits++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK(sigaction(SIGUSR2, &sa, NULL) == 0);
    pid_t me = getpid();
    printf("parent pid %d\n", me);
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        kids[i] = fork();
        CHECK(kids[i] >= 0);
        if (kids[i] == 0) {
            pid_t pp = getppid();
            if (pp != me)
                _exit(100);
            if (kill(pp, SIGUSR2) != 0)
                _exit(101);
            _exit(i);
        }
        int st;
        /* the signal is sent before the child exits, so it is delivered by the time waitpid returns */
        pid_t w;
        do
            w = waitpid(kids[i], &st, 0);
        while (w == -1 && errno == EINTR);
        CHECK(w == kids[i]);
        printf("child %d exited %d; handler hits %d, last from %d code %d (SI_USER=%d)\n", kids[i],
               WEXITSTATUS(st), hits, from[hits - 1], codes[hits - 1], SI_USER);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == i);
        CHECK(hits == i + 1 && from[i] == kids[i] && codes[i] == SI_USER);
    }
    /* kill with signal 0 probes existence */
    CHECK(kill(me, 0) == 0);
    int r = kill(kids[0], 0);
    printf("kill(reaped child, 0) -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ESRCH);
    printf("EXIT-SUCCESS\n");
    return 0;
}
