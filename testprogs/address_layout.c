/* address layout: stack, heap, mmap, libc function, main, sbrk(0), vdso, auxv entries. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int global_data = 42;
static int global_bss;
__thread int tls_var = 7;

int main(int argc, char **argv)
{
    int stack_var = 1;
    void *heap = malloc(64);
    void *big = malloc(1 << 20);
    void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(heap && big && map != MAP_FAILED);
    printf("stack var   %p\n", (void *)&stack_var);
    printf("argv        %p\n", (void *)argv);
    printf("malloc(64)  %p\n", heap);
    printf("malloc(1M)  %p\n", big);
    printf("mmap        %p\n", map);
    printf("printf      %p\n", (void *)(uintptr_t)&printf);
    printf("main        %p\n", (void *)(uintptr_t)&main);
    printf("data        %p\n", (void *)&global_data);
    printf("bss         %p\n", (void *)&global_bss);
    printf("tls         %p\n", (void *)&tls_var);
    printf("errno loc   %p\n", (void *)&errno);
    printf("sbrk(0)     %p\n", sbrk(0));
    printf("vdso        %#lx\n", getauxval(AT_SYSINFO_EHDR));
    printf("AT_PHDR     %#lx\n", getauxval(AT_PHDR));
    printf("AT_BASE     %#lx\n", getauxval(AT_BASE));
    printf("AT_ENTRY    %#lx\n", getauxval(AT_ENTRY));
    printf("AT_EXECFN   %s\n", (const char *)getauxval(AT_EXECFN) ? "present" : "absent");
    printf("AT_HWCAP    %#lx AT_PAGESZ %lu AT_CLKTCK %lu\n", getauxval(AT_HWCAP),
           getauxval(AT_PAGESZ), getauxval(AT_CLKTCK));
    /* basic sanity: stack is above heap, main is in the same object as data */
    CHECK((uintptr_t)&stack_var > (uintptr_t)heap);
    CHECK((uintptr_t)heap < (uintptr_t)sbrk(0));
    CHECK(getauxval(AT_PAGESZ) == 4096);
    CHECK(argc >= 1 && global_data == 42 && global_bss == 0 && tls_var == 7);
    /* print /proc/self/maps line count (content varies) */
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f != NULL);
    char line[512];
    int lines = 0, stack_found = 0;
    while (fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, "[stack]"))
            stack_found = 1;
    }
    fclose(f);
    printf("/proc/self/maps has %d lines, [stack] %s\n", lines, stack_found ? "found" : "missing");
    CHECK(stack_found);
    free(heap);
    free(big);
    munmap(map, 4096);
    printf("EXIT-SUCCESS\n");
    return 0;
}
