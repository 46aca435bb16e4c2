/* UDP on 127.0.0.1: sendto/recvfrom, message boundaries, MSG_PEEK, MSG_TRUNC, connected UDP, sendmsg/recvmsg. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(a >= 0 && b >= 0);
    struct sockaddr_in aa = { .sin_family = AF_INET }, ba = { .sin_family = AF_INET };
    aa.sin_addr.s_addr = ba.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(a, (struct sockaddr *)&aa, sizeof aa) == 0);
    CHECK(bind(b, (struct sockaddr *)&ba, sizeof ba) == 0);
    socklen_t l = sizeof aa;
    CHECK(getsockname(a, (struct sockaddr *)&aa, &l) == 0);
    l = sizeof ba;
    CHECK(getsockname(b, (struct sockaddr *)&ba, &l) == 0);
    printf("a bound to port %d, b bound to port %d\n", ntohs(aa.sin_port), ntohs(ba.sin_port));

    const char *dgrams[] = { "first", "second datagram", "3" };
    for (int i = 0; i < 3; i++)
        CHECK(sendto(a, dgrams[i], strlen(dgrams[i]), 0, (struct sockaddr *)&ba, sizeof ba) ==
              (ssize_t)strlen(dgrams[i]));
    char buf[64];
    struct pollfd p = { .fd = b, .events = POLLIN };
    CHECK(poll(&p, 1, 5000) == 1);
    ssize_t n = recv(b, buf, sizeof buf, MSG_PEEK);
    printf("MSG_PEEK -> %zd '%.*s'\n", n, (int)n, buf);
    CHECK(n == 5);
    for (int i = 0; i < 3; i++) {
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        CHECK(poll(&p, 1, 5000) == 1);
        n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        printf("recvfrom -> %zd '%.*s' from port %d\n", n, (int)n, buf, ntohs(from.sin_port));
        CHECK(n == (ssize_t)strlen(dgrams[i]) && memcmp(buf, dgrams[i], n) == 0);
        CHECK(from.sin_port == aa.sin_port);
    }
    n = recv(b, buf, sizeof buf, MSG_DONTWAIT);
    printf("empty recv -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));

    /* truncation */
    CHECK(sendto(a, "0123456789", 10, 0, (struct sockaddr *)&ba, sizeof ba) == 10);
    CHECK(poll(&p, 1, 5000) == 1);
    n = recv(b, buf, 4, MSG_TRUNC);
    printf("recv 4 with MSG_TRUNC -> %zd (real length)\n", n);
    CHECK(n == 10 && memcmp(buf, "0123", 4) == 0);

    /* connected UDP with sendmsg/recvmsg and scatter */
    CHECK(connect(a, (struct sockaddr *)&ba, sizeof ba) == 0);
    char h[] = "head:", t[] = "tail";
    struct iovec iv[2] = { { h, 5 }, { t, 4 } };
    struct msghdr mh = { .msg_iov = iv, .msg_iovlen = 2 };
    CHECK(sendmsg(a, &mh, 0) == 9);
    char r1[3], r2[20];
    memset(r2, 0, sizeof r2);
    struct iovec rv[2] = { { r1, 3 }, { r2, sizeof r2 } };
    struct sockaddr_in from;
    struct msghdr rm = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = rv, .msg_iovlen = 2 };
    CHECK(poll(&p, 1, 5000) == 1);
    n = recvmsg(b, &rm, 0);
    printf("recvmsg -> %zd '%.3s' + '%s' flags %d\n", n, r1, r2, rm.msg_flags);
    CHECK(n == 9 && memcmp(r1, "hea", 3) == 0 && strcmp(r2, "d:tail") == 0);

    /* sendmmsg / recvmmsg */
    struct mmsghdr mm[4];
    char payload[4][8];
    struct iovec miov[4];
    for (int i = 0; i < 4; i++) {
        snprintf(payload[i], sizeof payload[i], "mm-%d", i);
        miov[i].iov_base = payload[i];
        miov[i].iov_len = strlen(payload[i]);
        memset(&mm[i], 0, sizeof mm[i]);
        mm[i].msg_hdr.msg_iov = &miov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    int sm = sendmmsg(a, mm, 4, 0);
    printf("sendmmsg -> %d\n", sm);
    CHECK(sm == 4);
    char rbuf[4][16];
    struct iovec riov[4];
    struct mmsghdr rmm[4];
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = rbuf[i];
        riov[i].iov_len = sizeof rbuf[i];
        memset(&rmm[i], 0, sizeof rmm[i]);
        rmm[i].msg_hdr.msg_iov = &riov[i];
        rmm[i].msg_hdr.msg_iovlen = 1;
    }
    int total = 0;
    for (int iter = 0; iter < 10 && total < 4; iter++) {
        CHECK(poll(&p, 1, 5000) == 1);
        int rc = recvmmsg(b, rmm + total, 4 - total, MSG_DONTWAIT, NULL);
        CHECK(rc > 0);
        total += rc;
    }
    for (int i = 0; i < 4; i++) {
        printf("recvmmsg[%d] len %u '%.*s'\n", i, rmm[i].msg_len, (int)rmm[i].msg_len, rbuf[i]);
        CHECK(rmm[i].msg_len == 4 && memcmp(rbuf[i], payload[i], 4) == 0);
    }
    close(a);
    close(b);
    printf("EXIT-SUCCESS\n");
    return 0;
}
