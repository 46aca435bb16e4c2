/* chmod/fchmod/fchmodat and utimensat/futimens (explicit, UTIME_NOW, UTIME_OMIT). */
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

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/m", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    struct stat st;

    CHECK(chmod(path, 0754) == 0);
    CHECK(stat(path, &st) == 0);
    printf("after chmod 0754: %o\n", st.st_mode & 07777);
    CHECK((st.st_mode & 07777) == 0754);
    CHECK(fchmod(fd, 0640) == 0);
    CHECK(fstat(fd, &st) == 0);
    printf("after fchmod 0640: %o\n", st.st_mode & 07777);
    CHECK((st.st_mode & 07777) == 0640);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK(fchmodat(dfd, "m", 01711, 0) == 0);
    CHECK(fstat(fd, &st) == 0);
    printf("after fchmodat 01711: %o\n", st.st_mode & 07777);
    CHECK((st.st_mode & 07777) == 01711);
    int r = chmod("/nonexistent-rtt", 0644);
    printf("chmod missing -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);

    /* explicit timestamps */
    struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };
    CHECK(utimensat(dfd, "m", ts, 0) == 0);
    CHECK(stat(path, &st) == 0);
    printf("atime %lld.%09ld mtime %lld.%09ld\n", (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1234567890);
    /* UTIME_OMIT for atime, UTIME_NOW for mtime */
    struct timespec ts2[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    CHECK(futimens(fd, ts2) == 0);
    CHECK(fstat(fd, &st) == 0);
    printf("after OMIT/NOW: atime %lld mtime %lld.%09ld ctime %lld.%09ld\n",
           (long long)st.st_atim.tv_sec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
           (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    CHECK(st.st_atim.tv_sec == 1000000000);
    CHECK(st.st_mtim.tv_sec > 1234567890);
    /* NULL times == now for both */
    CHECK(utimensat(AT_FDCWD, path, NULL, 0) == 0);
    CHECK(stat(path, &st) == 0);
    printf("after NULL: atime %lld.%09ld\n", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec);
    CHECK(st.st_atim.tv_sec > 1000000000);
    /* symlink timestamps with AT_SYMLINK_NOFOLLOW */
    CHECK(symlinkat("m", dfd, "sl") == 0);
    struct timespec ts3[2] = { { 222222222, 0 }, { 333333333, 0 } };
    CHECK(utimensat(dfd, "sl", ts3, AT_SYMLINK_NOFOLLOW) == 0);
    struct stat ls;
    CHECK(fstatat(dfd, "sl", &ls, AT_SYMLINK_NOFOLLOW) == 0);
    printf("symlink mtime %lld\n", (long long)ls.st_mtim.tv_sec);
    CHECK(ls.st_mtim.tv_sec == 333333333);
    CHECK(stat(path, &st) == 0 && st.st_mtim.tv_sec != 333333333);

    close(fd);
    CHECK(unlinkat(dfd, "sl", 0) == 0);
    CHECK(unlinkat(dfd, "m", 0) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
