/* unix datagram sockets: bound paths in a temp dir, sendto/recvfrom with sender address, abstract names, socketpair boundaries. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct sockaddr_un sa = { .sun_family = AF_UNIX }, ca = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/server.sock", dir);
    snprintf(ca.sun_path, sizeof ca.sun_path, "%s/client.sock", dir);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(s >= 0 && c >= 0);
    CHECK(bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(bind(c, (struct sockaddr *)&ca, sizeof ca) == 0);
    int s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(s2 >= 0);
    int r = bind(s2, (struct sockaddr *)&sa, sizeof sa);
    printf("bind to used path -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EADDRINUSE);
    close(s2);

    for (int i = 0; i < 5; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof msg, "datagram %d%.*s", i, i, "!!!!!");
        CHECK(sendto(c, msg, len, 0, (struct sockaddr *)&sa, sizeof sa) == len);
    }
    for (int i = 0; i < 5; i++) {
        char buf[64];
        struct sockaddr_un from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        CHECK(n > 0);
        printf("recvfrom -> %zd '%.*s' from %s\n", n, (int)n, buf,
               strcmp(from.sun_path, ca.sun_path) == 0 ? "client.sock" : from.sun_path);
        CHECK(n == 10 + i && strcmp(from.sun_path, ca.sun_path) == 0);
        /* reply to the sender's address */
        CHECK(sendto(s, buf, 1, 0, (struct sockaddr *)&from, fl) == 1);
    }
    char rb[8];
    for (int i = 0; i < 5; i++)
        CHECK(recv(c, rb, sizeof rb, 0) == 1 && rb[0] == 'd');

    /* abstract namespace socket with a pid-based name */
    struct sockaddr_un aa = { .sun_family = AF_UNIX };
    int alen = snprintf(aa.sun_path + 1, sizeof aa.sun_path - 1, "rtt-tp-%d", getpid()) + 1;
    socklen_t asl = offsetof(struct sockaddr_un, sun_path) + alen;
    int as = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(as >= 0);
    CHECK(bind(as, (struct sockaddr *)&aa, asl) == 0);
    CHECK(sendto(c, "abstract", 8, 0, (struct sockaddr *)&aa, asl) == 8);
    char buf[32];
    ssize_t n = recv(as, buf, sizeof buf, 0);
    printf("abstract socket @%s got %zd bytes\n", aa.sun_path + 1, n);
    CHECK(n == 8 && memcmp(buf, "abstract", 8) == 0);
    struct sockaddr_un got;
    socklen_t gl = sizeof got;
    CHECK(getsockname(as, (struct sockaddr *)&got, &gl) == 0);
    CHECK(gl == asl && got.sun_path[0] == 0);

    /* datagram socketpair keeps boundaries */
    int sp[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) == 0);
    CHECK(send(sp[0], "one", 3, 0) == 3 && send(sp[0], "three", 5, 0) == 5);
    CHECK(send(sp[0], "", 0, 0) == 0);
    n = recv(sp[1], buf, sizeof buf, 0);
    CHECK(n == 3);
    n = recv(sp[1], buf, sizeof buf, 0);
    CHECK(n == 5);
    n = recv(sp[1], buf, sizeof buf, 0);
    printf("dgram socketpair boundaries ok, empty datagram -> %zd\n", n);
    CHECK(n == 0);
    close(sp[0]);
    close(sp[1]);

    /* sending to a path with nobody bound */
    CHECK(unlink(sa.sun_path) == 0);
    r = sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sizeof sa);
    printf("sendto unbound path -> %d errno %d\n", r, errno);
    CHECK(r == -1 && (errno == ENOENT || errno == ECONNREFUSED));
    close(s);
    close(c);
    close(as);
    CHECK(unlink(ca.sun_path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
