//! cflags: -pthread
//! replays: 3
/* Thread-local storage: __thread variables (initialised and zero-initialised, each thread
 * its own copy, addresses distinct), pthread_key_create with a destructor that runs at
 * thread exit for non-NULL values (and is re-run when a destructor sets a value again),
 * pthread_once running its routine exactly once among racing threads (which thread ran it
 * depends on the interleaving and is printed). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

#define NT 4

static __thread int tls_init = 42;
static __thread long tls_zero;
static __thread char tls_name[16];

static pthread_key_t key, key2;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs = 0, once_by = -1;
static int once_table[8];
static __thread int my_id = -1;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char dtor_log[64];
static int ndtor;
static int dtor2_calls[NT];

static void once_fn(void)
{
    once_runs++;
    once_by = my_id;
    sched_yield(); /* the others wait in pthread_once meanwhile */
    for (int i = 0; i < 8; i++)
        once_table[i] = i * i;
}

static void dtor(void *v)
{
    int id = (int)(intptr_t)v - 100;
    CHECK(id == my_id);
    pthread_mutex_lock(&mu);
    dtor_log[ndtor++] = (char)('0' + id);
    pthread_mutex_unlock(&mu);
}

static void dtor2(void *v)
{
    int id = (int)(intptr_t)v - 200;
    CHECK(id == my_id);
    /* setting it again makes glibc call the destructor once more (up to
       PTHREAD_DESTRUCTOR_ITERATIONS rounds) */
    if (++dtor2_calls[id] < 3)
        CHECK(pthread_setspecific(key2, v) == 0);
}

struct res {
    int init_seen;
    long zero_seen;
    void *addr_init;
    char name[16];
    int spec_ok;
};
static struct res res[NT];

static void *worker(void *p)
{
    int id = (int)(intptr_t)p;
    my_id = id;
    res[id].init_seen = tls_init;
    res[id].zero_seen = tls_zero;
    res[id].addr_init = &tls_init;
    tls_init += id;
    tls_zero = id * 1000;
    snprintf(tls_name, sizeof tls_name, "thread-%d", id);
    CHECK(pthread_once(&once, once_fn) == 0);
    CHECK(once_runs == 1 && once_table[7] == 49);
    CHECK(pthread_getspecific(key2) == NULL);
    CHECK(pthread_setspecific(key2, (void *)(intptr_t)(200 + id)) == 0);
    if (id != 2) /* thread 2 leaves it NULL: no destructor call for it */
        CHECK(pthread_setspecific(key, (void *)(intptr_t)(100 + id)) == 0);
    for (int i = 0; i < 3; i++)
        sched_yield();
    /* after others ran, our copies are intact */
    CHECK(tls_init == 42 + id && tls_zero == id * 1000);
    CHECK(pthread_getspecific(key) == (id != 2 ? (void *)(intptr_t)(100 + id) : NULL));
    strcpy(res[id].name, tls_name);
    return NULL;
}

int main(void)
{
    my_id = 9;
    CHECK(pthread_key_create(&key, dtor) == 0);
    CHECK(pthread_key_create(&key2, dtor2) == 0);
    tls_init = 7; /* main's copy does not affect the threads' initial value */
    pthread_t th[NT];
    for (int i = 0; i < NT; i++)
        CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NT; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    printf("pthread_once ran %d time(s), by thread %d\n", once_runs, once_by);
    CHECK(once_runs == 1 && once_by >= 0 && once_by < NT);
    for (int i = 0; i < NT; i++) {
        printf("thread %d: initial tls %d, zero tls %ld, name %s, key2 destructor calls %d\n", i, res[i].init_seen,
               res[i].zero_seen, res[i].name, dtor2_calls[i]);
        CHECK(res[i].init_seen == 42 && res[i].zero_seen == 0);
        CHECK(res[i].addr_init != (void *)&tls_init);
        for (int j = 0; j < i; j++)
            CHECK(res[i].addr_init != res[j].addr_init);
        CHECK(dtor2_calls[i] == 3);
    }
    dtor_log[ndtor] = 0;
    printf("destructor order: %s\n", dtor_log);
    CHECK(ndtor == NT - 1 && strchr(dtor_log, '2') == NULL);
    CHECK(tls_init == 7 && my_id == 9);
    CHECK(pthread_key_delete(key) == 0);
    CHECK(pthread_key_delete(key2) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
