//! cflags: -pthread
//! replays: 3
/* Raw futex(2) between threads: FUTEX_WAIT/FUTEX_WAKE (value mismatch -> EAGAIN, relative
 * timeout -> ETIMEDOUT), FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET (non-matching bitset wakes
 * nobody, absolute deadline in the past -> ETIMEDOUT, bitset 0 -> EINVAL),
 * FUTEX_CMP_REQUEUE moving waiters from one futex to another (EAGAIN on a stale value),
 * FUTEX_WAKE_OP (the atomic op on the second word and the conditional second wake).
 * How many waiters each call found asleep depends on the interleaving and is printed;
 * the checks only relate the wake counts to the wake-ups the waiters saw. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static uint32_t load(uint32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/* A waiter: sleeps on `word` (with `bitset`, if nonzero) while `*cond` == 0; counts how its
 * waits ended. A requeue may move it to another futex; it then re-checks and waits again on
 * `word`. */
struct waiter {
    uint32_t *word;
    uint32_t *cond;
    uint32_t bitset;
    int priv;
    int woken, eagain, other;
    pthread_t th;
};

static void *wait_loop(void *p)
{
    struct waiter *w = p;
    int flag = w->priv ? FUTEX_PRIVATE_FLAG : 0;
    while (load(w->cond) == 0) {
        long r;
        if (w->bitset)
            r = futex(w->word, FUTEX_WAIT_BITSET | flag, load(w->word), NULL, NULL, w->bitset);
        else
            r = futex(w->word, FUTEX_WAIT | flag, 0, NULL, NULL, 0);
        if (r == 0)
            w->woken++;
        else if (errno == EAGAIN)
            w->eagain++;
        else
            w->other++;
    }
    return NULL;
}

static void start(struct waiter *w)
{
    CHECK(pthread_create(&w->th, NULL, wait_loop, w) == 0);
}

static void join(struct waiter *w)
{
    CHECK(pthread_join(w->th, NULL) == 0);
    CHECK(w->other == 0);
}

static void settle(void)
{
    /* give the waiters a chance to go to sleep; correctness does not depend on it */
    for (int i = 0; i < 6; i++)
        sched_yield();
}

static uint32_t f1, f2, cond1, u1, u2, u3;

int main(void)
{
    /* --- single-thread error cases --- */
    uint32_t x = 5;
    errno = 0;
    CHECK(futex(&x, FUTEX_WAIT_PRIVATE, 4, NULL, NULL, 0) == -1 && errno == EAGAIN);
    struct timespec rel = { 0, 1000000 };
    CHECK(futex(&x, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0) == -1 && errno == ETIMEDOUT);
    CHECK(futex(&x, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0) == 0);
    struct timespec past;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &past) == 0);
    past.tv_sec -= 1;
    CHECK(futex(&x, FUTEX_WAIT_BITSET_PRIVATE, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT);
    CHECK(clock_gettime(CLOCK_REALTIME, &past) == 0);
    past.tv_sec -= 1;
    CHECK(futex(&x, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &past, NULL, FUTEX_BITSET_MATCH_ANY) == -1
          && errno == ETIMEDOUT);
    CHECK(futex(&x, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0) == -1 && errno == EINVAL);
    printf("single-thread: EAGAIN, ETIMEDOUT (relative, monotonic and realtime absolute), EINVAL as expected\n");

    /* --- FUTEX_WAIT / FUTEX_WAKE --- */
    struct waiter ws[3];
    for (int i = 0; i < 3; i++) {
        ws[i] = (struct waiter){ .word = &f1, .cond = &cond1, .priv = i != 1 };
        start(&ws[i]);
    }
    settle();
    /* waiter 1 waits without FUTEX_PRIVATE_FLAG: wake with both kinds */
    store(&cond1, 1);
    long w1 = futex(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    long w2 = futex(&f1, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    int woken = 0, eagain = 0;
    for (int i = 0; i < 3; i++) {
        join(&ws[i]);
        woken += ws[i].woken;
        eagain += ws[i].eagain;
    }
    printf("WAKE: private wake woke %ld, shared wake woke %ld; waiters saw %d wake-ups, %d EAGAIN\n", w1, w2,
           woken, eagain);
    CHECK(w1 >= 0 && w2 >= 0 && w1 + w2 <= 3);
    CHECK(woken == w1 + w2);

    /* --- FUTEX_WAIT_BITSET / FUTEX_WAKE_BITSET --- */
    store(&cond1, 0);
    f1 = 0;
    struct waiter bw[2];
    bw[0] = (struct waiter){ .word = &f1, .cond = &cond1, .bitset = 0x2, .priv = 1 };
    bw[1] = (struct waiter){ .word = &f1, .cond = &cond1, .bitset = 0x4 | 0x8, .priv = 1 };
    start(&bw[0]);
    start(&bw[1]);
    settle();
    long nomatch = futex(&f1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x1 | 0x10);
    CHECK(nomatch == 0);
    store(&cond1, 1);
    long b2 = futex(&f1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x2);
    long b8 = futex(&f1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 0x8);
    join(&bw[0]);
    join(&bw[1]);
    printf("WAKE_BITSET: bitset 0x11 woke %ld, 0x2 woke %ld, 0x8 woke %ld; waiters saw %d and %d wake-ups\n", nomatch,
           b2, b8, bw[0].woken, bw[1].woken);
    CHECK(b2 == bw[0].woken && b8 == bw[1].woken && b2 <= 1 && b8 <= 1);

    /* --- FUTEX_CMP_REQUEUE --- */
    store(&cond1, 0);
    f1 = 0;
    f2 = 0;
    struct waiter rq[4];
    for (int i = 0; i < 4; i++) {
        rq[i] = (struct waiter){ .word = &f1, .cond = &cond1, .priv = 1 };
        start(&rq[i]);
    }
    settle();
    errno = 0;
    CHECK(futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)(uintptr_t)INT_MAX, &f2, 7) == -1
          && errno == EAGAIN);
    /* wake 1, move the rest (the timeout argument carries the requeue limit) */
    long rqret = futex(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (struct timespec *)(uintptr_t)INT_MAX, &f2, 0);
    CHECK(rqret >= 0 && rqret <= 4);
    settle();
    /* anyone woken re-checks cond1 (still 0) and sleeps on f1 again */
    store(&cond1, 1);
    long k1 = futex(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    long k2 = futex(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
    int rwoken = 0;
    for (int i = 0; i < 4; i++) {
        join(&rq[i]);
        rwoken += rq[i].woken;
    }
    printf("CMP_REQUEUE: stale value EAGAIN; woke+requeued %ld (so %ld woken, %ld requeued); then f1 wake %ld, f2 wake "
           "%ld; waiters saw %d wake-ups\n",
           rqret, rqret - k2, k2, k1, k2, rwoken);
    /* requeued waiters stay on f2 until its wake: nobody else sleeps there */
    CHECK(k2 <= rqret && rqret - k2 <= 1);
    CHECK(rwoken == rqret + k1);

    /* --- FUTEX_WAKE_OP --- */
    u1 = 0;
    u2 = 0;
    uint32_t c_u1 = 0, c_u2 = 0;
    struct waiter o1 = { .word = &u1, .cond = &c_u1, .priv = 1 };
    struct waiter o2 = { .word = &u2, .cond = &c_u2, .priv = 1 };
    start(&o1);
    start(&o2);
    settle();
    store(&c_u1, 1);
    store(&c_u2, 1);
    /* u2 = 5; wake 1 on u1; old u2 == 0 so also wake 1 on u2 */
    long op1 = futex(&u1, FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)(uintptr_t)1, &u2,
                     FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0));
    join(&o1);
    join(&o2);
    printf("WAKE_OP: u2 now %u, woke %ld (waiters saw %d + %d)\n", load(&u2), op1, o1.woken, o2.woken);
    CHECK(load(&u2) == 5);
    CHECK(op1 == o1.woken + o2.woken);
    /* no waiters: only the op */
    CHECK(futex(&u1, FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)(uintptr_t)1, &u2,
                FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 100)) == 0);
    CHECK(load(&u2) == 8);
    u3 = 0x1;
    int or_shifted = FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT; /* oparg 4 means 1 << 4 */
    CHECK(futex(&u1, FUTEX_WAKE_OP_PRIVATE, 1, (struct timespec *)(uintptr_t)1, &u3,
                FUTEX_OP(or_shifted, 4, FUTEX_OP_CMP_NE, 0)) == 0);
    printf("WAKE_OP without waiters: ADD gives %u, OR with shifted oparg gives 0x%x\n", load(&u2), load(&u3));
    CHECK(load(&u3) == 0x11);
    printf("EXIT-SUCCESS\n");
    return 0;
}
