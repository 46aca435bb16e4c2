/* select/pselect on pipes: timeouts (and remaining-time update), readable/writable sets, EBADF. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0);
    int maxfd = a[0] > b[0] ? a[0] : b[0];
    maxfd = maxfd > a[1] ? maxfd : a[1];
    maxfd = maxfd > b[1] ? maxfd : b[1];

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    FD_SET(b[0], &rd);
    struct timeval tv = { 0, 4000 };
    int r = select(maxfd + 1, &rd, NULL, NULL, &tv);
    printf("select timeout 4ms -> %d, remaining %ld.%06ld\n", r, (long)tv.tv_sec, (long)tv.tv_usec);
    CHECK(r == 0 && tv.tv_sec == 0 && tv.tv_usec == 0);
    CHECK(!FD_ISSET(a[0], &rd) && !FD_ISSET(b[0], &rd));

    CHECK(write(b[1], "hi", 2) == 2);
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    FD_SET(b[0], &rd);
    fd_set wr;
    FD_ZERO(&wr);
    FD_SET(a[1], &wr);
    tv.tv_sec = 2;
    tv.tv_usec = 0;
    r = select(maxfd + 1, &rd, &wr, NULL, &tv);
    printf("select -> %d: a readable %d, b readable %d, a writable %d; remaining %ld.%06ld\n", r,
           FD_ISSET(a[0], &rd) != 0, FD_ISSET(b[0], &rd) != 0, FD_ISSET(a[1], &wr) != 0,
           (long)tv.tv_sec, (long)tv.tv_usec);
    CHECK(r == 2 && !FD_ISSET(a[0], &rd) && FD_ISSET(b[0], &rd) && FD_ISSET(a[1], &wr));
    CHECK(tv.tv_sec <= 2);

    /* EOF makes a read end readable */
    close(a[1]);
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    r = select(a[0] + 1, &rd, NULL, NULL, &tv);
    printf("select after writer close -> %d readable %d\n", r, FD_ISSET(a[0], &rd) != 0);
    CHECK(r == 1 && FD_ISSET(a[0], &rd));
    char c;
    CHECK(read(a[0], &c, 1) == 0);

    /* pselect with a sigmask and timespec (not modified) */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    struct timespec ts = { 0, 2000000 };
    FD_ZERO(&rd);
    FD_SET(b[0], &rd);
    r = pselect(b[0] + 1, &rd, NULL, NULL, &ts, &m);
    printf("pselect -> %d, ts unchanged %ld.%09ld\n", r, (long)ts.tv_sec, ts.tv_nsec);
    CHECK(r == 1 && ts.tv_nsec == 2000000);
    char buf[4];
    CHECK(read(b[0], buf, sizeof buf) == 2);
    FD_ZERO(&rd);
    FD_SET(b[0], &rd);
    r = pselect(b[0] + 1, &rd, NULL, NULL, &ts, &m);
    printf("pselect empty -> %d\n", r);
    CHECK(r == 0);

    /* EBADF */
    close(a[0]);
    FD_ZERO(&rd);
    FD_SET(a[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    r = select(a[0] + 1, &rd, NULL, NULL, &tv);
    printf("select on closed fd -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EBADF);

    /* select with no fds as a sleep */
    tv.tv_sec = 0;
    tv.tv_usec = 1000;
    r = select(0, NULL, NULL, NULL, &tv);
    printf("select(0) sleep -> %d\n", r);
    CHECK(r == 0);
    close(b[0]);
    close(b[1]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
