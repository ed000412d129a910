"""Quantile tables of the uncertain static inputs, for ``kernels.tables``.

Each input's quantile function is tabulated at the nodes ``GRID_U`` (see
``kernels/tables.py`` for the grid) before clipping; the kernel interpolates it, clips
and rounds. Built with NumPy and ``scipy.special`` only (``sim.inputs.families``, ``sim.inputs.beta_table``):
``scipy.stats`` is slow to import.
"""

import math

import numpy as np

from kernels.tables import GRID_SIZE, GRID_U, table_cdf
from sim.inputs.families import family

__all__ = ["GRID_U", "quantile_table", "static_tables", "volume_law"]


def quantile_table(distribution):
    """The quantile of ``distribution`` at every node of ``GRID_U``, before clipping.

    Parameters
    ----------
    distribution : sim.inputs.distributions.Distribution
        Any family; a fixed value gives a constant table.

    Returns
    -------
    numpy.ndarray
        float64[GRID_SIZE], non-decreasing, finite, in the input's units. A normal or
        lognormal has no finite quantile at ``u = 0`` or ``u = 1``: the end nodes take
        their neighbour's value (``u = 1.1e-13`` and ``1 - 1.1e-13``), so the table
        clamps the two tails beyond, a mass of 1.1e-13 each. PERT: exact at a few
        hundred nodes, cubic Hermite between (see ``sim.inputs.beta_table``).
    """
    x = family(distribution.family).table(distribution.params)
    # roundoff (betaincinv, the Hermite steps) may step back by an ulp; table_cdf
    # needs a non-decreasing table
    return np.maximum.accumulate(x)


def static_tables(inputs, keys, columns):
    """The arrays ``kernels.tables.fill_static`` takes, for the inputs named in ``keys``.

    Parameters
    ----------
    inputs : dict of str to Distribution
        The run's inputs.
    keys : sequence of str
        The inputs to draw by table (any family; a fixed one gives a constant table).
    columns : sequence of int
        The column of the static array each fills, in ``keys`` order.

    Returns
    -------
    tables : float64[d, GRID_SIZE]
        Each input's ``quantile_table``.
    columns : int64[d]
    low, high : float64[d]
        Clip ranges, ``high`` below an open upper bound, as ``Distribution.spec``.
    whole : bool[d]
        Whole-number inputs, rounded half up after clipping.
    """
    keys = list(keys)
    columns = np.asarray(columns, dtype=np.int64)
    if columns.shape != (len(keys),):
        raise ValueError(f"{len(keys)} keys but columns of shape {columns.shape}")
    tables = np.empty((len(keys), GRID_SIZE))
    low, high, whole = np.empty(len(keys)), np.empty(len(keys)), np.empty(len(keys), dtype=np.bool_)
    for c, key in enumerate(keys):
        distribution = inputs[key]
        tables[c] = quantile_table(distribution)
        low[c], high[c], whole[c] = distribution.domain.clip_range()
    return tables, columns, low, high, whole


# Below this mass beyond the clip range, clipping cannot move a mean measurably.
_NEGLIGIBLE_CLIP = 1e-12


def volume_law(distribution):
    """The law of one input as drawn by table: its table, clip, rounding and mean.

    Parameters
    ----------
    distribution : sim.inputs.distributions.Distribution
        The input.

    Returns
    -------
    x_nodes : float64[GRID_SIZE]
        ``quantile_table(distribution)``.
    low, high : float
        Clip range, ``high`` below an open upper bound.
    whole : bool
        Rounded half up after clipping.
    mean : float
        ``E[V]``, in the input's units. The family's closed form where neither
        clipping (a mass below 1e-12 beyond the range) nor rounding can move it: the
        table's own mean overstates a convex quantile function's (linear
        interpolation in the tails, 2e-5 relative for a lognormal with p95/p05 =
        100). Otherwise the mean of ``V`` as the table draws it, clipped and rounded
        (see ``_table_mean``).
    """
    x_nodes = quantile_table(distribution)
    low, high, whole = distribution.domain.clip_range()
    clipped = table_cdf(x_nodes, low) + 1.0 - table_cdf(x_nodes, high)
    if not whole and clipped < _NEGLIGIBLE_CLIP:
        return x_nodes, low, high, whole, distribution.mean()
    return x_nodes, low, high, whole, _table_mean(x_nodes, low, high, whole)


def _table_mean(x, low, high, whole):
    """``E[round?(clip(X, low, high))]`` for X from the table, integrated exactly.

    On each grid segment X is linear in u, so clip(X) is linear between two flat
    pieces, and the mean over the segment follows in closed form: for whole numbers,
    ``int_a^b floor(y + 1/2) dy = n_a (b - a) + m (b - (n_a + n_b) / 2)`` with
    ``n = floor(y + 1/2)`` at each end and ``m = n_b - n_a`` steps between.
    """
    du = np.diff(GRID_U)
    x0, x1 = x[:-1], x[1:]
    rise = x1 - x0
    rising = rise > 0
    a, b = np.clip(x0, low, high), np.clip(x1, low, high)  # the clipped ends
    span = np.where(rising, rise, 1.0)
    below = np.where(rising, np.clip((low - x0) / span, 0.0, 1.0), 0.0)  # share of the segment under low
    above = np.where(rising, np.clip((x1 - high) / span, 0.0, 1.0), 0.0)
    if whole:
        na, nb = np.floor(a + 0.5), np.floor(b + 0.5)
        inside = (na * (b - a) + (nb - na) * (b - (na + nb) / 2)) / span
    else:
        inside = (b - a) / span * (a + b) / 2
    low_value, high_value = (np.floor(low + 0.5), np.floor(high + 0.5)) if whole else (low, high)
    # a bound is reached only if finite (and 0 * inf would be NaN)
    at_low = below * low_value if math.isfinite(low) else 0.0
    at_high = above * high_value if math.isfinite(high) else 0.0
    flat = np.floor(a + 0.5) if whole else a  # a flat segment: X = x0 throughout
    per_segment = np.where(rising, at_low + at_high + inside, flat)
    return float(np.sum(per_segment * du))

