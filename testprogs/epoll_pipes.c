/* epoll_create1/epoll_ctl/epoll_wait/epoll_pwait on pipes: level vs edge triggered, EPOLLONESHOT, MOD, DEL. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    int p[3][2];
    for (int i = 0; i < 3; i++)
        CHECK(pipe(p[i]) == 0);
    struct epoll_event ev;
    ev.events = EPOLLIN;
    ev.data.u64 = 0x1000;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0][0], &ev) == 0);
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 0x2000;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1][0], &ev) == 0);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 0x3000;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[2][0], &ev) == 0);
    int r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0][0], &ev);
    printf("double add -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EEXIST);

    struct epoll_event out[8];
    int n = epoll_wait(ep, out, 8, 3);
    printf("nothing ready (3ms) -> %d\n", n);
    CHECK(n == 0);

    for (int i = 0; i < 3; i++)
        CHECK(write(p[i][1], "ab", 2) == 2);
    n = epoll_wait(ep, out, 8, 1000);
    printf("all written -> %d:", n);
    unsigned long long seen = 0;
    for (int i = 0; i < n; i++) {
        printf(" %#llx/%#x", (unsigned long long)out[i].data.u64, out[i].events);
        seen |= out[i].data.u64;
    }
    printf("\n");
    CHECK(n == 3 && seen == 0x3000);

    /* second wait without reading: level-triggered fires again, edge and oneshot do not */
    n = epoll_wait(ep, out, 8, 0);
    printf("again without reading -> %d first %#llx\n", n, n ? (unsigned long long)out[0].data.u64 : 0ULL);
    CHECK(n == 1 && out[0].data.u64 == 0x1000);

    /* new data on the edge-triggered pipe re-arms it */
    CHECK(write(p[1][1], "c", 1) == 1);
    n = epoll_wait(ep, out, 8, 1000);
    printf("after new data -> %d\n", n);
    CHECK(n == 2);
    /* oneshot re-armed by EPOLL_CTL_MOD */
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 0x3001;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[2][0], &ev) == 0);
    char buf[8];
    CHECK(read(p[0][0], buf, sizeof buf) == 2);
    CHECK(read(p[1][0], buf, sizeof buf) == 3);
    n = epoll_wait(ep, out, 8, 1000);
    printf("after MOD of oneshot -> %d data %#llx\n", n, n ? (unsigned long long)out[0].data.u64 : 0ULL);
    CHECK(n == 1 && out[0].data.u64 == 0x3001);

    /* DEL and hangup */
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[2][0], NULL) == 0);
    r = epoll_ctl(ep, EPOLL_CTL_DEL, p[2][0], NULL);
    printf("double del -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);
    close(p[0][1]);
    n = epoll_wait(ep, out, 8, 1000);
    printf("writer closed -> %d events %#x (EPOLLHUP=%#x)\n", n, n ? out[0].events : 0, EPOLLHUP);
    CHECK(n == 1 && (out[0].events & EPOLLHUP) && out[0].data.u64 == 0x1000);

    /* epoll_pwait with a signal mask; maxevents=1 gets one at a time */
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0][0], NULL) == 0);
    int q[2][2];
    CHECK(pipe(q[0]) == 0 && pipe(q[1]) == 0);
    for (int i = 0; i < 2; i++) {
        ev.events = EPOLLIN;
        ev.data.fd = q[i][0];
        CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, q[i][0], &ev) == 0);
        CHECK(write(q[i][1], "z", 1) == 1);
    }
    sigset_t m;
    sigemptyset(&m);
    int got = 0;
    for (int i = 0; i < 2; i++) {
        n = epoll_pwait(ep, out, 1, 1000, &m);
        CHECK(n == 1);
        CHECK(read(out[0].data.fd, buf, 1) == 1);
        got++;
    }
    printf("epoll_pwait one at a time: %d\n", got);
    n = epoll_wait(ep, out, 8, 0);
    CHECK(n == 0);

    /* epoll fd itself is pollable */
    int ep2 = epoll_create1(0);
    CHECK(ep2 >= 0);
    ev.events = EPOLLIN;
    ev.data.u64 = 42;
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev) == 0);
    CHECK(write(q[0][1], "y", 1) == 1);
    n = epoll_wait(ep2, out, 8, 1000);
    printf("nested epoll -> %d data %llu\n", n, (unsigned long long)out[0].data.u64);
    CHECK(n == 1 && out[0].data.u64 == 42);

    close(ep2);
    close(ep);
    printf("EXIT-SUCCESS\n");
    return 0;
}
