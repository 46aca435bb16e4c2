//! cflags: -pthread
//! replays: 3
/* Priority-inheritance and robust futexes, where the kernel itself writes the futex word:
 * a contended PTHREAD_PRIO_INHERIT mutex (lock hand-over in FUTEX_LOCK_PI/FUTEX_UNLOCK_PI);
 * raw FUTEX_LOCK_PI/FUTEX_TRYLOCK_PI/FUTEX_UNLOCK_PI (owner tid and FUTEX_WAITERS in the
 * word, EDEADLK, EPERM, EAGAIN); robust mutexes whose owner thread exits while holding
 * them (the kernel sets FUTEX_OWNER_DIED at its exit): EOWNERDEAD, pthread_mutex_consistent,
 * ENOTRECOVERABLE, and a waiter blocked on the mutex when the owner dies. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }
static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}
static uint32_t load(uint32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }

/* ---------- contended PI mutex ---------- */
#define NPI 3
#define PI_ITERS 20
static pthread_mutex_t pi_mu;
static long pi_counter;
static char pi_order[NPI * PI_ITERS + 1];
static int pi_n;

static void *pi_worker(void *p)
{
    int id = (int)(intptr_t)p;
    for (int i = 0; i < PI_ITERS; i++) {
        CHECK(pthread_mutex_lock(&pi_mu) == 0);
        long c = pi_counter;
        sched_yield(); /* others run and block in FUTEX_LOCK_PI */
        pi_counter = c + 1;
        pi_order[pi_n++] = (char)('A' + id);
        CHECK(pthread_mutex_unlock(&pi_mu) == 0);
    }
    return NULL;
}

/* ---------- raw PI futex ---------- */
static uint32_t pi_word;
static pid_t locker_tid;
static uint32_t locker_saw;

static void *raw_locker(void *p)
{
    (void)p;
    locker_tid = gettid_();
    /* blocks: main holds it */
    CHECK(futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL) == 0);
    locker_saw = load(&pi_word);
    CHECK((locker_saw & FUTEX_TID_MASK) == (uint32_t)locker_tid);
    CHECK(futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL) == 0);
    return NULL;
}

/* ---------- robust mutexes ---------- */
static pthread_mutex_t rob1, rob2, rob3;
static pthread_mutex_t *to_abandon;

static void *abandon(void *p)
{
    (void)p;
    CHECK(pthread_mutex_lock(to_abandon) == 0);
    return NULL; /* exits holding it */
}

static int waiter_ret = -1;
static void *rob_waiter(void *p)
{
    (void)p;
    waiter_ret = pthread_mutex_lock(&rob3);
    if (waiter_ret == EOWNERDEAD)
        CHECK(pthread_mutex_consistent(&rob3) == 0);
    CHECK(pthread_mutex_unlock(&rob3) == 0);
    return NULL;
}

static void *hold_then_exit(void *p)
{
    int *ready = p;
    CHECK(pthread_mutex_lock(&rob3) == 0);
    __atomic_store_n(ready, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 5; i++)
        sched_yield(); /* let the waiter block on the mutex */
    return NULL;
}

static void init_robust(pthread_mutex_t *m, int pi)
{
    pthread_mutexattr_t at;
    CHECK(pthread_mutexattr_init(&at) == 0);
    CHECK(pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST) == 0);
    if (pi)
        CHECK(pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT) == 0);
    CHECK(pthread_mutex_init(m, &at) == 0);
    CHECK(pthread_mutexattr_destroy(&at) == 0);
}

static void abandon_with_thread(pthread_mutex_t *m)
{
    pthread_t t;
    to_abandon = m;
    CHECK(pthread_create(&t, NULL, abandon, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
}

int main(void)
{
    /* PI mutex under contention */
    pthread_mutexattr_t at;
    CHECK(pthread_mutexattr_init(&at) == 0);
    CHECK(pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT) == 0);
    int proto = -1;
    CHECK(pthread_mutexattr_getprotocol(&at, &proto) == 0 && proto == PTHREAD_PRIO_INHERIT);
    CHECK(pthread_mutex_init(&pi_mu, &at) == 0);
    pthread_t th[NPI];
    for (int i = 0; i < NPI; i++)
        CHECK(pthread_create(&th[i], NULL, pi_worker, (void *)(intptr_t)i) == 0);
    for (int i = 0; i < NPI; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    pi_order[pi_n] = 0;
    printf("PI mutex: counter %ld, lock order %s\n", pi_counter, pi_order);
    CHECK(pi_counter == NPI * PI_ITERS);
    CHECK(pthread_mutex_destroy(&pi_mu) == 0);

    /* raw PI futex */
    pid_t me = gettid_();
    CHECK(futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL) == 0);
    CHECK(load(&pi_word) == (uint32_t)me);
    errno = 0;
    CHECK(futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL) == -1 && errno == EDEADLK);
    CHECK(futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL) == 0);
    CHECK(load(&pi_word) == 0);
    CHECK(futex(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL) == 0);
    CHECK(load(&pi_word) == (uint32_t)me);
    printf("raw PI: word holds the owner tid after LOCK_PI/TRYLOCK_PI, 0 after UNLOCK_PI, EDEADLK on relock\n");
    pthread_t lt;
    CHECK(pthread_create(&lt, NULL, raw_locker, NULL) == 0);
    /* wait until the other thread is blocked in the kernel: it sets FUTEX_WAITERS */
    int spins = 0;
    while (!(load(&pi_word) & FUTEX_WAITERS)) {
        sched_yield();
        spins++;
        CHECK(spins < 100000);
    }
    CHECK((load(&pi_word) & FUTEX_TID_MASK) == (uint32_t)me);
    /* the owner releases through the kernel, which hands the lock to the waiter */
    CHECK(futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL) == 0);
    CHECK(pthread_join(lt, NULL) == 0);
    printf("raw PI: waiter set FUTEX_WAITERS, got the lock with its tid in the word (waiters bit %s)\n",
           (locker_saw & FUTEX_WAITERS) ? "set" : "clear");
    CHECK(load(&pi_word) == 0);
    /* unlocking a PI futex owned by nobody / someone else */
    pi_word = (uint32_t)me + 1000000;
    errno = 0;
    CHECK(futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL) == -1 && errno == EPERM);
    pi_word = 0;

    /* robust: owner died, made consistent */
    init_robust(&rob1, 0);
    abandon_with_thread(&rob1);
    int r = pthread_mutex_lock(&rob1);
    printf("robust: lock after owner died -> %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    CHECK(r == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&rob1) == 0);
    CHECK(pthread_mutex_unlock(&rob1) == 0);
    CHECK(pthread_mutex_lock(&rob1) == 0);
    CHECK(pthread_mutex_unlock(&rob1) == 0);
    printf("robust: consistent, then locks normally\n");

    /* robust: owner died, not made consistent -> not recoverable */
    init_robust(&rob2, 0);
    abandon_with_thread(&rob2);
    CHECK(pthread_mutex_trylock(&rob2) == EOWNERDEAD);
    CHECK(pthread_mutex_unlock(&rob2) == 0);
    r = pthread_mutex_lock(&rob2);
    printf("robust: after unlock without consistent -> %s\n", r == ENOTRECOVERABLE ? "ENOTRECOVERABLE" : strerror(r));
    CHECK(r == ENOTRECOVERABLE);

    /* robust + PI: owner died */
    pthread_mutex_t rpi;
    init_robust(&rpi, 1);
    abandon_with_thread(&rpi);
    r = pthread_mutex_lock(&rpi);
    printf("robust PI: lock after owner died -> %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    CHECK(r == EOWNERDEAD);
    CHECK(pthread_mutex_consistent(&rpi) == 0);
    CHECK(pthread_mutex_unlock(&rpi) == 0);

    /* robust: a waiter is blocked when the owner dies */
    init_robust(&rob3, 0);
    int ready = 0;
    pthread_t holder, waiter;
    CHECK(pthread_create(&holder, NULL, hold_then_exit, &ready) == 0);
    while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
        sched_yield();
    CHECK(pthread_create(&waiter, NULL, rob_waiter, NULL) == 0);
    CHECK(pthread_join(holder, NULL) == 0);
    CHECK(pthread_join(waiter, NULL) == 0);
    printf("robust: blocked waiter got %s\n", waiter_ret == EOWNERDEAD ? "EOWNERDEAD" : strerror(waiter_ret));
    CHECK(waiter_ret == EOWNERDEAD);
    CHECK(pthread_mutex_lock(&rob3) == 0);
    CHECK(pthread_mutex_unlock(&rob3) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
