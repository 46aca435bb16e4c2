/* symlink/symlinkat/readlink/readlinkat, dangling links, ELOOP, /proc/self/exe. */
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
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int fd = openat(dfd, "target", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "target-data", 11) == 11);
    close(fd);

    char p[300];
    snprintf(p, sizeof p, "%s/l1", dir);
    CHECK(symlink("target", p) == 0);
    CHECK(symlinkat("l1", dfd, "l2") == 0);
    CHECK(symlinkat("does-not-exist", dfd, "dangling") == 0);
    CHECK(symlinkat("loopb", dfd, "loopa") == 0);
    CHECK(symlinkat("loopa", dfd, "loopb") == 0);

    char buf[256];
    memset(buf, '#', sizeof buf);
    ssize_t n = readlink(p, buf, sizeof buf);
    printf("readlink l1 -> %zd '%.*s'\n", n, (int)n, buf);
    CHECK(n == 6 && memcmp(buf, "target", 6) == 0);
    CHECK(buf[6] == '#'); /* readlink does not NUL-terminate */

    n = readlinkat(dfd, "l2", buf, sizeof buf);
    printf("readlinkat l2 -> %zd '%.*s'\n", n, (int)n, buf);
    CHECK(n == 2 && memcmp(buf, "l1", 2) == 0);

    /* truncated result */
    n = readlinkat(dfd, "dangling", buf, 4);
    printf("readlinkat dangling (bufsiz 4) -> %zd '%.*s'\n", n, (int)n, buf);
    CHECK(n == 4 && memcmp(buf, "does", 4) == 0);

    /* follow chain l2 -> l1 -> target */
    fd = openat(dfd, "l2", O_RDONLY);
    CHECK(fd >= 0);
    CHECK(read(fd, buf, sizeof buf) == 11 && memcmp(buf, "target-data", 11) == 0);
    close(fd);

    fd = openat(dfd, "dangling", O_RDONLY);
    int e = errno;
    printf("open dangling -> %d errno %d\n", fd, e);
    CHECK(fd == -1 && e == ENOENT);
    fd = openat(dfd, "loopa", O_RDONLY);
    e = errno;
    printf("open loop -> %d errno %d\n", fd, e);
    CHECK(fd == -1 && e == ELOOP);
    fd = openat(dfd, "l1", O_RDONLY | O_NOFOLLOW);
    e = errno;
    printf("open O_NOFOLLOW symlink -> %d errno %d\n", fd, e);
    CHECK(fd == -1 && e == ELOOP);
    n = readlinkat(dfd, "target", buf, sizeof buf);
    e = errno;
    printf("readlink on regular file -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == EINVAL);
    n = symlinkat("x", dfd, "l1");
    e = errno;
    printf("symlink over existing -> %zd errno %d\n", n, e);
    CHECK(n == -1 && e == EEXIST);

    /* /proc/self/exe points at ourselves: print only that it ends with the binary name length */
    n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    printf("/proc/self/exe -> %s\n", buf);
    /* /proc/self/fd/N */
    fd = openat(dfd, "target", O_RDONLY);
    CHECK(fd >= 0);
    char fdp[64];
    snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", fd);
    n = readlink(fdp, buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    printf("%s -> %s\n", fdp, buf);
    char want[300];
    snprintf(want, sizeof want, "%s/target", dir);
    CHECK(strcmp(buf, want) == 0);
    close(fd);

    const char *names[] = { "l1", "l2", "dangling", "loopa", "loopb", "target" };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK(unlinkat(dfd, names[i], 0) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
