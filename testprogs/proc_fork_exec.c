/* fork + execve of /bin/true, /bin/false and /bin/echo (which prints into our stdout). */
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

static int run(const char *path, char *const argv[])
{
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        execve(path, argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("%s (pid %d) -> exited %d status %d\n", path, c, WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st));
    return WEXITSTATUS(st);
}

int main(void)
{
    char *a_true[] = { "true", NULL };
    char *a_false[] = { "false", NULL };
    char *a_echo[] = { "echo", "-n", "echo says:", "hello", "world", NULL };
    char *a_echo2[] = { "echo", "second echo line", NULL };
    CHECK(run("/bin/true", a_true) == 0);
    CHECK(run("/bin/false", a_false) == 1);
    CHECK(run("/bin/echo", a_echo) == 0);
    printf("\n");
    CHECK(run("/bin/echo", a_echo2) == 0);
    /* execvp path search and a custom environment */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        char *env[] = { "RTT_TEST_VAR=value-from-parent", "PATH=/usr/bin:/bin", NULL };
        char *argv[] = { "sh", "-c", "echo \"env: $RTT_TEST_VAR\"", NULL };
        execve("/bin/sh", argv, env);
        _exit(127);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(run("/nonexistent", a_true) == 127);
    printf("EXIT-SUCCESS\n");
    return 0;
}
