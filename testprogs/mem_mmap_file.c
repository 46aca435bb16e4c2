/* file-backed mmap: MAP_PRIVATE read + COW, MAP_SHARED write read back via read(), msync, offset mapping, error cases. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/mapped", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    size_t len = 3 * pg + 100;
    char *content = malloc(len);
    CHECK(content != NULL);
    for (size_t i = 0; i < len; i++)
        content[i] = 'a' + i % 26;
    CHECK(write(fd, content, len) == (ssize_t)len);

    /* MAP_PRIVATE read */
    char *pr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(pr != MAP_FAILED);
    printf("private map at %p: %.26s\n", (void *)pr, pr);
    CHECK(memcmp(pr, content, len) == 0);
    /* the tail of the last page beyond EOF reads as zero */
    CHECK(pr[len] == 0 && pr[4 * pg - 1] == 0);
    /* copy-on-write: private write not visible in the file */
    pr[0] = 'X';
    char c;
    CHECK(pread(fd, &c, 1, 0) == 1);
    printf("after private write: map[0]=%c file[0]=%c\n", pr[0], c);
    CHECK(c == 'a');

    /* MAP_SHARED write then read back via read() */
    char *sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(sh != MAP_FAILED);
    printf("shared map at %p\n", (void *)sh);
    memcpy(sh + pg - 5, "SHARED-WRITE", 12);
    CHECK(msync(sh, len, MS_SYNC) == 0);
    char buf[12];
    CHECK(pread(fd, buf, 12, pg - 5) == 12);
    printf("read() after shared write: %.12s\n", buf);
    CHECK(memcmp(buf, "SHARED-WRITE", 12) == 0);
    /* the private COW write is not in the shared mapping; the rest is the file content */
    CHECK(sh[0] == 'a');
    CHECK(memcmp(sh + 2 * pg, content + 2 * pg, len - 2 * pg) == 0);
    CHECK(pr[0] == 'X');

    /* mapping at a page offset */
    char *off = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 2 * pg);
    CHECK(off != MAP_FAILED);
    printf("offset map: %.26s\n", off);
    CHECK(memcmp(off, content + 2 * pg, pg) == 0);
    CHECK(munmap(off, pg) == 0);

    /* mmap of a read-only fd with PROT_WRITE|MAP_SHARED fails */
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0);
    void *bad = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    printf("shared writable map of O_RDONLY fd -> errno %d\n", errno);
    CHECK(bad == MAP_FAILED && errno == EACCES);
    close(ro);

    /* the mapping outlives the fd */
    close(fd);
    sh[10] = '!';
    CHECK(munmap(sh, len) == 0);
    CHECK(munmap(pr, len) == 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(pread(fd, &c, 1, 10) == 1 && c == '!');
    close(fd);
    free(content);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
