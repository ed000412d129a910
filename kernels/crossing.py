"""Counting, over a grid of month-1 volumes, which route each scenario's cost line favours.

Every scenario's horizon cost is a line ``A_k + V * B_k`` in its month-1 volume ``V``
(MODEL.md, "the line crossing"). Pure: arrays in, preallocated arrays filled.
"""

from numba import njit


@njit(cache=True, nogil=True)
def count_by_volume(cost_fixed, cost_slope, volumes, baseline, beats_baseline, cheapest):
    """Count scenarios that beat the baseline, and that are cheapest, at each volume.

    Parameters
    ----------
    cost_fixed, cost_slope : float64[n, R]
        ``A`` (USD) and ``B`` (USD per call/month) of each route.
    volumes : float64[G]
        Month-1 volumes, calls per month.
    baseline : int
        The baseline route's column.
    beats_baseline : int64[R, G]
        Out: scenarios with ``C_k(V) < C_baseline(V)`` (0 on the baseline's row).
    cheapest : int64[R, G]
        Out: scenarios whose cheapest route at ``V`` is k (the first on ties, as
        ``argmin``).
    """
    beats_baseline[:] = 0
    cheapest[:] = 0
    routes = cost_fixed.shape[1]
    for i in range(cost_fixed.shape[0]):
        for g in range(volumes.shape[0]):
            volume = volumes[g]
            base = cost_fixed[i, baseline] + volume * cost_slope[i, baseline]
            best = 0
            lowest = cost_fixed[i, 0] + volume * cost_slope[i, 0]
            for k in range(routes):
                cost = cost_fixed[i, k] + volume * cost_slope[i, k]
                if cost < base:
                    beats_baseline[k, g] += 1
                if cost < lowest:  # strictly: the first of equals stays
                    lowest = cost
                    best = k
            cheapest[best, g] += 1


__all__ = ["count_by_volume"]
