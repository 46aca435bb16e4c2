/* SIGPIPE ignored -> write to a pipe with no reader gives EPIPE; with default action a child dies of SIGPIPE. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t pipes;
static void h(int sig)
{
    (void)sig;
    pipes++;
}

int main(void)
{
    /* 1. default action in a child: killed by SIGPIPE */
    int p[2];
    CHECK(pipe(p) == 0);
    close(p[0]);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        signal(SIGPIPE, SIG_DFL);
        ssize_t n = write(p[1], "x", 1);
        (void)n;
        _exit(0); /* not reached */
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("child %d: signaled %d sig %d\n", c, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);

    /* 2. ignored: EPIPE */
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    ssize_t n = write(p[1], "hello", 5);
    int e = errno;
    printf("write with SIGPIPE ignored -> %zd errno %d (%s)\n", n, e, strerror(e));
    CHECK(n == -1 && e == EPIPE);
    close(p[1]);

    /* 3. handled: handler runs and write still fails with EPIPE */
    CHECK(signal(SIGPIPE, h) != SIG_ERR);
    CHECK(pipe(p) == 0);
    close(p[0]);
    n = write(p[1], "again", 5);
    e = errno;
    printf("write with handler -> %zd errno %d, handler ran %d time(s)\n", n, e, pipes);
    CHECK(n == -1 && e == EPIPE && pipes == 1);
    close(p[1]);

    /* 4. socket: MSG_NOSIGNAL suppresses the signal */
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    close(sv[1]);
    n = send(sv[0], "z", 1, MSG_NOSIGNAL);
    e = errno;
    printf("send MSG_NOSIGNAL to closed peer -> %zd errno %d, handler count %d\n", n, e, pipes);
    CHECK(n == -1 && e == EPIPE && pipes == 1);
    n = send(sv[0], "z", 1, 0);
    printf("send without MSG_NOSIGNAL -> %zd, handler count %d\n", n, pipes);
    CHECK(n == -1 && pipes == 2);
    close(sv[0]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
