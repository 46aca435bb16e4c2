/* mmap of a file past its end, then ftruncate to grow it: the pages become usable (no SIGBUS),
 * writes through the mapping reach the file. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

int main(void) {
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64];
    snprintf(path, sizeof path, "%s/grow", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    long pg = sysconf(_SC_PAGESIZE);
    CHECK(write(fd, "head", 4) == 4);
    char *m = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    printf("mapped 4 pages of a 4-byte file at %p: %.4s\n", (void *)m, m);
    CHECK(ftruncate(fd, 4 * pg) == 0);
    strcpy(m + 3 * pg, "written through the mapping");
    char buf[32] = { 0 };
    CHECK(pread(fd, buf, 27, 3 * pg) == 27);
    printf("file now holds: %s\n", buf);
    CHECK(strcmp(buf, "written through the mapping") == 0);
    CHECK(munmap(m, 4 * pg) == 0);
    close(fd);
    unlink(path);
    rmdir(dir);
    printf("EXIT-SUCCESS\n");
    return 0;
}
