/* ptrace: PTRACE_ATTACH to a running child, PEEKDATA/POKEDATA a global flag, PTRACE_DETACH; child exits with the flag. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile int flag = 0;

int main(void)
{
    alarm(20); /* watchdog */
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        if (write(p[1], "r", 1) != 1)
            _exit(90);
        close(p[1]);
        while (!flag) {
            struct timespec t = { 0, 1000000 };
            nanosleep(&t, NULL);
        }
        printf("child saw flag %d\n", flag);
        fflush(stdout);
        _exit(flag);
    }
    close(p[1]);
    char b;
    CHECK(read(p[0], &b, 1) == 1); /* child is running its loop (or about to) */
    close(p[0]);

    CHECK(ptrace(PTRACE_ATTACH, c, 0, 0) == 0);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("attached: stopped %d sig %d (SIGSTOP=%d)\n", WIFSTOPPED(st), WSTOPSIG(st), SIGSTOP);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);

    /* flag is an int; PEEKDATA/POKEDATA move a long: read-modify-write */
    errno = 0;
    long w = ptrace(PTRACE_PEEKDATA, c, (void *)&flag, 0);
    CHECK(errno == 0);
    int old;
    memcpy(&old, &w, sizeof old);
    printf("PEEKDATA flag = %d\n", old);
    CHECK(old == 0);
    int nine = 9;
    memcpy(&w, &nine, sizeof nine);
    CHECK(ptrace(PTRACE_POKEDATA, c, (void *)&flag, (void *)w) == 0);
    errno = 0;
    long w2 = ptrace(PTRACE_PEEKDATA, c, (void *)&flag, 0);
    CHECK(errno == 0 && w2 == w);
    CHECK(flag == 0); /* our copy untouched */
    fflush(stdout);
    CHECK(ptrace(PTRACE_DETACH, c, 0, 0) == 0);

    CHECK(waitpid(c, &st, 0) == c);
    printf("child: exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9);
    printf("EXIT-SUCCESS\n");
    return 0;
}
