// Prints its arguments and the environment variables whose names it is given, then the
// number of variables it sees in all (nothing beyond what the host configured).
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    for (int i = 1; i < argc; i++) {
        const char *value = getenv(argv[i]);
        printf("%s=%s\n", argv[i], value ? value : "(unset)");
    }
    int count = 0;
    for (char **e = environ; *e; e++) count++;
    printf("environ has %d entries\n", count);
    return 0;
}
