/* sigaltstack: stack overflow via unbounded recursion (stack limited to 1 MiB) caught by a SIGSEGV handler on the alt stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static sigjmp_buf jb;
static char *alt;
static size_t altsz = 64 * 1024;
static volatile int on_alt;
static void *volatile fault_addr;
static volatile long max_depth;
static char *volatile deepest;

static void h(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    int local;
    on_alt = (char *)&local >= alt && (char *)&local < alt + altsz;
    fault_addr = si->si_addr;
    siglongjmp(jb, 1);
}

static long recurse(long depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    pad[511] = (char)depth;
    max_depth = depth;
    if (depth > 100000000) /* never reached; keeps -Winfinite-recursion quiet */
        return 0;
    deepest = (char *)pad;
    return recurse(depth + 1) + pad[0] + pad[511];
}

int main(void)
{
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0);
    rl.rlim_cur = 1024 * 1024;
    CHECK(setrlimit(RLIMIT_STACK, &rl) == 0);
    alt = mmap(NULL, altsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(alt != MAP_FAILED);
    stack_t ss = { .ss_sp = alt, .ss_size = altsz };
    CHECK(sigaltstack(&ss, NULL) == 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_ONSTACK | SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    int top;
    printf("stack top near %p, alt stack at %p\n", (void *)&top, (void *)alt);
    fflush(stdout);
    if (sigsetjmp(jb, 1) == 0) {
        long r = recurse(0);
        fprintf(stderr, "recursion returned %ld?!\n", r);
        return 1;
    }
    long used = (char *)&top - deepest;
    printf("overflow caught: depth %ld, deepest frame %p, used ~%ld KiB, fault addr %p, on alt stack %d\n",
           max_depth, (void *)deepest, used / 1024, fault_addr, on_alt);
    CHECK(on_alt);
    CHECK(max_depth > 100);
    CHECK(used > 512 * 1024 && used < 2 * 1024 * 1024);
    /* we are back on the normal stack and can keep working */
    char buf[64];
    snprintf(buf, sizeof buf, "still alive at depth %ld", max_depth);
    printf("%s\n", buf);
    printf("EXIT-SUCCESS\n");
    return 0;
}
