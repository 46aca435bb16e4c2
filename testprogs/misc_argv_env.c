//! args: one two three
/* prints argv (argv[0] as basename) and the environment variable count; checks the expected arguments. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    printf("argc %d\n", argc);
    const char *base = strrchr(argv[0], '/');
    printf("argv[0] basename %s\n", base ? base + 1 : argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = '%s' (%zu bytes)\n", i, argv[i], strlen(argv[i]));
    CHECK(argv[argc] == NULL);
    CHECK(argc == 4);
    CHECK(strcmp(argv[1], "one") == 0 && strcmp(argv[2], "two") == 0 && strcmp(argv[3], "three") == 0);
    int n = 0;
    size_t bytes = 0;
    for (char **e = envp; *e; e++) {
        n++;
        bytes += strlen(*e) + 1;
        CHECK(strchr(*e, '=') != NULL);
    }
    printf("environment: %d variables, %zu bytes\n", n, bytes);
    CHECK(envp == environ);
    /* argv strings and env strings are contiguous on the initial stack */
    CHECK(argv[1] == argv[0] + strlen(argv[0]) + 1);
    if (n > 0)
        CHECK(envp[0] == argv[argc - 1] + strlen(argv[argc - 1]) + 1);
    /* modifying the environment */
    CHECK(setenv("RTT_TP_VAR", "x", 1) == 0);
    CHECK(strcmp(getenv("RTT_TP_VAR"), "x") == 0);
    int m = 0;
    for (char **e = environ; *e; e++)
        m++;
    printf("after setenv: %d variables\n", m);
    CHECK(m == n + 1 || (getenv("RTT_TP_VAR") && m == n));
    printf("EXIT-SUCCESS\n");
    return 0;
}
