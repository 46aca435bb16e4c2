/* exit status propagation via wait macros: exit codes 0..255 wraparound, signals, core-less abort, SIGSEGV. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

enum { EXIT_CODE, RETURN_MAIN, SIGNAL, ABORT, SEGV };

static int spawn(int kind, int arg)
{
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        struct rlimit rl = { 0, 0 };
        setrlimit(RLIMIT_CORE, &rl);
        switch (kind) {
        case EXIT_CODE:
            _exit(arg);
        case RETURN_MAIN:
            exit(arg);
        case SIGNAL:
            signal(arg, SIG_DFL);
            kill(getpid(), arg);
            _exit(200);
        case ABORT:
            abort();
        case SEGV: {
            volatile int *volatile p = NULL;
            *p = 0;
            _exit(201);
        }
        }
        _exit(202);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    return st;
}

int main(void)
{
    int codes[] = { 0, 1, 2, 42, 127, 128, 255, 256, 257, -1 };
    for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int st = spawn(i % 2 ? RETURN_MAIN : EXIT_CODE, codes[i]);
        printf("exit(%d) -> raw %#x WIFEXITED %d WEXITSTATUS %d\n", codes[i], st, WIFEXITED(st), WEXITSTATUS(st));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (codes[i] & 0xff));
    }
    int sigs[] = { SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGUSR1, SIGQUIT };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int st = spawn(SIGNAL, sigs[i]);
        printf("kill(self, %d) -> WIFSIGNALED %d WTERMSIG %d\n", sigs[i], WIFSIGNALED(st), WTERMSIG(st));
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
    }
    int st = spawn(ABORT, 0);
    printf("abort() -> WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = spawn(SEGV, 0);
    printf("NULL write -> WIFSIGNALED %d WTERMSIG %d\n", WIFSIGNALED(st), WTERMSIG(st));
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    printf("EXIT-SUCCESS\n");
    return 0;
}
