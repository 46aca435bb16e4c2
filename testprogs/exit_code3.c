//! exit: 3
/* exits with status 3 via exit(); atexit handlers run and stdout is flushed by exit. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void bye1(void) { printf("atexit handler 1 (runs last)\n"); }
static void bye2(void) { printf("atexit handler 2 (runs first)\n"); }

int main(void)
{
    atexit(bye1);
    atexit(bye2);
    printf("pid %d exiting with 3; this line is still buffered\n", getpid());
    exit(3);
}
