/* brk/sbrk: grow, write, shrink the program break; raw brk syscall. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    /* Make sure stdio has allocated its buffer before we start playing with the break. */
    printf("start\n");
    fflush(stdout);
    char *b0 = sbrk(0);
    printf("initial break %p\n", (void *)b0);
    char *old = sbrk(256 * 1024);
    CHECK(old != (void *)-1);
    CHECK(old == b0);
    char *b1 = sbrk(0);
    printf("after sbrk(+256K): old %p new %p\n", (void *)old, (void *)b1);
    CHECK(b1 == b0 + 256 * 1024);
    for (long i = 0; i < 256 * 1024; i += 4096)
        old[i] = (char)(i >> 12);
    for (long i = 0; i < 256 * 1024; i += 4096)
        CHECK(old[i] == (char)(i >> 12));
    /* fresh break memory is zero */
    CHECK(old[1] == 0 && old[256 * 1024 - 1] == 0);

    CHECK(sbrk(-128 * 1024) != (void *)-1);
    char *b2 = sbrk(0);
    printf("after sbrk(-128K): %p\n", (void *)b2);
    CHECK(b2 == b0 + 128 * 1024);
    /* grow again: the re-grown pages must be zero */
    CHECK(sbrk(128 * 1024) != (void *)-1);
    CHECK(old[128 * 1024] == 0);

    /* raw brk syscall: query and set */
    long cur = syscall(SYS_brk, 0);
    printf("raw brk(0) -> %#lx\n", cur);
    CHECK((char *)cur == b0 + 256 * 1024);
    long want = cur + 64 * 1024;
    long got = syscall(SYS_brk, want);
    printf("raw brk(+64K) -> %#lx\n", got);
    CHECK(got == want);
    memset((char *)cur, 0x5a, 64 * 1024);
    /* absurd request fails: kernel returns the old break */
    long bad = syscall(SYS_brk, 0xffff800000000000UL); /* beyond user space */
    printf("raw brk(huge) -> %s\n", bad == got ? "unchanged" : "changed?!");
    CHECK(bad == got);
    got = syscall(SYS_brk, (long)b0);
    CHECK((char *)got == b0);
    /* resync glibc's cached break */
    CHECK(brk(b0) == 0);
    CHECK(sbrk(0) == b0);
    printf("break restored to %p\n", sbrk(0));

    /* malloc still works afterwards */
    char *m = malloc(1000);
    CHECK(m != NULL);
    memset(m, 1, 1000);
    free(m);
    printf("EXIT-SUCCESS\n");
    return 0;
}
