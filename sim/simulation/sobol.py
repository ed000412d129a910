"""Scrambled Sobol' nets without importing ``scipy.stats``.

``scipy.stats.qmc.Sobol`` is the reference, but importing ``scipy.stats`` costs a
large share of a small run. These are the same nets, bit
for bit (tested against it): Joe and Kuo's direction numbers, a random linear matrix
scramble (LMS) of them and a random digital shift, drawn from a Generator in the same
order, and the points in Gray-code order.

References: S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
two-dimensional projections", SIAM J. Sci. Comput. 30 (2008); J. Matoušek, "On the
L2-discrepancy for anchored boxes", J. Complexity 14 (1998) for the scramble.
"""

import functools

import numpy as np

BITS = 30  # points are multiples of 2^-30, as scipy.stats.qmc.Sobol's default
_WORD = np.uint32

# Dimensions 2 to 64 of new-joe-kuo-6.21201 (https://web.maths.unsw.edu.au/~fkuo/sobol/):
# the degree s of the primitive polynomial, its inner coefficients a (as bits, the
# highest first) and the initial direction numbers m_1 ... m_s.
JOE_KUO = (
    (1, 0, (1,)),
    (2, 1, (1, 3)),
    (3, 1, (1, 3, 1)),
    (3, 2, (1, 1, 1)),
    (4, 1, (1, 1, 3, 3)),
    (4, 4, (1, 3, 5, 13)),
    (5, 2, (1, 1, 5, 5, 17)),
    (5, 4, (1, 1, 5, 5, 5)),
    (5, 7, (1, 1, 7, 11, 19)),
    (5, 11, (1, 1, 5, 1, 1)),
    (5, 13, (1, 1, 1, 3, 11)),
    (5, 14, (1, 3, 5, 5, 31)),
    (6, 1, (1, 3, 3, 9, 7, 49)),
    (6, 13, (1, 1, 1, 15, 21, 21)),
    (6, 16, (1, 3, 1, 13, 27, 49)),
    (6, 19, (1, 1, 1, 15, 7, 5)),
    (6, 22, (1, 3, 1, 15, 13, 25)),
    (6, 25, (1, 1, 5, 5, 19, 61)),
    (7, 1, (1, 3, 7, 11, 23, 15, 103)),
    (7, 4, (1, 3, 7, 13, 13, 15, 69)),
    (7, 7, (1, 1, 3, 13, 7, 35, 63)),
    (7, 8, (1, 3, 5, 9, 1, 25, 53)),
    (7, 14, (1, 3, 1, 13, 9, 35, 107)),
    (7, 19, (1, 3, 1, 5, 27, 61, 31)),
    (7, 21, (1, 1, 5, 11, 19, 41, 61)),
    (7, 28, (1, 3, 5, 3, 3, 13, 69)),
    (7, 31, (1, 1, 7, 13, 1, 19, 1)),
    (7, 32, (1, 3, 7, 5, 13, 19, 59)),
    (7, 37, (1, 1, 3, 9, 25, 29, 41)),
    (7, 41, (1, 3, 5, 13, 23, 1, 55)),
    (7, 42, (1, 3, 7, 3, 13, 59, 17)),
    (7, 50, (1, 3, 1, 3, 5, 53, 69)),
    (7, 55, (1, 1, 5, 5, 23, 33, 13)),
    (7, 56, (1, 1, 7, 7, 1, 61, 123)),
    (7, 59, (1, 1, 7, 9, 13, 61, 49)),
    (7, 62, (1, 3, 3, 5, 3, 55, 33)),
    (8, 14, (1, 3, 1, 15, 31, 13, 49, 245)),
    (8, 21, (1, 3, 5, 15, 31, 59, 63, 97)),
    (8, 22, (1, 3, 1, 11, 11, 11, 77, 249)),
    (8, 38, (1, 3, 1, 11, 27, 43, 71, 9)),
    (8, 47, (1, 1, 7, 15, 21, 11, 81, 45)),
    (8, 49, (1, 3, 7, 3, 25, 31, 65, 79)),
    (8, 50, (1, 3, 1, 1, 19, 11, 3, 205)),
    (8, 52, (1, 1, 5, 9, 19, 21, 29, 157)),
    (8, 56, (1, 3, 7, 11, 1, 33, 89, 185)),
    (8, 67, (1, 3, 3, 3, 15, 9, 79, 71)),
    (8, 70, (1, 3, 7, 11, 15, 39, 119, 27)),
    (8, 84, (1, 1, 3, 1, 11, 31, 97, 225)),
    (8, 97, (1, 1, 1, 3, 23, 43, 57, 177)),
    (8, 103, (1, 3, 7, 7, 17, 17, 37, 71)),
    (8, 115, (1, 3, 1, 5, 27, 63, 123, 213)),
    (8, 122, (1, 1, 3, 5, 11, 43, 53, 133)),
    (9, 8, (1, 3, 5, 5, 29, 17, 47, 173, 479)),
    (9, 13, (1, 3, 3, 11, 3, 1, 109, 9, 69)),
    (9, 16, (1, 1, 1, 5, 17, 39, 23, 5, 343)),
    (9, 22, (1, 3, 1, 5, 25, 15, 31, 103, 499)),
    (9, 25, (1, 1, 1, 11, 11, 17, 63, 105, 183)),
    (9, 44, (1, 1, 5, 11, 9, 29, 97, 231, 363)),
    (9, 47, (1, 1, 5, 15, 19, 45, 41, 7, 383)),
    (9, 52, (1, 3, 7, 7, 31, 19, 83, 137, 221)),
    (9, 55, (1, 1, 1, 3, 23, 15, 111, 223, 83)),
    (9, 59, (1, 1, 5, 13, 31, 15, 55, 25, 161)),
    (9, 62, (1, 1, 3, 13, 25, 47, 39, 87, 257)),
)
MAX_DIMENSIONS = 1 + len(JOE_KUO)


@functools.lru_cache(maxsize=None)
def direction_numbers(d):
    """uint32[d, BITS]: ``v[k, j] = m_(j+1) 2^(BITS-1-j)`` of dimension ``k`` (read-only)."""
    if not 1 <= d <= MAX_DIMENSIONS:
        raise ValueError(f"a Sobol' net has 1 to {MAX_DIMENSIONS} dimensions, not {d}")
    m = np.ones((d, BITS), dtype=np.int64)  # the first dimension: every m_j = 1
    for k, (degree, inner, initial) in enumerate(JOE_KUO[: d - 1], start=1):
        m[k, :degree] = initial
        for j in range(degree, BITS):
            # m_j = 2 a_1 m_(j-1) ^ 4 a_2 m_(j-2) ^ ... ^ 2^s m_(j-s) ^ m_(j-s)
            value = m[k, j - degree] ^ (m[k, j - degree] << degree)
            for i in range(1, degree):
                if (inner >> (degree - 1 - i)) & 1:
                    value ^= m[k, j - i] << i
            m[k, j] = value
    v = (m << (BITS - 1 - np.arange(BITS))).astype(_WORD)
    v.flags.writeable = False
    return v


def _parity(x):
    for shift in (16, 8, 4, 2, 1):
        x = x ^ (x >> shift)
    return x & 1


def scrambled_net(d, n, rng):
    """The first ``n`` points of a scrambled Sobol' net in ``d`` dimensions.

    Parameters
    ----------
    d : int
        Dimensions, 1 to ``MAX_DIMENSIONS``.
    n : int
        Points; a power of two keeps the net's balance.
    rng : numpy.random.Generator
        Draws the scramble: ``d x BITS`` shift bits, then ``d x BITS x BITS`` matrix bits.

    Returns
    -------
    float64[n, d]
        Points in [0, 1): what ``scipy.stats.qmc.Sobol(d, scramble=True, rng=g)
        .random(n)`` returns when ``g`` spawns ``rng``.
    """
    weights = np.left_shift(_WORD(1), np.arange(BITS, dtype=_WORD))
    shift = rng.integers(2, size=(d, BITS), dtype=_WORD) @ weights
    lower = np.tril(rng.integers(2, size=(d, BITS, BITS), dtype=_WORD))
    lower[:, np.arange(BITS), np.arange(BITS)] = 1
    # LMS: bit k (from the top) of a scrambled direction number is the parity of row k
    # of the lower-triangular matrix with the number's bits, the top bit first
    rows = lower @ weights[::-1]  # [d, k]: row k, column c at bit BITS-1-c
    bits = _parity(rows[:, :, None] & direction_numbers(d)[:, None, :])  # [d, k, j]
    scrambled = (bits << (BITS - 1 - np.arange(BITS, dtype=_WORD))[None, :, None]).sum(axis=1, dtype=_WORD)
    # Gray-code order: from point i - 1 to point i one bit flips, the lowest set bit of
    # i, so each point is the previous one XOR that bit's direction number
    index = np.arange(1, n, dtype=np.int64)
    flips = np.log2(index & -index).astype(np.intp)  # exact: powers of two
    points = np.empty((n, d), dtype=_WORD)
    if n > 0:
        points[0] = shift
        np.bitwise_xor.accumulate(scrambled[:, flips].T, axis=0, out=points[1:])
        points[1:] ^= shift
    return points * 2.0**-BITS


__all__ = ["BITS", "JOE_KUO", "MAX_DIMENSIONS", "direction_numbers", "scrambled_net"]
