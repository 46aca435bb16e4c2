/* getdents64 (raw syscall) and readdir on a populated directory; sorted output. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

struct ent { char name[256]; unsigned long long ino; int type; };

static int cmp(const void *a, const void *b)
{
    return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

#define NFILES 40

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    for (int i = 0; i < NFILES; i++) {
        char name[64];
        snprintf(name, sizeof name, "file-%02d-%s", i, i % 3 ? "long-name-padding-xxxxxxxx" : "s");
        int fd = openat(dfd, name, O_CREAT | O_WRONLY, 0600);
        CHECK(fd >= 0);
        close(fd);
    }
    CHECK(mkdirat(dfd, "subdir", 0700) == 0);
    CHECK(symlinkat("file-00-s", dfd, "symlink") == 0);

    /* raw getdents64 with a small buffer to force several calls */
    struct ent ents[NFILES + 8];
    int n = 0, calls = 0;
    char buf[512] __attribute__((aligned(8)));
    for (;;) {
        long r = syscall(SYS_getdents64, dfd, buf, sizeof buf);
        CHECK(r >= 0);
        calls++;
        CHECK(calls < 1000);
        if (r == 0)
            break;
        for (long off = 0; off < r;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            CHECK(n < NFILES + 8);
            snprintf(ents[n].name, sizeof ents[n].name, "%s", d->d_name);
            ents[n].ino = d->d_ino;
            ents[n].type = d->d_type;
            n++;
            off += d->d_reclen;
        }
    }
    printf("getdents64: %d entries in %d calls\n", n, calls);
    CHECK(n == NFILES + 4);
    qsort(ents, n, sizeof ents[0], cmp);
    for (int i = 0; i < n; i++)
        printf("  %-40s type=%d ino=%llu\n", ents[i].name, ents[i].type, ents[i].ino);
    CHECK(strcmp(ents[0].name, ".") == 0 && strcmp(ents[1].name, "..") == 0);

    /* readdir via libc on a fresh fd, compare */
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct ent ents2[NFILES + 8];
    int m = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        CHECK(m < NFILES + 8);
        snprintf(ents2[m].name, sizeof ents2[m].name, "%s", de->d_name);
        ents2[m].ino = de->d_ino;
        ents2[m].type = de->d_type;
        m++;
    }
    closedir(d);
    printf("readdir: %d entries\n", m);
    CHECK(m == n);
    qsort(ents2, m, sizeof ents2[0], cmp);
    for (int i = 0; i < n; i++) {
        CHECK(strcmp(ents[i].name, ents2[i].name) == 0);
        CHECK(ents[i].ino == ents2[i].ino);
        if (strcmp(ents[i].name, "subdir") == 0)
            CHECK(ents[i].type == DT_DIR);
        if (strcmp(ents[i].name, "symlink") == 0)
            CHECK(ents[i].type == DT_LNK);
    }

    /* cleanup */
    for (int i = 0; i < n; i++) {
        if (ents[i].name[0] == '.')
            continue;
        CHECK(unlinkat(dfd, ents[i].name, ents[i].type == DT_DIR ? AT_REMOVEDIR : 0) == 0);
    }
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
