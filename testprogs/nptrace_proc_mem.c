/* ptrace: a tracer pread()s and pwrite()s a stopped tracee's memory through /proc/PID/mem. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static char buf[32] = "original";

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
        printf("child: buf = \"%s\"\n", buf);
        fflush(stdout);
        _exit(strcmp(buf, "patched!") == 0 ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)c);
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    char got[32];
    memset(got, 0, sizeof got);
    CHECK(pread(fd, got, sizeof got, (off_t)(unsigned long)buf) == (ssize_t)sizeof got);
    printf("pread from /proc/child/mem: \"%s\"\n", got);
    CHECK(strcmp(got, "original") == 0);
    CHECK(pwrite(fd, "patched!", 9, (off_t)(unsigned long)buf) == 9);
    memset(got, 0, sizeof got);
    CHECK(pread(fd, got, sizeof got, (off_t)(unsigned long)buf) == (ssize_t)sizeof got);
    CHECK(strcmp(got, "patched!") == 0);
    /* the tracee's copy is private to it */
    CHECK(strcmp(buf, "original") == 0);
    /* cross-check through PEEKDATA */
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, c, buf, 0);
    CHECK(errno == 0 && memcmp(&w, "patched!", 8) == 0);
    CHECK(close(fd) == 0);
    printf("pwrite \"patched!\" done\n");
    fflush(stdout);
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
