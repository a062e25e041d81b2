"""The ISA and family lists of src/simdgrad.h (SG_ISA_LIST, SG_FAMILY_ROWS), read by the Python
tests so that none of them re-lists a name. Row formats: `X(ID, name, ...)` and `X(ctx, name, ...)`."""
import os

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "simdgrad.h")


def _rows():
    with open(HEADER) as f:
        return [line.strip() for line in f if line.strip().startswith("X(")]


def known_isas():
    """The ISA names in list order ("scalar", "avx2", ...)."""
    return [row[2:].split(",")[1].strip() for row in _rows() if not row.startswith("X(ctx")]


def families():
    """The kernel family names in list order ("matmul", "relu", ...)."""
    return [row.split(",")[1].strip() for row in _rows() if row.startswith("X(ctx, ")]


# The families that are not elementwise (no descriptor in src/eltwise.c): each has its own tester, bench
# and report rows. Every other family of the list is elementwise.
NOT_ELEMENTWISE = ("matmul", "train_step")


def elementwise_families():
    """The elementwise families in list order ("relu", "relu_grad", ...)."""
    return [f for f in families() if f not in NOT_ELEMENTWISE]
