/* alarm(): returned remaining seconds, cancelling, sharing ITIMER_REAL with setitimer; SIGALRM delivered into pause(). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static volatile sig_atomic_t alarms;
static void on_alrm(int sig)
{
    (void)sig;
    alarms++;
}

int main(void)
{
    /* Note: alarm() has 1-second granularity, so to stay fast the actual delivery
       below is armed through setitimer (which alarm() shares its timer with). */
    CHECK(signal(SIGALRM, on_alrm) != SIG_ERR);
    unsigned r = alarm(10);
    printf("alarm(10) -> %u\n", r);
    CHECK(r == 0);
    r = alarm(20);
    printf("alarm(20) -> %u (remaining of previous)\n", r);
    CHECK(r == 9 || r == 10);
    struct itimerval cur;
    CHECK(getitimer(ITIMER_REAL, &cur) == 0);
    printf("getitimer sees %ld s remaining (interval %ld)\n", (long)cur.it_value.tv_sec + (cur.it_value.tv_usec > 0),
           (long)cur.it_interval.tv_sec);
    CHECK(cur.it_value.tv_sec >= 19 && cur.it_value.tv_sec <= 20 && cur.it_interval.tv_sec == 0);
    r = alarm(0);
    printf("alarm(0) -> %u\n", r);
    CHECK(r == 19 || r == 20);
    r = alarm(0);
    printf("alarm(0) again -> %u\n", r);
    CHECK(r == 0);
    CHECK(getitimer(ITIMER_REAL, &cur) == 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    /* a 300 ms itimer on the same timer: alarm(0) reports it rounded up to 1 s and cancels it */
    struct itimerval it = { { 0, 0 }, { 0, 300000 } };
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    r = alarm(0);
    printf("alarm(0) with a 300ms itimer pending -> %u\n", r);
    CHECK(r == 1 || r == 0);
    struct itimerval shot = { { 0, 0 }, { 0, 3000 } };
    for (int i = 0; i < 3; i++) {
        CHECK(setitimer(ITIMER_REAL, &shot, NULL) == 0);
        int before = alarms;
        for (int k = 0; alarms == before; k++) {
            CHECK(k < 100);
            int pr = pause();
            CHECK(pr == -1 && errno == EINTR);
        }
        printf("SIGALRM %d delivered into pause()\n", alarms);
    }
    CHECK(alarms == 3);
    /* alarm() in a child is not inherited; the child's alarm is 0 */
    CHECK(alarm(30) == 0);
    fflush(stdout);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0)
        _exit(alarm(0) == 0 ? 0 : 1);
    int st;
    CHECK(waitpid(c, &st, 0) == c);
    printf("child saw no inherited alarm: %s\n", WEXITSTATUS(st) == 0 ? "yes" : "no");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    r = alarm(0);
    CHECK(r >= 29 && r <= 30);
    printf("EXIT-SUCCESS\n");
    return 0;
}
