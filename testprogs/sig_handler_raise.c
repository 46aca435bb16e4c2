/* sigaction handler for SIGUSR1 raised with raise(); SA_SIGINFO, sa_mask deferral of a nested raise, SA_RESETHAND, SIG_IGN. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t usr1_count, usr2_count, nested_usr2_seen;
static volatile int last_code, last_pid;
static volatile uintptr_t handler_stack;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int local;
    handler_stack = (uintptr_t)&local;
    if (sig == SIGUSR1)
        usr1_count++;
    last_code = si->si_code;
    last_pid = si->si_pid;
    /* raising SIGUSR2 inside the handler: it's in sa_mask, so it is deferred */
    if (usr1_count == 1)
        raise(SIGUSR2);
    nested_usr2_seen = usr2_count;
}

static void on_usr2(int sig)
{
    (void)sig;
    usr2_count++;
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
    printf("old SIGUSR1 handler was %s\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
    CHECK(signal(SIGUSR2, on_usr2) != SIG_ERR);

    int stack_marker;
    printf("main stack near %p\n", (void *)&stack_marker);
    CHECK(raise(SIGUSR1) == 0);
    printf("after raise: usr1=%d usr2=%d usr2-seen-inside-handler=%d code=%d pid=%d self=%d\n",
           usr1_count, usr2_count, nested_usr2_seen, last_code, last_pid, getpid());
    printf("handler ran with stack near %#lx\n", (unsigned long)handler_stack);
    CHECK(usr1_count == 1 && usr2_count == 1 && nested_usr2_seen == 0);
    CHECK(last_code == SI_TKILL && last_pid == getpid());

    for (int i = 0; i < 50; i++)
        CHECK(raise(SIGUSR1) == 0);
    printf("after 50 more raises: usr1=%d usr2=%d\n", usr1_count, usr2_count);
    CHECK(usr1_count == 51 && usr2_count == 1);

    /* kill() to self gives SI_USER */
    CHECK(kill(getpid(), SIGUSR1) == 0);
    printf("kill(self): code=%d (SI_USER=%d)\n", last_code, SI_USER);
    CHECK(usr1_count == 52 && last_code == SI_USER);

    /* SA_RESETHAND: handler runs once, then disposition is default (we then ignore it) */
    struct sigaction once;
    memset(&once, 0, sizeof once);
    once.sa_handler = on_usr2;
    once.sa_flags = SA_RESETHAND;
    CHECK(sigaction(SIGUSR2, &once, NULL) == 0);
    CHECK(raise(SIGUSR2) == 0);
    struct sigaction now;
    CHECK(sigaction(SIGUSR2, NULL, &now) == 0);
    printf("after SA_RESETHAND: usr2=%d disposition %s\n", usr2_count,
           now.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
    CHECK(usr2_count == 2 && now.sa_handler == SIG_DFL);

    /* ignored signal does nothing */
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(raise(SIGUSR2) == 0);
    CHECK(usr2_count == 2);

    /* invalid signal numbers */
    int r = sigaction(SIGKILL, &sa, NULL);
    printf("sigaction(SIGKILL) -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);
    r = raise(12345);
    printf("raise(12345) -> %d\n", r);
    CHECK(r != 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
