/* getsockname/getpeername/getsockopt/setsockopt on TCP, UDP and unix sockets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int geti(int fd, int level, int opt)
{
    int v = -12345;
    socklen_t l = sizeof v;
    CHECK(getsockopt(fd, level, opt, &v, &l) == 0);
    CHECK(l == sizeof v);
    return v;
}

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(ls >= 0);
    printf("SO_TYPE %d (STREAM=%d) SO_DOMAIN %d SO_PROTOCOL %d\n", geti(ls, SOL_SOCKET, SO_TYPE),
           SOCK_STREAM, geti(ls, SOL_SOCKET, SO_DOMAIN), geti(ls, SOL_SOCKET, SO_PROTOCOL));
    CHECK(geti(ls, SOL_SOCKET, SO_TYPE) == SOCK_STREAM);
    printf("SO_ACCEPTCONN before listen %d\n", geti(ls, SOL_SOCKET, SO_ACCEPTCONN));
    int one = 1;
    CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    CHECK(geti(ls, SOL_SOCKET, SO_REUSEADDR) == 1);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(listen(ls, 2) == 0);
    CHECK(geti(ls, SOL_SOCKET, SO_ACCEPTCONN) == 1);
    socklen_t al = sizeof a;
    CHECK(getsockname(ls, (struct sockaddr *)&a, &al) == 0);
    printf("listener %s:%d addrlen %u\n", inet_ntoa(a.sin_addr), ntohs(a.sin_port), al);

    struct sockaddr_in pn;
    socklen_t pl = sizeof pn;
    int r = getpeername(ls, (struct sockaddr *)&pn, &pl);
    printf("getpeername on listener -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOTCONN);

    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
    int s = accept(ls, NULL, NULL);
    CHECK(s >= 0);
    struct sockaddr_in cl, cp, sl, sp;
    socklen_t l1 = sizeof cl, l2 = sizeof cp, l3 = sizeof sl, l4 = sizeof sp;
    CHECK(getsockname(c, (struct sockaddr *)&cl, &l1) == 0);
    CHECK(getpeername(c, (struct sockaddr *)&cp, &l2) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&sl, &l3) == 0);
    CHECK(getpeername(s, (struct sockaddr *)&sp, &l4) == 0);
    printf("client local %d peer %d; server local %d peer %d\n", ntohs(cl.sin_port),
           ntohs(cp.sin_port), ntohs(sl.sin_port), ntohs(sp.sin_port));
    CHECK(cl.sin_port == sp.sin_port && cp.sin_port == sl.sin_port && sl.sin_port == a.sin_port);

    /* TCP options */
    printf("TCP_NODELAY default %d\n", geti(c, IPPROTO_TCP, TCP_NODELAY));
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
    printf("TCP_NODELAY after set %d\n", geti(c, IPPROTO_TCP, TCP_NODELAY) != 0);
    CHECK(geti(c, IPPROTO_TCP, TCP_NODELAY) != 0);
    printf("TCP_MAXSEG %d\n", geti(c, IPPROTO_TCP, TCP_MAXSEG));
    struct tcp_info ti;
    socklen_t til = sizeof ti;
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &til) == 0);
    printf("TCP_INFO state %d (ESTABLISHED=%d) rtt %u\n", ti.tcpi_state, TCP_ESTABLISHED, ti.tcpi_rtt);
    CHECK(ti.tcpi_state == TCP_ESTABLISHED);
    CHECK(setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) == 0);
    CHECK(geti(c, SOL_SOCKET, SO_KEEPALIVE) == 1);
    int sz = 65536;
    CHECK(setsockopt(c, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) == 0);
    printf("SO_RCVBUF after setting 65536: %d\n", geti(c, SOL_SOCKET, SO_RCVBUF));
    printf("SO_SNDBUF %d\n", geti(c, SOL_SOCKET, SO_SNDBUF));
    struct linger lg = { 1, 0 };
    CHECK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
    struct linger lg2;
    socklen_t lgl = sizeof lg2;
    CHECK(getsockopt(s, SOL_SOCKET, SO_LINGER, &lg2, &lgl) == 0);
    printf("SO_LINGER %d/%d\n", lg2.l_onoff, lg2.l_linger);
    CHECK(lg2.l_onoff == 1 && lg2.l_linger == 0);
    struct timeval tv = { 1, 500000 }, tv2;
    CHECK(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    socklen_t tvl = sizeof tv2;
    CHECK(getsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tvl) == 0);
    printf("SO_RCVTIMEO %ld.%06ld\n", (long)tv2.tv_sec, (long)tv2.tv_usec);
    CHECK(tv2.tv_sec == 1 && tv2.tv_usec == 500000);
    printf("SO_ERROR %d\n", geti(c, SOL_SOCKET, SO_ERROR));
    r = getsockopt(c, SOL_SOCKET, 9999, &sz, &tvl);
    printf("getsockopt unknown option -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOPROTOOPT);

    /* RST via linger 0 -> client read gets ECONNRESET */
    close(s);
    char b;
    ssize_t n = read(c, &b, 1);
    printf("read after RST -> %zd errno %d\n", n, n < 0 ? errno : 0);
    CHECK(n == -1 && errno == ECONNRESET);
    close(c);
    close(ls);

    /* UDP and unix names */
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u >= 0);
    struct sockaddr_in ua;
    socklen_t ual = sizeof ua;
    CHECK(getsockname(u, (struct sockaddr *)&ua, &ual) == 0);
    printf("unbound UDP: family %d port %d\n", ua.sin_family, ntohs(ua.sin_port));
    CHECK(ua.sin_port == 0);
    CHECK(geti(u, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    close(u);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct sockaddr_un un;
    socklen_t unl = sizeof un;
    CHECK(getsockname(sv[0], (struct sockaddr *)&un, &unl) == 0);
    printf("socketpair getsockname family %d len %u\n", un.sun_family, unl);
    CHECK(un.sun_family == AF_UNIX);
    close(sv[0]);
    close(sv[1]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
