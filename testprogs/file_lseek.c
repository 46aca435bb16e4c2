/* lseek with SEEK_SET/CUR/END/DATA/HOLE, seeking past EOF, errors. */
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
    snprintf(path, sizeof path, "%s/s.bin", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    off_t o = lseek(fd, 0, SEEK_CUR);
    printf("SEEK_CUR after write: %lld\n", (long long)o);
    CHECK(o == 10);
    o = lseek(fd, 3, SEEK_SET);
    CHECK(o == 3);
    char c;
    CHECK(read(fd, &c, 1) == 1);
    printf("byte at 3: %c\n", c);
    CHECK(c == '3');
    o = lseek(fd, 2, SEEK_CUR);
    printf("SEEK_CUR +2: %lld\n", (long long)o);
    CHECK(o == 6);
    o = lseek(fd, -1, SEEK_END);
    CHECK(o == 9);
    CHECK(read(fd, &c, 1) == 1 && c == '9');
    /* seek past EOF and write: creates a hole */
    o = lseek(fd, 1 << 20, SEEK_END);
    printf("SEEK_END + 1MiB: %lld\n", (long long)o);
    CHECK(write(fd, "Z", 1) == 1);
    o = lseek(fd, 0, SEEK_END);
    printf("file size now %lld\n", (long long)o);
    CHECK(o == 10 + (1 << 20) + 1);
    off_t d = lseek(fd, 0, SEEK_DATA);
    off_t h = lseek(fd, 0, SEEK_HOLE);
    printf("SEEK_DATA from 0: %lld, SEEK_HOLE from 0: %lld\n", (long long)d, (long long)h);
    CHECK(d == 0);
    CHECK(h > 0 && h <= o);
    CHECK(lseek(fd, 500000, SEEK_SET) == 500000);
    CHECK(read(fd, &c, 1) == 1 && c == 0);
    /* errors */
    o = lseek(fd, -100, SEEK_SET);
    int e = errno;
    printf("negative seek -> %lld errno %d\n", (long long)o, e);
    CHECK(o == -1 && e == EINVAL);
    int p[2];
    CHECK(pipe(p) == 0);
    o = lseek(p[0], 0, SEEK_CUR);
    e = errno;
    printf("lseek on pipe -> %lld errno %d\n", (long long)o, e);
    CHECK(o == -1 && e == ESPIPE);
    close(p[0]);
    close(p[1]);
    /* offsets are shared between dup'd fds */
    int fd2 = dup(fd);
    CHECK(lseek(fd, 4, SEEK_SET) == 4);
    o = lseek(fd2, 0, SEEK_CUR);
    printf("dup'd fd offset: %lld\n", (long long)o);
    CHECK(o == 4);
    close(fd2);
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
