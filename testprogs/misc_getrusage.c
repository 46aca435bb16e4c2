/* getrusage(RUSAGE_SELF/RUSAGE_CHILDREN/RUSAGE_THREAD) before and after work and a child; wait4 rusage. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void show(const char *what, const struct rusage *ru)
{
    printf("%s: utime %ld.%06ld stime %ld.%06ld maxrss %ld minflt %ld majflt %ld nvcsw %ld nivcsw %ld\n", what,
           (long)ru->ru_utime.tv_sec, (long)ru->ru_utime.tv_usec, (long)ru->ru_stime.tv_sec,
           (long)ru->ru_stime.tv_usec, ru->ru_maxrss, ru->ru_minflt, ru->ru_majflt, ru->ru_nvcsw, ru->ru_nivcsw);
}

int main(void)
{
    struct rusage a, b, ch, th;
    CHECK(getrusage(RUSAGE_SELF, &a) == 0);
    show("self start", &a);
    /* touch 4 MiB of fresh memory (no huge pages): minor faults must increase */
    size_t sz = 4 << 20;
    char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    madvise(p, sz, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < sz; i += 4096)
        p[i] = 1;
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 2000000; i++)
        x += i * i;
    CHECK(getrusage(RUSAGE_SELF, &b) == 0);
    show("self after work", &b);
    CHECK(b.ru_minflt >= a.ru_minflt + 500);
    CHECK(b.ru_maxrss >= a.ru_maxrss);
    CHECK(getrusage(RUSAGE_THREAD, &th) == 0);
    show("thread", &th);

    CHECK(getrusage(RUSAGE_CHILDREN, &ch) == 0);
    show("children before", &ch);
    CHECK(ch.ru_minflt == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        /* child faults in its own memory */
        char *q = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (q == MAP_FAILED)
            _exit(1);
        madvise(q, sz, MADV_NOHUGEPAGE);
        for (size_t i = 0; i < sz; i += 4096)
            q[i] = 2;
        _exit(0);
    }
    int st;
    struct rusage w4;
    CHECK(wait4(c, &st, 0, &w4) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    show("wait4 child", &w4);
    CHECK(w4.ru_minflt >= 500);
    CHECK(getrusage(RUSAGE_CHILDREN, &ch) == 0);
    show("children after", &ch);
    CHECK(ch.ru_minflt >= w4.ru_minflt);
    int r = getrusage(12345, &ch);
    printf("getrusage(bad who) -> %d errno %d (x=%lu)\n", r, errno, (unsigned long)x);
    CHECK(r == -1 && errno == EINVAL);
    CHECK(munmap(p, sz) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
