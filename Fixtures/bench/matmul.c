/* f64 matrix multiply (i-k-j order), C = A * B, repeated.
 * Size: the number of 160x160 multiplications. */
#include "bench.h"

#define N 160
static double A[N][N], B[N][N], C[N][N];

EXPORT u32 run(u32 reps) {
    u32 seed = 12345;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            A[i][j] = (double)(bench_next(&seed) % 1000) / 100.0 - 5.0;
            B[i][j] = (double)(bench_next(&seed) % 1000) / 100.0 - 5.0;
        }
    double total = 0;
    for (u32 r = 0; r < reps; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) C[i][j] = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double a = A[i][k];
                for (int j = 0; j < N; j++) C[i][j] += a * B[k][j];
            }
        total += C[r % N][(r * 7) % N];
        A[r % N][(r * 3) % N] += 0.5; /* each round differs */
    }
    /* Exact: the entries are sums of products of values with two decimals. */
    return (u32)(long long)(total * 100.0);
}
