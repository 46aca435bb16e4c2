/* poll on pipes: timeout with nothing ready, POLLIN, POLLOUT, POLLHUP, POLLNVAL, ppoll. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0);
    struct pollfd fds[3] = {
        { .fd = a[0], .events = POLLIN },
        { .fd = b[0], .events = POLLIN },
        { .fd = a[1], .events = POLLOUT },
    };
    int r = poll(fds, 2, 0);
    printf("poll nothing ready, timeout 0 -> %d\n", r);
    CHECK(r == 0);
    r = poll(fds, 2, 5);
    printf("poll nothing ready, timeout 5ms -> %d\n", r);
    CHECK(r == 0);

    r = poll(fds, 3, 1000);
    printf("poll with writable end -> %d revents %#x %#x %#x\n", r, fds[0].revents, fds[1].revents, fds[2].revents);
    CHECK(r == 1 && fds[2].revents == POLLOUT);

    CHECK(write(b[1], "x", 1) == 1);
    r = poll(fds, 2, 1000);
    printf("after write to b -> %d revents %#x %#x\n", r, fds[0].revents, fds[1].revents);
    CHECK(r == 1 && fds[0].revents == 0 && fds[1].revents == POLLIN);
    char c;
    CHECK(read(b[0], &c, 1) == 1);

    CHECK(write(a[1], "yz", 2) == 2);
    CHECK(write(b[1], "w", 1) == 1);
    r = poll(fds, 2, 1000);
    printf("both readable -> %d revents %#x %#x\n", r, fds[0].revents, fds[1].revents);
    CHECK(r == 2);

    /* writer closed: POLLHUP (with remaining data also POLLIN) */
    close(a[1]);
    r = poll(fds, 1, 1000);
    printf("writer closed with data -> %d revents %#x\n", r, fds[0].revents);
    CHECK(r == 1 && (fds[0].revents & POLLHUP) && (fds[0].revents & POLLIN));
    char buf[4];
    CHECK(read(a[0], buf, sizeof buf) == 2);
    r = poll(fds, 1, 1000);
    printf("writer closed, drained -> %d revents %#x\n", r, fds[0].revents);
    CHECK(r == 1 && fds[0].revents == POLLHUP);

    /* reader closed: POLLERR on the write end */
    struct pollfd w = { .fd = b[1], .events = POLLOUT };
    close(b[0]);
    r = poll(&w, 1, 1000);
    printf("reader closed -> %d revents %#x\n", r, w.revents);
    CHECK(r == 1 && (w.revents & POLLERR));

    /* invalid fd and negative fd */
    struct pollfd bad[2] = { { .fd = 9999, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
    r = poll(bad, 2, 0);
    printf("invalid fd -> %d revents %#x, negative fd revents %#x\n", r, bad[0].revents, bad[1].revents);
    CHECK(r == 1 && bad[0].revents == POLLNVAL && bad[1].revents == 0);

    /* ppoll with timeout and signal mask */
    int c2[2];
    CHECK(pipe(c2) == 0);
    struct pollfd pp = { .fd = c2[0], .events = POLLIN };
    struct timespec ts = { 0, 3 * 1000 * 1000 };
    sigset_t mask;
    sigemptyset(&mask);
    r = ppoll(&pp, 1, &ts, &mask);
    printf("ppoll 3ms timeout -> %d\n", r);
    CHECK(r == 0);
    CHECK(write(c2[1], "q", 1) == 1);
    r = ppoll(&pp, 1, &ts, NULL);
    printf("ppoll ready -> %d revents %#x\n", r, pp.revents);
    CHECK(r == 1 && pp.revents == POLLIN);
    close(c2[0]);
    close(c2[1]);
    close(a[0]);
    close(b[1]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
