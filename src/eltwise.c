/* One descriptor per elementwise family (src/eltwise.h). Adding an elementwise family: an adapter
 * and a line in the table below. */
#include "eltwise.h"

/* A family y = f(x) over floats, in place allowed: its adapter and its descriptor. */
#define SG_ELT_UNARY_CALL(fam)                                                                               \
    static void call_##fam(const sg_kernels *k, size_t n, const void *const *in, void *const *out,           \
                           const float *p)                                                                   \
    {                                                                                                        \
        (void)p;                                                                                             \
        k->fam(n, in[0], out[0]);                                                                            \
    }
#define SG_ELT_UNARY(fam)                                                                                    \
    {                                                                                                        \
        .family = SG_FAMILY_##fam, .n_in = 1, .n_out = 1, .in = {SG_ELT_F32}, .out = {SG_ELT_F32},           \
        .in_names = {"x"}, .out_names = {"y"}, .alias_in = 0, .call = call_##fam                             \
    }

SG_ELT_UNARY_CALL(relu)
SG_ELT_UNARY_CALL(round_bf16)
SG_ELT_UNARY_CALL(round_fp16)

static void call_relu_grad(const sg_kernels *k, size_t n, const void *const *in, void *const *out,
                           const float *p)
{
    k->relu_grad(n, in[0], in[1], out[0], p[0]);
}

static void call_relu_mask(const sg_kernels *k, size_t n, const void *const *in, void *const *out,
                           const float *p)
{
    (void)p;
    k->relu_mask(n, in[0], out[0], out[1]);
}

static void call_relu_grad_mask(const sg_kernels *k, size_t n, const void *const *in, void *const *out,
                                const float *p)
{
    k->relu_grad_mask(n, in[0], in[1], in[2], out[0], p[0]);
}

static const sg_eltwise_desc table[] = {
    SG_ELT_UNARY(relu),
    {.family = SG_FAMILY_relu_grad,
     .n_in = 2,
     .n_out = 1,
     .in = {SG_ELT_F32, SG_ELT_F32},
     .out = {SG_ELT_F32},
     .in_names = {"h", "dy"},
     .out_names = {"dx"},
     .alias_in = 1,
     .n_params = 1,
     .param_name = "g0",
     .n_sweep = 3,
     .sweep = {1.0f, 0.0f, 0.5f},
     .call = call_relu_grad},
    {.family = SG_FAMILY_relu_mask,
     .n_in = 1,
     .n_out = 2,
     .in = {SG_ELT_F32},
     .out = {SG_ELT_F32, SG_ELT_MASK2},
     .in_names = {"x"},
     .out_names = {"y", "mask"},
     .alias_in = 0,
     .call = call_relu_mask},
    {.family = SG_FAMILY_relu_grad_mask,
     .n_in = 3,
     .n_out = 1,
     .in = {SG_ELT_MASK2, SG_ELT_F32, SG_ELT_F32},
     .out = {SG_ELT_F32},
     .in_names = {"mask", "y", "dy"},
     .out_names = {"dx"},
     .alias_in = 2,
     .rare_in = 1u << 1, /* y: NaN codes only, so 8.25 bytes an element, not 12.25 */
     .n_params = 1,
     .param_name = "g0",
     .n_sweep = 3,
     .sweep = {1.0f, 0.0f, 0.5f},
     .call = call_relu_grad_mask},
    SG_ELT_UNARY(round_bf16),
    SG_ELT_UNARY(round_fp16),
};

const sg_eltwise_desc *sg_eltwise_find(sg_family f)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].family == f)
            return &table[i];
    return NULL;
}

size_t sg_eltwise_bytes(sg_elt_type t, size_t n)
{
    return t == SG_ELT_MASK2 ? (n + 3) / 4 : n * sizeof(float);
}

double sg_eltwise_traffic(const sg_eltwise_desc *d, size_t n)
{
    double bytes = 0;
    for (unsigned i = 0; i < d->n_in; i++)
        if (!(d->rare_in >> i & 1u))
            bytes += (double)sg_eltwise_bytes(d->in[i], n);
    for (unsigned i = 0; i < d->n_out; i++)
        bytes += (double)sg_eltwise_bytes(d->out[i], n);
    return bytes;
}
