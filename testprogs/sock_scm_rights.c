/* SCM_RIGHTS: pass a file descriptor from a forked child to the parent over a unix socket. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    char dir[] = "/tmp/rtt-tp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/secret", dir);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        close(sv[0]);
        int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
        CHECK(fd >= 0);
        CHECK(write(fd, "passed-through-socket", 21) == 21);
        int p[2];
        CHECK(pipe(p) == 0);
        CHECK(write(p[1], "pipe-data", 9) == 9);
        close(p[1]);
        int fds[2] = { fd, p[0] };
        char dummy = 'F';
        struct iovec iov = { &dummy, 1 };
        union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof fds)]; } u;
        memset(&u, 0, sizeof u);
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                             .msg_controllen = sizeof u.buf };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof fds);
        memcpy(CMSG_DATA(cm), fds, sizeof fds);
        CHECK(sendmsg(sv[1], &mh, 0) == 1);
        close(fd);
        close(p[0]);
        _exit(0);
    }
    close(sv[1]);
    char dummy;
    struct iovec iov = { &dummy, 1 };
    union { struct cmsghdr h; char buf[CMSG_SPACE(2 * sizeof(int))]; } u;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                         .msg_controllen = sizeof u.buf };
    ssize_t n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
    CHECK(n == 1 && dummy == 'F');
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    CHECK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS);
    int fds[2];
    memcpy(fds, CMSG_DATA(cm), sizeof fds);
    printf("received fds %d and %d (cloexec %d %d)\n", fds[0], fds[1], fcntl(fds[0], F_GETFD),
           fcntl(fds[1], F_GETFD));
    CHECK(fcntl(fds[0], F_GETFD) == FD_CLOEXEC);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("child %d exited\n", c);

    /* the file offset travelled with the fd: it is at the end */
    printf("received file offset %lld\n", (long long)lseek(fds[0], 0, SEEK_CUR));
    CHECK(lseek(fds[0], 0, SEEK_CUR) == 21);
    char buf[64];
    n = pread(fds[0], buf, sizeof buf, 0);
    printf("file via passed fd: %.*s\n", (int)n, buf);
    CHECK(n == 21 && memcmp(buf, "passed-through-socket", 21) == 0);
    struct stat a, b;
    CHECK(fstat(fds[0], &a) == 0 && stat(path, &b) == 0);
    printf("inode %llu matches %llu\n", (unsigned long long)a.st_ino, (unsigned long long)b.st_ino);
    CHECK(a.st_ino == b.st_ino);
    n = read(fds[1], buf, sizeof buf);
    printf("pipe via passed fd: %.*s\n", (int)n, buf);
    CHECK(n == 9 && memcmp(buf, "pipe-data", 9) == 0);
    CHECK(read(fds[1], buf, sizeof buf) == 0);
    close(fds[0]);
    close(fds[1]);
    close(sv[0]);
    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
