"""Inverse-CDF tables: static inputs drawn by interpolating each quantile function.

Every uncertain static input is tabulated once, as its quantile function ``x = Q(u)``
at the nodes ``GRID_U`` shared by all inputs; a draw is ``Q`` interpolated linearly
at a uniform. The table defines a distribution of its own (piecewise-linear quantile
function), within Kolmogorov-Smirnov distance 1e-5 of the family's (the tests measure
it); ``table_cdf`` is its exact CDF, so that a kernel can integrate an input out.

The grid, in ``u``:

- the middle, ``[EDGE_U, 1 - EDGE_U]`` with ``EDGE_U = EDGE_STEPS / MIDDLE_STEPS``,
  in steps of ``1 / MIDDLE_STEPS``: an index is one multiply away;
- each tail, ``[0, EDGE_U]`` and its mirror, in ``TAIL_OCTAVES`` dyadic octaves
  ``[EDGE_U 2^-(k+1), EDGE_U 2^-k]`` of ``OCTAVE_STEPS`` equal steps each (an index is
  one ``frexp`` away), down to ``U_MIN = EDGE_U 2^-TAIL_OCTAVES`` (about 1.1e-13);
- a last step ``[0, U_MIN]`` (and ``[1 - U_MIN, 1]``): the quantile at ``u = 0`` and
  ``u = 1`` is the family's own if finite, else the nearest node's (a clamp).

Linear interpolation of a quantile function misses by about ``Q''/Q' * step^2 / 8``
in ``u``; ``Q''/Q'`` grows like ``1 / u`` near the ends (a normal's ``z / phi(z)``),
which the octaves' steps, proportional to ``u``, cancel. Every node is a dyadic
rational, exact in float64, and so is ``1 - u`` at every node of the upper tail.

Pure: arrays and scalars in, preallocated arrays filled.
"""

import math

import numpy as np
from numba import njit

MIDDLE_STEPS = 4096
EDGE_STEPS = 16
OCTAVE_STEPS = 16  # a power of two, so that positions within an octave are exact
TAIL_OCTAVES = 35
EDGE_U = EDGE_STEPS / MIDDLE_STEPS  # 2^-8
U_MIN = math.ldexp(EDGE_U, -TAIL_OCTAVES)  # 2^-43


def _grid():
    # the lower tail: 0, then each octave from the deepest up, its lower end included
    octaves = [math.ldexp(EDGE_U, -(k + 1)) * (1.0 + np.arange(OCTAVE_STEPS) / OCTAVE_STEPS)
               for k in range(TAIL_OCTAVES - 1, -1, -1)]
    tail = np.concatenate([[0.0], *octaves])
    middle = np.arange(EDGE_STEPS, MIDDLE_STEPS - EDGE_STEPS + 1) / MIDDLE_STEPS
    return np.concatenate([tail, middle, (1.0 - tail)[::-1]])


GRID_U = _grid()
GRID_U.flags.writeable = False
GRID_SIZE = GRID_U.shape[0]  # 5187
_FIRST_MIDDLE = 1 + TAIL_OCTAVES * OCTAVE_STEPS  # the index of EDGE_U
assert GRID_U[_FIRST_MIDDLE] == EDGE_U and GRID_U[GRID_SIZE - 1 - _FIRST_MIDDLE] == 1.0 - EDGE_U
assert GRID_U[1] == U_MIN and np.all(np.diff(GRID_U) > 0)


@njit(cache=True, nogil=True)
def _locate_tail(v):
    # ``v < EDGE_U``: its interval among the lower tail's nodes. Written so that a NaN
    # lands here (weight NaN) rather than on an index computed from its exponent.
    if not v >= U_MIN:
        return 0, v / U_MIN
    mantissa, exponent = math.frexp(v)  # v = mantissa 2^exponent, mantissa in [0.5, 1)
    octave = -8 - exponent  # v in [2^-(9 + octave), 2^-(8 + octave)), as EDGE_U = 2^-8
    position = (2.0 * mantissa - 1.0) * OCTAVE_STEPS  # exact: OCTAVE_STEPS is a power of two
    step = int(position)
    return 1 + (TAIL_OCTAVES - 1 - octave) * OCTAVE_STEPS + step, position - step


@njit(cache=True, nogil=True)
def locate(u):
    """The grid interval that holds ``u`` and the position of ``u`` in it.

    Parameters
    ----------
    u : float
        A probability in [0, 1].

    Returns
    -------
    j : int
        Interval index: ``GRID_U[j] <= u <= GRID_U[j + 1]``, ``0 <= j <= GRID_SIZE - 2``.
    w : float
        Weight in [0, 1]: ``u = GRID_U[j] + w (GRID_U[j + 1] - GRID_U[j])``, so that
        ``Q(u)`` is about ``x[j] + w (x[j + 1] - x[j])``.
    """
    if EDGE_U <= u <= 1.0 - EDGE_U:
        position = u * MIDDLE_STEPS  # exact: a power of two
        step = int(position)
        return _FIRST_MIDDLE + step - EDGE_STEPS, position - step
    if u < 0.5:
        return _locate_tail(u)
    # the upper tail mirrors the lower: node GRID_SIZE - 1 - i is 1 - GRID_U[i]
    j, w = _locate_tail(1.0 - u)  # 1 - u is exact for u >= 0.5
    return GRID_SIZE - 2 - j, 1.0 - w


@njit(cache=True, nogil=True)
def table_quantile(x_nodes, u):
    """The table's quantile at ``u``: ``x_nodes`` interpolated linearly, in its units."""
    j, w = locate(u)
    return x_nodes[j] + w * (x_nodes[j + 1] - x_nodes[j])


@njit(cache=True, nogil=True, inline="always")
def clip_and_round(x, low, high, whole):
    """``x`` clipped to ``[low, high]`` and, for a whole-number input, rounded half up."""
    x = min(max(x, low), high)
    if whole:
        x = math.floor(x + 0.5)
    return x


@njit(cache=True, nogil=True)
def fill_static(uniforms, tables, columns, low, high, whole, out):
    """Draw static inputs by their tables, clipped and rounded, in one pass over rows.

    Parameters
    ----------
    uniforms : float64[n, d]
        Uniforms in [0, 1), one column per drawn input.
    tables : float64[d, GRID_SIZE]
        Each input's quantile at every node of ``GRID_U``, in the input's units.
    columns : int64[d]
        The column of ``out`` each input fills.
    low, high : float64[d]
        Clip range of each input (``high`` already below an open bound).
    whole : bool[d]
        Round half up after clipping, ``floor(x + 0.5)``.
    out : float64[n, N]
        Out: columns ``columns`` filled; the others are not touched.
    """
    n, d = uniforms.shape
    # row by row: each row of ``out`` and of ``uniforms`` is read or written while in
    # cache, and the tables (41 kB each) stay in L2: faster than column by column.
    for i in range(n):
        for c in range(d):
            j, w = locate(uniforms[i, c])
            x = tables[c, j] + w * (tables[c, j + 1] - tables[c, j])
            out[i, columns[c]] = clip_and_round(x, low[c], high[c], whole[c])


@njit(cache=True, nogil=True)
def _segment_cdf(x_nodes, t, strict):
    # P(X <= t) or, if strict, P(X < t): found by bisection on the table's segments,
    # then linear in u within one. Flat segments (atoms) fall to the side asked for.
    last = x_nodes.shape[0] - 1
    if (x_nodes[0] >= t) if strict else (x_nodes[0] > t):
        return 0.0
    if (x_nodes[last] < t) if strict else (x_nodes[last] <= t):
        return 1.0
    lo, hi = 0, last  # invariant: x[lo] <= t < x[hi] (strict: x[lo] < t <= x[hi])
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if (x_nodes[mid] < t) if strict else (x_nodes[mid] <= t):
            lo = mid
        else:
            hi = mid
    # x[hi] > x[lo]: the bisection ends on a rising segment
    return GRID_U[lo] + (t - x_nodes[lo]) / (x_nodes[hi] - x_nodes[lo]) * (GRID_U[hi] - GRID_U[lo])


@njit(cache=True, nogil=True)
def table_cdf(x_nodes, t):
    """P(X <= t) for X drawn from the table, before clipping.

    Parameters
    ----------
    x_nodes : float64[GRID_SIZE]
        The quantile at every node of ``GRID_U``, non-decreasing.
    t : float
        A value in the input's units.

    Returns
    -------
    float
        0 below the first node, 1 from the last on; exactly the ``u`` that the
        interpolation maps to ``t`` in between (the largest one over a flat run).
    """
    return _segment_cdf(x_nodes, t, False)


@njit(cache=True, nogil=True, inline="always")
def _clipped_cdf(low, high, whole, t):
    # P(V <= t) where clipping and rounding decide it alone: (0 or 1, t); otherwise
    # (-1, s), and P(V <= t) is the table's at s: P(X <= t) with s = t, or for a
    # rounded input P(X < s) with s = floor(t) + 0.5, as floor(c + 0.5) <= t <=> c < s
    # for c = clip(X) in [low, high] (and c < s <=> X < s, as low < s <= high).
    if whole:
        t = math.floor(t) + 0.5
        if t <= low:
            return 0.0, t
        if t > high:
            return 1.0, t
    elif t < low:
        return 0.0, t
    elif t >= high:
        return 1.0, t
    return -1.0, t


@njit(cache=True, nogil=True)
def volume_cdf(x_nodes, low, high, whole, t):
    """P(V <= t) for ``V`` drawn as ``fill_static`` draws: the table, clipped, rounded.

    Parameters
    ----------
    x_nodes : float64[GRID_SIZE]
        The quantile at every node of ``GRID_U``, non-decreasing.
    low, high : float
        Clip range (``high`` already below an open bound).
    whole : bool
        ``V`` rounded half up after clipping.
    t : float
        A value in the input's units.
    """
    decided, s = _clipped_cdf(low, high, whole, t)
    if decided >= 0.0:
        return decided
    return _segment_cdf(x_nodes, s, whole)  # rounded: P(X < s); else P(X <= s)



# Cells of the CDF grid of an input integrated out (``cdf_grid``): at least this many
# (128 to 256 KiB of values), within 1.1e-6 of ``table_cdf`` (measured; the worst a
# PERT near its mode, the tests bound it at 2e-6), itself within 3.4e-6 of the
# family: inside the 1e-5 budget.
CDF_CELLS = 16384
_OCTAVES_PER_BIT = 2.0**-52


@njit(cache=True, nogil=True, inline="always")
def _octaves(t):
    # log2(t) + 1023 to within 0.09 for t > 0, exact at powers of two and linear in t
    # between them: the bits of the double read as an integer. A cell of a grid equal
    # in it takes no logarithm, which cost the integrating kernel a quarter of its time.
    return np.float64(t).view(np.int64) * _OCTAVES_PER_BIT


@njit(cache=True, nogil=True, inline="always")
def _from_octaves(y):
    return np.int64(y / _OCTAVES_PER_BIT).view(np.float64)


@njit(cache=True, nogil=True)
def cdf_grid(x_nodes):
    """``table_cdf`` tabulated on equal cells, for lookups without a search.

    A bisection over the table takes 13 dependent loads a value; the grid's lookup
    one or two. Where the table is positive
    the cells are equal in octaves (``_octaves``, near ``log2(t)``: a lognormal's body
    and tail alike), 2^K of them to an octave and none across a power of two, where
    ``_octaves`` bends: ``CDF_CELLS`` to ``2 CDF_CELLS`` over the table. Elsewhere
    ``CDF_CELLS`` equal in ``t``. Either way between the nodes inside the clamped ends.

    Returns
    -------
    (float64[cells + 1], float, float, bool)
        The CDF at the cells' edges, the first edge's coordinate, cells per unit of
        the coordinate (0: a constant table, no grid) and whether it is in octaves.
    """
    first, last = x_nodes[1], x_nodes[x_nodes.shape[0] - 2]
    in_octaves = first > 0.0
    origin, end = (_octaves(first), _octaves(last)) if in_octaves else (first, last)
    if not end > origin:
        return np.zeros(CDF_CELLS + 1), origin, 0.0, in_octaves
    if in_octaves:
        scale = 2.0 ** math.ceil(math.log2(CDF_CELLS / (end - origin)))
        origin = math.floor(origin * scale) / scale  # an edge on every power of two
        cells = int(math.ceil((end - origin) * scale))
    else:
        scale = CDF_CELLS / (end - origin)
        cells = CDF_CELLS
    values = np.empty(cells + 1)
    for k in range(cells + 1):
        y = origin + k / scale
        values[k] = _segment_cdf(x_nodes, _from_octaves(y) if in_octaves else y, False)
    return values, origin, scale, in_octaves


@njit(cache=True, nogil=True, inline="always")
def _grid_cdf(grid, origin, scale, in_octaves, t):
    # P(X <= t) from the grid. Beyond its range lie the table's two end segments, at
    # most U_MIN = 2^-43 of probability each: 0 or 1 there, so that the integrating
    # kernel's lookups hold no search and no call (a call in its month loop costs it
    # the reference counts of every array it holds).
    if in_octaves:
        if t <= 0.0:
            return 0.0
        y = _octaves(t)
    else:
        y = t
    if scale == 0.0:  # a constant table: a point mass at the origin
        return 1.0 if y >= origin else 0.0
    cell = (y - origin) * scale
    if cell < 0.0:
        return 0.0
    if cell >= grid.shape[0] - 1:
        return 1.0
    k = int(cell)
    return grid[k] + (cell - k) * (grid[k + 1] - grid[k])


@njit(cache=True, nogil=True, inline="always")
def grid_volume_cdf(law, t):
    """``volume_cdf`` through the input's ``cdf_grid``: within 2e-6 of it, some ten times faster.

    ``law`` is ``(low, high, whole, *cdf_grid(x_nodes))``. Rounded inputs take
    ``P(X < s)`` as ``P(X <= s)``: they differ only on a flat run of the table, which
    the grid's range (the nodes inside the clamped ends) holds none of.
    """
    low, high, whole, grid, origin, scale, in_octaves = law
    decided, s = _clipped_cdf(low, high, whole, t)
    if decided >= 0.0:
        return decided
    return _grid_cdf(grid, origin, scale, in_octaves, s)


__all__ = ["CDF_CELLS", "EDGE_STEPS", "EDGE_U", "GRID_SIZE", "GRID_U", "MIDDLE_STEPS", "OCTAVE_STEPS",
           "TAIL_OCTAVES", "U_MIN", "cdf_grid", "clip_and_round", "fill_static", "grid_volume_cdf", "locate",
           "table_cdf", "table_quantile", "volume_cdf"]
