/* A small portable seeded generator for the training task's built-in data.
 *
 * splitmix64 expands the seed into xoshiro256** state; uniforms are the top 53 bits scaled to
 * [0, 1); normals come from the Marsaglia polar method computed in double and rounded to float
 * once. Integer parts are exact everywhere; the only libm calls are log() and sqrt() in double.
 * sqrt is correctly rounded by IEEE 754, and glibc/musl/macOS log are accurate to well under an
 * ulp of double, so after rounding to float the streams agree across platforms in practice
 * (a differing float would need a double result within ~1e-16 relative of a float tie). */
#ifndef SG_RNG_H
#define SG_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct sg_rng {
    uint64_t s[4];
    double spare; /* the polar method yields normals in pairs */
    int has_spare;
} sg_rng;

void sg_rng_seed(sg_rng *r, uint64_t seed);
uint64_t sg_rng_next(sg_rng *r);                          /* xoshiro256** */
double sg_rng_uniform(sg_rng *r);                         /* [0, 1), 53 random bits */
double sg_rng_normal(sg_rng *r);                          /* standard normal, Marsaglia polar */
void sg_rng_fill_normal(sg_rng *r, float *out, size_t n); /* n standard normals rounded to float */

#endif
