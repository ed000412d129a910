"""Interval and percentile helpers against hand-computed values."""

import math

import numpy as np

from sim.analysis import Z_975, quantiles_beyond_horizon, wilson_interval


def test_wilson_interval_matches_the_formula_by_hand():
    # k = 8 of n = 10, z = 1.96: centre (0.8 + 0.19208) / 1.38416, half 1.96/1.38416 sqrt(0.016 + 0.009604)
    low, high = wilson_interval(8, 10)
    z2n = Z_975**2 / 10
    centre = (0.8 + z2n / 2) / (1 + z2n)
    half = Z_975 / (1 + z2n) * math.sqrt(0.8 * 0.2 / 10 + z2n / 40)
    assert math.isclose(low, centre - half) and math.isclose(high, centre + half)
    assert math.isclose(low, 0.4901625, abs_tol=1e-6) and math.isclose(high, 0.9433178, abs_tol=1e-6)


def test_wilson_interval_stays_inside_zero_one_at_the_edges():
    low, high = wilson_interval(np.array([0, 100]), 100)
    assert low[0] == 0.0 and 0 < high[0] < 0.04  # 3.84 / 103.84 = 0.0370
    assert math.isclose(high[0], Z_975**2 / (100 + Z_975**2))
    assert high[1] == 1.0 and math.isclose(low[1], 100 / (100 + Z_975**2))


def test_payback_percentiles_count_never_as_beyond_the_horizon():
    months = np.array([3, 5, 7, np.nan, np.nan, 4, 6, 8, 9, np.nan])
    # sorted: 3 4 5 6 7 8 9 inf inf inf; inverted CDF: p10 -> 1st, p50 -> 5th, p90 -> 9th
    assert quantiles_beyond_horizon(months, [0.1, 0.5, 0.9]) == [3, 7, None]
    assert quantiles_beyond_horizon(np.full(4, np.nan), [0.5]) == [None]
