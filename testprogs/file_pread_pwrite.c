/* pread/pwrite at explicit offsets; file offset must not move. */
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
    snprintf(path, sizeof path, "%s/p.bin", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);

    /* write blocks backwards with pwrite, leaving a hole at the start */
    for (int i = 9; i >= 1; i--) {
        char blk[100];
        memset(blk, 'a' + i, sizeof blk);
        ssize_t n = pwrite(fd, blk, sizeof blk, (off_t)i * 1000);
        CHECK(n == (ssize_t)sizeof blk);
    }
    off_t cur = lseek(fd, 0, SEEK_CUR);
    printf("offset after pwrites: %lld\n", (long long)cur);
    CHECK(cur == 0);

    for (int i = 0; i <= 8; i++) {
        char blk[100];
        ssize_t n = pread(fd, blk, sizeof blk, (off_t)i * 1000 + 50);
        CHECK(n == (ssize_t)sizeof blk);
        /* first 50 bytes belong to block i, then zeros (hole) */
        char want = i == 0 ? 0 : 'a' + i;
        for (int j = 0; j < 50; j++)
            CHECK(blk[j] == want);
        for (int j = 50; j < 100; j++)
            CHECK(blk[j] == 0);
        printf("pread block %d at %d: first byte %d\n", i, i * 1000 + 50, blk[0]);
    }
    /* pread at EOF */
    char b[10];
    ssize_t n = pread(fd, b, sizeof b, 9100);
    printf("pread at EOF -> %zd\n", n);
    CHECK(n == 0);
    n = pread(fd, b, sizeof b, 9095);
    printf("pread straddling EOF -> %zd\n", n);
    CHECK(n == 5);
    /* pwrite on a pipe fails with ESPIPE */
    int p[2];
    CHECK(pipe(p) == 0);
    n = pwrite(p[1], "x", 1, 0);
    int e = errno;
    printf("pwrite on pipe -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == ESPIPE);
    close(p[0]);
    close(p[1]);
    cur = lseek(fd, 0, SEEK_CUR);
    CHECK(cur == 0);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
