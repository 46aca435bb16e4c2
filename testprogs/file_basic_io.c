/* open/openat/read/write/close on a file in a fresh temp directory. */
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
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    printf("tmpdir %s\n", dir);

    char path[256];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0);
    printf("open for write -> fd %d\n", fd);
    const char msg[] = "hello from rtt test program\nsecond line\n";
    ssize_t n = write(fd, msg, sizeof msg - 1);
    printf("write -> %zd\n", n);
    CHECK(n == (ssize_t)(sizeof msg - 1));
    CHECK(close(fd) == 0);

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int fd2 = openat(dfd, "a.txt", O_RDONLY);
    CHECK(fd2 >= 0);
    printf("openat -> fd %d (dirfd %d)\n", fd2, dfd);
    char buf[256];
    memset(buf, 0, sizeof buf);
    /* read in small pieces to exercise multiple reads */
    size_t total = 0;
    for (int i = 0; i < 100; i++) {
        ssize_t r = read(fd2, buf + total, 7);
        CHECK(r >= 0);
        printf("read chunk %d -> %zd\n", i, r);
        if (r == 0)
            break;
        total += r;
    }
    printf("total read %zu: %s", total, buf);
    CHECK(total == sizeof msg - 1);
    CHECK(memcmp(buf, msg, total) == 0);

    /* openat with O_CREAT|O_EXCL on existing file fails */
    int fd3 = openat(dfd, "a.txt", O_CREAT | O_EXCL | O_WRONLY, 0600);
    int e = errno;
    printf("openat O_EXCL existing -> %d errno %d (%s)\n", fd3, e, strerror(e));
    CHECK(fd3 == -1 && e == EEXIST);

    /* reading a nonexistent file */
    int fd4 = openat(dfd, "missing", O_RDONLY);
    e = errno;
    printf("openat missing -> %d errno %d (%s)\n", fd4, e, strerror(e));
    CHECK(fd4 == -1 && e == ENOENT);

    /* read on a write-only fd */
    int fd5 = openat(dfd, "a.txt", O_WRONLY | O_APPEND);
    CHECK(fd5 >= 0);
    n = read(fd5, buf, 1);
    e = errno;
    printf("read on O_WRONLY fd -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == EBADF);
    CHECK(write(fd5, "x", 1) == 1);
    CHECK(close(fd5) == 0);

    CHECK(close(fd2) == 0);
    n = close(fd2);
    e = errno;
    printf("double close -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == EBADF);

    CHECK(unlinkat(dfd, "a.txt", 0) == 0);
    CHECK(close(dfd) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
