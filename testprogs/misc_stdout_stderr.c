/* interleaved writes to stdout and stderr (unbuffered write(2) and stdio with explicit flushes). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    for (int i = 0; i < 5; i++) {
        char o[64], e[32];
        int ol = snprintf(o, sizeof o, "stdout line %d (pid %d)\n", i, getpid());
        int el = snprintf(e, sizeof e, "err %d\n", i);
        CHECK(write(1, o, ol) == ol);
        CHECK(write(2, e, el) == el);
    }
    /* stdio: stderr is unbuffered, stdout buffered until flushed */
    printf("buffered stdout A\n");
    fprintf(stderr, "stderr B\n");
    printf("buffered stdout C\n");
    fflush(stdout);
    fputs("stderr D\n", stderr);
    /* partial lines */
    printf("partial ");
    fflush(stdout);
    fputs("E", stderr);
    printf("line completed\n");
    fputs("\n", stderr);
    /* a big stdout write in one syscall */
    static char big[20000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (i % 80 == 79) ? '\n' : (char)('a' + i % 26);
    fflush(stdout);
    size_t done = 0;
    while (done < sizeof big) {
        ssize_t n = write(1, big + done, sizeof big - done);
        CHECK(n > 0);
        done += n;
    }
    printf("\nwrote %zu bytes in bulk\n", done);
    printf("EXIT-SUCCESS\n");
    return 0;
}
