/* eventfd: counter semantics, EFD_NONBLOCK EAGAIN, EFD_SEMAPHORE, poll readiness, use across fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int fd = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0);
    uint64_t v = 3;
    CHECK(write(fd, &v, sizeof v) == 8);
    v = 4;
    CHECK(write(fd, &v, sizeof v) == 8);
    CHECK(read(fd, &v, sizeof v) == 8);
    printf("eventfd counter read -> %llu\n", (unsigned long long)v);
    CHECK(v == 12);
    ssize_t n = read(fd, &v, sizeof v);
    printf("read of zero counter -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EAGAIN);
    n = read(fd, &v, 4);
    printf("short read buffer -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EINVAL);
    v = UINT64_MAX;
    n = write(fd, &v, sizeof v);
    printf("write UINT64_MAX -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EINVAL);

    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
    CHECK(poll(&p, 1, 0) == 1);
    printf("poll empty eventfd revents %#x\n", p.revents);
    CHECK(p.revents == POLLOUT);
    v = 1;
    CHECK(write(fd, &v, 8) == 8);
    CHECK(poll(&p, 1, 0) == 1);
    printf("poll non-empty eventfd revents %#x\n", p.revents);
    CHECK(p.revents == (POLLIN | POLLOUT));
    CHECK(read(fd, &v, 8) == 8 && v == 1);
    close(fd);

    int sfd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(sfd >= 0);
    int reads = 0;
    for (int i = 0; i < 10; i++) {
        if (read(sfd, &v, 8) != 8)
            break;
        CHECK(v == 1);
        reads++;
    }
    printf("semaphore eventfd gave %d reads of 1\n", reads);
    CHECK(reads == 3);
    close(sfd);

    /* blocking eventfd as a cross-process signal */
    int bfd = eventfd(0, 0);
    CHECK(bfd >= 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        uint64_t x = (uint64_t)getpid();
        CHECK(write(bfd, &x, 8) == 8);
        _exit(0);
    }
    CHECK(read(bfd, &v, 8) == 8);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("child %d posted %llu through eventfd\n", c, (unsigned long long)v);
    CHECK(v == (uint64_t)c);
    close(bfd);
    printf("EXIT-SUCCESS\n");
    return 0;
}
