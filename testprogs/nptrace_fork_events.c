/* ptrace: PTRACE_O_TRACEFORK|TRACEEXEC: fork event + GETEVENTMSG, auto-attached grandchild stops/exits, exec event. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
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
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        pid_t g = fork();
        if (g < 0)
            _exit(91);
        if (g == 0)
            _exit(4);
        int st;
        if (waitpid(g, &st, 0) != g || !WIFEXITED(st) || WEXITSTATUS(st) != 4)
            _exit(92);
        execl("/bin/true", "true", (char *)NULL);
        _exit(93);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXEC) == 0);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);

    pid_t gc = 0;            /* grandchild pid as first seen (event msg or its own stop) */
    int fork_events = 0, exec_events = 0, sigchld_stops = 0, gc_stops = 0, gc_exits = 0, other = 0;
    int gc_exit_before_exec = 0, child_exit_code = -1, gc_exit_code = -1;
    for (;;) {
        pid_t w = waitpid(-1, &st, __WALL);
        if (w == -1 && errno == ECHILD)
            break;
        CHECK(w > 0);
        if (w == c) {
            if (WIFEXITED(st)) {
                child_exit_code = WEXITSTATUS(st);
                continue;
            }
            CHECK(WIFSTOPPED(st));
            if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_FORK << 8))) {
                unsigned long msg;
                CHECK(ptrace(PTRACE_GETEVENTMSG, c, 0, &msg) == 0);
                CHECK(gc == 0 || gc == (pid_t)msg);
                gc = (pid_t)msg;
                fork_events++;
            } else if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
                unsigned long msg;
                CHECK(ptrace(PTRACE_GETEVENTMSG, c, 0, &msg) == 0);
                CHECK((pid_t)msg == c); /* former thread id */
                exec_events++;
                gc_exit_before_exec = gc_exits;
            } else if (WSTOPSIG(st) == SIGCHLD && (st >> 16) == 0) {
                /* the grandchild's exit notifies its real parent (our child): deliver it */
                sigchld_stops++;
                CHECK(ptrace(PTRACE_CONT, c, 0, SIGCHLD) == 0);
                continue;
            } else {
                other++;
                printf("unexpected child stop status %#x\n", st);
            }
            CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
        } else {
            /* must be the grandchild */
            CHECK(gc == 0 || gc == w);
            gc = w;
            if (WIFEXITED(st)) {
                gc_exits++;
                gc_exit_code = WEXITSTATUS(st);
                continue;
            }
            CHECK(WIFSTOPPED(st));
            if (WSTOPSIG(st) == SIGSTOP && (st >> 16) == 0) {
                gc_stops++;
                CHECK(ptrace(PTRACE_CONT, w, 0, 0) == 0); /* suppress the SIGSTOP */
            } else {
                other++;
                printf("unexpected grandchild stop status %#x\n", st);
                CHECK(ptrace(PTRACE_CONT, w, 0, 0) == 0);
            }
        }
    }
    printf("fork events: %d (GETEVENTMSG matched the grandchild)\n", fork_events);
    printf("grandchild stopped SIGSTOP: %d\n", gc_stops);
    printf("grandchild exited %d (seen by tracer %d time(s), before exec event: %s)\n", gc_exit_code, gc_exits,
           gc_exit_before_exec ? "yes" : "no");
    printf("child SIGCHLD signal-delivery stops: %d\n", sigchld_stops);
    printf("exec events: %d\n", exec_events);
    printf("child exited %d\n", child_exit_code);
    CHECK(fork_events == 1 && gc_stops == 1 && gc_exits == 1 && gc_exit_code == 4);
    CHECK(exec_events == 1 && gc_exit_before_exec == 1 && sigchld_stops == 1 && other == 0);
    CHECK(child_exit_code == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
