/* ptrace: PTRACE_SEIZE + PTRACE_INTERRUPT gives a PTRACE_EVENT_STOP stop, GETSIGINFO there, CONT, child exits 3. */
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
    int go[2], ready[2];
    CHECK(pipe(go) == 0 && pipe(ready) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(go[1]);
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(90);
        char b;
        ssize_t n = read(go[0], &b, 1);
        _exit(n == 1 && b == 'g' ? 3 : 91);
    }
    close(go[0]);
    close(ready[1]);
    char b;
    CHECK(read(ready[0], &b, 1) == 1);
    close(ready[0]);

    CHECK(ptrace(PTRACE_SEIZE, c, 0, PTRACE_O_TRACESYSGOOD) == 0);
    CHECK(ptrace(PTRACE_INTERRUPT, c, 0, 0) == 0);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("after INTERRUPT: stopped %d sig %d (SIGTRAP=%d) event %d (PTRACE_EVENT_STOP=%d)\n", WIFSTOPPED(st),
           WSTOPSIG(st), SIGTRAP, st >> 16, PTRACE_EVENT_STOP);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && (st >> 16) == PTRACE_EVENT_STOP);

    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(ptrace(PTRACE_GETSIGINFO, c, 0, &si) == 0);
    printf("GETSIGINFO: si_signo %d si_code %#x\n", si.si_signo, si.si_code);
    CHECK(si.si_signo == SIGTRAP);

    CHECK(ptrace(PTRACE_CONT, c, 0, 0) == 0);
    CHECK(write(go[1], "g", 1) == 1);
    close(go[1]);
    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    printf("EXIT-SUCCESS\n");
    return 0;
}
