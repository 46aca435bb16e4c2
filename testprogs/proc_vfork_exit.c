/* vfork + _exit: parent is suspended until the child exits; child shares memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile int written_by_child;
static volatile pid_t child_saw_pid;

int main(void)
{
    printf("parent pid %d\n", getpid());
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        written_by_child = 0;
        pid_t c = vfork();
        CHECK(c >= 0);
        if (c == 0) {
            /* only async-signal-safe things: store to memory, getpid, _exit */
            written_by_child = 1000 + i;
            child_saw_pid = getpid();
            _exit(20 + i);
        }
        /* the child has already run to _exit by the time vfork returns here */
        printf("vfork %d: child %d, shared variable %d, child saw pid %d\n", i, c, written_by_child,
               child_saw_pid);
        CHECK(written_by_child == 1000 + i && child_saw_pid == c);
        int st;
        CHECK(waitpid(c, &st, 0) == c);
        printf("child exited %d\n", WEXITSTATUS(st));
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 20 + i);
    }
    printf("EXIT-SUCCESS\n");
    return 0;
}
