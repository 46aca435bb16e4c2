/* ptrace: tracer A exits while its tracee B sits in a SIGSTOP stop; B is detached by the kernel and can finish. */
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
    int msg[2];
    CHECK(pipe(msg) == 0);
    fflush(stdout);
    pid_t a = fork();
    CHECK(a >= 0);
    if (a == 0) {
        close(msg[0]);
        pid_t b = fork();
        if (b < 0)
            _exit(90);
        if (b == 0) {
            if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
                _exit(91);
            raise(SIGSTOP);
            if (write(msg[1], "B done", 6) != 6)
                _exit(92);
            _exit(0);
        }
        close(msg[1]);
        int st;
        if (waitpid(b, &st, 0) != b || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
            _exit(93);
        _exit(0); /* tracer dies without resuming B */
    }
    close(msg[1]);
    int st;
    CHECK(waitpid(a, &st, 0) == a);
    printf("tracer A: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* B is now an orphan (reparented away from us); its pipe message tells us it ran on */
    char buf[64];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(msg[0], buf + len, sizeof buf - 1 - len);
        CHECK(n >= 0);
        if (n == 0)
            break;
        len += n;
    }
    buf[len] = 0;
    close(msg[0]);
    printf("B wrote \"%s\"\n", buf);
    CHECK(strcmp(buf, "B done") == 0);
    printf("B finished\n");
    printf("EXIT-SUCCESS\n");
    return 0;
}
