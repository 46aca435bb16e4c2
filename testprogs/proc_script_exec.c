/* exec of a #! script: write a /bin/sh script into the temp dir, chmod +x, fork+execve it with args. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/script.sh", dir);
    const char script[] =
        "#!/bin/sh\n"
        "echo \"script running with $# args: $1 $2\"\n"
        "echo \"script pid $$ parent $PPID\"\n"
        "exit 17\n";
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, script, sizeof script - 1) == (ssize_t)(sizeof script - 1));
    CHECK(close(fd) == 0);

    /* not executable yet: EACCES */
    char *argv[] = { path, "first", "second", NULL };
    int r = execve(path, argv, environ);
    printf("execve before chmod -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EACCES);
    CHECK(chmod(path, 0755) == 0);

    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        execve(path, argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("script child %d (parent %d) exited %d\n", c, getpid(), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 17);

    /* script with an interpreter argument, output captured through a pipe */
    char path2[256];
    snprintf(path2, sizeof path2, "%s/script2", dir);
    const char script2[] = "#!/bin/sh -e\nprintf 'captured:%s\\n' \"${0##*/}\"\n";
    fd = open(path2, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    CHECK(fd >= 0);
    CHECK(write(fd, script2, sizeof script2 - 1) == (ssize_t)(sizeof script2 - 1));
    CHECK(close(fd) == 0);
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char *a2[] = { path2, NULL };
        execve(path2, a2, environ);
        _exit(127);
    }
    close(p[1]);
    char buf[128];
    ssize_t n = 0, k;
    while (n < (ssize_t)sizeof buf - 1 && (k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += k;
    buf[n] = 0;
    close(p[0]);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("second script output: %s", buf);
    CHECK(strcmp(buf, "captured:script2\n") == 0);

    /* a script whose interpreter is missing */
    char path3[256];
    snprintf(path3, sizeof path3, "%s/bad", dir);
    fd = open(path3, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    CHECK(fd >= 0);
    CHECK(write(fd, "#!/nonexistent/interp\n", 22) == 22);
    close(fd);
    char *a3[] = { path3, NULL };
    r = execve(path3, a3, environ);
    printf("execve with missing interpreter -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);

    CHECK(unlink(path) == 0 && unlink(path2) == 0 && unlink(path3) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
