//! cflags: -no-pie -fno-inline
/* Time travel over shared memory: a MAP_SHARED page (which a fork does not copy) is
 * rewritten between calls to a marker; going back must show the old contents. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

volatile long *shared;
volatile long last;

void marker(long v)
{
    last = v;
}

int main(void)
{
    shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    for (long i = 1; i <= 3; i++) {
        *shared = i * 11;
        getppid();
        marker(i);
    }
    printf("%ld\nEXIT-SUCCESS\n", *shared);
    return 0;
}
