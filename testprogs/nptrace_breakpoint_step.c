/* ptrace: int3 breakpoint via POKETEXT, restore + PTRACE_SINGLESTEP + re-plant, 3 hits on a noinline function. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile int counter;

__attribute__((noinline)) void target(void)
{
    asm volatile("");
    counter++;
}

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
        for (int i = 0; i < 3; i++)
            target();
        _exit(counter == 3 ? 0 : 1);
    }
    uintptr_t addr = (uintptr_t)&target;
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    errno = 0;
    long orig = ptrace(PTRACE_PEEKTEXT, c, (void *)addr, 0);
    CHECK(errno == 0);
    CHECK(orig == *(long *)addr); /* same code in child and parent */
    long bp = (orig & ~0xffL) | 0xcc;
    CHECK(ptrace(PTRACE_POKETEXT, c, (void *)addr, (void *)bp) == 0);
    errno = 0;
    CHECK(ptrace(PTRACE_PEEKTEXT, c, (void *)addr, 0) == bp && errno == 0);
    CHECK(*(long *)addr == orig); /* our own copy is untouched */
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);

    int hits = 0;
    for (;;) {
        CHECK(waitpid(c, &st, 0) == c);
        if (!WIFSTOPPED(st))
            break;
        CHECK(WSTOPSIG(st) == SIGTRAP);
        siginfo_t si;
        CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0);
        struct user_regs_struct r;
        CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
        CHECK(r.rip == addr + 1);
        hits++;
        if (hits == 1)
            printf("breakpoint hit: rip == &target+1, si_code %#x (SI_KERNEL=%#x)\n", si.si_code, SI_KERNEL);
        /* restore, rewind, single-step over the original instruction */
        CHECK(ptrace(PTRACE_POKETEXT, c, (void *)addr, (void *)orig) == 0);
        r.rip = addr;
        CHECK(ptrace(PTRACE_SETREGS, c, 0, &r) == 0);
        CHECK(ptrace(PTRACE_SINGLESTEP, c, 0, 0) == 0);
        CHECK(waitpid(c, &st, 0) == c);
        CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
        CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0);
        CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
        CHECK(r.rip != addr);
        CHECK(r.rip > addr && r.rip <= addr + 16); /* one instruction further */
        if (hits == 1)
            printf("single-step: rip advanced by %d, si_code %d (TRAP_TRACE=%d)\n", (int)(r.rip - addr),
                   si.si_code, TRAP_TRACE);
        /* re-plant */
        CHECK(ptrace(PTRACE_POKETEXT, c, (void *)addr, (void *)bp) == 0);
        CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    }
    printf("hits: %d\n", hits);
    CHECK(hits == 3);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
