/* The generic elementwise tester: every elementwise family is checked the same way, driven by its
 * descriptor (src/eltwise.h) and a rule — the per-element specification on bit patterns, written in
 * the test independently of the scalar reference. Every kernel table given (the scalar one included,
 * so a wrong reference fails) is checked against the rule; vector tables also bit for bit against
 * the scalar table on large inputs.
 *
 * What one run covers, for every table:
 *  - every special value at every lane of a 67-element call (a 64-lane block plus a tail), with
 *    every parameter value; the family's named cases at every lane;
 *  - every n in 0..300 and random/boundary n up to 100k (a third of the n > 64 and half of the
 *    comparisons with the scalar table with ±0, specials and ZERO/NAN codes rare, 1 in 128, so fast paths
 *    for blocks without them run and meet the odd one): each array misaligned by every float offset
 *    in a 64-byte line across the rotations (every byte residue for packed 2-bit arrays), PROT_NONE
 *    guard pages right after the last and right before the first byte of every array (all after, all
 *    before, alternating both ways), canaries around every array, inputs left unchanged, outputs
 *    pre-filled with garbage so a skipped store shows;
 *  - the in-place call through the descriptor's aliasing input (out[0] == in[alias_in]), misaligned
 *    and against both guards;
 *  - parameter 0 over the descriptor's sweep plus -2, -0, NaN and inf.
 * SIMDGRAD_TEST_SCALE=small shrinks the rotations and the random sizes, never the n = 0..300 sweep. */
#ifndef SGT_ELTWISE_TESTER_H
#define SGT_ELTWISE_TESTER_H

#include <stdint.h>

#include "eltwise.h"
#include "sgtest.h"

/* The specification of one element. in[j] is element i of input j: its bit pattern for SG_ELT_F32,
   its 2-bit code (0..3) for SG_ELT_MASK2. params are the call's float parameters. The rule writes
   out[j] the same way. It must not call the kernels: it is what they are checked against. */
typedef void sgt_elt_rule(const uint32_t *in, const float *params, uint32_t *out);

/* One element with a named expectation, checked against the rule itself (so that a wrong rule
   fails too) and then through every table at every lane of a call. */
typedef struct sgt_elt_case {
    const char *what;
    uint32_t in[SG_ELTWISE_MAX_STREAMS];
    float params[SG_ELTWISE_MAX_PARAMS];
    uint32_t out[SG_ELTWISE_MAX_STREAMS];
} sgt_elt_case;

/* A family as the tester sees it: the descriptor comes from sg_eltwise_find(family). */
typedef struct sgt_elt_family {
    sg_family family;
    sgt_elt_rule *rule;
    const sgt_elt_case *cases; /* may be NULL */
    size_t n_cases;
    /* NULL: sg_eltwise_find(family). Set only by the tester's self-test, which checks array types no
       family uses yet (2-bit masks) through descriptors of its own. */
    const sg_eltwise_desc *desc;
} sgt_elt_family;

#define SGT_CASES(array) .cases = (array), .n_cases = (sizeof(array) / sizeof((array)[0]))

/* In a packed 2-bit output, the bits past element n-1 in the last byte must come out zero: the
   output is then one canonical byte string, and a kernel that forgets the tail byte is caught by the
   pre-filled garbage. Padding bits of packed inputs are set to ones and must be ignored. */
enum { SGT_ELT_OUT_PAD = 0 };

enum {
    SGT_ELT_STOP_AT_FAILURE = 1, /* return at the first failing phase (the tester's self-test) */
    SGT_ELT_QUICK = 2,           /* n = 0..40 only, no large sizes (the tester's self-test) */
};

/* Runs every check above for family f over ks[0..nk) (ks[0] must be the scalar table: the others
   are also compared with it). Failures go to sgt_fail(); the caller ends with sgt_finish(). Returns
   false when the family has no descriptor (also reported as a failure). */
bool sgt_eltwise_check(const sgt_elt_family *f, const sg_kernels *const *ks, int nk, unsigned flags);

#endif
