//! cflags: -static
/* statically linked binary doing a mix: files, mmap, time, randomness, signals, fork+exec, pipes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;
static sigjmp_buf jb;
static volatile int caught;
static void on_segv(int sig)
{
    caught = sig;
    siglongjmp(jb, 1);
}

int main(void)
{
    int local;
    printf("static: pid %d main %p stack %p sbrk %p vdso %#lx\n", getpid(), (void *)main, (void *)&local,
           sbrk(0), getauxval(AT_SYSINFO_EHDR));
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0);
    printf("time %lld.%09ld tsc %llu\n", (long long)ts.tv_sec, ts.tv_nsec, (unsigned long long)__rdtsc());
    unsigned char rnd[8];
    CHECK(getrandom(rnd, sizeof rnd, 0) == sizeof rnd);
    printf("random %02x%02x%02x%02x%02x%02x%02x%02x\n", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);

    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "static data", 11) == 11);
    char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    printf("mmap of file: %.11s\n", m);
    CHECK(memcmp(m, "static data", 11) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0);
    printf("inode %llu size %lld\n", (unsigned long long)st.st_ino, (long long)st.st_size);
    munmap(m, 4096);
    close(fd);
    CHECK(unlink(path) == 0 && rmdir(dir) == 0);

    signal(SIGSEGV, on_segv);
    if (sigsetjmp(jb, 1) == 0) {
        volatile int *volatile np = NULL;
        *np = 1;
    }
    printf("caught signal %d\n", caught);
    CHECK(caught == SIGSEGV);

    int p[2];
    CHECK(pipe(p) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        char *argv[] = { "echo", "exec'd from a static binary", NULL };
        execve("/bin/echo", argv, environ);
        _exit(127);
    }
    close(p[1]);
    char buf[64];
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    close(p[0]);
    int ws;
    CHECK(waitpid(c, &ws, 0) == c && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    printf("child %d said: %s", c, buf);
    CHECK(strcmp(buf, "exec'd from a static binary\n") == 0);

    fflush(stdout);
    c = vfork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(9);
    CHECK(waitpid(c, &ws, 0) == c && WEXITSTATUS(ws) == 9);
    printf("vfork child %d exited 9\n", c);
    printf("EXIT-SUCCESS\n");
    return 0;
}
