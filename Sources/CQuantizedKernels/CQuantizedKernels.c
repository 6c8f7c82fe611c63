// The AVX2 fused kernels (see include/CQuantizedKernels.h). Same method as the Swift kernels in
// QuantizedMatmul+Fused.swift and QuantizedMatmul+IntegerDots.swift: a block's 32 integers,
// widened to 16 bits, are multiplied-and-added against the input's high and low 16-bit parts,
// the two exact integer sums are joined as high + low / 32768, and the block's scale times the
// input block's scale multiplies that; the offset (Q4_1's m, Q4_0's −8d) multiplies the input
// block's float sum. AVX2 does a block in two 16-lane halves instead of SSE2's four 8-lane
// quarters, and F16C converts the scales in one instruction.
#include "CQuantizedKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <string.h>

int cqk_avx2_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((c & (fma | osxsave | avx | f16c)) != (fma | osxsave | avx | f16c)) return 0;
    // The operating system must save the YMM registers (XCR0 bits 1 and 2).
    unsigned xcr0Low, xcr0High;
    __asm__("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 5) & 1;  // AVX2
}

#define CQK_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CQK_INLINE static inline __attribute__((always_inline))

/// The f16 at `p` (no alignment needed) as a float.
CQK_AVX2 CQK_INLINE float cqk_half(const uint8_t *p) {
    uint16_t bits;
    memcpy(&bits, p, 2);
    return _cvtsh_ss(bits);
}

/// A block's 32 integers as 16-bit lanes: values 0–15 in `*low`, 16–31 in `*high`.
CQK_AVX2 CQK_INLINE void cqk_widen(CQKFormat format, const uint8_t *block, __m256i *low, __m256i *high) {
    if (format == CQKFormatQ8_0) {
        *low = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(block + 2)));
        *high = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(block + 18)));
    } else {
        // Byte j holds value j in its low nibble and value j + 16 in its high one.
        const __m128i packed = _mm_loadu_si128((const __m128i *)(block + (format == CQKFormatQ4_1 ? 4 : 2)));
        const __m128i mask = _mm_set1_epi8(0x0F);
        *low = _mm256_cvtepu8_epi16(_mm_and_si128(packed, mask));
        *high = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), mask));
    }
}

/// `Σ w[j] · (high[j] + low[j] / 32768)` in eight lanes for the 64 parts at `parts`. Each lane's
/// integer sums are exact (|sum| < 2^24, so their conversions are too).
CQK_AVX2 CQK_INLINE __m256 cqk_block_dot(__m256i w0, __m256i w1, const int16_t *parts) {
    const __m256i *p = (const __m256i *)parts;
    const __m256i high = _mm256_add_epi32(_mm256_madd_epi16(w0, _mm256_loadu_si256(p)),
                                          _mm256_madd_epi16(w1, _mm256_loadu_si256(p + 1)));
    const __m256i low = _mm256_add_epi32(_mm256_madd_epi16(w0, _mm256_loadu_si256(p + 2)),
                                         _mm256_madd_epi16(w1, _mm256_loadu_si256(p + 3)));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(low), _mm256_set1_ps(1.0f / 32768), _mm256_cvtepi32_ps(high));
}

CQK_AVX2 CQK_INLINE float cqk_sum(__m256 v) {
    const __m128 four = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
    return _mm_cvtss_f32(_mm_add_ss(two, _mm_movehdup_ps(two)));
}

/// The kernel for one format and a fixed number of input rows (both constants after inlining,
/// so the accumulators live in registers).
CQK_AVX2 CQK_INLINE void cqk_rows(CQKFormat format, size_t n, const uint8_t *weight, size_t rowBytes,
                                  size_t blocks, size_t first, size_t last, const int16_t *parts,
                                  const float *scales, const float *blockSums, const float *bias,
                                  float *y, size_t out) {
    const size_t blockBytes = format == CQKFormatQ8_0 ? 34 : format == CQKFormatQ4_1 ? 20 : 18;
    for (size_t o = first; o < last; o++) {
        const uint8_t *row = weight + o * rowBytes;
        __m256 total[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        float offsets[4] = {0, 0, 0, 0};
        for (size_t b = 0; b < blocks; b++) {
            const uint8_t *block = row + b * blockBytes;
            __m256i w0, w1;
            cqk_widen(format, block, &w0, &w1);
            const float d = cqk_half(block);
            const float m = format == CQKFormatQ4_1 ? cqk_half(block + 2) : -8 * d;
            for (size_t r = 0; r < n; r++) {
                const size_t i = r * blocks + b;
                total[r] = _mm256_fmadd_ps(cqk_block_dot(w0, w1, parts + 64 * i), _mm256_set1_ps(d * scales[i]), total[r]);
                if (format != CQKFormatQ8_0) offsets[r] += m * blockSums[i];
            }
        }
        const float shift = bias ? bias[o] : 0;
        for (size_t r = 0; r < n; r++) y[r * out + o] = (cqk_sum(total[r]) + offsets[r]) + shift;
    }
}

#define CQK_FORMAT_ROWS(name, format)                                                                    \
    CQK_AVX2 static void name(size_t n, const uint8_t *w, size_t rowBytes, size_t blocks, size_t first, \
                              size_t last, const int16_t *parts, const float *scales,                  \
                              const float *sums, const float *bias, float *y, size_t out) {            \
        switch (n) {                                                                                   \
        case 1: cqk_rows(format, 1, w, rowBytes, blocks, first, last, parts, scales, sums, bias, y, out); break; \
        case 2: cqk_rows(format, 2, w, rowBytes, blocks, first, last, parts, scales, sums, bias, y, out); break; \
        case 3: cqk_rows(format, 3, w, rowBytes, blocks, first, last, parts, scales, sums, bias, y, out); break; \
        default: cqk_rows(format, 4, w, rowBytes, blocks, first, last, parts, scales, sums, bias, y, out); break; \
        }                                                                                              \
    }

CQK_FORMAT_ROWS(cqk_rows_q4_0, CQKFormatQ4_0)
CQK_FORMAT_ROWS(cqk_rows_q4_1, CQKFormatQ4_1)
CQK_FORMAT_ROWS(cqk_rows_q8_0, CQKFormatQ8_0)

void cqk_fused_rows(CQKFormat format, const void *weight, size_t rowBytes, size_t blocks, size_t first,
                    size_t last, const int16_t *parts, const float *scales, const float *blockSums,
                    size_t n, const float *bias, float *y, size_t out) {
    if (n == 0 || n > 4) return;
    const uint8_t *w = (const uint8_t *)weight;
    switch (format) {
    case CQKFormatQ4_0: cqk_rows_q4_0(n, w, rowBytes, blocks, first, last, parts, scales, blockSums, bias, y, out); break;
    case CQKFormatQ4_1: cqk_rows_q4_1(n, w, rowBytes, blocks, first, last, parts, scales, blockSums, bias, y, out); break;
    case CQKFormatQ8_0: cqk_rows_q8_0(n, w, rowBytes, blocks, first, last, parts, scales, blockSums, bias, y, out); break;
    }
}

/// `v` rounded to the nearest integer, halves away from zero (as `Int16Rows.nearest`: add ±0.5
/// by the sign, then truncate).
CQK_AVX2 CQK_INLINE __m256i cqk_nearest(__m256 v) {
    const __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
    const __m256 half = _mm256_blendv_ps(_mm256_set1_ps(0.5f), _mm256_set1_ps(-0.5f), negative);
    return _mm256_cvttps_epi32(_mm256_add_ps(v, half));
}

/// 16 int32 lanes (each within int16 range) as 16 int16 in order.
CQK_AVX2 CQK_INLINE void cqk_store16(int16_t *to, __m256i a, __m256i b) {
    // packs works within 128-bit halves: a0 b0 a1 b1 → a0 a1 b0 b1.
    const __m256i packed = _mm256_packs_epi32(a, b);
    _mm256_storeu_si256((__m256i *)to, _mm256_permute4x64_epi64(packed, 0xD8));
}

CQK_AVX2 void cqk_split_rows(const float *x, size_t blocks, int16_t *parts, float *scales) {
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    for (size_t i = 0; i < blocks; i++) {
        const float *values = x + 32 * i;
        int16_t *high = parts + 64 * i, *low = high + 32;
        __m256 v[4], largest = _mm256_setzero_ps(), total = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(values + 8 * k);
            const __m256 magnitude = _mm256_andnot_ps(signBit, v[k]);
            largest = _mm256_max_ps(magnitude, largest);  // a NaN value leaves `largest` as it was
            total = _mm256_add_ps(total, magnitude);
        }
        __m128 l4 = _mm_max_ps(_mm256_castps256_ps128(largest), _mm256_extractf128_ps(largest, 1));
        l4 = _mm_max_ps(l4, _mm_movehl_ps(l4, l4));
        const float top = _mm_cvtss_f32(_mm_max_ss(l4, _mm_movehdup_ps(l4)));
        __m128 t4 = _mm_add_ps(_mm256_castps256_ps128(total), _mm256_extractf128_ps(total, 1));
        t4 = _mm_add_ps(t4, _mm_movehl_ps(t4, t4));
        const float sum = _mm_cvtss_f32(_mm_add_ss(t4, _mm_movehdup_ps(t4)));
        if (!(top > 0) || !(sum - sum == 0)) {  // zero, or NaN/infinity somewhere
            scales[i] = top == 0 && sum == 0 ? 0.0f : __builtin_nanf("");
            memset(high, 0, 64 * sizeof(int16_t));
            continue;
        }
        const float scale = top / 32767;
        scales[i] = scale;
        const __m256 s = _mm256_set1_ps(scale), limit = _mm256_set1_ps(32767), floor = _mm256_set1_ps(-32767);
        __m256i h[4], l[4];
        for (int k = 0; k < 4; k++) {
            const __m256 r = _mm256_min_ps(_mm256_max_ps(_mm256_div_ps(v[k], s), floor), limit);
            h[k] = cqk_nearest(r);
            l[k] = cqk_nearest(_mm256_mul_ps(_mm256_sub_ps(r, _mm256_cvtepi32_ps(h[k])), _mm256_set1_ps(32768)));
        }
        cqk_store16(high, h[0], h[1]);
        cqk_store16(high + 16, h[2], h[3]);
        cqk_store16(low, l[0], l[1]);
        cqk_store16(low + 16, l[2], l[3]);
    }
}

#else

int cqk_avx2_available(void) { return 0; }

void cqk_split_rows(const float *x, size_t blocks, int16_t *parts, float *scales) {
    (void)x; (void)blocks; (void)parts; (void)scales;
}

void cqk_fused_rows(CQKFormat format, const void *weight, size_t rowBytes, size_t blocks, size_t first,
                    size_t last, const int16_t *parts, const float *scales, const float *blockSums,
                    size_t n, const float *bias, float *y, size_t out) {
    (void)format; (void)weight; (void)rowBytes; (void)blocks; (void)first; (void)last; (void)parts;
    (void)scales; (void)blockSums; (void)n; (void)bias; (void)y; (void)out;
}

#endif
