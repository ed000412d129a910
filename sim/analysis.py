"""Statistics over simulated scenarios: pure functions of arrays, no I/O."""

import math

import numpy as np

Z_975 = 1.959963984540054  # two-sided 95%


def wilson_interval(successes, trials, z=Z_975):
    """Wilson score interval of a binomial proportion.

    Unlike the normal approximation it stays inside [0, 1] and keeps its coverage
    near 0 and 1, where a decision's probabilities often sit.

    Parameters
    ----------
    successes : array_like of int
        Count of scenarios where the event happened.
    trials : int
        Scenarios.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        Bounds of the interval, probabilities.
    """
    k = np.asarray(successes, dtype=float)
    p = k / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    # At k = 0 and k = n one bound is exactly 0 or 1; the formula leaves rounding dust.
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == trials, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def quantiles_beyond_horizon(months, probabilities):
    """Percentiles of payback months where "never" counts as beyond the horizon.

    Parameters
    ----------
    months : array_like of float
        Payback month per scenario, NaN where it never paid back.
    probabilities : sequence of float
        Quantile levels in [0, 1].

    Returns
    -------
    list of int or None
        The empirical quantile (a month that some scenario reached), or None where
        it falls among the scenarios that never paid back.
    """
    beyond = np.where(np.isnan(months), np.inf, months)
    values = np.quantile(beyond, probabilities, method="inverted_cdf")
    return [int(v) if math.isfinite(v) else None for v in values]
