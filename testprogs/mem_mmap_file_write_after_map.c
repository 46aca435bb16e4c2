/* pwrite() to a mapped file, then read the change through a MAP_SHARED mapping and untouched MAP_PRIVATE pages. */
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

    char *pr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(pr != MAP_FAILED);
    char *sh = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(sh != MAP_FAILED);
    /* COW one page of the private mapping; the other pages stay backed by the file */
    pr[0] = 'X';

    /* write() through the fd is visible in the shared mapping */
    CHECK(pwrite(fd, "via-write", 9, 2 * pg) == 9);
    printf("shared map sees write(): %.9s\n", sh + 2 * pg);
    CHECK(memcmp(sh + 2 * pg, "via-write", 9) == 0);
    /* the private mapping's untouched pages also see it (not yet COWed) */
    printf("private map (untouched page) sees write(): %.9s\n", pr + 2 * pg);
    CHECK(memcmp(pr + 2 * pg, "via-write", 9) == 0);
    /* but not the COWed page */
    CHECK(pwrite(fd, "Z", 1, 0) == 1);
    printf("private map (COWed page) after write(): map[0]=%c shared[0]=%c\n", pr[0], sh[0]);
    CHECK(pr[0] == 'X' && sh[0] == 'Z');

    CHECK(munmap(sh, len) == 0);
    CHECK(munmap(pr, len) == 0);
    close(fd);
    free(content);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
