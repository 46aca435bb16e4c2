/* pipe/pipe2 within one process: data, EOF, O_NONBLOCK EAGAIN, O_CLOEXEC, capacity. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    printf("pipe -> [%d, %d]\n", p[0], p[1]);
    CHECK(write(p[1], "hello pipe", 10) == 10);
    char buf[64];
    ssize_t n = read(p[0], buf, sizeof buf);
    printf("read -> %zd '%.*s'\n", n, (int)n, buf);
    CHECK(n == 10 && memcmp(buf, "hello pipe", 10) == 0);
    close(p[1]);
    n = read(p[0], buf, sizeof buf);
    printf("read after writer closed -> %zd\n", n);
    CHECK(n == 0);
    close(p[0]);

    int q[2];
    CHECK(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0);
    printf("pipe2 -> [%d, %d] flags %#x fdflags %d\n", q[0], q[1], fcntl(q[0], F_GETFL),
           fcntl(q[1], F_GETFD));
    CHECK(fcntl(q[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(q[1], F_GETFD) == FD_CLOEXEC);
    n = read(q[0], buf, sizeof buf);
    int e = errno;
    printf("nonblocking read on empty pipe -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == EAGAIN);

    int cap = fcntl(q[1], F_GETPIPE_SZ);
    printf("pipe capacity %d\n", cap);
    CHECK(cap > 0);
    /* fill the pipe until EAGAIN */
    static char chunk[4096];
    long total = 0;
    for (int i = 0; i < 1000; i++) {
        for (int j = 0; j < 4096; j++)
            chunk[j] = (char)(total + j);
        n = write(q[1], chunk, sizeof chunk);
        if (n < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        total += n;
    }
    printf("filled pipe with %ld bytes\n", total);
    CHECK(total == cap);
    /* drain and verify the byte pattern */
    long got = 0;
    for (int i = 0; i < 1000 && got < total; i++) {
        n = read(q[0], chunk, 1000);
        CHECK(n > 0);
        for (ssize_t j = 0; j < n; j++)
            CHECK(chunk[j] == (char)(got + j)); /* byte value == stream position */
        got += n;
    }
    printf("drained %ld bytes\n", got);
    CHECK(got == total);

    /* pipe2 with O_DIRECT: packet mode keeps message boundaries */
    int r2[2];
    if (pipe2(r2, O_DIRECT) == 0) {
        CHECK(write(r2[1], "one", 3) == 3);
        CHECK(write(r2[1], "three", 5) == 5);
        n = read(r2[0], buf, sizeof buf);
        printf("O_DIRECT pipe first read -> %zd\n", n);
        CHECK(n == 3);
        n = read(r2[0], buf, sizeof buf);
        printf("O_DIRECT pipe second read -> %zd\n", n);
        CHECK(n == 5);
        close(r2[0]);
        close(r2[1]);
    } else {
        printf("O_DIRECT pipes unsupported (errno %d)\n", errno);
    }
    close(q[0]);
    close(q[1]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
