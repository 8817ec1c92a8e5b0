/* Sieve of Eratosthenes over a byte array: memory loads and stores.
 * Size: how many times the sieve of 4 M numbers is run. */
#include "bench.h"

#define LIMIT (4u << 20)
static u8 composite[LIMIT];

EXPORT u32 run(u32 reps) {
    u32 checksum = 0;
    for (u32 r = 0; r < reps; r++) {
        u32 limit = LIMIT - (r & 7); /* vary a little so no repetition folds away */
        for (u32 i = 0; i < limit; i++) composite[i] = 0;
        u32 count = 0;
        for (u32 i = 2; i < limit; i++) {
            if (composite[i]) continue;
            count++;
            for (u32 j = i * 2; j < limit; j += i) composite[j] = 1;
        }
        checksum = checksum * 31 + count;
    }
    return checksum;
}
