// The smallest WASI command: one line on stdout, exit status 0.
#include <stdio.h>

int main(void) {
    printf("hello from C on wasi-libc\n");
    return 0;
}
