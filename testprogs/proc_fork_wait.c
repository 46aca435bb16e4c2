/* fork + waitpid: child pid/ppid, copy-on-write memory, exit statuses, WNOHANG, wait(), ECHILD. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int shared_var = 10;

int main(void)
{
    pid_t me = getpid();
    printf("parent pid %d\n", me);
    int *heap = malloc(sizeof *heap);
    CHECK(heap != NULL);
    *heap = 500;
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        shared_var = 20;
        *heap = 600;
        printf("child: pid %d ppid %d shared_var %d heap %d\n", getpid(), getppid(), shared_var, *heap);
        fflush(stdout);
        _exit(getppid() == me ? 42 : 1);
    }
    int st;
    pid_t w = waitpid(c, &st, 0);
    printf("parent: waitpid -> %d status %#x exited %d code %d; shared_var %d heap %d\n", w, st,
           WIFEXITED(st), WEXITSTATUS(st), shared_var, *heap);
    CHECK(w == c && WIFEXITED(st) && WEXITSTATUS(st) == 42);
    CHECK(shared_var == 10 && *heap == 500);

    /* several children, reaped with wait() in any order */
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        fflush(stdout);
        kids[i] = fork();
        CHECK(kids[i] >= 0);
        if (kids[i] == 0)
            _exit(10 + i);
    }
    int seen = 0;
    for (int i = 0; i < 5; i++) {
        pid_t p = wait(&st);
        CHECK(p > 0 && WIFEXITED(st));
        int idx = -1;
        for (int j = 0; j < 5; j++)
            if (kids[j] == p)
                idx = j;
        CHECK(idx >= 0 && WEXITSTATUS(st) == 10 + idx);
        seen |= 1 << idx;
    }
    printf("reaped 5 children: pids %d %d %d %d %d\n", kids[0], kids[1], kids[2], kids[3], kids[4]);
    CHECK(seen == 31);

    /* WNOHANG on a still-running child: use a pipe to hold it */
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[1]);
        char b;
        ssize_t n = read(p[0], &b, 1); /* returns 0 when parent closes */
        _exit(n == 0 ? 5 : 6);
    }
    close(p[0]);
    w = waitpid(c, &st, WNOHANG);
    printf("WNOHANG on running child -> %d\n", w);
    CHECK(w == 0);
    close(p[1]);
    w = waitpid(c, &st, 0);
    CHECK(w == c && WEXITSTATUS(st) == 5);
    printf("released child %d exited %d\n", c, WEXITSTATUS(st));

    w = waitpid(-1, &st, 0);
    printf("waitpid with no children -> %d errno %d\n", w, errno);
    CHECK(w == -1 && errno == ECHILD);
    free(heap);
    printf("EXIT-SUCCESS\n");
    return 0;
}
