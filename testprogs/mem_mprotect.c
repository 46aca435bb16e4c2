/* mprotect: RW -> R (write faults with SEGV_ACCERR, recovered via siglongjmp) -> RW; PROT_NONE; partial ranges. */
#define _GNU_SOURCE
#include <errno.h>
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
static void *volatile fault_addr;
static volatile int fault_code;
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    faults++;
    siglongjmp(jb, 1);
}

/* returns 1 if the write faulted */
static int try_write(volatile char *p, char v)
{
    if (sigsetjmp(jb, 1) == 0) {
        *p = v;
        return 0;
    }
    return 1;
}

static int try_read(volatile char *p)
{
    if (sigsetjmp(jb, 1) == 0) {
        volatile char v = *p;
        (void)v;
        return 0;
    }
    return 1;
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);

    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    printf("mapping at %p\n", (void *)p);
    memset(p, 'w', 4 * pg);

    CHECK(mprotect(p, 4 * pg, PROT_READ) == 0);
    CHECK(try_read(p + 10) == 0);
    int f = try_write(p + 10, 'x');
    printf("write to PROT_READ page: fault=%d code=%d (SEGV_ACCERR=%d) at offset %ld\n", f,
           fault_code, SEGV_ACCERR, (long)((char *)fault_addr - p));
    CHECK(f == 1 && fault_code == SEGV_ACCERR && (char *)fault_addr == p + 10);
    CHECK(p[10] == 'w');

    CHECK(mprotect(p, 4 * pg, PROT_READ | PROT_WRITE) == 0);
    f = try_write(p + 10, 'x');
    printf("write after restoring RW: fault=%d value=%c\n", f, p[10]);
    CHECK(f == 0 && p[10] == 'x');

    /* PROT_NONE on the second page only */
    CHECK(mprotect(p + pg, pg, PROT_NONE) == 0);
    CHECK(try_read(p) == 0 && try_read(p + 2 * pg) == 0);
    f = try_read(p + pg + 5);
    printf("read of PROT_NONE page: fault=%d code=%d offset %ld\n", f, fault_code,
           (long)((char *)fault_addr - p));
    CHECK(f == 1 && fault_code == SEGV_ACCERR && (char *)fault_addr == p + pg + 5);
    CHECK(mprotect(p + pg, pg, PROT_READ) == 0);
    CHECK(p[pg + 5] == 'w');

    /* errors */
    int r = mprotect(p + 1, pg, PROT_READ);
    printf("mprotect unaligned -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);
    CHECK(munmap(p + 3 * pg, pg) == 0);
    r = mprotect(p, 4 * pg, PROT_READ);
    printf("mprotect over unmapped page -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOMEM);

    /* make a page executable: write a 'ret' and call it */
    unsigned char *code = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(code != MAP_FAILED);
    /* mov eax, 0x1234; ret */
    unsigned char insns[] = { 0xb8, 0x34, 0x12, 0x00, 0x00, 0xc3 };
    memcpy(code, insns, sizeof insns);
    CHECK(mprotect(code, pg, PROT_READ | PROT_EXEC) == 0);
    int (*fn)(void) = (int (*)(void))(void *)code;
    int v = fn();
    printf("generated code returned %#x\n", v);
    CHECK(v == 0x1234);
    printf("total faults %d\n", faults);
    CHECK(faults == 2);
    CHECK(munmap(code, pg) == 0);
    CHECK(munmap(p, 3 * pg) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
