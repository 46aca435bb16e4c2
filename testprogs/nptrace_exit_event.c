/* ptrace: PTRACE_O_TRACEEXIT stops before a tracee ends, by exit and by a fatal signal, with the status as event message. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

/* A traced child that ends by exit(5) or by SIGTERM; returns its pid, stopped. */
static pid_t traced_child(int by_signal)
{
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        if (by_signal)
            raise(SIGTERM);
        exit(5);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACEEXIT) == 0);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    return c;
}

/* Waits for the exit event of `c`; returns its message. */
static unsigned long exit_event(pid_t c)
{
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFSTOPPED(st));
    CHECK(st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)));
    unsigned long msg = 0;
    CHECK(ptrace(PTRACE_GETEVENTMSG, c, 0, &msg) == 0);
    struct user_regs_struct r;
    CHECK(ptrace(PTRACE_GETREGS, c, 0, &r) == 0); /* still there to inspect */
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    return msg;
}

int main(void)
{
    alarm(20); /* watchdog */
    int st;
    pid_t a = traced_child(0);
    unsigned long msg = exit_event(a);
    printf("exit(5): event message %#lx\n", msg);
    CHECK(msg == 5 << 8);
    CHECK(waitpid(a, &st, 0) == a && WIFEXITED(st) && WEXITSTATUS(st) == 5);

    pid_t b = traced_child(1);
    CHECK(waitpid(b, &st, 0) == b && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTERM);
    CHECK(ptrace(PTRACE_CONT, b, 0, SIGTERM) == 0);
    msg = exit_event(b);
    printf("SIGTERM: event message %#lx\n", msg);
    CHECK(msg == SIGTERM);
    CHECK(waitpid(b, &st, 0) == b && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    printf("EXIT-SUCCESS\n");
    return 0;
}
