/* ptrace: hardware write watchpoint via POKEUSER u_debugreg[0]/[7]; DR6 reports each of 3 hits, then cleared. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define DR_OFF(i) ((void *)(offsetof(struct user, u_debugreg) + (i) * sizeof(long)))
/* DR7: L0 enable (bit 0), RW0 = 01 (data writes, bits 16-17), LEN0 = 10 (8 bytes, bits 18-19) */
#define DR7_VALUE 0x00090001UL

static volatile long watched __attribute__((aligned(8)));

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
        watched = 1;
        watched = 2;
        watched = 3;
        _exit(watched == 3 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    CHECK(ptrace(PTRACE_POKEUSER, c, DR_OFF(0), (void *)&watched) == 0);
    CHECK(ptrace(PTRACE_POKEUSER, c, DR_OFF(7), (void *)DR7_VALUE) == 0);
    errno = 0;
    long dr0 = ptrace(PTRACE_PEEKUSER, c, DR_OFF(0), 0);
    CHECK(errno == 0 && dr0 == (long)&watched);
    long dr7 = ptrace(PTRACE_PEEKUSER, c, DR_OFF(7), 0);
    CHECK(errno == 0);
    printf("DR0 == &watched, DR7 = %#lx\n", dr7);
    CHECK((dr7 & 0xffff0003UL) == DR7_VALUE);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);

    int hits = 0;
    for (;;) {
        CHECK(waitpid(c, &st, 0) == c);
        if (!WIFSTOPPED(st))
            break;
        CHECK(WSTOPSIG(st) == SIGTRAP);
        siginfo_t si;
        CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0);
        errno = 0;
        long dr6 = ptrace(PTRACE_PEEKUSER, c, DR_OFF(6), 0);
        CHECK(errno == 0);
        long val = ptrace(PTRACE_PEEKDATA, c, (void *)&watched, 0);
        CHECK(errno == 0);
        hits++;
        printf("hit %d: DR6 bit0 %ld, watched = %ld, si_code %d (TRAP_HWBKPT=%d)\n", hits, dr6 & 1, val,
               si.si_code, TRAP_HWBKPT);
        CHECK(dr6 & 1);
        CHECK(si.si_code == TRAP_HWBKPT);
        CHECK(val == hits);
        CHECK(ptrace(PTRACE_POKEUSER, c, DR_OFF(6), 0) == 0);
        errno = 0;
        CHECK((ptrace(PTRACE_PEEKUSER, c, DR_OFF(6), 0) & 1) == 0 && errno == 0);
        CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    }
    printf("hits: %d\n", hits);
    CHECK(hits == 3);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
