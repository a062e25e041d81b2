/* Internal: the elementwise families seen generically, so that the harness, the benchmarks, the
 * fuzzer and the icount driver iterate them instead of naming them. One descriptor per family in
 * src/eltwise.c; a family absent there (matmul) is not elementwise. */
#ifndef SG_ELTWISE_H
#define SG_ELTWISE_H

#include <stddef.h>

#include "simdgrad.h"

enum { SG_ELTWISE_MAX_STREAMS = 4, SG_ELTWISE_MAX_PARAMS = 2, SG_ELTWISE_MAX_SWEEP = 4 };

/* Element storage of one array: a float, or a packed 2-bit code (four per byte, element i in bits
   2·(i%4)..2·(i%4)+1 of byte i/4). Bytes of an n-element array: sg_eltwise_bytes(). */
typedef enum sg_elt_type { SG_ELT_F32, SG_ELT_MASK2 } sg_elt_type;

typedef struct sg_eltwise_desc {
    sg_family family;
    unsigned n_in, n_out;
    sg_elt_type in[SG_ELTWISE_MAX_STREAMS], out[SG_ELTWISE_MAX_STREAMS];
    const char *in_names[SG_ELTWISE_MAX_STREAMS], *out_names[SG_ELTWISE_MAX_STREAMS];
    /* The input that may be the very array of out[0] (in-place call), or -1. */
    int alias_in;
    /* Bit i: input i is read only for rare lanes (relu_grad_mask's y, NaN codes only), so it is not part
       of a call's traffic. */
    unsigned rare_in;
    /* Float parameters after the arrays (relu_grad: grad_at_zero), with the values that tests and
       benchmarks sweep for parameter 0 (n_sweep of them; one run with no parameter when 0). */
    unsigned n_params;
    const char *param_name; /* parameter 0, for benchmark names ("g0") */
    unsigned n_sweep;
    float sweep[SG_ELTWISE_MAX_SWEEP];
    /* Calls k's entry for this family: in[0..n_in), out[0..n_out), params[0..n_params). */
    void (*call)(const sg_kernels *k, size_t n, const void *const *in, void *const *out, const float *params);
} sg_eltwise_desc;

/* The descriptor of family f, NULL when f is not elementwise. */
const sg_eltwise_desc *sg_eltwise_find(sg_family f);
/* Bytes an array of n elements of type t occupies. */
size_t sg_eltwise_bytes(sg_elt_type t, size_t n);
/* Bytes one call over n elements reads plus writes (every input and output array once, but for the
   inputs read only for rare lanes). */
double sg_eltwise_traffic(const sg_eltwise_desc *d, size_t n);

#endif
