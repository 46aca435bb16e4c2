/* dup/dup2/dup3: fd numbers, shared offsets, O_CLOEXEC, error cases, redirecting stdout. */
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
    char path[256];
    snprintf(path, sizeof path, "%s/d", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);

    int a = dup(fd);
    printf("dup(%d) -> %d\n", fd, a);
    CHECK(a > fd);
    CHECK(write(fd, "abc", 3) == 3);
    CHECK(write(a, "def", 3) == 3); /* shared offset: appended after abc */

    int b = dup2(fd, 40);
    printf("dup2(%d, 40) -> %d\n", fd, b);
    CHECK(b == 40);
    CHECK(dup2(fd, fd) == fd); /* no-op */
    int c = dup3(fd, 41, O_CLOEXEC);
    printf("dup3(%d, 41, O_CLOEXEC) -> %d, FD_CLOEXEC=%d\n", fd, c, fcntl(c, F_GETFD));
    CHECK(c == 41 && fcntl(c, F_GETFD) == FD_CLOEXEC);
    int r = dup3(fd, fd, 0);
    int e = errno;
    printf("dup3 same fd -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EINVAL);
    r = dup(12345);
    e = errno;
    printf("dup(12345) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EBADF);

    /* dup2 onto an open fd closes it silently */
    int other = open("/dev/null", O_RDONLY);
    CHECK(other >= 0);
    CHECK(dup2(fd, other) == other);
    CHECK(write(other, "ghi", 3) == 3);

    /* temporarily redirect stdout into the file */
    fflush(stdout);
    int saved = dup(1);
    CHECK(saved >= 0);
    CHECK(dup2(fd, 1) == 1);
    CHECK(write(1, "jkl", 3) == 3);
    CHECK(dup2(saved, 1) == 1);
    close(saved);

    char buf[32];
    memset(buf, 0, sizeof buf);
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    printf("file contents (%zd): %s\n", n, buf);
    CHECK(n == 12 && strcmp(buf, "abcdefghijkl") == 0);

    close(a);
    close(b);
    close(c);
    close(other);
    close(fd);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
