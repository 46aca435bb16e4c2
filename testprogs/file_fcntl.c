/* fcntl: F_GETFL/F_SETFL, F_GETFD/F_SETFD, F_DUPFD(_CLOEXEC), F_SETLK/F_GETLK (child sees lock). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/lockfile", dir);
    int fd = open(path, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789abcdef", 16) == 16);

    int fl = fcntl(fd, F_GETFL);
    printf("F_GETFL -> %#x (accmode %d)\n", fl, fl & O_ACCMODE);
    CHECK(fl >= 0 && (fl & O_ACCMODE) == O_RDWR && !(fl & O_APPEND));
    CHECK(fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK) == 0);
    int fl2 = fcntl(fd, F_GETFL);
    printf("F_GETFL after F_SETFL(O_APPEND|O_NONBLOCK) -> %#x\n", fl2);
    CHECK((fl2 & O_APPEND) && (fl2 & O_NONBLOCK));
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(write(fd, "Z", 1) == 1);
    CHECK(lseek(fd, 0, SEEK_CUR) == 17); /* append went to the end */
    CHECK(fcntl(fd, F_SETFL, fl) == 0);

    int fdfl = fcntl(fd, F_GETFD);
    printf("F_GETFD -> %d\n", fdfl);
    CHECK(fdfl == 0);
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK(fcntl(fd, F_SETFD, 0) == 0);

    int d1 = fcntl(fd, F_DUPFD, 50);
    int d2 = fcntl(fd, F_DUPFD_CLOEXEC, 50);
    printf("F_DUPFD(50) -> %d, F_DUPFD_CLOEXEC(50) -> %d\n", d1, d2);
    CHECK(d1 == 50 && d2 == 51);
    printf("cloexec flags: %d %d\n", fcntl(d1, F_GETFD), fcntl(d2, F_GETFD));
    CHECK(fcntl(d1, F_GETFD) == 0 && fcntl(d2, F_GETFD) == FD_CLOEXEC);
    close(d1);
    close(d2);

    /* record lock on bytes 4..11 */
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 8 };
    CHECK(fcntl(fd, F_SETLK, &lk) == 0);
    struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    CHECK(fcntl(fd, F_GETLK, &q) == 0);
    printf("F_GETLK in owner -> type %d (F_UNLCK=%d)\n", q.l_type, F_UNLCK);
    CHECK(q.l_type == F_UNLCK);

    pid_t parent = getpid();
    fflush(stdout);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int cfd = open(path, O_RDWR);
        CHECK(cfd >= 0);
        struct flock cq = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
        CHECK(fcntl(cfd, F_GETLK, &cq) == 0);
        printf("child F_GETLK -> type %d start %lld len %lld pid %d (parent %d)\n",
               cq.l_type, (long long)cq.l_start, (long long)cq.l_len, cq.l_pid, parent);
        CHECK(cq.l_type == F_WRLCK && cq.l_start == 4 && cq.l_len == 8 && cq.l_pid == parent);
        struct flock try = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 6, .l_len = 1 };
        int r = fcntl(cfd, F_SETLK, &try);
        int e = errno;
        printf("child F_SETLK conflicting -> %d errno %s\n", r,
               (e == EAGAIN || e == EACCES) ? "EAGAIN/EACCES" : strerror(e));
        CHECK(r == -1 && (e == EAGAIN || e == EACCES));
        struct flock ok = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 4 };
        CHECK(fcntl(cfd, F_SETLK, &ok) == 0);
        printf("child F_SETLK non-overlapping -> 0\n");
        fflush(stdout);
        _exit(0);
    }
    int st;
    CHECK(waitpid(child, &st, 0) == child);
    printf("child %d exited status %d\n", child, WEXITSTATUS(st));
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    lk.l_type = F_UNLCK;
    CHECK(fcntl(fd, F_SETLK, &lk) == 0);

    int r = fcntl(-1, F_GETFL);
    int e = errno;
    printf("fcntl(-1) -> %d errno %d\n", r, e);
    CHECK(r == -1 && e == EBADF);

    close(fd);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
