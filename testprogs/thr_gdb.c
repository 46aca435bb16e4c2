//! cflags: -O0 -fno-inline
//! replays: 2

/* Two named worker threads take strict turns bumping a counter (a mutex and a condition
   variable): the program the REPL and gdb thread tests stop in (a breakpoint hit by the
   two workers in turn, going back across thread switches). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn = 1;
static int counter;
static int hits[3];

static void bump(int who)
{
    counter += who;
    hits[who]++;
}

static void *worker(void *arg)
{
    int who = (int)(long)arg;
    char name[16];
    snprintf(name, sizeof name, "worker-%d", who);
    prctl(PR_SET_NAME, name);
    for (int i = 0; i < 4; i++) {
        pthread_mutex_lock(&lock);
        while (turn != who)
            pthread_cond_wait(&turn_changed, &lock);
        bump(who);
        turn = 3 - who;
        pthread_cond_broadcast(&turn_changed);
        pthread_mutex_unlock(&lock);
        usleep(200);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    printf("counter=%d hits=%d,%d\n", counter, hits[1], hits[2]);
    printf("EXIT-SUCCESS\n");
    return 0;
}
