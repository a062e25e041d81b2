/* ReLU forward that also records each element's 2-bit code (relu_mask, simdgrad.h), SVE, vector-length
 * agnostic. A step covers four vectors of floats (4·VL/32 elements), whose codes make exactly one
 * vector of bytes: the codes, computed as u32 lanes, are narrowed to one byte per element in element
 * order (two UZP1s), and each group of four bytes, read as one u32, is folded into its low byte
 * (c0 | c1<<2 | c2<<4 | c3<<6) and stored with a truncating ST1B. The last step runs the same code
 * under svwhilelt predicates: lanes past n get code 0 (the unused high bits of the last byte stay 0, as
 * in the reference) and no byte past mask[(n-1)/4] is written. */
#include <arm_sve.h>

#include "sg_kernels_impl.h"

/* y = relu(v) (as sve/relu.c: lanes with v <= 0, an ordered compare, become +0.0; NaN keeps its
 * bits) stored under pg; returns the lanes' codes, 0 in inactive lanes. */
static inline svuint32_t relu_code(svbool_t pg, const float *x, float *y)
{
    const svfloat32_t v = svld1_f32(pg, x);
    const svbool_t le0 = svcmple_n_f32(pg, v, 0.0f);
    svst1_f32(pg, y, svsel_f32(le0, svdup_n_f32(0.0f), v));
    /* Bit 0: !(v <= 0), i.e. v > 0 or NaN. Bit 1: !(|v| > 0), i.e. v == ±0 or NaN. POS = 1,
       ZERO = 2, NEG = 0, NAN = 3 (sg_mask_code). */
    const svbool_t bit0 = svnot_b_z(pg, le0);
    const svbool_t bit1 = svnot_b_z(pg, svacgt_n_f32(pg, v, 0.0f));
    return svorr_u32_x(pg, svdup_n_u32_z(bit0, 1), svdup_n_u32_z(bit1, 2));
}

/* relu_code for the vector at element i of a tail; no pointer is formed past the arrays. */
static inline svuint32_t tail_code(size_t i, size_t n, const float *x, float *y)
{
    return i < n ? relu_code(svwhilelt_b32_u64(i, n), x + i, y + i) : svdup_n_u32(0);
}

/* Four vectors of codes (element order) to one mask byte per u32 lane. */
static inline svuint32_t pack_codes(svuint32_t c0, svuint32_t c1, svuint32_t c2, svuint32_t c3)
{
    const svuint16_t h01 = svuzp1_u16(svreinterpret_u16_u32(c0), svreinterpret_u16_u32(c1));
    const svuint16_t h23 = svuzp1_u16(svreinterpret_u16_u32(c2), svreinterpret_u16_u32(c3));
    /* Lane j: the codes of elements 4j..4j+3 in its bytes 0..3 (bits 0-1, 8-9, 16-17, 24-25). */
    svuint32_t w = svreinterpret_u32_u8(svuzp1_u8(svreinterpret_u8_u16(h01), svreinterpret_u8_u16(h23)));
    const svbool_t all = svptrue_b32();
    w = svorr_u32_x(all, w, svlsr_n_u32_x(all, w, 6));     /* bits 2-3 <- c1, 18-19 <- c3 */
    return svorr_u32_x(all, w, svlsr_n_u32_x(all, w, 12)); /* bits 4-7 <- c2, c3 */
}

void sg_sve_relu_mask(size_t n, const float *x, float *y, uint8_t *mask)
{
    const size_t vl = svcntw();
    const svbool_t all = svptrue_b32();
    size_t i = 0;
    for (; i + 4 * vl <= n; i += 4 * vl) {
        const svuint32_t c0 = relu_code(all, x + i, y + i);
        const svuint32_t c1 = relu_code(all, x + i + vl, y + i + vl);
        const svuint32_t c2 = relu_code(all, x + i + 2 * vl, y + i + 2 * vl);
        const svuint32_t c3 = relu_code(all, x + i + 3 * vl, y + i + 3 * vl);
        svst1b_u32(all, mask + i / 4, pack_codes(c0, c1, c2, c3));
    }
    if (i < n) {
        const svuint32_t c0 = tail_code(i, n, x, y), c1 = tail_code(i + vl, n, x, y);
        const svuint32_t c2 = tail_code(i + 2 * vl, n, x, y), c3 = tail_code(i + 3 * vl, n, x, y);
        /* (n + 3) / 4 bytes in all; this step starts at byte i / 4. */
        svst1b_u32(svwhilelt_b32_u64(i / 4, (n + 3) / 4), mask + i / 4, pack_codes(c0, c1, c2, c3));
    }
}
