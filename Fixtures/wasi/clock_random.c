// Clocks and randomness: the wall clock agrees with the host's (argv[1], seconds since
// the epoch), the monotonic clock moves forward across a 20 ms sleep, and getentropy
// gives different, not all-zero bytes each time.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long nanos(clockid_t clock) {
    struct timespec t;
    if (clock_gettime(clock, &t) != 0) return -1;
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    long long host = argc > 1 ? atoll(argv[1]) : 0;
    long long wall = nanos(CLOCK_REALTIME) / 1000000000LL;
    printf("wall clock within a minute of the host's: %s\n", llabs(wall - host) <= 60 ? "yes" : "no");
    long long before = nanos(CLOCK_MONOTONIC);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    long long after = nanos(CLOCK_MONOTONIC);
    printf("monotonic clock advanced at least 20 ms: %s\n", after - before >= 20000000LL ? "yes" : "no");
    unsigned char a[32], b[32], zero[32] = {0};
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
        printf("getentropy failed\n");
        return 1;
    }
    printf("random bytes differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    printf("random bytes not all zero: %s\n", memcmp(a, zero, sizeof a) ? "yes" : "no");
    return 0;
}
