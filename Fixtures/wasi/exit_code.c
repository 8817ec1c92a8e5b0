// Ends with the status given as argv[1]: by `exit` (proc_exit) when argv[2] is "exit",
// by `abort` (a trap: wasi-libc's abort is `unreachable`) when it is "abort", else by
// returning it from main (wasi-libc's _start calls proc_exit for a non-zero one). Writes to
// stderr first, so a test sees both streams.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;
    fprintf(stderr, "leaving with %d\n", status);
    if (argc > 2 && strcmp(argv[2], "exit") == 0) exit(status);
    if (argc > 2 && strcmp(argv[2], "abort") == 0) abort();
    return status;
}
