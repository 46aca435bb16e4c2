/* signalfd: block SIGUSR1/SIGUSR2, raise them and kill() from a child, read siginfo via signalfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    sigaddset(&m, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0);
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    printf("read with nothing pending -> %zd errno %d\n", n, errno);
    CHECK(n == -1 && errno == EAGAIN);

    CHECK(raise(SIGUSR1) == 0);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    CHECK(poll(&p, 1, 1000) == 1);
    n = read(fd, &si, sizeof si);
    printf("got signal %u code %d pid %u (self %d) uid %u\n", si.ssi_signo, si.ssi_code, si.ssi_pid,
           getpid(), si.ssi_uid);
    CHECK(n == sizeof si && si.ssi_signo == SIGUSR1 && si.ssi_pid == (unsigned)getpid());
    CHECK(si.ssi_code == SI_TKILL || si.ssi_code == SI_USER);

    /* sigqueue with a value */
    union sigval sv = { .sival_int = 4242 };
    CHECK(sigqueue(getpid(), SIGUSR2, sv) == 0);
    n = read(fd, &si, sizeof si);
    printf("sigqueue: signal %u code %d int %d\n", si.ssi_signo, si.ssi_code, si.ssi_int);
    CHECK(n == sizeof si && si.ssi_signo == SIGUSR2 && si.ssi_code == SI_QUEUE && si.ssi_int == 4242);

    /* standard signals coalesce */
    CHECK(raise(SIGUSR1) == 0 && raise(SIGUSR1) == 0);
    struct signalfd_siginfo two[2];
    n = read(fd, two, sizeof two);
    printf("two raises of SIGUSR1 -> read %zd bytes (%zd records)\n", n, n / (ssize_t)sizeof si);
    CHECK(n == sizeof si);

    /* signal from a child, plus SIGCHLD when it exits */
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        kill(getppid(), SIGUSR2);
        _exit(9);
    }
    int got_usr2 = 0, got_chld = 0;
    int fdb = signalfd(fd, &m, 0); /* same fd, now blocking reads */
    CHECK(fdb == fd);
    CHECK(fcntl(fd, F_SETFL, 0) == 0);
    for (int i = 0; i < 10 && !(got_usr2 && got_chld); i++) {
        CHECK(poll(&p, 1, 5000) == 1);
        CHECK(read(fd, &si, sizeof si) == sizeof si);
        if (si.ssi_signo == SIGUSR2) {
            got_usr2 = 1;
            printf("SIGUSR2 from pid %u (child %d)\n", si.ssi_pid, c);
            CHECK(si.ssi_pid == (unsigned)c);
        } else if (si.ssi_signo == SIGCHLD) {
            got_chld = 1;
            printf("SIGCHLD from pid %u code %d status %d\n", si.ssi_pid, si.ssi_code, si.ssi_status);
            CHECK(si.ssi_pid == (unsigned)c && si.ssi_code == CLD_EXITED && si.ssi_status == 9);
        }
    }
    CHECK(got_usr2 && got_chld);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 9);
    close(fd);
    printf("EXIT-SUCCESS\n");
    return 0;
}
