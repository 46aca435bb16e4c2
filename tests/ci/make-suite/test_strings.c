// Passes: copies and compares strings.
#include <stdio.h>
#include <string.h>

int main(void) {
    char buf[16];
    strcpy(buf, "hello");
    if (strcmp(buf, "hello") != 0 || strlen(buf) != 5) {
        fprintf(stderr, "test_strings: FAILED\n");
        return 1;
    }
    printf("test_strings: ok\n");
    return 0;
}
