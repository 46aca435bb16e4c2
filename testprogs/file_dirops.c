/* mkdir/rmdir/rename/renameat2/unlink/link: directory tree operations and errors. */
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

static char dir[] = "/tmp/rtt-tp-XXXXXX";
static char pbuf[8][300];
static int pi;
static const char *P(const char *rel)
{
    char *b = pbuf[pi++ % 8];
    snprintf(b, 300, "%s/%s", dir, rel);
    return b;
}

static int exists(const char *rel)
{
    struct stat st;
    return lstat(P(rel), &st) == 0;
}

static void mkfile(const char *rel, const char *content)
{
    int fd = open(P(rel), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    CHECK(mkdir(P("a"), 0755) == 0);
    CHECK(mkdir(P("a/b"), 0700) == 0);
    int r = mkdir(P("a"), 0755);
    printf("mkdir existing -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EEXIST);
    r = mkdir(P("x/y"), 0755);
    printf("mkdir missing parent -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK(mkdirat(dfd, "c", 0750) == 0);
    struct stat st;
    CHECK(stat(P("c"), &st) == 0 && S_ISDIR(st.st_mode));
    printf("mkdirat c mode %o nlink %lu\n", st.st_mode & 07777, (unsigned long)st.st_nlink);

    mkfile("a/b/f1", "file one");
    r = rmdir(P("a/b"));
    printf("rmdir non-empty -> %d errno %d\n", r, errno);
    CHECK(r == -1 && (errno == ENOTEMPTY || errno == EEXIST));
    r = rmdir(P("a/b/f1"));
    printf("rmdir on file -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOTDIR);
    r = unlink(P("a/b"));
    printf("unlink on dir -> %d errno %d\n", r, errno);
    CHECK(r == -1 && (errno == EISDIR || errno == EPERM));

    /* rename file across directories */
    CHECK(rename(P("a/b/f1"), P("c/f1-moved")) == 0);
    CHECK(!exists("a/b/f1") && exists("c/f1-moved"));
    printf("rename across dirs ok\n");
    /* rename over an existing file replaces it */
    mkfile("c/victim", "victim");
    struct stat before;
    CHECK(stat(P("c/f1-moved"), &before) == 0);
    CHECK(renameat(dfd, "c/f1-moved", dfd, "c/victim") == 0);
    CHECK(stat(P("c/victim"), &st) == 0 && st.st_ino == before.st_ino && st.st_size == 8);
    printf("rename over existing ok (ino %llu)\n", (unsigned long long)st.st_ino);
    /* renameat2 RENAME_NOREPLACE and RENAME_EXCHANGE */
    mkfile("c/other", "other-content");
    r = renameat2(dfd, "c/victim", dfd, "c/other", RENAME_NOREPLACE);
    printf("renameat2 NOREPLACE -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EEXIST);
    r = renameat2(dfd, "c/victim", dfd, "c/other", RENAME_EXCHANGE);
    printf("renameat2 EXCHANGE -> %d\n", r);
    if (r == 0) {
        CHECK(stat(P("c/other"), &st) == 0 && st.st_size == 8);
        CHECK(stat(P("c/victim"), &st) == 0 && st.st_size == 13);
    }
    /* rename directory */
    CHECK(rename(P("a/b"), P("c/b2")) == 0);
    CHECK(exists("c/b2") && !exists("a/b"));
    r = rename(P("c"), P("c/b2/inside"));
    printf("rename dir into itself -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);

    /* hard links */
    CHECK(link(P("c/other"), P("a/hard")) == 0);
    CHECK(stat(P("a/hard"), &st) == 0);
    printf("hard link nlink %lu\n", (unsigned long)st.st_nlink);
    CHECK(st.st_nlink == 2);
    CHECK(unlink(P("c/other")) == 0);
    CHECK(stat(P("a/hard"), &st) == 0 && st.st_nlink == 1);

    /* unlink an open file: still readable through the fd */
    int fd = open(P("a/hard"), O_RDONLY);
    CHECK(fd >= 0);
    CHECK(unlinkat(dfd, "a/hard", 0) == 0);
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf);
    CHECK(fstat(fd, &st) == 0);
    printf("read after unlink -> %zd, nlink %lu\n", n, (unsigned long)st.st_nlink);
    CHECK(n > 0 && st.st_nlink == 0);
    close(fd);

    r = unlink(P("nope"));
    printf("unlink missing -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);

    CHECK(unlink(P("c/victim")) == 0);
    CHECK(unlinkat(dfd, "c/b2", AT_REMOVEDIR) == 0);
    CHECK(rmdir(P("c")) == 0);
    CHECK(rmdir(P("a")) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
