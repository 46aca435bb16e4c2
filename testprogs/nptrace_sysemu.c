/* ptrace: PTRACE_SYSEMU and SYSEMU_SINGLESTEP, a tracer that runs its tracee's syscalls itself (as user-mode kernels do). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
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

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif
#ifndef PTRACE_SYSEMU_SINGLESTEP
#define PTRACE_SYSEMU_SINGLESTEP 32
#endif

static char written[64];

int main(void)
{
    alarm(20); /* watchdog */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
        raise(SIGSTOP);
        /* Run by the tracer, never by the kernel. */
        long pid = syscall(SYS_getpid);
        long n = syscall(SYS_write, 1, "never printed\n", 14);
        long m = syscall(SYS_mmap, 0, 4096, 3, 0x22, -1, 0);
        /* The last one emulated; the tracer lets the rest run. */
        syscall(SYS_getppid);
        printf("child: getpid -> %ld, write -> %ld, mmap -> %ld\n", pid, n, m);
        fflush(stdout);
        _exit(pid == 777 && n == 14 && m == -1 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    int emulated = 0, steps = 0;
    long req = PTRACE_SYSEMU;
    for (;;) {
        CHECK(ptrace(req, c, 0, 0) == 0);
        CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP);
        struct user_regs_struct r;
        CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
        if ((long)r.orig_rax == -1 || (long)r.rax != -ENOSYS) {
            steps++; /* a single-step trap between syscalls */
            continue;
        }
        emulated++;
        long nr = r.orig_rax;
        if (nr == SYS_getpid) {
            r.rax = 777;
        } else if (nr == SYS_write) {
            for (size_t i = 0; i < r.rdx && i < sizeof written - 1; i += sizeof(long)) {
                errno = 0;
                long w = ptrace(PTRACE_PEEKDATA, c, (void *)(r.rsi + i), 0);
                CHECK(errno == 0);
                memcpy(written + i, &w, sizeof w < sizeof written - 1 - i ? sizeof w : sizeof written - 1 - i);
            }
            written[r.rdx < sizeof written ? r.rdx : sizeof written - 1] = 0;
            r.rax = r.rdx;
            req = PTRACE_SYSEMU_SINGLESTEP; /* from now on, stepping between syscalls */
        } else if (nr == SYS_mmap) {
            r.rax = -ENOMEM;
        } else if (nr == SYS_getppid) {
            r.rax = 0;
            CHECK(ptrace(PTRACE_SETREGS, c, 0, &r) == 0);
            break;
        } else {
            printf("unexpected syscall %ld\n", nr);
            exit(1);
        }
        CHECK(ptrace(PTRACE_SETREGS, c, 0, &r) == 0);
    }
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("tracer: emulated %d syscalls, single-steps between them: %s; the write was \"%.13s\"\n",
           emulated, steps > 0 ? "yes" : "no", written);
    printf("EXIT-SUCCESS\n");
    return 0;
}
