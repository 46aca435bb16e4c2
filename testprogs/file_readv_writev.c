/* readv/writev/preadv/pwritev scatter-gather I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/v.txt", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);

    char a[] = "alpha-", b[] = "beta-", c[] = "gamma\n";
    struct iovec wv[3] = {
        { a, strlen(a) }, { b, strlen(b) }, { c, strlen(c) },
    };
    ssize_t n = writev(fd, wv, 3);
    printf("writev -> %zd\n", n);
    CHECK(n == 17);
    n = pwritev(fd, wv, 3, 100);
    printf("pwritev at 100 -> %zd\n", n);
    CHECK(n == 17);

    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char r1[4], r2[8], r3[32];
    memset(r3, 0, sizeof r3);
    struct iovec rv[3] = { { r1, sizeof r1 }, { r2, sizeof r2 }, { r3, sizeof r3 } };
    n = readv(fd, rv, 3);
    printf("readv -> %zd\n", n);
    CHECK(n == 44); /* 4 + 8 + 32: file is 117 bytes */
    printf("r1=%.4s r2=%.8s\n", r1, r2);
    CHECK(memcmp(r1, "alph", 4) == 0);
    CHECK(memcmp(r2, "a-beta-g", 8) == 0);
    CHECK(memcmp(r3, "amma\n", 5) == 0);
    for (int i = 5; i < 32; i++)
        CHECK(r3[i] == 0);

    char s1[6], s2[11];
    struct iovec pv[2] = { { s1, sizeof s1 }, { s2, sizeof s2 } };
    n = preadv(fd, pv, 2, 100);
    printf("preadv at 100 -> %zd: %.6s|%.11s", n, s1, s2);
    CHECK(n == 17);
    CHECK(memcmp(s1, "alpha-", 6) == 0 && memcmp(s2, "beta-gamma\n", 11) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 44);

    /* many small iovecs */
    char big[64];
    struct iovec many[64];
    for (int i = 0; i < 64; i++) {
        big[i] = 'A' + (i % 26);
        many[i].iov_base = &big[i];
        many[i].iov_len = 1;
    }
    n = pwritev(fd, many, 64, 200);
    CHECK(n == 64);
    char back[64];
    CHECK(pread(fd, back, 64, 200) == 64);
    CHECK(memcmp(back, big, 64) == 0);
    printf("64 one-byte iovecs ok: %.26s\n", back);

    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
