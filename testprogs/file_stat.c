/* stat/fstat/lstat/fstatat (newfstatat): print inode, size, mode, times. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void show(const char *what, const struct stat *st)
{
    printf("%s: dev=%llu ino=%llu mode=%o nlink=%lu uid=%u gid=%u size=%lld blksize=%ld blocks=%lld\n",
           what, (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
           st->st_mode, (unsigned long)st->st_nlink, st->st_uid, st->st_gid,
           (long long)st->st_size, (long)st->st_blksize, (long long)st->st_blocks);
    printf("%s: atime=%lld.%09ld mtime=%lld.%09ld ctime=%lld.%09ld\n", what,
           (long long)st->st_atim.tv_sec, st->st_atim.tv_nsec,
           (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
           (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], lpath[256];
    snprintf(path, sizeof path, "%s/f", dir);
    snprintf(lpath, sizeof lpath, "%s/link", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0640);
    CHECK(fd >= 0);
    CHECK(write(fd, "twelve bytes", 12) == 12);
    CHECK(symlink("f", lpath) == 0);

    struct stat s1, s2, s3, s4, s5;
    CHECK(stat(path, &s1) == 0);
    show("stat", &s1);
    CHECK(S_ISREG(s1.st_mode) && s1.st_size == 12 && (s1.st_mode & 0777) == 0640);

    CHECK(fstat(fd, &s2) == 0);
    show("fstat", &s2);
    CHECK(s2.st_ino == s1.st_ino && s2.st_dev == s1.st_dev);

    CHECK(lstat(lpath, &s3) == 0);
    show("lstat(link)", &s3);
    CHECK(S_ISLNK(s3.st_mode) && s3.st_size == 1);
    CHECK(s3.st_ino != s1.st_ino);

    CHECK(stat(lpath, &s4) == 0);
    CHECK(s4.st_ino == s1.st_ino);

    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK(fstatat(dfd, "link", &s5, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(s5.st_ino == s3.st_ino);
    CHECK(fstatat(dfd, "link", &s5, 0) == 0);
    CHECK(s5.st_ino == s1.st_ino);
    CHECK(fstatat(fd, "", &s5, AT_EMPTY_PATH) == 0);
    CHECK(s5.st_ino == s1.st_ino);
    struct stat sd;
    CHECK(fstatat(AT_FDCWD, dir, &sd, 0) == 0);
    show("dir", &sd);
    CHECK(S_ISDIR(sd.st_mode));

    struct stat sx;
    int r = stat("/nonexistent/rtt/path", &sx);
    int e = errno;
    printf("stat missing -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == ENOENT);

    struct stat sn;
    CHECK(stat("/dev/null", &sn) == 0);
    printf("/dev/null: chr=%d rdev=%u:%u\n", S_ISCHR(sn.st_mode) ? 1 : 0,
           major(sn.st_rdev), minor(sn.st_rdev));
    CHECK(S_ISCHR(sn.st_mode));

    close(dfd);
    close(fd);
    CHECK(unlink(lpath) == 0);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
