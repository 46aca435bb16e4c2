/* umask: returned previous value, effect on open/mkdir/mkfifo modes, inherited by children. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    mode_t orig = umask(022);
    printf("original umask %03o\n", orig);
    CHECK(umask(022) == 022);
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);

    mode_t masks[] = { 0, 022, 077, 0777, 0137 };
    for (unsigned i = 0; i < sizeof masks / sizeof masks[0]; i++) {
        umask(masks[i]);
        char fn[32], dn[32], pn[32];
        snprintf(fn, sizeof fn, "f%u", i);
        snprintf(dn, sizeof dn, "d%u", i);
        snprintf(pn, sizeof pn, "p%u", i);
        int fd = openat(dfd, fn, O_CREAT | O_WRONLY, 0666);
        CHECK(fd >= 0);
        close(fd);
        CHECK(mkdirat(dfd, dn, 0777) == 0);
        CHECK(mkfifoat(dfd, pn, 0666) == 0);
        struct stat sf, sd, sp;
        CHECK(fstatat(dfd, fn, &sf, 0) == 0 && fstatat(dfd, dn, &sd, 0) == 0 && fstatat(dfd, pn, &sp, 0) == 0);
        printf("umask %03o: file %03o dir %03o fifo %03o\n", masks[i], sf.st_mode & 0777, sd.st_mode & 0777,
               sp.st_mode & 0777);
        CHECK((sf.st_mode & 0777) == (0666 & ~masks[i]));
        CHECK((sd.st_mode & 0777) == (0777 & ~masks[i]));
        CHECK(S_ISFIFO(sp.st_mode) && (sp.st_mode & 0777) == (0666 & ~masks[i]));
        CHECK(unlinkat(dfd, fn, 0) == 0 && unlinkat(dfd, dn, AT_REMOVEDIR) == 0 && unlinkat(dfd, pn, 0) == 0);
    }
    /* only the low 9 bits are kept */
    umask(0);
    umask(07777);
    mode_t got = umask(0);
    printf("umask(07777) stored as %03o\n", got);
    CHECK(got == 0777);

    umask(0027);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(umask(0) == 0027 ? 0 : 1);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st));
    printf("child %d inherited umask: %s\n", c, WEXITSTATUS(st) == 0 ? "yes" : "no");
    CHECK(WEXITSTATUS(st) == 0);
    /* /proc/self/status exposes it too */
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f != NULL);
    char line[256];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Umask:", 6) == 0) {
            printf("status %s", line);
            found = strstr(line, "0027") != NULL;
        }
    fclose(f);
    CHECK(found);
    umask(orig);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
