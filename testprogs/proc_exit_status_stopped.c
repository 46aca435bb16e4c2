/* a child stops itself with SIGSTOP; the parent sees WIFSTOPPED via waitpid(WUNTRACED), then kills the stopped child. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        raise(SIGSTOP);
        _exit(0);
    }
    int st;
    CHECK(waitpid(c, &st, WUNTRACED) == c);
    printf("stopped child -> WIFSTOPPED %d WSTOPSIG %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(kill(c, SIGKILL) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("killed while stopped -> WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    printf("EXIT-SUCCESS\n");
    return 0;
}
