/* access to a whole page of a MAP_SHARED file mapping beyond EOF -> SIGBUS, caught with siglongjmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static sigjmp_buf jb;
static volatile int got_sig;
static void on_bus(int sig)
{
    got_sig = sig;
    siglongjmp(jb, 1);
}

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

    char *big = mmap(NULL, 8 * pg, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(big != MAP_FAILED);
    /* within the file (and the zero tail of its last page) is fine */
    CHECK(big[0] == 'a' && big[len] == 0);
    signal(SIGBUS, on_bus);
    if (sigsetjmp(jb, 1) == 0) {
        volatile char v = big[6 * pg];
        (void)v;
        fprintf(stderr, "no SIGBUS past EOF\n");
        return 1;
    }
    printf("access past EOF -> signal %d\n", got_sig);
    CHECK(got_sig == SIGBUS);
    CHECK(munmap(big, 8 * pg) == 0);

    close(fd);
    free(content);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
