/* truncate/ftruncate: shrink, grow (zero fill), errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static long long fsize(int fd)
{
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    return st.st_size;
}

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/t", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char buf[100];
    memset(buf, 'q', sizeof buf);
    CHECK(write(fd, buf, sizeof buf) == 100);
    printf("initial size %lld\n", fsize(fd));

    CHECK(ftruncate(fd, 40) == 0);
    printf("after ftruncate(40): %lld\n", fsize(fd));
    CHECK(fsize(fd) == 40);
    CHECK(ftruncate(fd, 8192) == 0);
    printf("after ftruncate(8192): %lld\n", fsize(fd));
    CHECK(fsize(fd) == 8192);
    char b2[100];
    CHECK(pread(fd, b2, 100, 0) == 100);
    for (int i = 0; i < 40; i++)
        CHECK(b2[i] == 'q');
    for (int i = 40; i < 100; i++)
        CHECK(b2[i] == 0);

    CHECK(truncate(path, 10) == 0);
    printf("after truncate(path, 10): %lld\n", fsize(fd));
    CHECK(fsize(fd) == 10);
    /* file offset is unaffected: writing at offset 100 leaves a hole */
    printf("offset still %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    CHECK(lseek(fd, 0, SEEK_CUR) == 100);
    CHECK(write(fd, "E", 1) == 1);
    CHECK(fsize(fd) == 101);

    int r = ftruncate(fd, -1);
    int e = errno;
    printf("ftruncate(-1) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EINVAL);
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0);
    r = ftruncate(ro, 0);
    e = errno;
    printf("ftruncate on O_RDONLY -> %d errno %d\n", r, e);
    CHECK(r == -1 && (e == EINVAL || e == EBADF));
    close(ro);
    r = truncate(dir, 0);
    e = errno;
    printf("truncate on directory -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EISDIR);

    int tfd = open(path, O_RDWR | O_TRUNC);
    CHECK(tfd >= 0);
    printf("after O_TRUNC open: %lld\n", fsize(fd));
    CHECK(fsize(fd) == 0);
    close(tfd);
    close(fd);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
