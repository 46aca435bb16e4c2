// Passes: sums small arrays.
#include <assert.h>
#include <stdio.h>

static int sum(const int *v, int n) {
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return s;
}

int main(void) {
    int v[] = {1, 2, 3, 4};
    assert(sum(v, 4) == 10);
    assert(sum(v, 0) == 0);
    printf("test_sum: ok\n");
    return 0;
}
