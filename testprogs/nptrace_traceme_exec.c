/* ptrace: PTRACE_TRACEME twice (second fails EPERM), exec of a traced child stops with SIGTRAP, then exits 0. */
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
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        long r1 = ptrace(PTRACE_TRACEME, 0, 0, 0);
        int e1 = errno;
        errno = 0;
        long r2 = ptrace(PTRACE_TRACEME, 0, 0, 0);
        int e2 = errno;
        int res[4] = { (int)r1, r1 == 0 ? 0 : e1, (int)r2, e2 };
        if (write(p[1], res, sizeof res) != (ssize_t)sizeof res)
            _exit(90);
        close(p[1]);
        execl("/bin/true", "true", (char *)NULL);
        _exit(91);
    }
    close(p[1]);
    int res[4];
    CHECK(read(p[0], res, sizeof res) == (ssize_t)sizeof res);
    close(p[0]);
    printf("first TRACEME -> %d, second TRACEME -> %d errno %s\n", res[0], res[2],
           res[3] == EPERM ? "EPERM" : strerror(res[3]));
    CHECK(res[0] == 0);
    CHECK(res[2] == -1 && res[3] == EPERM);

    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("after exec: stopped %d sig %d (SIGTRAP=%d) event %d\n", WIFSTOPPED(st), WSTOPSIG(st), SIGTRAP,
           st >> 16);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD);
    printf("EXIT-SUCCESS\n");
    return 0;
}
