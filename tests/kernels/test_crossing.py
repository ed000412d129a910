"""Counts of the line-crossing kernel against hand-worked lines and NumPy's argmin."""

import numpy as np

from kernels.crossing import count_by_volume


def _count(cost_fixed, cost_slope, volumes):
    volumes = np.asarray(volumes, dtype=float)
    beats = np.full((2, volumes.size), -1, dtype=np.int64)  # the kernel must reset them
    cheapest = np.full((3, volumes.size), -1, dtype=np.int64)
    count_by_volume(np.asarray(cost_fixed, dtype=float), np.asarray(cost_slope, dtype=float), volumes, beats, cheapest)
    return beats, cheapest


def test_ties_go_to_the_first_strategy_and_do_not_beat_prompting():
    # prompt 0.01 V; fine-tune and RAG both 100 + 0.005 V: all three cost 200 at
    # V = 20,000; at 40,000 prompting costs 400 and the other two 300 each
    beats, cheapest = _count([[0.0, 100.0, 100.0]], [[0.01, 0.005, 0.005]], [10_000, 20_000, 40_000])
    np.testing.assert_array_equal(beats, [[0, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(cheapest, [[1, 1, 0], [0, 0, 1], [0, 0, 0]])


def test_counts_equal_numpy_comparisons_and_argmin_on_random_lines():
    rng = np.random.default_rng(4)
    n = 5000
    cost_fixed = np.column_stack([np.zeros(n), rng.lognormal(9, 1, n), rng.lognormal(9, 1, n)])
    cost_slope = rng.lognormal(-5, 0.5, (n, 3))
    volumes = np.geomspace(1e3, 1e8, 17)
    beats, cheapest = _count(cost_fixed, cost_slope, volumes)
    for g, volume in enumerate(volumes):
        cost = cost_fixed + volume * cost_slope
        np.testing.assert_array_equal(beats[:, g], (cost[:, 1:] < cost[:, :1]).sum(axis=0))
        np.testing.assert_array_equal(cheapest[:, g], np.bincount(cost.argmin(axis=1), minlength=3))
    assert (cheapest.sum(axis=1) > 0).all()  # every strategy is cheapest somewhere: lines cross
