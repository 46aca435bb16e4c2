/* randomness: getrandom (flags 0 and GRND_NONBLOCK), /dev/urandom, AT_RANDOM, rand() seeded from time^pid. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

static void hex(const char *label, const unsigned char *b, size_t n)
{
    printf("%s:", label);
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
    printf("\n");
}

static int all_zero(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[32], b[32], big[1024];
    CHECK(getrandom(a, sizeof a, 0) == sizeof a);
    hex("getrandom", a, sizeof a);
    CHECK(getrandom(b, sizeof b, GRND_NONBLOCK) == sizeof b);
    hex("getrandom nonblock", b, sizeof b);
    CHECK(memcmp(a, b, sizeof a) != 0 && !all_zero(a, sizeof a));
    memset(big, 0, sizeof big);
    long n = syscall(SYS_getrandom, big, sizeof big, 0);
    printf("raw getrandom(1024) -> %ld\n", n);
    CHECK(n == (long)sizeof big);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof big; i++)
        sum = sum * 33 + big[i];
    printf("hash of 1024 random bytes: %u\n", sum);

    int fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0);
    unsigned char u[48];
    CHECK(read(fd, u, sizeof u) == sizeof u);
    hex("/dev/urandom", u, sizeof u);
    CHECK(!all_zero(u, sizeof u));
    close(fd);

    unsigned char *at = (unsigned char *)getauxval(AT_RANDOM);
    CHECK(at != NULL);
    hex("AT_RANDOM", at, 16);

    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("seed %u\n", seed);
    srand(seed);
    for (int i = 0; i < 8; i++)
        printf("rand[%d] = %d\n", i, rand());
    /* same seed gives the same sequence */
    srand(seed);
    int r0 = rand();
    srand(seed);
    CHECK(rand() == r0);

    /* stack protector canary and pointer guard are derived from AT_RANDOM: print an address hash */
    void *h = malloc(16);
    printf("malloc address %p\n", h);
    free(h);
    printf("EXIT-SUCCESS\n");
    return 0;
}
