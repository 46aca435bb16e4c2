/* fsync/fdatasync/syncfs/sync_file_range on a file and a directory; EINVAL on a pipe. */
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
    snprintf(path, sizeof path, "%s/s", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    int r;
    char buf[8192];
    for (int i = 0; i < (int)sizeof buf; i++)
        buf[i] = (char)(i * 7);
    CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf);
    r = fsync(fd);
    printf("fsync -> %d\n", r);
    CHECK(r == 0);
    CHECK(write(fd, buf, 100) == 100);
    r = fdatasync(fd);
    printf("fdatasync -> %d\n", r);
    CHECK(r == 0);
    r = sync_file_range(fd, 0, 4096, SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    printf("sync_file_range -> %d\n", r);
    CHECK(r == 0);
    r = syncfs(fd);
    printf("syncfs -> %d\n", r);
    CHECK(r == 0);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    r = fsync(dfd);
    printf("fsync(dir) -> %d\n", r);
    CHECK(r == 0);
    close(dfd);

    int p[2];
    CHECK(pipe(p) == 0);
    r = fsync(p[1]);
    int e = errno;
    printf("fsync(pipe) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EINVAL);
    close(p[0]);
    close(p[1]);
    r = fdatasync(999);
    e = errno;
    printf("fdatasync(999) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EBADF);

    char back[8192];
    CHECK(pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back);
    CHECK(memcmp(back, buf, sizeof buf) == 0);
    close(fd);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
