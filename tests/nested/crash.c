/* Crashes three calls deep, for gdb run under rtt to find. */
#include <stdio.h>
static int depth;
__attribute__((noinline)) static void crash(int *p, int n) { depth = n; *p = n; }
__attribute__((noinline)) static void walk(int n) { if (n == 0) crash(0, 42); else walk(n - 1); }
int main(void) { printf("about to crash\n"); fflush(stdout); walk(3); return 0; }
