/* fork+execve of a #!/bin/sh script that the program itself wrote (and made executable) in a temp dir. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
        "exit 17\n";
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    CHECK(fd >= 0);
    CHECK(write(fd, script, sizeof script - 1) == (ssize_t)(sizeof script - 1));
    CHECK(close(fd) == 0);

    char *argv[] = { path, "first", "second", NULL };
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        execve(path, argv, environ);
        _exit(127);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("script child exited %d\n", WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 17);

    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
