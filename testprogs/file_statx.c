/* statx(): basic stats plus birth time, AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW variants. */
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

static void show(const char *what, const struct statx *sx)
{
    printf("%s: mask=%#x ino=%llu size=%llu mode=%o nlink=%u dev=%u:%u blocks=%llu attrs=%#llx\n",
           what, sx->stx_mask, (unsigned long long)sx->stx_ino,
           (unsigned long long)sx->stx_size, sx->stx_mode, sx->stx_nlink,
           sx->stx_dev_major, sx->stx_dev_minor, (unsigned long long)sx->stx_blocks,
           (unsigned long long)sx->stx_attributes);
    printf("%s: btime=%lld.%09u mtime=%lld.%09u ctime=%lld.%09u\n", what,
           (long long)sx->stx_btime.tv_sec, sx->stx_btime.tv_nsec,
           (long long)sx->stx_mtime.tv_sec, sx->stx_mtime.tv_nsec,
           (long long)sx->stx_ctime.tv_sec, sx->stx_ctime.tv_nsec);
}

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int fd = openat(dfd, "file", O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    char data[5000];
    memset(data, 'x', sizeof data);
    CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data);
    CHECK(symlinkat("file", dfd, "sl") == 0);

    struct statx sx;
    memset(&sx, 0xff, sizeof sx);
    CHECK(statx(dfd, "file", 0, STATX_ALL, &sx) == 0);
    show("file", &sx);
    CHECK(sx.stx_size == sizeof data);
    CHECK(S_ISREG(sx.stx_mode) && (sx.stx_mode & 0777) == 0600);
    CHECK(sx.stx_mask & STATX_INO);
    unsigned long long ino = sx.stx_ino;

    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    CHECK(st.st_ino == ino);

    struct statx sx2;
    CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx2) == 0);
    show("empty-path", &sx2);
    CHECK(sx2.stx_ino == ino);

    struct statx sx3;
    CHECK(statx(dfd, "sl", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_SIZE | STATX_INO, &sx3) == 0);
    show("symlink", &sx3);
    CHECK(S_ISLNK(sx3.stx_mode) && sx3.stx_size == 4);

    struct statx sx4;
    CHECK(statx(dfd, "sl", 0, STATX_INO, &sx4) == 0);
    CHECK(sx4.stx_ino == ino);

    struct statx sx5;
    int r = statx(AT_FDCWD, "/definitely/missing", 0, STATX_BASIC_STATS, &sx5);
    int e = errno;
    printf("statx missing -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == ENOENT);

    close(fd);
    CHECK(unlinkat(dfd, "sl", 0) == 0);
    CHECK(unlinkat(dfd, "file", 0) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
