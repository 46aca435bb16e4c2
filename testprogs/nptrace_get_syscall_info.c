/* ptrace: PTRACE_GET_SYSCALL_INFO at signal, syscall-entry and syscall-exit stops (op, arch, nr, args, rval, sizes). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define GET_SYSCALL_INFO 0x420e
#define OP_NONE 0
#define OP_ENTRY 1
#define OP_EXIT 2
#define ARCH_X86_64 0xc000003eU

struct sysinfo_ { /* layout of struct ptrace_syscall_info (linux/ptrace.h) */
    uint8_t op;
    uint8_t pad[3];
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t stack_pointer;
    union {
        struct { uint64_t nr; uint64_t args[6]; } entry;
        struct { int64_t rval; uint8_t is_error; } exit;
    };
};

static long get_info(pid_t c, struct sysinfo_ *si)
{
    memset(si, 0xa5, sizeof *si);
    return ptrace(GET_SYSCALL_INFO, c, (void *)sizeof *si, si);
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
        if (syscall(SYS_getpid) != getpid())
            _exit(91);
        if (write(1, "child: hello\n", 13) != 13)
            _exit(92);
        if (syscall(SYS_close, -1) != -1 || errno != EBADF)
            _exit(93);
        _exit(0);
    }
    int st;
    struct sysinfo_ si;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    long none_size = get_info(c, &si);
    CHECK(none_size > 0 && si.op == OP_NONE && si.arch == ARCH_X86_64);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD) == 0);
    CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);

    long entry_size = -1, exit_size = -1;
    int expect = OP_ENTRY, getpid_ok = 0, write_ok = 0, close_ok = 0;
    uint64_t nr = (uint64_t)-1;
    for (;;) {
        CHECK(waitpid(c, &st, 0) == c);
        if (!WIFSTOPPED(st))
            break;
        CHECK((st >> 8) == (SIGTRAP | 0x80));
        long n = get_info(c, &si);
        CHECK(n > 0);
        CHECK(si.op == expect && si.arch == ARCH_X86_64);
        struct user_regs_struct r;
        CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
        CHECK(si.instruction_pointer == r.rip && si.stack_pointer == r.rsp);
        if (si.op == OP_ENTRY) {
            CHECK(entry_size == -1 || entry_size == n);
            entry_size = n;
            nr = si.entry.nr;
            CHECK(nr == r.orig_rax && si.entry.args[0] == r.rdi && si.entry.args[2] == r.rdx);
            if (nr == SYS_write && si.entry.args[0] == 1 && si.entry.args[2] == 13)
                write_ok = 1;
            expect = OP_EXIT;
        } else {
            CHECK(exit_size == -1 || exit_size == n);
            exit_size = n;
            CHECK(si.exit.rval == (int64_t)r.rax);
            if (nr == SYS_getpid && si.exit.rval == c && si.exit.is_error == 0)
                getpid_ok++;
            if (nr == SYS_write && write_ok == 1 && si.exit.rval == 13 && si.exit.is_error == 0)
                write_ok = 2;
            if (nr == SYS_close && si.exit.rval == -EBADF && si.exit.is_error == 1)
                close_ok = 1;
            expect = OP_ENTRY;
        }
        CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);
    }
    printf("sizes returned: signal stop %ld, entry %ld, exit %ld\n", none_size, entry_size, exit_size);
    printf("getpid exit: rval == child pid, is_error 0: %d time(s)\n", getpid_ok);
    printf("write(1, .., 13) entry args + exit rval 13: %s\n", write_ok == 2 ? "yes" : "no");
    printf("close(-1) exit: rval -EBADF, is_error 1: %s\n", close_ok ? "yes" : "no");
    CHECK(getpid_ok >= 1 && write_ok == 2 && close_ok == 1);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
