/* unix stream socketpair: bidirectional data, shutdown/EOF, SO_PEERCRED, across fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    printf("socketpair -> [%d, %d]\n", sv[0], sv[1]);
    CHECK(write(sv[0], "ping", 4) == 4);
    char buf[64];
    CHECK(read(sv[1], buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
    CHECK(write(sv[1], "pong", 4) == 4);
    CHECK(read(sv[0], buf, sizeof buf) == 4 && memcmp(buf, "pong", 4) == 0);
    printf("ping/pong ok\n");

    struct ucred cr;
    socklen_t cl = sizeof cr;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0);
    printf("SO_PEERCRED pid %d uid %u gid %u (my pid %d)\n", cr.pid, cr.uid, cr.gid, getpid());
    CHECK(cr.pid == getpid());

    /* stream semantics: two writes may be read in one read */
    CHECK(write(sv[0], "ab", 2) == 2 && write(sv[0], "cd", 2) == 2);
    CHECK(recv(sv[1], buf, 4, MSG_WAITALL) == 4 && memcmp(buf, "abcd", 4) == 0);

    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(sv[0]);
        /* child: sum the numbers it receives, reply with the sum */
        long sum = 0;
        char rb[256];
        size_t have = 0;
        for (;;) {
            ssize_t n = read(sv[1], rb + have, sizeof rb - 1 - have);
            CHECK(n >= 0);
            if (n == 0)
                break;
            have += n;
            rb[have] = 0;
            char *nl;
            while ((nl = strchr(rb, '\n')) != NULL) {
                *nl = 0;
                sum += atol(rb);
                memmove(rb, nl + 1, have - (nl + 1 - rb) + 1);
                have -= nl + 1 - rb;
            }
        }
        char out[32];
        int len = snprintf(out, sizeof out, "%ld", sum);
        CHECK(write(sv[1], out, len) == len);
        _exit(0);
    }
    close(sv[1]);
    long expect = 0;
    for (int i = 1; i <= 100; i++) {
        char line[16];
        int len = snprintf(line, sizeof line, "%d\n", i * i);
        CHECK(write(sv[0], line, len) == len);
        expect += i * i;
    }
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    char reply[32];
    size_t got = 0;
    for (int i = 0; i < 100; i++) {
        ssize_t n = read(sv[0], reply + got, sizeof reply - 1 - got);
        CHECK(n >= 0);
        if (n == 0)
            break;
        got += n;
    }
    reply[got] = 0;
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("child %d summed squares: %s (expected %ld)\n", c, reply, expect);
    CHECK(atol(reply) == expect);
    /* peer gone: write gets EPIPE (use MSG_NOSIGNAL to avoid SIGPIPE) */
    ssize_t n = send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("send after peer exit -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EPIPE);
    close(sv[0]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
