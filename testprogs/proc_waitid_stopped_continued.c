/* waitid on a child that stops itself with SIGSTOP (WSTOPPED), is resumed with SIGCONT (WCONTINUED), then exits. */
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
        _exit(3);
    }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WSTOPPED) == 0);
    printf("stopped child: code %d (CLD_STOPPED=%d) status %d\n", si.si_code, CLD_STOPPED, si.si_status);
    CHECK(si.si_pid == c && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP);
    CHECK(kill(c, SIGCONT) == 0);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WCONTINUED) == 0);
    printf("continued child: code %d (CLD_CONTINUED=%d)\n", si.si_code, CLD_CONTINUED);
    CHECK(si.si_pid == c && si.si_code == CLD_CONTINUED);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WEXITED) == 0);
    printf("then exited with %d\n", si.si_status);
    CHECK(si.si_code == CLD_EXITED && si.si_status == 3);
    printf("EXIT-SUCCESS\n");
    return 0;
}
