/* timerfd: periodic 2ms timer read until >= 5 expirations, timerfd_gettime, one-shot absolute, nonblocking EAGAIN, epoll. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(fd >= 0);
    struct itimerspec its = { .it_interval = { 0, 2000000 }, .it_value = { 0, 2000000 } };
    CHECK(timerfd_settime(fd, 0, &its, NULL) == 0);
    struct itimerspec cur;
    CHECK(timerfd_gettime(fd, &cur) == 0);
    printf("gettime: interval %ld.%09ld value %ld.%09ld\n", (long)cur.it_interval.tv_sec,
           cur.it_interval.tv_nsec, (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
    CHECK(cur.it_interval.tv_nsec == 2000000 && cur.it_value.tv_nsec <= 2000000);

    uint64_t total = 0;
    int reads = 0;
    while (total < 5) {
        uint64_t exp;
        CHECK(read(fd, &exp, sizeof exp) == 8);
        printf("read %d: %llu expirations\n", reads, (unsigned long long)exp);
        CHECK(exp >= 1);
        total += exp;
        reads++;
        CHECK(reads < 1000);
    }
    printf("total %llu expirations in %d reads\n", (unsigned long long)total, reads);

    /* disarm; nonblocking read then gives EAGAIN */
    struct itimerspec zero = { { 0, 0 }, { 0, 0 } }, old;
    CHECK(timerfd_settime(fd, 0, &zero, &old) == 0);
    printf("old interval when disarming %ld.%09ld\n", (long)old.it_interval.tv_sec, old.it_interval.tv_nsec);
    close(fd);

    int nb = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    CHECK(nb >= 0);
    uint64_t exp;
    ssize_t n = read(nb, &exp, sizeof exp);
    printf("read of unarmed nonblocking timerfd -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EAGAIN);

    /* one-shot absolute timer 3ms in the future, waited for with epoll */
    struct timespec now;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    struct itimerspec abs = { { 0, 0 }, now };
    abs.it_value.tv_nsec += 3000000;
    if (abs.it_value.tv_nsec >= 1000000000) {
        abs.it_value.tv_sec++;
        abs.it_value.tv_nsec -= 1000000000;
    }
    CHECK(timerfd_settime(nb, TFD_TIMER_ABSTIME, &abs, NULL) == 0);
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 77 };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, nb, &ev) == 0);
    struct epoll_event out;
    int r = epoll_wait(ep, &out, 1, 5000);
    CHECK(r == 1 && out.data.u32 == 77);
    CHECK(read(nb, &exp, sizeof exp) == 8);
    printf("absolute one-shot fired: %llu expiration(s)\n", (unsigned long long)exp);
    CHECK(exp == 1);
    struct timespec after;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &after) == 0);
    printf("fired at %lld.%09ld target %lld.%09ld\n", (long long)after.tv_sec, after.tv_nsec,
           (long long)abs.it_value.tv_sec, abs.it_value.tv_nsec);
    n = read(nb, &exp, sizeof exp);
    CHECK(n == -1 && errno == EAGAIN);

    /* realtime clock timerfd with a past absolute time fires immediately */
    int rt = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    CHECK(rt >= 0);
    struct itimerspec past = { { 0, 0 }, { 1, 0 } };
    CHECK(timerfd_settime(rt, TFD_TIMER_ABSTIME, &past, NULL) == 0);
    r = epoll_wait(ep, &out, 1, 0); /* unrelated fd; just exercise */
    CHECK(r == 0);
    CHECK(read(rt, &exp, sizeof exp) == 8);
    printf("past realtime timer -> %llu expiration(s)\n", (unsigned long long)exp);
    CHECK(exp == 1);
    close(rt);
    close(ep);
    close(nb);
    printf("EXIT-SUCCESS\n");
    return 0;
}
