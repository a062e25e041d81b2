/* Workload driver for cross/qemu-icount.sh: runs one kernel `reps` times on fixed data so the
 * script can count executed AArch64 instructions under qemu (reps=R minus reps=0, divided by R).
 * An instruction count from an emulator is not a timing; it shows how much work each kernel
 * does per call. Usage: arm_icount <isa> <workload> <reps>, or arm_icount list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simdgrad.h"
#include "train_step_seq.h"

enum { BIG = 64 };
static float a[BIG * BIG], b[BIG * BIG], c[BIG * BIG], h[4096], dy[4096], dx[4096], hr[4096];
static uint8_t mask[4096 / 4];
/* One step of the training task's shape (n 4, d 3, h 30, o 1) on data whose h has no exact zero, so a fused
   train_step takes its fused path. */
static float sx[12], sy[4], sw1[90], sw2[30], swork[SG_TRAIN_STEP_WORK(4, 3, 30, 1)];

int main(int argc, char **argv)
{
    sg_isa isa;
    const sg_kernels *k;
    if (argc == 2 && !strcmp(argv[1], "list")) { /* the ISAs this (emulated) CPU runs */
        for (int i = 0; i < SG_ISA_COUNT; i++)
            if (sg_isa_available((sg_isa)i))
                printf("%s ", sg_isa_name((sg_isa)i));
        printf("\n");
        return 0;
    }
    if (argc != 4 || sg_isa_parse(argv[1], &isa) != 0 || !(k = sg_kernels_get(isa))) {
        fprintf(stderr, "usage: arm_icount <available isa> "
                        "train|step|step_unfused|matmul64|relu4096|relu_grad4096|relu_mask4096|"
                        "relu_grad_mask4096 <reps>\n");
        return 2;
    }
    const char *w = argv[2];
    const long reps = atol(argv[3]);
    for (size_t i = 0; i < BIG * BIG; i++) {
        a[i] = (float)((int)(i * 7 % 13) - 6) * 0.25f;
        b[i] = (float)((int)(i * 5 % 11) - 5) * 0.125f;
    }
    for (size_t i = 0; i < 4096; i++) {
        h[i] = (float)((int)(i % 9) - 4);
        dy[i] = (float)i * 0.5f;
    }
    for (int i = 0; i < 4; i++) {
        sx[3 * i] = 0.3f * (float)i - 0.45f;
        sx[3 * i + 1] = 0.7f - 0.2f * (float)i;
        sx[3 * i + 2] = 1.0f;
        sy[i] = (float)(i % 2) - 0.25f;
    }
    for (int i = 0; i < 90; i++)
        sw1[i] = (float)((int)(i * 7 % 19) - 9) * 0.0625f + 0.01f;
    for (int i = 0; i < 30; i++)
        sw2[i] = (float)((int)(i * 5 % 13) - 6) * 0.05f + 0.003f;
    float loss;
    uint64_t counts[2];
    k->relu_mask(4096, h, hr, mask); /* relu_grad_mask's input; reps = 0 runs it too, so it cancels */
    for (long r = 0; r < reps; r++) {
        if (!strcmp(w, "train")) { /* one forward+backward step's products of the training task */
            k->matmul(SG_NO_TRANS, SG_NO_TRANS, 4, 30, 3, a, 3, b, 30, c, 30);
            k->relu(120, c, c);
            k->matmul(SG_NO_TRANS, SG_NO_TRANS, 4, 1, 30, a, 30, b, 1, c, 1);
            k->matmul(SG_TRANS, SG_NO_TRANS, 30, 1, 4, a, 30, b, 1, c, 1);
            k->matmul(SG_NO_TRANS, SG_TRANS, 4, 30, 1, a, 1, b, 1, c, 30);
            k->relu_grad(120, h, dy, dx, 0.5f);
            k->matmul(SG_TRANS, SG_NO_TRANS, 3, 30, 4, a, 3, b, 30, c, 30);
        } else if (!strcmp(w, "step")) { /* the table's train_step: fused where the ISA has it */
            k->train_step(4, 3, 30, 1, sx, sy, sw1, sw2, 0.002f, 0.5f, 1e30f, swork, &loss, counts);
        } else if (!strcmp(w, "step_unfused")) { /* the same step as the table's seven kernel calls */
            sg_train_step_seq(k->matmul, k->relu, k->relu_grad, 4, 3, 30, 1, sx, sy, sw1, sw2, 0.002f, 0.5f,
                              1e30f, swork, &loss, counts);
        } else if (!strcmp(w, "matmul64")) {
            k->matmul(SG_NO_TRANS, SG_NO_TRANS, BIG, BIG, BIG, a, BIG, b, BIG, c, BIG);
        } else if (!strcmp(w, "relu4096")) {
            k->relu(4096, h, dx);
        } else if (!strcmp(w, "relu_grad4096")) {
            k->relu_grad(4096, h, dy, dx, 0.5f);
        } else if (!strcmp(w, "relu_mask4096")) {
            k->relu_mask(4096, h, dx, mask);
        } else if (!strcmp(w, "relu_grad_mask4096")) {
            k->relu_grad_mask(4096, mask, hr, dy, dx, 0.5f);
        } else {
            fprintf(stderr, "arm_icount: unknown workload '%s'\n", w);
            return 2;
        }
    }
    return 0;
}
