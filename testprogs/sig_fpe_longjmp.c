/* SIGFPE from integer division by zero (and INT_MIN/-1) caught by a handler that siglongjmps out. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static sigjmp_buf jb;
static volatile int fpe_code, fpes;
static void *volatile fpe_addr;

static void h(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fpe_code = si->si_code;
    fpe_addr = si->si_addr;
    fpes++;
    siglongjmp(jb, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGFPE, &sa, NULL) == 0);

    volatile int num = 1000, zero = 0;
    volatile int result = -1;
    for (int i = 0; i < 5; i++) {
        if (sigsetjmp(jb, 1) == 0) {
            result = num / zero;
            fprintf(stderr, "division by zero gave %d\n", result);
            return 1;
        }
        printf("iteration %d: SIGFPE code %d (FPE_INTDIV=%d) at %p\n", i, fpe_code, FPE_INTDIV, fpe_addr);
        CHECK(fpe_code == FPE_INTDIV);
    }
    volatile long long lnum = 1LL << 40, lzero = 0;
    if (sigsetjmp(jb, 1) == 0) {
        volatile long long r = lnum % lzero;
        fprintf(stderr, "64-bit modulo by zero gave %lld\n", r);
        return 1;
    }
    printf("64-bit modulo: code %d\n", fpe_code);
    CHECK(fpe_code == FPE_INTDIV);

    /* INT_MIN / -1 overflows idiv: also SIGFPE (reported as FPE_INTDIV by Linux) */
    volatile int mn = INT_MIN, m1 = -1;
    if (sigsetjmp(jb, 1) == 0) {
        result = mn / m1;
        fprintf(stderr, "INT_MIN/-1 gave %d\n", result);
        return 1;
    }
    printf("INT_MIN/-1: code %d\n", fpe_code);

    /* division that works */
    volatile int seven = 7;
    result = num / seven;
    printf("1000/7 = %d, total SIGFPEs %d\n", result, fpes);
    CHECK(result == 142 && fpes == 7);
    printf("EXIT-SUCCESS\n");
    return 0;
}
