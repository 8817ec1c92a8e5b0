/* Byte processing over generated text: lower-case folding, word counting, a
 * FNV-1a hash per word, and run-length style compression into a second buffer.
 * Size: the number of passes over 256 KiB of text. */
#include "bench.h"

#define TEXT_SIZE (256u * 1024u)
static u8 text[TEXT_SIZE];
static u8 packed[2 * TEXT_SIZE];

static const char alphabet[] = "eeeettaaoinnsshhrdlu  ,.\nEETAOIcmwfgypbvk";

static u32 is_alpha(u8 c) { return (u8)((c | 32) - 'a') < 26; }

EXPORT u32 run(u32 passes) {
    u32 seed = 77;
    for (u32 i = 0; i < TEXT_SIZE; i++) text[i] = (u8)alphabet[bench_next(&seed) % (sizeof alphabet - 1)];
    u32 checksum = 0;
    for (u32 p = 0; p < passes; p++) {
        u32 words = 0, hash_sum = 0, hash = 2166136261u, in_word = 0;
        for (u32 i = 0; i < TEXT_SIZE; i++) {
            u8 c = text[i];
            if (is_alpha(c)) {
                c |= 32; /* fold to lower case */
                hash = (hash ^ c) * 16777619u;
                in_word = 1;
            } else if (in_word) {
                words++;
                hash_sum += hash;
                hash = 2166136261u;
                in_word = 0;
            }
        }
        /* Run-length encoding: (byte, count) pairs. */
        u32 out = 0;
        for (u32 i = 0; i < TEXT_SIZE;) {
            u8 c = text[i];
            u32 run_length = 1;
            while (i + run_length < TEXT_SIZE && text[i + run_length] == c && run_length < 255) run_length++;
            packed[out++] = c;
            packed[out++] = (u8)run_length;
            i += run_length;
        }
        u32 packed_hash = 0;
        for (u32 i = 0; i < out; i++) packed_hash = packed_hash * 33 + packed[i];
        checksum = checksum * 31 + words + hash_sum + packed_hash + out;
        /* Rotate the text by one byte so every pass sees different input. */
        u8 first = text[0];
        for (u32 i = 0; i + 1 < TEXT_SIZE; i++) text[i] = text[i + 1];
        text[TEXT_SIZE - 1] = first;
    }
    return checksum;
}
