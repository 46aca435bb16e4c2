/* access/faccessat (incl. AT_EACCESS, AT_SYMLINK_NOFOLLOW) on files with various modes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    int fd = openat(dfd, "exe", O_CREAT | O_WRONLY, 0700);
    CHECK(fd >= 0);
    close(fd);
    fd = openat(dfd, "plain", O_CREAT | O_WRONLY, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK(symlinkat("missing-target", dfd, "dangling") == 0);
    int root = geteuid() == 0;
    printf("euid is %s\n", root ? "root" : "non-root");

    char p[300];
    snprintf(p, sizeof p, "%s/exe", dir);
    CHECK(access(p, F_OK) == 0);
    CHECK(access(p, R_OK | W_OK | X_OK) == 0);
    printf("access(exe, RWX) -> 0\n");
    snprintf(p, sizeof p, "%s/plain", dir);
    int r = access(p, X_OK);
    int e = errno;
    /* even root needs at least one x bit for X_OK */
    printf("access(plain, X_OK) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EACCES);
    CHECK(faccessat(dfd, "plain", R_OK | W_OK, 0) == 0);
    CHECK(faccessat(dfd, "plain", R_OK, AT_EACCESS) == 0);
    r = faccessat(dfd, "nothing", F_OK, 0);
    e = errno;
    printf("faccessat(nothing) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == ENOENT);
    r = faccessat(dfd, "dangling", F_OK, 0);
    e = errno;
    printf("faccessat(dangling) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == ENOENT);
    r = faccessat(dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW);
    printf("faccessat(dangling, AT_SYMLINK_NOFOLLOW) -> %d\n", r);
    CHECK(r == 0);
    /* raw faccessat syscall (no flags) */
    long rr = syscall(SYS_faccessat, dfd, "exe", X_OK);
    printf("raw SYS_faccessat(exe, X_OK) -> %ld\n", rr);
    CHECK(rr == 0);
#ifdef SYS_faccessat2
    rr = syscall(SYS_faccessat2, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW);
    printf("raw SYS_faccessat2(dangling, NOFOLLOW) -> %ld\n", rr);
    CHECK(rr == 0 || errno == ENOSYS);
#endif

    CHECK(fchmodat(dfd, "plain", 0000, 0) == 0);
    r = faccessat(dfd, "plain", R_OK, 0);
    e = errno;
    printf("faccessat(mode 000, R_OK) -> %d (errno %d)\n", r, r ? e : 0);
    CHECK(root ? r == 0 : (r == -1 && e == EACCES));
    CHECK(access("/", R_OK | X_OK) == 0);
    r = access("/proc/self/exe", X_OK);
    printf("access(/proc/self/exe, X_OK) -> %d\n", r);
    CHECK(r == 0);

    CHECK(unlinkat(dfd, "exe", 0) == 0);
    CHECK(unlinkat(dfd, "plain", 0) == 0);
    CHECK(unlinkat(dfd, "dangling", 0) == 0);
    close(dfd);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
