/* vfork + execve of /bin/echo (output into our stdout) and of a missing binary (child _exits 127). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;
static volatile int exec_errno;

int main(void)
{
    printf("parent pid %d\n", getpid());
    fflush(stdout);
    char *argv[] = { "echo", "hello", "from", "vfork+execve", NULL };
    pid_t c = vfork();
    CHECK(c >= 0);
    if (c == 0) {
        execve("/bin/echo", argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("echo child %d exited %d\n", c, WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* exec failure: child records errno in shared memory and _exits */
    fflush(stdout);
    char *argv2[] = { "nope", NULL };
    c = vfork();
    CHECK(c >= 0);
    if (c == 0) {
        execve("/nonexistent/rtt-binary", argv2, environ);
        exec_errno = errno;
        _exit(127);
    }
    CHECK(waitpid(c, &st, 0) == c);
    printf("failed exec child %d exited %d, exec errno %d\n", c, WEXITSTATUS(st), exec_errno);
    CHECK(WEXITSTATUS(st) == 127 && exec_errno == ENOENT);

    /* vfork + exec /bin/sh -c with output redirected through a pipe */
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    char *argv3[] = { "sh", "-c", "echo piped $((6*7))", NULL };
    c = vfork();
    CHECK(c >= 0);
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execve("/bin/sh", argv3, environ);
        _exit(127);
    }
    close(p[1]);
    char buf[64];
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(p[0]);
    CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 0);
    printf("sh child %d wrote: %s", c, buf);
    CHECK(strcmp(buf, "piped 42\n") == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
