/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), SVE, vector-length
 * agnostic. A step covers four vectors of floats (4·VL/32 elements), whose codes make exactly one
 * vector of bytes: the codes, computed as u32 lanes, are narrowed to one byte per element in element
 * order (two UZP1s), and each group of four bytes, read as one u32, is folded into its low byte
 * (c0 | c1<<2 | c2<<4 | c3<<6) and stored with a truncating ST1B. The codes are computed complemented
 * (relu_code_inv) and the packed byte complemented back once. The last step runs the same code under
 * svwhilelt predicates: lanes past n get code 0 (the unused high bits of the last byte stay 0, as in
 * the reference) and no byte past mask[(n-1)/4] is written. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

/* y = relu(v) (as sve/relu.c: lanes with v <= 0, an ordered compare, become +0.0; NaN keeps its
 * bits) stored under pg; returns the lanes' codes complemented (3 - code), which costs no NOT of either
 * compare: bit 0 is v <= 0, bit 1 is |v| > 0, so POS (v > 0) is 2, ZERO (v == ±0) 1, NEG 3 and NAN
 * (both compares false) 0. Inactive lanes get 0; tails make them 3 (code 0). */
static inline svuint32_t relu_code_inv(svbool_t pg, const float *x, float *y)
{
    const svfloat32_t v = svld1_f32(pg, x);
    const svbool_t le0 = svcmple_n_f32(pg, v, 0.0f);
    svst1_f32(pg, y, svsel_f32(le0, svdup_n_f32(0.0f), v));
    return svorr_n_u32_m(le0, svdup_n_u32_z(svacgt_n_f32(pg, v, 0.0f), 2), 1);
}

/* relu_code_inv for the vector at element i of a tail: lanes past n (all of them when i >= n, with
 * no pointer formed past the arrays) get 3, whose complement is the 0 the reference leaves in the
 * unused high bits of the last mask byte. */
static inline svuint32_t tail_code_inv(size_t i, size_t n, const float *x, float *y)
{
    if (i >= n)
        return svdup_n_u32(3);
    const svbool_t pg = svwhilelt_b32_u64(i, n);
    return svsel_u32(pg, relu_code_inv(pg, x + i, y + i), svdup_n_u32(3));
}

/* Four vectors of complemented codes (element order) to one mask byte per u32 lane. */
static inline svuint32_t pack_codes(svuint32_t c0, svuint32_t c1, svuint32_t c2, svuint32_t c3)
{
    const svuint16_t h01 = svuzp1_u16(svreinterpret_u16_u32(c0), svreinterpret_u16_u32(c1));
    const svuint16_t h23 = svuzp1_u16(svreinterpret_u16_u32(c2), svreinterpret_u16_u32(c3));
    /* Lane j: the values of elements 4j..4j+3 in its bytes 0..3 (bits 0-1, 8-9, 16-17, 24-25). */
    svuint32_t w = svreinterpret_u32_u8(svuzp1_u8(svreinterpret_u8_u16(h01), svreinterpret_u8_u16(h23)));
    const svbool_t all = svptrue_b32();
    w = svorr_u32_x(all, w, svlsr_n_u32_x(all, w, 6));  /* bits 2-3 <- element 1, 18-19 <- 3 */
    w = svorr_u32_x(all, w, svlsr_n_u32_x(all, w, 12)); /* bits 4-7 <- elements 2, 3 */
    return sveor_n_u32_x(all, w, 0xFF);                 /* complement back to the codes */
}

void sg_sve_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    const size_t vl = svcntw();
    const svbool_t all = svptrue_b32();
    size_t i = 0;
    for (; i + 4 * vl <= n; i += 4 * vl) {
        const svuint32_t c0 = relu_code_inv(all, x + i, y + i);
        const svuint32_t c1 = relu_code_inv(all, x + i + vl, y + i + vl);
        const svuint32_t c2 = relu_code_inv(all, x + i + 2 * vl, y + i + 2 * vl);
        const svuint32_t c3 = relu_code_inv(all, x + i + 3 * vl, y + i + 3 * vl);
        svst1b_u32(all, mask + i / 4, pack_codes(c0, c1, c2, c3));
    }
    if (i < n) {
        const svuint32_t c0 = tail_code_inv(i, n, x, y), c1 = tail_code_inv(i + vl, n, x, y);
        const svuint32_t c2 = tail_code_inv(i + 2 * vl, n, x, y), c3 = tail_code_inv(i + 3 * vl, n, x, y);
        /* (n + 3) / 4 bytes in all; this step starts at byte i / 4. */
        svst1b_u32(svwhilelt_b32_u64(i / 4, (n + 3) / 4), mask + i / 4, pack_codes(c0, c1, c2, c3));
    }
}
