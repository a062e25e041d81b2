/* See rng.h. Compiled with -ffp-contract=off (src/meson.build) so that u*u + v*v and the
 * polar transform round the same way on every target, FMA-capable or not. */
#include <math.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void sg_rng_seed(sg_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x); /* never all zero: splitmix64 is a bijection of distinct inputs */
    r->spare = 0.0;
    r->has_spare = 0;
}

uint64_t sg_rng_next(sg_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sg_rng_uniform(sg_rng *r)
{
    /* 53 bits fit a double's significand exactly, so the scaling is exact. */
    return (double)(sg_rng_next(r) >> 11) * 0x1.0p-53;
}

double sg_rng_normal(sg_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * sg_rng_uniform(r) - 1.0;
        v = 2.0 * sg_rng_uniform(r) - 1.0;
        const double uu = u * u, vv = v * v;
        s = uu + vv;
    } while (s >= 1.0 || s == 0.0);
    const double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

void sg_rng_fill_normal(sg_rng *r, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)sg_rng_normal(r);
}
