/* anonymous mmap/munmap: private, shared (visible to child), MAP_FIXED, partial unmap, fault after unmap. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static sigjmp_buf jb;
static volatile void *fault_addr;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", pg);
    size_t len = 16 * pg;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    printf("private anon mapping at %p\n", (void *)p);
    for (size_t i = 0; i < len; i++)
        CHECK(p[i] == 0);
    for (size_t i = 0; i < len; i += pg)
        p[i] = (char)(i / pg + 1);

    /* shared anonymous memory is visible across fork */
    int *shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED);
    printf("shared anon mapping at %p\n", (void *)shared);
    shared[0] = 1;
    p[0] = 100;
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        shared[0] = 42;
        shared[1] = getpid();
        p[0] = 99; /* private: parent must not see this */
        _exit(0);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("child %d wrote shared[0]=%d shared[1]=%d; private p[0]=%d\n", c, shared[0], shared[1], p[0]);
    CHECK(shared[0] == 42 && shared[1] == c && p[0] == 100);
    CHECK(munmap(shared, pg) == 0);

    /* unmap a hole in the middle, then touch it -> SIGSEGV */
    CHECK(munmap(p + 4 * pg, 2 * pg) == 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    if (sigsetjmp(jb, 1) == 0) {
        volatile char *hole = p + 5 * pg;
        *hole = 1;
        fprintf(stderr, "write to unmapped page did not fault\n");
        return 1;
    }
    printf("fault in unmapped hole at offset %ld pages\n", (long)(((char *)fault_addr - p) / pg));
    CHECK((char *)fault_addr == p + 5 * pg);
    CHECK(p[3 * pg] == 4 && p[6 * pg] == 7);

    /* MAP_FIXED re-fills the hole with fresh zero pages */
    char *q = mmap(p + 4 * pg, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + 4 * pg);
    CHECK(q[0] == 0 && q[pg] == 0);
    printf("MAP_FIXED refill ok\n");

    /* MAP_FIXED_NOREPLACE over an existing mapping fails */
    char *r = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    int e = errno;
    printf("MAP_FIXED_NOREPLACE over existing -> %s errno %d\n", r == MAP_FAILED ? "MAP_FAILED" : "mapped", e);
    CHECK(r == MAP_FAILED && e == EEXIST);

    /* error cases */
    r = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap len 0 -> errno %d\n", errno);
    CHECK(r == MAP_FAILED && errno == EINVAL);
    CHECK(munmap(p, len) == 0);

    /* many small mappings */
    void *maps[64];
    for (int i = 0; i < 64; i++) {
        maps[i] = mmap(NULL, pg * (1 + i % 3), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(maps[i] != MAP_FAILED);
        *(int *)maps[i] = i;
    }
    for (int i = 0; i < 64; i++) {
        CHECK(*(int *)maps[i] == i);
        CHECK(munmap(maps[i], pg * (1 + i % 3)) == 0);
    }
    printf("64 small mappings ok, first at %p\n", maps[0]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
