// Fails: a parser that stops at the first non-digit, so "12a4" is 12, not 1204.
#include <stdio.h>
#include <stdlib.h>

static int parse(const char *s) {
    int v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (*s - '0');
    return v;
}

int main(void) {
    int got = parse("12a4");
    if (got != 1204) {
        fprintf(stderr, "test_parse: FAILED: parse(\"12a4\") = %d, expected 1204\n", got);
        return 1;
    }
    printf("test_parse: ok\n");
    return 0;
}
