/* a 64 MiB malloc touched sparsely (every 256 KiB), plus realloc and calloc of large blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define MB (1024UL * 1024UL)

int main(void)
{
    size_t sz = 64 * MB;
    unsigned char *p = malloc(sz);
    CHECK(p != NULL);
    printf("64 MiB block at %p\n", (void *)p);
    size_t step = 256 * 1024;
    for (size_t off = 0; off < sz; off += step)
        p[off] = (unsigned char)(off / step);
    p[sz - 1] = 0xee;
    unsigned long sum = 0;
    for (size_t off = 0; off < sz; off += step) {
        CHECK(p[off] == (unsigned char)(off / step));
        sum += p[off];
    }
    printf("touched %zu pages, checksum %lu, last byte %#x\n", sz / step, sum, p[sz - 1]);
    CHECK(p[sz - 1] == 0xee);

    /* realloc the big block larger: old contents preserved */
    unsigned char *q = realloc(p, 96 * MB);
    CHECK(q != NULL);
    printf("realloc to 96 MiB at %p\n", (void *)q);
    for (size_t off = 0; off < sz; off += step)
        CHECK(q[off] == (unsigned char)(off / step));
    q[96 * MB - 1] = 1;

    /* calloc'd large block is zero */
    unsigned char *z = calloc(32, MB);
    CHECK(z != NULL);
    printf("calloc 32 MiB at %p\n", (void *)z);
    for (size_t off = 0; off < 32 * MB; off += 4096 * 7)
        CHECK(z[off] == 0);
    free(z);
    free(q);

    /* many medium allocations */
    void *blocks[100];
    for (int i = 0; i < 100; i++) {
        blocks[i] = malloc(100000 + i * 1000);
        CHECK(blocks[i] != NULL);
        memset(blocks[i], i, 100);
    }
    for (int i = 0; i < 100; i++) {
        CHECK(((unsigned char *)blocks[i])[99] == i);
        free(blocks[i]);
    }
    printf("first medium block was %p\n", blocks[0]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
