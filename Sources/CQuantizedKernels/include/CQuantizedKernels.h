#ifndef CQUANTIZEDKERNELS_H
#define CQUANTIZEDKERNELS_H

// AVX2 versions of TensorKit's fused quantized dot products (QuantizedMatmul+Fused.swift), for
// x86-64 CPUs that have AVX2, FMA and F16C. Swift cannot compile its own code for AVX2 without
// flags that a package used as a dependency may not set, so these few kernels are C functions
// compiled for AVX2 through a per-function target attribute and called only after
// `cqk_avx2_available()` said yes; other CPUs keep the Swift kernels.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The 32-value block formats the kernels read (ggml's layouts).
typedef enum {
    /// 18 bytes: f16 `d`, 16 bytes of nibbles; value = d × nibble − 8d.
    CQKFormatQ4_0 = 0,
    /// 20 bytes: f16 `d`, f16 `m`, 16 bytes of nibbles; value = d × nibble + m.
    CQKFormatQ4_1 = 1,
    /// 34 bytes: f16 `d`, 32 signed bytes; value = d × q.
    CQKFormatQ8_0 = 2,
} CQKFormat;

/// 1 when this CPU (and its operating system) runs AVX2, FMA and F16C code; 0 otherwise and on
/// every other architecture.
int cqk_avx2_available(void);

/// `y[r * out + o] = Σ_b dot(block b of weight row o, input block b of row r) + bias[o]` for
/// output rows `first ..< last` and input rows `0 ..< n` (n ≤ 4), the input given as TensorKit's
/// `Int16Rows`: per 32-value block 32 high then 32 low 16-bit parts (`parts`, 64 per block,
/// row after row), the block's scale (`scales`, `n × blocks`) and, for the formats with an
/// offset, the block's sum of the float inputs (`blockSums`, `n × blocks`). `bias` may be NULL.
/// Must only be called when `cqk_avx2_available()` returned 1.
void cqk_fused_rows(CQKFormat format, const void *weight, size_t rowBytes, size_t blocks,
                    size_t first, size_t last, const int16_t *parts, const float *scales,
                    const float *blockSums, size_t n, const float *bias, float *y, size_t out);

/// Splits `blocks` 32-value blocks of `x` into TensorKit's `Int16Rows` layout, bit for bit as
/// its Swift initializer does (same IEEE operations on each value): per block the scale
/// `s = max|x| / 32767` into `scales`, then 32 high parts `round(x / s)` and 32 low parts
/// `round((x / s − high) · 32768)` into `parts` (64 per block). A zero block gets scale 0, a
/// block holding NaN or infinity scale NaN; both get zero parts. Must only be called when
/// `cqk_avx2_available()` returned 1.
void cqk_split_rows(const float *x, size_t blocks, int16_t *parts, float *scales);

#ifdef __cplusplus
}
#endif

#endif
