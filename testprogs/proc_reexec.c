/* execve of itself (/proc/self/exe) with an argument; the re-exec'd image checks pid continuity and fds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--second-stage") == 0) {
        CHECK(argc == 5);
        pid_t orig = (pid_t)atoi(argv[2]);
        int keep = atoi(argv[3]), cloexec = atoi(argv[4]);
        printf("second stage: pid %d (first stage pid %d), argv[0]=%s\n", getpid(), orig, argv[0]);
        CHECK(getpid() == orig);
        /* the plain fd survived exec, the O_CLOEXEC one did not */
        char buf[16];
        ssize_t n = read(keep, buf, sizeof buf);
        printf("inherited fd %d read -> %zd '%.*s'\n", keep, n, n > 0 ? (int)n : 0, buf);
        CHECK(n == 7 && memcmp(buf, "through", 7) == 0);
        int r = fcntl(cloexec, F_GETFD);
        printf("cloexec fd %d after exec -> %d errno %d\n", cloexec, r, errno);
        CHECK(r == -1 && errno == EBADF);
        printf("EXIT-SUCCESS\n");
        return 0;
    }
    printf("first stage: pid %d argc %d\n", getpid(), argc);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "through", 7) == 7);
    close(p[1]);
    int ce = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(ce >= 0);
    char pidbuf[16], keepbuf[16], cebuf[16];
    snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
    snprintf(keepbuf, sizeof keepbuf, "%d", p[0]);
    snprintf(cebuf, sizeof cebuf, "%d", ce);
    char *nargv[] = { "rtt-reexec-stage2", "--second-stage", pidbuf, keepbuf, cebuf, NULL };
    fflush(stdout);
    execve("/proc/self/exe", nargv, environ);
    fprintf(stderr, "execve failed: %s\n", strerror(errno));
    return 1;
}
