/* prctl(PR_SET_NAME/PR_GET_NAME), truncation to 15 chars, /proc/self/comm, name inherited by fork; other prctls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void read_comm(char *buf, size_t cap)
{
    int fd = open("/proc/self/comm", O_RDONLY);
    CHECK(fd >= 0);
    ssize_t n = read(fd, buf, cap - 1);
    CHECK(n > 0);
    buf[n] = 0;
    if (buf[n - 1] == '\n')
        buf[n - 1] = 0;
    close(fd);
}

int main(void)
{
    char name[32];
    memset(name, 0, sizeof name);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    printf("initial name: %s\n", name);
    CHECK(prctl(PR_SET_NAME, "rtt-test-name") == 0);
    memset(name, 0, sizeof name);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    printf("after PR_SET_NAME: %s\n", name);
    CHECK(strcmp(name, "rtt-test-name") == 0);
    char comm[64];
    read_comm(comm, sizeof comm);
    printf("/proc/self/comm: %s\n", comm);
    CHECK(strcmp(comm, "rtt-test-name") == 0);

    CHECK(prctl(PR_SET_NAME, "a-very-long-process-name-that-gets-truncated") == 0);
    memset(name, 0, sizeof name);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    printf("long name truncated to: %s (%zu chars)\n", name, strlen(name));
    CHECK(strlen(name) == 15 && strncmp(name, "a-very-long-pro", 15) == 0);

    /* child inherits the name and can change its own */
    CHECK(prctl(PR_SET_NAME, "parent-name") == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        char n2[32] = { 0 };
        prctl(PR_GET_NAME, n2);
        int ok = strcmp(n2, "parent-name") == 0;
        prctl(PR_SET_NAME, "child-name");
        _exit(ok ? 0 : 1);
    }
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    memset(name, 0, sizeof name);
    CHECK(prctl(PR_GET_NAME, name) == 0);
    printf("child %d inherited name; parent still: %s\n", c, name);
    CHECK(strcmp(name, "parent-name") == 0);

    /* a few other harmless prctls */
    int pdeath = -1;
    CHECK(prctl(PR_GET_PDEATHSIG, &pdeath) == 0);
    printf("PR_GET_PDEATHSIG -> %d\n", pdeath);
    CHECK(prctl(PR_SET_PDEATHSIG, 10) == 0);
    CHECK(prctl(PR_GET_PDEATHSIG, &pdeath) == 0 && pdeath == 10);
    CHECK(prctl(PR_SET_PDEATHSIG, 0) == 0);
    int dumpable = prctl(PR_GET_DUMPABLE);
    printf("PR_GET_DUMPABLE -> %d\n", dumpable);
    int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    printf("PR_GET_NO_NEW_PRIVS -> %d\n", nnp);
    int r = prctl(0x7fff1234);
    printf("unknown prctl -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EINVAL);
    printf("EXIT-SUCCESS\n");
    return 0;
}
