/* /proc/self files describe the process reading them: under rtt it must still see itself
 * running, with its own pid, not the recorder's view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

int main(void) {
    char line[256];
    int state_ok = 0, pid_ok = 0;
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f != NULL);
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "State:", 6)) {
            fputs(line, stdout);
            state_ok = strstr(line, "R (running)") != NULL;
        }
        if (!strncmp(line, "Pid:", 4)) {
            fputs(line, stdout);
            pid_ok = atoi(line + 4) == getpid();
        }
    }
    fclose(f);
    CHECK(state_ok);
    CHECK(pid_ok);
    printf("EXIT-SUCCESS\n");
    return 0;
}
