//! exit: 134
/* abort(): dies with SIGABRT (even with a handler that returns); prints observations first. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void h(int sig)
{
    (void)sig;
    handled++;
    /* returning from a SIGABRT handler does not stop abort() */
}

int main(void)
{
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sigaction(SIGABRT, &sa, NULL);
    /* even if blocked, abort() unblocks SIGABRT */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGABRT);
    sigprocmask(SIG_BLOCK, &m, NULL);
    printf("pid %d calling abort()\n", getpid());
    fflush(stdout);
    abort();
}
