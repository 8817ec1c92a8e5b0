// Reads standard input to its end and prints how many bytes and lines came, and the
// input upper-cased.
#include <ctype.h>
#include <stdio.h>

int main(void) {
    long bytes = 0, lines = 0;
    int c;
    char echo[4096];
    while ((c = getchar()) != EOF) {
        if (bytes < (long)sizeof echo - 1) echo[bytes] = (char)toupper(c);
        bytes++;
        if (c == '\n') lines++;
    }
    echo[bytes < (long)sizeof echo ? bytes : (long)sizeof echo - 1] = 0;
    printf("%ld bytes, %ld lines\n%s", bytes, lines, echo);
    return 0;
}
