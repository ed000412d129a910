"""Interval and percentile helpers against hand-computed values."""

import math

import numpy as np

from sim.stats.analysis import (
    Z_975,
    break_even_volume,
    NUMPY_COUNT_CELLS,
    count_by_volume_numpy,
    crossing_curves,
    cvar,
    evpi,
    payback_quantiles,
    recommend,
    savings_quantiles,
    savings_statistics,
    wilson_interval,
)


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
    # payback months 3 5 7 4 6 8 9 and three "never" among 10 scenarios, horizon 10
    paid_back = np.cumsum(np.bincount([3, 5, 7, 4, 6, 8, 9], minlength=11)[1:])
    # sorted: 3 4 5 6 7 8 9 inf inf inf; inverted CDF: p10 -> 1st, p50 -> 5th, p90 -> 9th
    assert payback_quantiles(paid_back, 10, [0.1, 0.5, 0.9]) == [3, 7, None]
    # p70 is the 7th value exactly: the count reaches 7 at month 9
    assert payback_quantiles(paid_back, 10, [0.7, 0.0]) == [9, 3]
    assert payback_quantiles(np.zeros(4, dtype=int), 4, [0.5]) == [None]


def test_cvar_is_the_mean_of_the_worst_share_with_a_fractional_boundary():
    values = np.arange(20.0, 0.0, -1.0)  # 20 .. 1, unsorted on purpose
    assert cvar(values, 0.05) == 1.0  # one worst value
    assert cvar(values, 0.10) == 1.5  # mean of 1 and 2
    assert math.isclose(cvar(values, 0.075), (1 + 0.5 * 2) / 1.5)  # 1.5 values: 1 and half of 2
    assert cvar(values, 1.0) == values.mean()


def test_savings_statistics_of_a_known_sample():
    stats = savings_statistics(np.arange(1.0, 101.0))
    assert stats["mean"] == 50.5 and stats["p50"] == 50.5
    # a kept sample's quantiles with the mean over every scenario of the run
    assert savings_statistics(np.arange(1.0, 101.0), mean=49.0)["mean"] == 49.0
    assert math.isclose(stats["p05"], 5.95) and math.isclose(stats["p95"], 95.05)
    assert stats["cvar05"] == 3.0  # mean of 1..5


def test_evpi_by_hand():
    # E[C] = (2.5, 2.5): either choice costs 2.5 on average; knowing the scenario
    # first picks 1 or 2, on average 1.5; perfect information is worth 1.0
    assert evpi([2.5, 2.5], expected_min_cost=(1.0 + 2.0) / 2) == 1.0
    # costs (1, 3) and (2, 5): a strategy cheaper in every scenario leaves nothing to learn
    assert evpi([1.5, 4.0], expected_min_cost=(1.0 + 2.0) / 2) == 0.0


def test_break_even_volume_where_the_lines_cross():
    fixed = np.array([[0.0, 100.0, 50.0], [0.0, 0.0, 10.0]])
    slope = np.array([[0.01, 0.005, 0.02], [0.01, 0.002, 0.01]])
    # 100 + 0.005 V = 0.01 V at V = 20,000; RAG's steeper line never crosses below
    np.testing.assert_allclose(break_even_volume(fixed, slope, 1), [20_000.0, 0.0])
    np.testing.assert_array_equal(break_even_volume(fixed, slope, 2), [np.inf, np.inf])


def test_crossing_curves_count_scenarios_on_each_side_of_their_break_even():
    # break-even volumes 10k, 20k, 40k, 80k for fine-tuning; RAG never wins
    fixed = np.array([[0.0, 50.0 * b, 1e9] for b in (1, 2, 4, 8)])
    slope = np.array([[0.01, 0.005, 0.01]] * 4)
    curves = crossing_curves(fixed, slope, [5e3, 15e3, 30e3, 60e3, 1e5])
    np.testing.assert_allclose(curves["p_beats_baseline"][1], [0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(curves["p_beats_baseline"][[0, 2]], 0.0)
    np.testing.assert_allclose(curves["p_cheapest"][1], [0, 0.25, 0.5, 0.75, 1.0])
    # fine-tune costs at 30k calls: 50 b + 0.005 x 30k = 200, 250, 350, 550 -> median 300
    assert math.isclose(curves["cost_band"][1, 1, 2], 300.0)


def test_crossing_bands_are_numpys_quantiles_of_the_costs_at_each_volume():
    rng = np.random.default_rng(7)
    fixed, slope = rng.lognormal(10, 1, (999, 3)), rng.lognormal(-4, 1, (999, 3))
    volumes = np.array([1e3, 1e5, 1e7])
    band = (0.05, 0.5, 0.95)
    curves = crossing_curves(fixed, slope, volumes, band=band, band_sample=777)
    for g, volume in enumerate(volumes):
        expected = np.quantile(fixed[:777] + volume * slope[:777], band, axis=0).T
        np.testing.assert_array_equal(curves["cost_band"][:, :, g], expected)


def test_numpy_counts_equal_the_kernels_with_ties_everywhere():
    from kernels.crossing import count_by_volume

    # small integers make exact ties between strategies common at integer volumes
    rng = np.random.default_rng(11)
    fixed = rng.integers(0, 6, (9_000, 3)).astype(float)
    slope = rng.integers(0, 4, (9_000, 3)).astype(float)
    volumes = np.arange(0.0, 9.0)
    counts = []
    for count in (count_by_volume, count_by_volume_numpy):
        beats, cheapest = np.full((3, 9), -1, np.int64), np.full((3, 9), -1, np.int64)
        count(fixed, slope, volumes, 1, beats, cheapest)
        counts.append((beats, cheapest))
    (beats, cheapest), (numpy_beats, numpy_cheapest) = counts
    np.testing.assert_array_equal(numpy_beats, beats)
    np.testing.assert_array_equal(numpy_cheapest, cheapest)
    cost = fixed[:, :, None] + volumes * slope[:, :, None]
    assert (cost[:, 0] == cost[:, 1]).mean() > 0.05  # ties are really there (8%)


def test_crossing_curves_are_the_same_whichever_implementation_counts(monkeypatch):
    rng = np.random.default_rng(3)
    fixed, slope = rng.lognormal(9, 1, (2_000, 3)), rng.lognormal(-5, 0.5, (2_000, 3))
    volumes = np.geomspace(1e3, 1e7, 50)
    assert 2_000 * volumes.size <= NUMPY_COUNT_CELLS  # NumPy counts these by default
    by_numpy = crossing_curves(fixed, slope, volumes)
    monkeypatch.setattr("sim.stats.analysis.NUMPY_COUNT_CELLS", 0)  # now the kernel does
    by_kernel = crossing_curves(fixed, slope, volumes)
    for key in ("p_beats_baseline", "p_cheapest"):
        np.testing.assert_array_equal(by_numpy[key], by_kernel[key])
    assert 0 < by_numpy["p_beats_baseline"][1].mean() < 1  # the lines do cross here


def test_recommendation_needs_the_confidence_against_every_other_strategy():
    costs = np.array([[10.0, 5.0, 7.0]] * 9 + [[10.0, 12.0, 7.0]])
    mean_cost = costs.mean(axis=0)
    p_cheaper = (costs[:, :, None] < costs[:, None, :]).mean(axis=0)
    names = ["prompting", "fine-tuning", "RAG"]
    # fine-tuning: cheapest on average (5.7), cheaper than prompting 9/10, than RAG 9/10
    yes = recommend(mean_cost, p_cheaper, names, 0.8)
    assert yes["strategy"] == "fine-tuning" and yes["probability"] == 0.9
    no = recommend(mean_cost, p_cheaper, names, 0.95, top_driver={"input": "workload.calls_per_month", "p_low": 0.1, "p_high": 0.7},
                   value_of_information=123.0)
    assert no["strategy"] == "not yet" and no["probability"] == 0.9
    assert "workload.calls_per_month" in no["reason"] and "$123" in no["reason"]


def test_savings_quantiles_on_small_paths():
    # two scenarios, two months: prompt 10, 20 and 10, 30; fine-tune 15, 15 and 5, 35
    paths = np.array([[[10, 20], [15, 15], [10, 20]], [[10, 30], [5, 35], [10, 30]]], dtype=float)
    bands = savings_quantiles(paths, quantiles=(0.0, 0.5, 1.0))
    np.testing.assert_allclose(bands[0], [[-5, -5], [0, 0], [5, 5]])
    np.testing.assert_allclose(bands[1], 0.0)


def test_a_recommendation_among_five_routes_lists_each_once_and_one_route_alone_is_said_so():
    from sim.stats.analysis import recommend

    names = ["prompting", "ft-openai", "ft-azure", "lora-8b", "RAG"]
    p = np.full((5, 5), 0.5)
    p[0, 1:] = [1.0, 0.99, 0.97, 0.9]
    reason = recommend(np.array([1.0, 2, 3, 4, 5]), p, names, 0.8)["reason"]
    assert reason == ("Prompting is cheaper than ft-openai in 100% of scenarios, than ft-azure in 99%, than lora-8b"
                      " in 97% and than RAG in 90%.")
    alone = recommend(np.array([1.0]), np.array([[0.0]]), ["prompting"], 0.8)
    assert alone["strategy"] == "prompting" and "only route" in alone["reason"]


def test_the_recommendation_chooses_among_acceptable_routes_and_says_so():
    from sim.stats.analysis import recommend

    mean_cost = [100.0, 80.0, 90.0]
    p_cheaper = [[0.0, 0.1, 0.2], [0.9, 0.0, 0.95], [0.8, 0.05, 0.0]]
    names = ["prompting", "fine-tuning", "RAG"]
    # the cheapest route is not acceptable often enough: the choice is between the other two
    found = recommend(mean_cost, p_cheaper, names, 0.8, acceptable=[1.0, 0.5, 0.9], bar=0.9)
    assert found["strategy"] == "RAG" and found["probability"] == 0.8
    assert found["reason"].startswith("Chosen among the routes that meet the quality bar (a success rate of at least"
                                      " 90%) in at least 80% of scenarios (not fine-tuning). RAG is cheaper than")
    # no route meets the bar in most scenarios: said first, nothing recommended
    found = recommend(mean_cost, p_cheaper, names, 0.8, acceptable=[0.1, 0.4, 0.2], bar=0.9)
    assert found["strategy"] == "not yet"
    assert found["reason"].startswith("No route meets the quality bar (a success rate of at least 90%) in most"
                                      " scenarios: the likeliest, fine-tuning, meets it in 40%.")
    # without a bar, today's recommendation word for word
    assert recommend(mean_cost, p_cheaper, names, 0.8, acceptable=[1.0, 1.0, 1.0], bar=0.0) == recommend(
        mean_cost, p_cheaper, names, 0.8)
