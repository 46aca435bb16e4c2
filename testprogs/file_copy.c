/* sendfile and copy_file_range between files (with and without explicit offsets), sendfile to a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define SZ 100000

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    static char data[SZ], back[SZ];
    unsigned x = 12345;
    for (int i = 0; i < SZ; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (char)(x >> 16);
    }
    int src = openat(dfd, "src", O_CREAT | O_RDWR, 0600);
    CHECK(src >= 0);
    CHECK(write(src, data, SZ) == SZ);

    /* sendfile with explicit offset: src file offset unchanged */
    int d1 = openat(dfd, "dst1", O_CREAT | O_RDWR, 0600);
    CHECK(d1 >= 0);
    off_t off = 0;
    long total = 0;
    for (int i = 0; i < 100 && total < SZ; i++) {
        ssize_t n = sendfile(d1, src, &off, SZ - total);
        CHECK(n > 0);
        total += n;
    }
    printf("sendfile copied %ld bytes, offset now %lld, src pos %lld\n", total, (long long)off,
           (long long)lseek(src, 0, SEEK_CUR));
    CHECK(total == SZ && off == SZ && lseek(src, 0, SEEK_CUR) == SZ);
    CHECK(pread(d1, back, SZ, 0) == SZ && memcmp(back, data, SZ) == 0);

    /* sendfile using the file position (NULL offset) */
    CHECK(lseek(src, 1000, SEEK_SET) == 1000);
    int d2 = openat(dfd, "dst2", O_CREAT | O_RDWR, 0600);
    CHECK(d2 >= 0);
    ssize_t n = sendfile(d2, src, NULL, 500);
    printf("sendfile(NULL offset, 500) -> %zd, src pos %lld\n", n, (long long)lseek(src, 0, SEEK_CUR));
    CHECK(n == 500 && lseek(src, 0, SEEK_CUR) == 1500);
    CHECK(pread(d2, back, 500, 0) == 500 && memcmp(back, data + 1000, 500) == 0);

    /* sendfile into a pipe */
    int p[2];
    CHECK(pipe(p) == 0);
    off = 7;
    n = sendfile(p[1], src, &off, 300);
    printf("sendfile to pipe -> %zd\n", n);
    CHECK(n == 300);
    CHECK(read(p[0], back, sizeof back) == 300 && memcmp(back, data + 7, 300) == 0);
    close(p[0]);
    close(p[1]);

    /* copy_file_range with offsets */
    int d3 = openat(dfd, "dst3", O_CREAT | O_RDWR, 0600);
    CHECK(d3 >= 0);
    loff_t in = 5000, out = 100;
    total = 0;
    for (int i = 0; i < 100 && total < 20000; i++) {
        n = copy_file_range(src, &in, d3, &out, 20000 - total, 0);
        if (n < 0 && (errno == ENOSYS || errno == EXDEV)) {
            printf("copy_file_range unsupported here (errno %d)\n", errno);
            break;
        }
        CHECK(n > 0);
        total += n;
    }
    if (total) {
        printf("copy_file_range copied %ld, in=%lld out=%lld\n", total, (long long)in, (long long)out);
        CHECK(total == 20000 && in == 25000 && out == 20100);
        CHECK(pread(d3, back, 20100, 0) == 20100);
        for (int i = 0; i < 100; i++)
            CHECK(back[i] == 0);
        CHECK(memcmp(back + 100, data + 5000, 20000) == 0);
        /* copy_file_range using file positions */
        CHECK(lseek(src, 0, SEEK_SET) == 0);
        CHECK(lseek(d3, 0, SEEK_SET) == 0);
        n = copy_file_range(src, NULL, d3, NULL, 64, 0);
        printf("copy_file_range(NULL offsets, 64) -> %zd, positions %lld %lld\n", n,
               (long long)lseek(src, 0, SEEK_CUR), (long long)lseek(d3, 0, SEEK_CUR));
        CHECK(n == 64 && lseek(src, 0, SEEK_CUR) == 64 && lseek(d3, 0, SEEK_CUR) == 64);
        CHECK(pread(d3, back, 64, 0) == 64 && memcmp(back, data, 64) == 0);
    }

    close(src);
    close(d1);
    close(d2);
    close(d3);
    CHECK(unlinkat(dfd, "src", 0) == 0);
    CHECK(unlinkat(dfd, "dst1", 0) == 0);
    CHECK(unlinkat(dfd, "dst2", 0) == 0);
    CHECK(unlinkat(dfd, "dst3", 0) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
