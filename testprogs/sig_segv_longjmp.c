/* SIGSEGV handler + siglongjmp out of NULL and wild-pointer dereferences; signal mask restored by siglongjmp. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static sigjmp_buf jb;
static void *volatile fault_addr;
static volatile int fault_code, faults;
static volatile unsigned long fault_rip, fault_err;

static void h(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    fault_err = uc->uc_mcontext.gregs[REG_ERR];
    faults++;
    siglongjmp(jb, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);

    volatile int *volatile np = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        int v = *np; /* read of NULL */
        fprintf(stderr, "NULL read returned %d\n", v);
        return 1;
    }
    printf("NULL read: addr %p code %d (MAPERR=%d) err %#lx rip %#lx\n", fault_addr, fault_code,
           SEGV_MAPERR, fault_err, fault_rip);
    CHECK(fault_addr == NULL && fault_code == SEGV_MAPERR);
    CHECK((fault_err & 2) == 0); /* read fault */

    if (sigsetjmp(jb, 1) == 0) {
        *np = 42; /* write to NULL */
        fprintf(stderr, "NULL write did not fault\n");
        return 1;
    }
    printf("NULL write: addr %p code %d err %#lx\n", fault_addr, fault_code, fault_err);
    CHECK(fault_addr == NULL && (fault_err & 2) != 0);

    volatile char *volatile wild = (char *)(uintptr_t)0x1234560;
    if (sigsetjmp(jb, 1) == 0) {
        wild[7] = 1;
        fprintf(stderr, "wild write did not fault\n");
        return 1;
    }
    printf("wild write: addr %p\n", fault_addr);
    CHECK((volatile char *)fault_addr == wild + 7);

    /* jump into a NULL function pointer: fault at address 0 with rip 0 */
    void (*volatile fn)(void) = NULL;
    if (sigsetjmp(jb, 1) == 0) {
        fn();
        fprintf(stderr, "call of NULL returned\n");
        return 1;
    }
    printf("call NULL: addr %p rip %#lx\n", fault_addr, fault_rip);
    CHECK(fault_addr == NULL && fault_rip == 0);

    /* non-canonical address gives SIGSEGV with si_addr 0 (general protection) */
    volatile char *volatile nc = (char *)(uintptr_t)0x8000000000000000ULL;
    if (sigsetjmp(jb, 1) == 0) {
        volatile char c = *nc;
        (void)c;
        fprintf(stderr, "non-canonical read did not fault\n");
        return 1;
    }
    printf("non-canonical read: addr %p code %d (SI_KERNEL=%d)\n", fault_addr, fault_code, SI_KERNEL);
    CHECK(fault_code == SI_KERNEL);

    /* siglongjmp(…,1) restored the signal mask: SIGSEGV not blocked */
    sigset_t cur;
    CHECK(sigprocmask(SIG_SETMASK, NULL, &cur) == 0);
    printf("SIGSEGV blocked after siglongjmp: %d, faults %d\n", sigismember(&cur, SIGSEGV), faults);
    CHECK(!sigismember(&cur, SIGSEGV) && faults == 5);
    printf("EXIT-SUCCESS\n");
    return 0;
}
