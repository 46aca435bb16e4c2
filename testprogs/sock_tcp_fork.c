/* TCP loopback across fork: forked child connects and echoes, parent sends lines and checks replies. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int read_full(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0)
            return -1;
        got += r;
    }
    return 0;
}

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(ls >= 0);
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(ls, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(ls, 1) == 0);
    socklen_t alen = sizeof addr;
    CHECK(getsockname(ls, (struct sockaddr *)&addr, &alen) == 0);
    printf("server port %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(ls);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        CHECK(s >= 0);
        CHECK(connect(s, (struct sockaddr *)&addr, sizeof addr) == 0);
        /* echo each 16-byte record back, uppercased */
        char rec[16];
        int count = 0;
        while (read_full(s, rec, sizeof rec) == 0) {
            for (int i = 0; i < 16; i++)
                if (rec[i] >= 'a' && rec[i] <= 'z')
                    rec[i] -= 32;
            CHECK(write(s, rec, sizeof rec) == sizeof rec);
            count++;
        }
        close(s);
        _exit(count);
    }
    int as = accept(ls, NULL, NULL);
    CHECK(as >= 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    CHECK(getpeername(as, (struct sockaddr *)&peer, &plen) == 0);
    printf("accepted connection from port %d\n", ntohs(peer.sin_port));
    for (int i = 0; i < 10; i++) {
        char rec[16], back[16];
        snprintf(rec, sizeof rec, "record-%02d-abc", i);
        CHECK(write(as, rec, sizeof rec) == sizeof rec);
        CHECK(read_full(as, back, sizeof back) == 0);
        printf("sent %s got %s\n", rec, back);
        char want[16];
        snprintf(want, sizeof want, "RECORD-%02d-ABC", i);
        CHECK(strcmp(back, want) == 0);
    }
    CHECK(shutdown(as, SHUT_WR) == 0);
    char tmp;
    CHECK(read(as, &tmp, 1) == 0);
    int st;
    CHECK(waitpid(child, &st, 0) == child);
    printf("child %d exited with %d (records echoed)\n", child, WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 10);
    close(as);
    close(ls);
    printf("EXIT-SUCCESS\n");
    return 0;
}
