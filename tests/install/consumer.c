/* An outside program built only from the installed simdgrad.h + pkg-config file (stage 15-install):
 * proves the public API links as a user would use it. Prints values the stage script checks. */
#include <simdgrad.h>
#include <stdio.h>

int main(void)
{
    const sg_kernels *k = sg_kernels_get(sg_isa_best());
    if (!k || !sg_isa_available(k->isa) || sg_kernels_get(SG_ISA_SCALAR) == NULL)
        return 1;
    float x[5] = {-1.0f, 0.0f, 2.0f, -0.0f, 3.0f}, y[5];
    k->relu(5, x, y);
    float h[3] = {1.0f, 0.0f, -1.0f}, dy[3] = {4.0f, 4.0f, 4.0f}, dx[3];
    k->relu_grad(3, h, dy, dx, 0.5f);
    const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1};
    float c[4];
    k->matmul(SG_NO_TRANS, SG_NO_TRANS, 2, 2, 3, a, 3, b, 2, c, 2);
    printf("relu %g %g %g %g %g\n", y[0], y[1], y[2], y[3], y[4]);
    printf("relu_grad %g %g %g\n", dx[0], dx[1], dx[2]);
    printf("matmul %g %g %g %g\n", c[0], c[1], c[2], c[3]);
    return 0;
}
