/* pipeline: child writes numbered lines into a pipe, parent reads them all; then a two-child pipeline
   (producer | /bin/cat) with output back to the parent. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;

static size_t slurp(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        CHECK(n < cap);
        ssize_t r = read(fd, buf + n, cap - n);
        CHECK(r >= 0);
        if (r == 0)
            break;
        n += r;
    }
    return n;
}

int main(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(p[0]);
        FILE *f = fdopen(p[1], "w");
        CHECK(f != NULL);
        for (int i = 0; i < 500; i++)
            fprintf(f, "line %03d from child %d\n", i, getpid());
        fclose(f);
        _exit(0);
    }
    close(p[1]);
    static char buf[65536];
    size_t n = slurp(p[0], buf, sizeof buf);
    close(p[0]);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    int lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += buf[i] == '\n';
    printf("read %zu bytes, %d lines from child %d\n", n, lines, c);
    char first[64];
    snprintf(first, sizeof first, "line 000 from child %d\n", c);
    CHECK(lines == 500 && strncmp(buf, first, strlen(first)) == 0);
    char *last = buf + n - 1;
    while (last > buf && last[-1] != '\n')
        last--;
    printf("last line: %s", last);

    /* producer | cat | parent */
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0);
    fflush(stdout);
    pid_t prod = fork();
    CHECK(prod >= 0);
    if (prod == 0) {
        close(a[0]);
        close(b[0]);
        close(b[1]);
        for (int i = 0; i < 100; i++) {
            char l[32];
            int len = snprintf(l, sizeof l, "%d\n", i * i);
            CHECK(write(a[1], l, len) == len);
        }
        _exit(0);
    }
    pid_t cat = fork();
    CHECK(cat >= 0);
    if (cat == 0) {
        dup2(a[0], 0);
        dup2(b[1], 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
        char *argv[] = { "cat", NULL };
        execve("/bin/cat", argv, environ);
        _exit(127);
    }
    close(a[0]);
    close(a[1]);
    close(b[1]);
    n = slurp(b[0], buf, sizeof buf);
    close(b[0]);
    CHECK(waitpid(prod, &st, 0) == prod && WEXITSTATUS(st) == 0);
    CHECK(waitpid(cat, &st, 0) == cat && WEXITSTATUS(st) == 0);
    long sum = 0;
    buf[n] = 0;
    for (char *s = buf; *s;) {
        char *e;
        sum += strtol(s, &e, 10);
        CHECK(*e == '\n');
        s = e + 1;
    }
    printf("producer %d | cat %d delivered %zu bytes, sum of squares %ld\n", prod, cat, n, sum);
    CHECK(sum == 328350);
    printf("EXIT-SUCCESS\n");
    return 0;
}
