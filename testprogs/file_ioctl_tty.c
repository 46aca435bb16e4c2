/* ioctl: isatty + TIOCGWINSZ on std fds, a pipe, /dev/null and a pty; FIONREAD on a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void probe(const char *what, int fd)
{
    errno = 0;
    int t = isatty(fd);
    int te = errno;
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    int r = ioctl(fd, TIOCGWINSZ, &ws);
    int e = errno;
    if (r == 0)
        printf("%s (fd %d): isatty=%d TIOCGWINSZ ok rows=%d cols=%d\n", what, fd, t,
               ws.ws_row, ws.ws_col);
    else
        printf("%s (fd %d): isatty=%d (errno %d) TIOCGWINSZ -> %d errno %d (%s)\n", what, fd,
               t, t ? 0 : te, r, e, strerror(e));
    /* consistency: TIOCGWINSZ works iff fd is a tty */
    CHECK((r == 0) == (t == 1));
}

int main(void)
{
    probe("stdin", 0);
    probe("stdout", 1);
    probe("stderr", 2);

    int p[2];
    CHECK(pipe(p) == 0);
    probe("pipe", p[0]);
    CHECK(!isatty(p[0]) && errno == ENOTTY);
    CHECK(write(p[1], "12345", 5) == 5);
    int avail = -1;
    CHECK(ioctl(p[0], FIONREAD, &avail) == 0);
    printf("FIONREAD on pipe -> %d\n", avail);
    CHECK(avail == 5);
    close(p[0]);
    close(p[1]);

    int nul = open("/dev/null", O_RDWR);
    CHECK(nul >= 0);
    probe("/dev/null", nul);
    CHECK(!isatty(nul));
    close(nul);

    int r = ioctl(-1, TIOCGWINSZ, &avail);
    printf("ioctl(-1) -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == EBADF);

    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0) {
        printf("posix_openpt unavailable (errno %d), skipping pty part\n", errno);
    } else {
        int ok = grantpt(m) == 0 && unlockpt(m) == 0;
        char *name = ok ? ptsname(m) : NULL;
        int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
        if (s < 0) {
            printf("pty slave unavailable, skipping pty part\n");
        } else {
            printf("pty slave %s\n", name);
            struct winsize ws = { .ws_row = 33, .ws_col = 111 };
            CHECK(ioctl(m, TIOCSWINSZ, &ws) == 0);
            struct winsize back;
            memset(&back, 0, sizeof back);
            CHECK(ioctl(s, TIOCGWINSZ, &back) == 0);
            printf("pty slave winsize rows=%d cols=%d\n", back.ws_row, back.ws_col);
            CHECK(back.ws_row == 33 && back.ws_col == 111);
            probe("pty slave", s);
            CHECK(isatty(s) == 1);
            struct termios tio;
            CHECK(tcgetattr(s, &tio) == 0);
            printf("pty termios lflag has ECHO=%d ICANON=%d\n", !!(tio.c_lflag & ECHO),
                   !!(tio.c_lflag & ICANON));
            close(s);
        }
        close(m);
    }
    printf("EXIT-SUCCESS\n");
    return 0;
}
