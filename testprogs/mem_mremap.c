/* mremap: grow in place or move (MREMAP_MAYMOVE), shrink, MREMAP_FIXED; contents preserved. */
#define _GNU_SOURCE
#include <errno.h>
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
    /* reserve 3 pages, use the first 2 and keep the third as a PROT_NONE guard so that
       growing in place is impossible */
    char *res = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(res != MAP_FAILED);
    char *p = mmap(res, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(p == res);
    for (long i = 0; i < 2 * pg; i++)
        p[i] = (char)(i * 13);
    char *guard = res + 2 * pg;
    printf("original %p, guard page %p\n", (void *)p, (void *)guard);

    void *r = mremap(p, 2 * pg, 16 * pg, 0);
    printf("mremap grow without MAYMOVE -> %s errno %d\n", r == MAP_FAILED ? "MAP_FAILED" : "ok", errno);
    CHECK(r == MAP_FAILED && errno == ENOMEM);
    char *q = mremap(p, 2 * pg, 16 * pg, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    printf("grown to 16 pages at %p (%s)\n", (void *)q, q == p ? "in place" : "moved");
    for (long i = 0; i < 2 * pg; i++)
        CHECK(q[i] == (char)(i * 13));
    for (long i = 2 * pg; i < 16 * pg; i++)
        CHECK(q[i] == 0);
    memset(q + 2 * pg, 'g', 14 * pg);
    CHECK(munmap(guard, pg) == 0);

    /* shrink */
    char *s = mremap(q, 16 * pg, 4 * pg, 0);
    printf("shrunk to 4 pages at %p\n", (void *)s);
    CHECK(s == q);
    CHECK(s[3 * pg] == 'g' && s[0] == 0);

    /* move to a fixed destination */
    char *dest = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(dest != MAP_FAILED);
    char *m = mremap(s, 4 * pg, 4 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dest + 2 * pg);
    printf("moved to fixed %p (dest base %p)\n", (void *)m, (void *)dest);
    CHECK(m == dest + 2 * pg);
    CHECK(m[3 * pg] == 'g' && m[pg] == (char)(pg * 13));
    /* the old range is gone */
    CHECK(msync(s, pg, MS_ASYNC) == -1 && errno == ENOMEM);

    /* a big grow loop like realloc would do */
    size_t len = pg;
    char *g = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(g != MAP_FAILED);
    g[0] = 'S';
    int moves = 0;
    for (int i = 0; i < 10; i++) {
        char *ng = mremap(g, len, len * 2, MREMAP_MAYMOVE);
        CHECK(ng != MAP_FAILED);
        moves += ng != g;
        g = ng;
        len *= 2;
        g[len - 1] = (char)i;
    }
    printf("grew to %zu bytes, final address %p, moves %d\n", len, (void *)g, moves);
    CHECK(g[0] == 'S' && g[len - 1] == 9 && g[len / 2 - 1] == 8);

    CHECK(munmap(g, len) == 0);
    CHECK(munmap(dest, 8 * pg) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
