/* madvise(MADV_DONTNEED) on anonymous private memory reads back as zeros; other advice values. */
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
    size_t len = 32 * pg;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    printf("mapping at %p\n", (void *)p);
    memset(p, 0xab, len);
    unsigned char vec[32];
    CHECK(mincore(p, len, vec) == 0);
    int resident = 0;
    for (int i = 0; i < 32; i++)
        resident += vec[i] & 1;
    printf("resident pages after touch: %d\n", resident);

    CHECK(madvise(p + 8 * pg, 8 * pg, MADV_DONTNEED) == 0);
    for (long i = 0; i < 8 * pg; i++)
        CHECK(p[i] == 0xab);
    for (long i = 8 * pg; i < 16 * pg; i++)
        CHECK(p[i] == 0);
    for (long i = 16 * pg; i < (long)len; i++)
        CHECK(p[i] == 0xab);
    printf("MADV_DONTNEED zeroed pages 8..15 only\n");

    /* the zeroed pages are usable again */
    p[8 * pg] = 1;
    CHECK(p[8 * pg] == 1);

    /* harmless advice */
    CHECK(madvise(p, len, MADV_SEQUENTIAL) == 0);
    CHECK(madvise(p, len, MADV_RANDOM) == 0);
    CHECK(madvise(p, len, MADV_NORMAL) == 0);
    CHECK(madvise(p, len, MADV_WILLNEED) == 0);
    int r = madvise(p + 1, pg, MADV_DONTNEED);
    printf("madvise unaligned -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);

    /* MADV_DONTFORK/MADV_DOFORK are accepted */
    CHECK(madvise(p, pg, MADV_DONTFORK) == 0);
    CHECK(madvise(p, pg, MADV_DOFORK) == 0);

    /* MADV_DONTNEED on the whole mapping */
    CHECK(madvise(p, len, MADV_DONTNEED) == 0);
    for (size_t i = 0; i < len; i += 97)
        CHECK(p[i] == 0);
    printf("whole mapping zero after MADV_DONTNEED\n");

    /* MADV_FREE: contents are either old or zero, never garbage */
    memset(p, 0x11, len);
    r = madvise(p, len, MADV_FREE);
    printf("MADV_FREE -> %d\n", r);
    if (r == 0) {
        for (size_t i = 0; i < len; i += 97)
            CHECK(p[i] == 0 || p[i] == 0x11);
    }
    CHECK(munmap(p, len) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
