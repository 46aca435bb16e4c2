/* several generations: parent -> child -> grandchild -> great-grandchild, statuses propagate up and
   pids/ppids are reported through a shared pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static int report_fd;

/* generation g forks generation g+1 (up to depth), waits for it, and exits with its status + 1 */
static int generation(int g, int depth)
{
    char line[80];
    int len = snprintf(line, sizeof line, "gen %d pid %d ppid %d\n", g, getpid(), getppid());
    CHECK(write(report_fd, line, len) == len);
    if (g == depth)
        return 10;
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(generation(g + 1, depth));
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    CHECK(WIFEXITED(st));
    return WEXITSTATUS(st) + 1;
}

int main(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    printf("top pid %d\n", getpid());
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        report_fd = p[1];
        _exit(generation(1, 4));
    }
    close(p[1]);
    char buf[1024];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(p[0]);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("%s", buf);
    printf("child %d exited %d\n", c, WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 13);
    /* check the chain: each generation's ppid is the previous generation's pid */
    int prev = getpid(), gens = 0;
    for (char *s = buf; *s;) {
        int g, pid, ppid;
        CHECK(sscanf(s, "gen %d pid %d ppid %d", &g, &pid, &ppid) == 3);
        CHECK(g == gens + 1 && ppid == prev);
        prev = pid;
        gens++;
        s = strchr(s, '\n');
        CHECK(s != NULL);
        s++;
    }
    CHECK(gens == 4);

    /* an orphaned grandchild: the middle process exits first; the grandchild reports its new ppid */
    CHECK(pipe(p) == 0);
    fflush(stdout);
    c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        pid_t g = fork();
        CHECK(g >= 0);
        if (g == 0) {
            /* wait until our parent has gone (bounded) */
            for (int i = 0; i < 2000 && getppid() == c; i++)
                usleep(1000);
            char l[64];
            int len = snprintf(l, sizeof l, "%d %d", getpid(), getppid() != c);
            CHECK(write(p[1], l, len) == len);
            _exit(0);
        }
        _exit(0);
    }
    close(p[1]);
    CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 0);
    n = 0;
    while (n < sizeof buf - 1 && (r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(p[0]);
    int gpid = 0, reparented = 0;
    CHECK(sscanf(buf, "%d %d", &gpid, &reparented) == 2);
    printf("orphan %d reparented: %d\n", gpid, reparented);
    CHECK(reparented == 1);
    printf("EXIT-SUCCESS\n");
    return 0;
}
