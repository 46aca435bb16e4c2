/* getcwd/chdir/fchdir and relative path resolution. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char orig[PATH_MAX];
    CHECK(getcwd(orig, sizeof orig) != NULL);
    int origfd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK(origfd >= 0);
    printf("original cwd: %s\n", orig);

    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(chdir(dir) == 0);
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("after chdir: %s\n", cwd);
    CHECK(strcmp(cwd, dir) == 0);

    CHECK(mkdir("sub", 0700) == 0);
    CHECK(mkdir("sub/deeper", 0700) == 0);
    CHECK(chdir("sub/deeper") == 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("after chdir sub/deeper: %s\n", cwd);
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s/sub/deeper", dir);
    CHECK(strcmp(cwd, want) == 0);
    /* relative file creation lands in cwd */
    int fd = open("rel.txt", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK(chdir("..") == 0);
    struct stat st;
    CHECK(stat("deeper/rel.txt", &st) == 0);
    CHECK(unlink("deeper/rel.txt") == 0);

    /* getcwd with a too-small buffer */
    char tiny[4];
    char *r = getcwd(tiny, sizeof tiny);
    printf("getcwd small buffer -> %s errno %d\n", r ? "ok" : "NULL", errno);
    CHECK(r == NULL && errno == ERANGE);
    /* getcwd(NULL, 0) allocates */
    char *dyn = getcwd(NULL, 0);
    CHECK(dyn != NULL);
    printf("getcwd(NULL,0): %s\n", dyn);
    free(dyn);

    int rc = chdir("/nonexistent/rtt");
    printf("chdir missing -> %d errno %d\n", rc, errno);
    CHECK(rc == -1 && errno == ENOENT);

    /* cwd removed from under us */
    CHECK(chdir("deeper") == 0);
    CHECK(rmdir(want) == 0);
    r = getcwd(cwd, sizeof cwd);
    printf("getcwd in removed dir -> %s errno %d\n", r ? cwd : "NULL", r ? 0 : errno);
    CHECK(r == NULL && errno == ENOENT);

    CHECK(fchdir(origfd) == 0);
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("after fchdir back: %s\n", cwd);
    CHECK(strcmp(cwd, orig) == 0);
    close(origfd);
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    CHECK(rmdir(sub) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
