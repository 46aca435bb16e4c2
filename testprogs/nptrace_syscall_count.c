/* ptrace: PTRACE_O_TRACESYSGOOD + PTRACE_SYSCALL, count a tracee's write/getpid syscalls via orig_rax, exit status 7. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

int main(void)
{
    alarm(20); /* watchdog */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd < 0 || ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        for (int i = 0; i < 5; i++)
            if (write(fd, "hello", 5) != 5)
                _exit(91);
        syscall(SYS_getpid);
        _exit(7);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD) == 0);
    CHECK(ptrace(PTRACE_SYSCALL, c, 0, 0) == 0);

    int in_syscall = 0, entries = 0, exits = 0;
    int write_entries = 0, write_exits = 0, getpid_entries = 0, exit_group_entries = 0;
    long cur_nr = -1;
    for (;;) {
        CHECK(waitpid(c, &st, 0) == c);
        if (WIFEXITED(st) || WIFSIGNALED(st))
            break;
        CHECK(WIFSTOPPED(st));
        int sig = 0;
        if ((st >> 8) == (SIGTRAP | 0x80)) {
            struct user_regs_struct r;
            CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0);
            if (!in_syscall) {
                /* entry stop: rax is -ENOSYS, orig_rax holds the number */
                CHECK((long)r.rax == -ENOSYS);
                cur_nr = (long)r.orig_rax;
                entries++;
                if (cur_nr == SYS_write)
                    write_entries++;
                else if (cur_nr == SYS_getpid)
                    getpid_entries++;
                else if (cur_nr == SYS_exit_group)
                    exit_group_entries++;
            } else {
                CHECK((long)r.orig_rax == cur_nr);
                exits++;
                if (cur_nr == SYS_write) {
                    CHECK(r.rax == 5);
                    write_exits++;
                } else if (cur_nr == SYS_getpid) {
                    CHECK((pid_t)r.rax == c);
                }
            }
            in_syscall = !in_syscall;
        } else {
            sig = WSTOPSIG(st); /* unexpected signal: pass it on */
            printf("unexpected signal stop %d\n", sig);
        }
        CHECK(ptrace(PTRACE_SYSCALL, c, 0, sig) == 0);
    }
    printf("write syscalls: %d entries, %d exits\n", write_entries, write_exits);
    printf("getpid syscalls: %d, exit_group syscalls: %d\n", getpid_entries, exit_group_entries);
    printf("entries - exits = %d (exit_group never returns)\n", entries - exits);
    CHECK(write_entries == 5 && write_exits == 5);
    CHECK(getpid_entries == 1 && exit_group_entries == 1);
    CHECK(entries - exits == 1);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    printf("EXIT-SUCCESS\n");
    return 0;
}
