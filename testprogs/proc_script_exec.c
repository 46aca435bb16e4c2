//! args: testprogs/data
/* exec of #! scripts shipped in testprogs/data (dir from argv[1]): fork+execve with args, an interpreter argument, exit status;
   failed execve of a non-executable script (EACCES) and of one with a missing interpreter (ENOENT). */
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

/* Child side: execve a shipped script; on failure explain and exit 127. */
static void exec_script(char *path, char **argv)
{
    execve(path, argv, environ);
    int e = errno;
    if (e == EACCES)
        fprintf(stderr, "execve %s: %s -- test setup problem: the script must be executable (chmod +x %s)\n",
                path, strerror(e), path);
    else
        fprintf(stderr, "execve %s: %s\n", path, strerror(e));
    _exit(127);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR (the testprogs/data directory)\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];

    /* plain #!/bin/sh script with two arguments and a non-zero exit status */
    char path[4096];
    snprintf(path, sizeof path, "%s/hello_script.sh", dir);
    char *a1[] = { path, "first", "second", NULL };
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        exec_script(path, a1);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("script child %d (parent %d) exited %d\n", c, getpid(), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 17);

    /* script with an interpreter argument (#!/bin/sh -e), output captured through a pipe */
    char path2[4096];
    snprintf(path2, sizeof path2, "%s/hello_script_arg.sh", dir);
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
        exec_script(path2, a2);
    }
    close(p[1]);
    char buf[256];
    ssize_t n = 0, k;
    while (n < (ssize_t)sizeof buf - 1 && (k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += k;
    buf[n] = 0;
    close(p[0]);
    CHECK(waitpid(c, &st, 0) == c);
    printf("second script output: %s", buf);
    printf("second script exited %d (stopped by -e at 'false')\n", WEXITSTATUS(st));
    CHECK(strcmp(buf, "captured:hello_script_arg.sh errexit:yes\n") == 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);

    /* Failing execve of scripts written during the run. Replay does not write files, but a
     * failed execve is emulated (not run again), so these files need not exist at replay. */
    char tmp[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    char path3[256];
    snprintf(path3, sizeof path3, "%s/noexec.sh", tmp);
    const char script3[] = "#!/bin/sh\nexit 17\n";
    int fd = open(path3, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, script3, sizeof script3 - 1) == (ssize_t)(sizeof script3 - 1));
    CHECK(close(fd) == 0);
    char *a3[] = { path3, "first", NULL };
    int r = execve(path3, a3, environ);
    printf("execve of mode 0600 script -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EACCES);

    char path4[256];
    snprintf(path4, sizeof path4, "%s/bad", tmp);
    fd = open(path4, O_CREAT | O_WRONLY | O_TRUNC, 0755);
    CHECK(fd >= 0);
    CHECK(write(fd, "#!/nonexistent/interp\n", 22) == 22);
    CHECK(close(fd) == 0);
    char *a4[] = { path4, NULL };
    r = execve(path4, a4, environ);
    printf("execve with missing interpreter -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOENT);
    CHECK(unlink(path3) == 0 && unlink(path4) == 0);
    CHECK(rmdir(tmp) == 0);

    printf("EXIT-SUCCESS\n");
    return 0;
}
