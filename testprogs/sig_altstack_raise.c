/* sigaltstack: SA_ONSTACK handler for an explicitly raised SIGSEGV runs on the alternate stack. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static char *alt;
static size_t altsz;
static void *volatile handler_local;
static volatile int on_alt_flag, handled;

static void h(int sig)
{
    int local;
    handler_local = &local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    on_alt_flag = (cur.ss_flags & SS_ONSTACK) != 0;
    handled = sig;
}

int main(void)
{
    altsz = 64 * 1024;
    alt = malloc(altsz);
    CHECK(alt != NULL);
    stack_t ss = { .ss_sp = alt, .ss_size = altsz, .ss_flags = 0 }, old;
    CHECK(sigaltstack(&ss, &old) == 0);
    printf("alt stack %p..%p, old flags %d (SS_DISABLE=%d)\n", (void *)alt, (void *)(alt + altsz),
           old.ss_flags, SS_DISABLE);
    CHECK(old.ss_flags == SS_DISABLE);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_ONSTACK;
    CHECK(sigaction(SIGSEGV, &sa, NULL) == 0);
    int mainlocal;
    printf("main stack near %p\n", (void *)&mainlocal);
    CHECK(raise(SIGSEGV) == 0);
    printf("handler: sig %d local at %p, SS_ONSTACK %d\n", handled, handler_local, on_alt_flag);
    CHECK(handled == SIGSEGV && on_alt_flag);
    CHECK((char *)handler_local >= alt && (char *)handler_local < alt + altsz);

    /* not on the alt stack outside the handler */
    stack_t cur;
    CHECK(sigaltstack(NULL, &cur) == 0);
    CHECK(!(cur.ss_flags & SS_ONSTACK) && cur.ss_sp == alt && cur.ss_size == altsz);

    /* a handler without SA_ONSTACK runs on the normal stack */
    struct sigaction sb;
    memset(&sb, 0, sizeof sb);
    sb.sa_handler = h;
    CHECK(sigaction(SIGUSR1, &sb, NULL) == 0);
    handled = 0;
    CHECK(raise(SIGUSR1) == 0);
    printf("SIGUSR1 handler local at %p, SS_ONSTACK %d\n", handler_local, on_alt_flag);
    CHECK(handled == SIGUSR1 && !on_alt_flag);
    CHECK(!((char *)handler_local >= alt && (char *)handler_local < alt + altsz));

    /* too-small stack is rejected; disabling works */
    stack_t tiny = { .ss_sp = alt, .ss_size = 16, .ss_flags = 0 };
    int r = sigaltstack(&tiny, NULL);
    printf("tiny altstack -> %d errno %d\n", r, errno);
    CHECK(r == -1 && errno == ENOMEM);
    stack_t dis = { .ss_flags = SS_DISABLE };
    CHECK(sigaltstack(&dis, NULL) == 0);
    CHECK(sigaltstack(NULL, &cur) == 0 && cur.ss_flags == SS_DISABLE);
    /* SA_ONSTACK with altstack disabled: runs on the normal stack */
    handled = 0;
    CHECK(raise(SIGSEGV) == 0);
    printf("after disabling: handler ran %d on alt %d\n", handled, on_alt_flag);
    CHECK(handled == SIGSEGV && !on_alt_flag);
    free(alt);
    printf("EXIT-SUCCESS\n");
    return 0;
}
