"""Counts of the line-crossing kernel against hand-worked lines and NumPy's argmin."""

import numpy as np
import pytest

from kernels.crossing import count_by_volume


def _count(cost_fixed, cost_slope, volumes, baseline=0):
    cost_fixed, cost_slope = np.asarray(cost_fixed, dtype=float), np.asarray(cost_slope, dtype=float)
    volumes = np.asarray(volumes, dtype=float)
    routes = cost_fixed.shape[1]
    beats = np.full((routes, volumes.size), -1, dtype=np.int64)  # the kernel must reset them
    cheapest = np.full((routes, volumes.size), -1, dtype=np.int64)
    count_by_volume(cost_fixed, cost_slope, volumes, baseline, beats, cheapest)
    return beats, cheapest


def test_ties_go_to_the_first_route_and_do_not_beat_the_baseline():
    # prompt 0.01 V; fine-tune and RAG both 100 + 0.005 V: all three cost 200 at
    # V = 20,000; at 40,000 prompting costs 400 and the other two 300 each
    beats, cheapest = _count([[0.0, 100.0, 100.0]], [[0.01, 0.005, 0.005]], [10_000, 20_000, 40_000])
    np.testing.assert_array_equal(beats, [[0, 0, 0], [0, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(cheapest, [[1, 1, 0], [0, 0, 1], [0, 0, 0]])


def test_a_baseline_with_a_fixed_cost_is_beaten_below_its_crossing():
    # baseline (column 1) 600 + 0.01 V (it pays a migration); route 0 costs 0.02 V:
    # cheaper than the baseline below V = 60,000, dearer above
    beats, cheapest = _count([[0.0, 600.0]], [[0.02, 0.01]], [30_000, 60_000, 90_000], baseline=1)
    np.testing.assert_array_equal(beats, [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(cheapest, [[1, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize("routes", [1, 2, 3, 5, 8])
def test_counts_equal_numpy_comparisons_and_argmin_on_random_lines(routes):
    rng = np.random.default_rng(4 + routes)
    n = 3000
    cost_fixed = np.column_stack([np.zeros(n), rng.lognormal(9, 1, (n, routes - 1))])
    cost_slope = rng.lognormal(-5, 0.5, (n, routes))
    volumes = np.geomspace(1e3, 1e8, 17)
    baseline = routes // 2
    beats, cheapest = _count(cost_fixed, cost_slope, volumes, baseline)
    for g, volume in enumerate(volumes):
        cost = cost_fixed + volume * cost_slope
        np.testing.assert_array_equal(beats[:, g], (cost < cost[:, [baseline]]).sum(axis=0))
        np.testing.assert_array_equal(cheapest[:, g], np.bincount(cost.argmin(axis=1), minlength=routes))
    assert (cheapest.sum(axis=0) == n).all()
    assert (cheapest.sum(axis=1) > 0).all()  # every route is cheapest somewhere: lines cross
