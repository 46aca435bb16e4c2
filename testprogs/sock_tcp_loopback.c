/* TCP on 127.0.0.1 in one process: listen on port 0, nonblocking connect, poll, accept, exchange data, shutdown. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(ls >= 0);
    int one = 1;
    CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(ls, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK(listen(ls, 4) == 0);
    socklen_t alen = sizeof addr;
    CHECK(getsockname(ls, (struct sockaddr *)&addr, &alen) == 0);
    printf("listening on %s:%d\n", inet_ntoa(addr.sin_addr), ntohs(addr.sin_port));
    CHECK(ntohs(addr.sin_port) != 0);

    int cs = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(cs >= 0);
    int r = connect(cs, (struct sockaddr *)&addr, sizeof addr);
    int e = errno;
    printf("nonblocking connect -> %s\n", r == 0 ? "0 (immediate)" : e == EINPROGRESS ? "EINPROGRESS" : strerror(e));
    CHECK(r == 0 || e == EINPROGRESS);

    struct pollfd pl = { .fd = ls, .events = POLLIN };
    CHECK(poll(&pl, 1, 5000) == 1 && (pl.revents & POLLIN));
    struct sockaddr_in peer;
    socklen_t plen = sizeof peer;
    int as = accept4(ls, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
    CHECK(as >= 0);
    printf("accepted fd %d from %s:%d\n", as, inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));

    struct pollfd pc = { .fd = cs, .events = POLLOUT };
    CHECK(poll(&pc, 1, 5000) == 1 && (pc.revents & POLLOUT));
    int err = -1;
    socklen_t elen = sizeof err;
    CHECK(getsockopt(cs, SOL_SOCKET, SO_ERROR, &err, &elen) == 0);
    printf("SO_ERROR after connect: %d\n", err);
    CHECK(err == 0);
    struct sockaddr_in local;
    socklen_t llen = sizeof local;
    CHECK(getsockname(cs, (struct sockaddr *)&local, &llen) == 0);
    printf("client local port %d\n", ntohs(local.sin_port));
    CHECK(local.sin_port == peer.sin_port);

    /* client -> server, in several writes; server reads until it has all */
    const char *msgs[] = { "GET / ", "HTTP/1.0\r\n", "\r\n" };
    for (int i = 0; i < 3; i++)
        CHECK(send(cs, msgs[i], strlen(msgs[i]), 0) == (ssize_t)strlen(msgs[i]));
    char buf[256];
    size_t got = 0;
    for (int i = 0; i < 100 && got < 18; i++) {
        struct pollfd pa = { .fd = as, .events = POLLIN };
        CHECK(poll(&pa, 1, 5000) == 1);
        ssize_t n = recv(as, buf + got, sizeof buf - got, 0);
        CHECK(n > 0);
        got += n;
    }
    printf("server got %zu bytes: %.6s...\n", got, buf);
    CHECK(got == 18 && memcmp(buf, "GET / HTTP/1.0\r\n\r\n", 18) == 0);

    /* server -> client, larger payload */
    static char big[200000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i % 251);
    size_t sent = 0, recvd = 0;
    static char rbuf[200000];
    for (int iter = 0; iter < 100000 && recvd < sizeof big; iter++) {
        struct pollfd fds[2] = { { .fd = as, .events = sent < sizeof big ? POLLOUT : 0 },
                                 { .fd = cs, .events = POLLIN } };
        CHECK(poll(fds, 2, 5000) > 0);
        if (fds[0].revents & POLLOUT) {
            ssize_t n = send(as, big + sent, sizeof big - sent, MSG_DONTWAIT);
            if (n > 0)
                sent += n;
        }
        if (fds[1].revents & POLLIN) {
            ssize_t n = recv(cs, rbuf + recvd, sizeof rbuf - recvd, 0);
            CHECK(n > 0);
            recvd += n;
        }
    }
    printf("transferred %zu bytes server->client\n", recvd);
    CHECK(recvd == sizeof big && memcmp(rbuf, big, sizeof big) == 0);

    /* orderly shutdown: client sees EOF */
    CHECK(shutdown(as, SHUT_WR) == 0);
    struct pollfd pe = { .fd = cs, .events = POLLIN };
    CHECK(poll(&pe, 1, 5000) == 1);
    ssize_t n = recv(cs, buf, sizeof buf, 0);
    printf("client recv after server shutdown -> %zd\n", n);
    CHECK(n == 0);
    close(as);
    close(cs);

    /* connecting to a closed port is refused */
    close(ls);
    int c2 = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c2 >= 0);
    r = connect(c2, (struct sockaddr *)&addr, sizeof addr);
    e = errno;
    printf("connect to closed port -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == ECONNREFUSED);
    close(c2);
    printf("EXIT-SUCCESS\n");
    return 0;
}
