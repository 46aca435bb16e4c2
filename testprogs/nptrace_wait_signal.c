/* ptrace: a tracer's blocking wait for a stop is ended by a signal: EINTR without SA_RESTART, restarted with it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int acks[2]; /* the tracer's handler tells the signaller each signal arrived */
static volatile sig_atomic_t signals;

static void on_usr1(int sig)
{
    (void)sig;
    signals++;
    char b = 'a';
    (void)!write(acks[1], &b, 1);
}

/* A tracee blocked in read until `release` is written to. */
static pid_t blocked_tracee(int release[2])
{
    CHECK(pipe(release) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        char b;
        close(release[1]);
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        _exit(read(release[0], &b, 1) == 1 ? 7 : 8);
    }
    close(release[0]);
    return c;
}

/* Sends SIGUSR1 to the tracer until it has acknowledged `n` of them, then releases the
 * tracee by writing to `release`. */
static pid_t signaller(pid_t tracer, int n, int release)
{
    fflush(stdout);
    pid_t s = fork();
    CHECK(s >= 0);
    if (s == 0) {
        for (int got = 0; got < n;) {
            kill(tracer, SIGUSR1);
            struct timespec t = { 0, 2000000 };
            nanosleep(&t, 0);
            char b;
            while (read(acks[0], &b, 1) == 1)
                got++;
        }
        if (release >= 0)
            (void)!write(release, "x", 1);
        _exit(0);
    }
    return s;
}

static void run(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    CHECK(sigaction(SIGUSR1, &sa, 0) == 0);
    signals = 0;
    int release[2];
    pid_t c = blocked_tracee(release);
    /* The tracee is ours to wait for: it never stops until released. */
    pid_t s = signaller(getpid(), restart ? 3 : 1, restart ? release[1] : -1);
    int st;
    pid_t r = wait4(c, &st, 0, 0);
    if (restart) {
        /* Restarted after each signal; ends when the signaller releases the tracee. */
        CHECK(r == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
        printf("SA_RESTART: the wait went on through %d+ signals and saw the exit\n", 3);
    } else {
        CHECK(r == -1 && errno == EINTR);
        printf("no SA_RESTART: the wait failed with EINTR\n");
        CHECK(write(release[1], "x", 1) == 1);
        CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7);
    }
    CHECK(signals >= 1);
    CHECK(waitpid(s, &st, 0) == s && WIFEXITED(st));
    close(release[1]);
}

int main(void)
{
    alarm(20); /* watchdog */
    CHECK(pipe(acks) == 0);
    CHECK(fcntl(acks[0], F_SETFL, O_NONBLOCK) == 0);
    run(0);
    run(1);
    printf("EXIT-SUCCESS\n");
    return 0;
}
