/* posix_spawn/posix_spawnp with file actions (stdout into a pipe), attributes (sigmask, setpgroup). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;

int main(void)
{
    /* 1. plain spawn; child writes straight to our stdout */
    fflush(stdout);
    pid_t pid;
    char *a1[] = { "echo", "spawned echo says hi", NULL };
    int r = posix_spawn(&pid, "/bin/echo", NULL, NULL, a1, environ);
    CHECK(r == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    printf("posix_spawn echo pid %d exited %d\n", pid, WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* 2. posix_spawnp with file actions redirecting stdout to a pipe */
    int p[2];
    CHECK(pipe(p) == 0);
    posix_spawn_file_actions_t fa;
    CHECK(posix_spawn_file_actions_init(&fa) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&fa, p[1], 1) == 0);
    CHECK(posix_spawn_file_actions_addclose(&fa, p[0]) == 0);
    CHECK(posix_spawn_file_actions_addclose(&fa, p[1]) == 0);
    posix_spawnattr_t at;
    CHECK(posix_spawnattr_init(&at) == 0);
    CHECK(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK) == 0);
    CHECK(posix_spawnattr_setpgroup(&at, 0) == 0);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    CHECK(posix_spawnattr_setsigmask(&at, &m) == 0);
    char *a2[] = { "cat", "/proc/self/status", NULL };
    fflush(stdout);
    r = posix_spawnp(&pid, "cat", &fa, &at, a2, environ);
    CHECK(r == 0);
    close(p[1]);
    static char buf[8192];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf - 1 && (k = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += k;
    buf[n] = 0;
    close(p[0]);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("posix_spawnp cat pid %d exited %d, relevant status lines:\n", pid, WEXITSTATUS(st));
    int pgid = -1;
    char *blk = NULL;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "Name:", 5) == 0 || strncmp(line, "SigBlk:", 7) == 0 ||
            strncmp(line, "NSpgid:", 7) == 0 || strncmp(line, "Pid:", 4) == 0)
            printf("  %s\n", line);
        if (strncmp(line, "NSpgid:", 7) == 0)
            pgid = atoi(line + 7);
        if (strncmp(line, "SigBlk:", 7) == 0)
            blk = line;
    }
    /* POSIX_SPAWN_SETPGROUP with pgroup 0: the child leads its own process group */
    CHECK(pgid == pid);
    /* SIGUSR1 is signal 10 -> bit 9 -> mask 0x200 */
    CHECK(blk && strcmp(blk, "SigBlk:\t0000000000000200") == 0);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);

    /* 3. spawning a missing program fails with ENOENT (returned, not via errno) */
    char *a3[] = { "nope", NULL };
    r = posix_spawn(&pid, "/nonexistent/rtt", NULL, NULL, a3, environ);
    printf("posix_spawn missing -> %d (%s)\n", r, strerror(r));
    CHECK(r == ENOENT);

    /* 4. spawn with exit status */
    char *a4[] = { "sh", "-c", "exit 23", NULL };
    CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, a4, environ) == 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    printf("sh -c 'exit 23' -> %d\n", WEXITSTATUS(st));
    CHECK(WEXITSTATUS(st) == 23);
    printf("EXIT-SUCCESS\n");
    return 0;
}
