/* ptrace: GETREGSET NT_PRSTATUS/NT_PRFPREG/NT_X86_XSTATE agree with GETREGS/GETFPREGS; SETFPREGS sets round-to-zero. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static unsigned char xstate[16384];

int main(void)
{
    alarm(20); /* watchdog */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        unsigned int mxcsr;
        asm volatile("stmxcsr %0" : "=m"(mxcsr));
        unsigned short cw; /* what fegetround() reads (it needs -lm on this glibc) */
        asm volatile("fnstcw %0" : "=m"(cw));
        volatile double one = 1.0, ten = 10.0;
        double q = one / ten; /* SSE: uses MXCSR rounding */
        uint64_t bits;
        memcpy(&bits, &q, sizeof bits);
        printf("child: x87 RC %u, mxcsr RC %u (3 = toward zero), 1.0/10.0 = %#llx\n", (cw >> 10) & 3,
               (mxcsr >> 13) & 3, (unsigned long long)bits);
        fflush(stdout);
        _exit(((cw >> 10) & 3) == 3 && ((mxcsr >> 13) & 3) == 3 && bits == 0x3fb9999999999999ULL ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    struct user_regs_struct r1, r2;
    memset(&r2, 0xa5, sizeof r2);
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r1) == 0);
    struct iovec iov = { &r2, sizeof r2 };
    CHECK(ptrace(PTRACE_GETREGSET, c, (void *)NT_PRSTATUS, &iov) == 0);
    printf("NT_PRSTATUS: iov_len %zu (sizeof user_regs_struct %zu), same as GETREGS: %d\n", iov.iov_len,
           sizeof r2, memcmp(&r1, &r2, sizeof r1) == 0);
    CHECK(iov.iov_len == sizeof r2 && memcmp(&r1, &r2, sizeof r1) == 0);

    struct user_fpregs_struct f1, f2;
    memset(&f2, 0xa5, sizeof f2);
    CHECK(ptrace(PTRACE_GETFPREGS, c, 0, &f1) == 0);
    iov.iov_base = &f2;
    iov.iov_len = sizeof f2;
    CHECK(ptrace(PTRACE_GETREGSET, c, (void *)NT_PRFPREG, &iov) == 0);
    printf("NT_PRFPREG: iov_len %zu (sizeof user_fpregs_struct %zu), same as GETFPREGS: %d\n", iov.iov_len,
           sizeof f2, memcmp(&f1, &f2, sizeof f1) == 0);
    CHECK(iov.iov_len == sizeof f2 && memcmp(&f1, &f2, sizeof f1) == 0);
    printf("cwd %#x mxcsr %#x\n", f1.cwd, f1.mxcsr);
    CHECK((f1.cwd & 0xc00) == 0 && (f1.mxcsr & 0x6000) == 0); /* round-to-nearest by default */

    iov.iov_base = xstate;
    iov.iov_len = sizeof xstate;
    CHECK(ptrace(PTRACE_GETREGSET, c, (void *)NT_X86_XSTATE, &iov) == 0);
    printf("NT_X86_XSTATE: iov_len > 512: %d\n", iov.iov_len > 512);
    CHECK(iov.iov_len > 512 && iov.iov_len <= sizeof xstate);
    /* the legacy FXSAVE area (control words, st0-7, xmm0-15: 416 bytes) matches GETFPREGS */
    CHECK(memcmp(xstate, &f1, 416) == 0);

    /* round toward zero in both x87 and SSE */
    f1.cwd |= 0x0c00;
    f1.mxcsr |= 0x6000;
    CHECK(ptrace(PTRACE_SETFPREGS, c, 0, &f1) == 0);
    CHECK(ptrace(PTRACE_GETFPREGS, c, 0, &f2) == 0);
    CHECK(f2.cwd == f1.cwd && f2.mxcsr == f1.mxcsr);
    printf("set cwd %#x mxcsr %#x\n", f2.cwd, f2.mxcsr);
    fflush(stdout);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
