/* rtt demo: a program whose output differs on every run (time, randomness, pids, a
 * child process, a timer signal) -- yet its replay prints exactly what was recorded. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) return 1;
    printf("time     %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    printf("random   %02x%02x%02x%02x%02x%02x%02x%02x\n", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    printf("pid      %d\n", getpid());
    fflush(stdout);

    pid_t child = fork();
    if (child == 0) {
        printf("child    %d says hello\n", getpid());
        return 7;
    }
    int st;
    waitpid(child, &st, 0);
    printf("child    exited with %d\n", WEXITSTATUS(st));

    signal(SIGALRM, on_alarm);
    struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    long spins = 0;
    while (ticks < 5) {
        getppid();
        spins++;
    }
    printf("timer    5 ticks after %ld syscalls\n", spins);
    return 0;
}
