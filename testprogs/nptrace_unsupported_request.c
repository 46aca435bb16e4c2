/* ptrace: PTRACE_PEEKSIGINFO on a stopped tracee succeeds or fails with EIO (unemulated); the tracee runs on. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define PEEKSIGINFO 0x4209

struct peeksiginfo_args_ { /* struct ptrace_peeksiginfo_args */
    uint64_t off;
    uint32_t flags;
    int32_t nr;
};

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
        _exit(6);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    struct peeksiginfo_args_ args = { 0, 0, 4 };
    siginfo_t buf[4];
    memset(buf, 0, sizeof buf);
    errno = 0;
    long r = ptrace(PEEKSIGINFO, c, &args, buf);
    int e = errno;
    /* natively: r >= 0 (number of queued signals copied, here none); an emulator may refuse with EIO */
    CHECK((r >= 0 && r <= 4) || (r == -1 && e == EIO));
    printf("PTRACE_PEEKSIGINFO: ok\n");

    /* the tracee is unaffected either way */
    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);
    printf("EXIT-SUCCESS\n");
    return 0;
}
