/* waitid: P_PID/P_ALL/P_PGID, WEXITED/WNOWAIT/WNOHANG, siginfo fields for exited and killed children. */
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
    if (c == 0)
        _exit(5);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    /* WNOWAIT: peek without reaping */
    CHECK(waitid(P_PID, c, &si, WEXITED | WNOWAIT) == 0);
    printf("WNOWAIT: pid %d code %d (CLD_EXITED=%d) status %d uid %u signo %d\n", si.si_pid, si.si_code,
           CLD_EXITED, si.si_status, si.si_uid, si.si_signo);
    CHECK(si.si_pid == c && si.si_code == CLD_EXITED && si.si_status == 5 && si.si_signo == SIGCHLD);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WEXITED) == 0);
    printf("reaped: pid %d status %d\n", si.si_pid, si.si_status);
    CHECK(si.si_pid == c && si.si_status == 5);
    int r = waitid(P_PID, c, &si, WEXITED);
    printf("waitid again -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ECHILD);

    /* killed child */
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[1]);
        char b;
        ssize_t n = read(p[0], &b, 1);
        (void)n;
        _exit(0);
    }
    close(p[0]);
    /* WNOHANG while it is still running: si_pid is 0 */
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0);
    printf("WNOHANG running child -> si_pid %d\n", si.si_pid);
    CHECK(si.si_pid == 0);
    CHECK(kill(c, SIGKILL) == 0);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED) == 0);
    printf("killed child: pid %d code %d (CLD_KILLED=%d) status %d\n", si.si_pid, si.si_code, CLD_KILLED,
           si.si_status);
    CHECK(si.si_pid == c && si.si_code == CLD_KILLED && si.si_status == SIGKILL);
    close(p[1]);

    /* P_PGID: children in our process group */
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(8);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PGID, getpgrp(), &si, WEXITED) == 0);
    printf("P_PGID reaped %d (child %d) status %d\n", si.si_pid, c, si.si_status);
    CHECK(si.si_pid == c && si.si_status == 8);
    r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
    printf("no children left -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ECHILD);
    printf("EXIT-SUCCESS\n");
    return 0;
}
