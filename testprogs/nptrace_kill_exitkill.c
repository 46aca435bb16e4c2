/* ptrace: PTRACE_KILL kills a stopped tracee; PTRACE_O_EXITKILL kills a seized sibling when its tracer exits. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    alarm(20); /* watchdog */
    /* (a) PTRACE_KILL */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(90);
        raise(SIGSTOP);
        _exit(0);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(ptrace(PTRACE_KILL, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("PTRACE_KILL: signaled %d sig %d (SIGKILL=%d)\n", WIFSIGNALED(st), WTERMSIG(st), SIGKILL);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* (b) PTRACE_O_EXITKILL: sibling T seizes S, then exits */
    int go[2], ready[2];
    CHECK(pipe(go) == 0 && pipe(ready) == 0);
    fflush(stdout);
    pid_t s = fork();
    CHECK(s >= 0);
    if (s == 0) {
        close(go[1]);
        close(ready[0]);
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0); /* for Yama; fails harmlessly without it */
        if (write(ready[1], "r", 1) != 1)
            _exit(90);
        char b;
        ssize_t n = read(go[0], &b, 1); /* EOF only if nobody killed us */
        (void)n;
        _exit(0);
    }
    close(go[0]);
    close(ready[1]);
    char b;
    CHECK(read(ready[0], &b, 1) == 1);
    close(ready[0]);

    fflush(stdout);
    pid_t t = fork();
    CHECK(t >= 0);
    if (t == 0) {
        close(go[1]);
        if (ptrace(PTRACE_SEIZE, s, 0, PTRACE_O_EXITKILL) != 0)
            _exit(1);
        _exit(0); /* tracer exits: S gets SIGKILL */
    }
    CHECK(waitpid(t, &st, 0) == t);
    printf("tracer T: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(go[1]); /* if S was not killed, it now reads EOF and exits 0 */
    CHECK(waitpid(s, &st, 0) == s);
    printf("seized sibling S: signaled %d sig %d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
    printf("EXIT-SUCCESS\n");
    return 0;
}
