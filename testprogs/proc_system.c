/* system("echo hi") and friends: output goes to our stdout, exit statuses via wait macros, popen. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    printf("before system\n");
    fflush(stdout);
    int r = system("echo hi");
    printf("system(\"echo hi\") -> %d (exited %d code %d)\n", r, WIFEXITED(r), WEXITSTATUS(r));
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0);

    fflush(stdout);
    r = system("exit 7");
    printf("system(\"exit 7\") -> code %d\n", WEXITSTATUS(r));
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 7);

    fflush(stdout);
    r = system("kill -TERM $$");
    printf("system(\"kill -TERM $$\") -> signaled %d sig %d\n", WIFSIGNALED(r), WIFSIGNALED(r) ? WTERMSIG(r) : -1);
    CHECK(WIFSIGNALED(r) && WTERMSIG(r) == SIGTERM);

    fflush(stdout);
    r = system("echo multi; echo line | tr a-z A-Z; printf 'pid-of-sh-differs=%s\\n' $(( $$ != PPID ))");
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0);

    r = system(NULL);
    printf("system(NULL) -> %d (shell available)\n", r != 0);
    CHECK(r != 0);

    /* popen read and write */
    FILE *f = popen("echo from-popen; echo $((1+2))", "r");
    CHECK(f != NULL);
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        printf("popen line %d: %s", lines, line);
        lines++;
    }
    r = pclose(f);
    CHECK(lines == 2 && WIFEXITED(r) && WEXITSTATUS(r) == 0);
    fflush(stdout);
    f = popen("wc -c", "w");
    CHECK(f != NULL);
    fprintf(f, "twelve chars");
    r = pclose(f);
    CHECK(WIFEXITED(r) && WEXITSTATUS(r) == 0);
    printf("EXIT-SUCCESS\n");
    return 0;
}
