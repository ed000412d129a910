"""Intervals under every sampling method, precision targets, and the running intervals.

The coverage case has a closed form: month-1 volume lognormal and a fine-tune whose
attempts succeed with probability 1/2, everything else fixed (``tests.conftest.BASE``).
A fine-tune that succeeds at attempt K (month K) goes live in month K + 1, so over H
months

    A_K = 50 min(K, H) + 560 + 1000 (min(K, H) - 1) + 20 (H - K)+     (USD)
    D_K = (H - K)+ (1.5e-3 - 7e-4)                                     (USD per call/month)

and fine-tuning beats prompting when V D_K > A_K (+ a tenth of a cent): P(beats) =
sum_K P(K) P(V > A_K / D_K) and E[savings] = E[V] E[D_K] - E[A_K], K geometric.
"""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from sim.inputs.validation import ConfigError, validate
from sim.simulation.engine import BLOCK_SIZE, simulate
from sim.stats.intervals import replicate_interval
from sim.stats.precision import Targets, assess, headline_intervals, shortfall
from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from tests.conftest import CHALLENGERS, FT, configure, run_config

ROUTES = ("prompt", "finetune", "rag")

HORIZON = 12
P05, P95 = 2e4, 2e5
SUCCESS = 0.5
MU = (math.log(P05) + math.log(P95)) / 2
SIGMA = (math.log(P95) - math.log(P05)) / (2 * stats.norm.ppf(0.95))
METHODS = ("mc", "lhs", "sobol", "auto")
# The house band, 93-97%, is only about +-2 binomial standard deviations wide at 400
# replications: a correct 95% interval would miss it about one time in twenty, and
# eight checks here. As tests/sim/test_intervals.py, the assertion is the 99.9% range
# of Binomial(400, 0.95); the measured rates are in docs/precision.md.
REPLICATIONS = 400
COVERED = (int(stats.binom.ppf(0.0005, REPLICATIONS, 0.95)), int(stats.binom.ppf(0.9995, REPLICATIONS, 0.95)))


def coverage_config(method, seed, scenarios=BLOCK_SIZE):
    return configure(
        seed=seed, scenarios=scenarios, horizon_months=HORIZON, sampling=method, kept_scenarios=1,
        workload={"calls_per_month": f"lognormal(p05={P05:g}, p95={P95:g})"},
        finetune={"success_probability": SUCCESS, "max_attempts": 50},
    )


def truth():
    """P(fine-tuning beats prompting at month H) and mean savings, in closed form."""
    volume = stats.lognorm(s=SIGMA, scale=math.exp(MU))
    p = savings = 0.0
    for k in range(1, 51):
        weight = SUCCESS * (1 - SUCCESS) ** (k - 1)
        made = min(k, HORIZON)
        live = max(HORIZON - k, 0)
        fixed = 50 * made + 560 + 1000 * (made - 1) + 20 * live
        gap = live * (1.5e-3 - 7e-4)
        if gap > 0:
            p += weight * volume.sf((fixed + 1e-3) / gap)
        savings += weight * (gap * volume.mean() - fixed)
    return p, savings


def test_the_closed_form_case_is_what_the_engine_computes():
    # every input fixed but the outcome of attempts: one scenario per K, by hand
    settings, simulation = run_config(configure(
        scenarios=64, horizon_months=HORIZON, sampling="mc", finetune={"success_probability": SUCCESS,
                                                                      "max_attempts": 50}))
    for attempts, cost in zip(simulation.attempts[:, FT], simulation.cost[:, FT]):
        made = min(attempts, HORIZON)
        live = max(HORIZON - attempts, 0)
        expected = 50 * made + 560 + 1000 * (made - 1) + 20 * live + 1e5 * (made * 1.5e-3 + live * 7e-4)
        assert cost == pytest.approx(expected, abs=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_intervals_cover_the_truth_under_every_sampling_method(method):
    p_true, savings_true = truth()
    covered = np.zeros(2, dtype=int)
    # validated once: the seed is used by the simulation alone, and validating 400 times took
    # as long as the 400 simulations
    validated = validate(coverage_config(method, 0))
    for seed in range(REPLICATIONS):
        settings = dataclasses.replace(validated, seed=seed)
        simulation = simulate(settings, progress=False)
        intervals = headline_intervals(simulation.replicate_totals, simulation.replicate_beats[:, CHALLENGERS],
                                       simulation.sampling, ROUTES, 0)
        _, low, high = intervals["p_beats"]["finetune"]
        covered[0] += low <= p_true <= high
        _, low, high = intervals["savings"]["finetune"]
        covered[1] += low <= savings_true <= high
    print(f"{method}: P(beats) covered {covered[0]}, mean savings {covered[1]} of {REPLICATIONS}")
    assert COVERED[0] <= covered[0] <= COVERED[1], f"P(beats) covered {covered[0]} of {REPLICATIONS}"
    assert COVERED[0] <= covered[1] <= COVERED[1], f"mean savings covered {covered[1]} of {REPLICATIONS}"


def test_integrating_volume_out_narrows_the_interval_of_p():
    # the same question under plain MC and under the default: P's interval is several
    # times narrower. (Mean savings here varies mostly with the attempts' outcome, a
    # kernel draw that no method of the static inputs reaches.)
    widths = {}
    for method in ("mc", "auto"):
        settings = validate(coverage_config(method, 3, scenarios=8 * BLOCK_SIZE))
        simulation = simulate(settings, progress=False)
        intervals = headline_intervals(simulation.replicate_totals, simulation.replicate_beats[:, CHALLENGERS],
                                       simulation.sampling, ROUTES, 0)
        widths[method] = [intervals[name]["finetune"][2] - intervals[name]["finetune"][1]
                          for name in ("p_beats", "savings")]
    assert settings.integrate_volume
    assert widths["auto"][0] < widths["mc"][0] / 2


def test_replicate_interval_of_equal_replicates_is_the_t_interval_of_their_means():
    rng = np.random.default_rng(5)
    means = rng.normal(10.0, 2.0, size=12)
    estimate, low, high = replicate_interval(means * 100, np.full(12, 100.0))
    half = stats.t.ppf(0.975, 11) * means.std(ddof=1) / math.sqrt(12)
    assert estimate == pytest.approx(means.mean())
    assert (low, high) == pytest.approx((means.mean() - half, means.mean() + half))


def test_replicate_interval_weights_a_short_last_replicate_as_a_ratio():
    # totals 10, 10, 1 of sizes 100, 100, 10: estimate 21 / 210 = 0.1; residuals 0, 0, 0
    estimate, low, high = replicate_interval(np.array([10.0, 10.0, 1.0]), np.array([100.0, 100.0, 10.0]))
    assert (estimate, low, high) == pytest.approx((0.1, 0.1, 0.1))


@pytest.mark.parametrize("method", ["mc", "sobol"])
def test_running_intervals_are_the_intervals_of_each_prefix_of_replicates(method):
    settings = validate(coverage_config(method, 1, scenarios=3 * BLOCK_SIZE + 100))
    simulation = simulate(settings, progress=False)
    totals, beats = simulation.replicate_totals, simulation.replicate_beats[:, CHALLENGERS]
    running = headline_intervals(totals, beats, simulation.sampling, ROUTES, 0, running=True)
    assert running["scenarios"][-1] == simulation.scenarios
    for r in (2, 7, len(totals)):
        prefix = headline_intervals(totals[:r], beats[:r], simulation.sampling, ROUTES, 0)
        for name in ("p_beats", "savings"):
            for k in ("finetune", "rag"):
                assert [v[r - 1] for v in running[name][k]] == pytest.approx(prefix[name][k], rel=1e-9, abs=1e-12)


def test_a_met_target_stops_at_the_same_scenarios_for_any_thread_count():
    cfg = coverage_config("auto", 2, scenarios=40 * BLOCK_SIZE)
    cfg["precision"] = {"p_beats": 0.01, "savings": None}
    cfg["kept_scenarios"] = None
    one = simulate(validate(cfg), threads=1, progress=False)
    two = simulate(validate(cfg), threads=2, progress=False)
    assert one.precision["met"] and one.scenarios < 40 * BLOCK_SIZE
    assert one.scenarios == two.scenarios == one.precision["scenarios_used"]
    assert one.scenarios % BLOCK_SIZE == 0
    np.testing.assert_array_equal(one.beats, two.beats)
    assert max(one.precision["achieved"]["p_beats"].values()) <= 0.01
    assert len(one.cost) == one.scenarios  # the kept rows are those used


def test_an_unmet_target_runs_to_the_cap_and_says_what_to_raise():
    cfg = coverage_config("mc", 2, scenarios=5 * BLOCK_SIZE)
    cfg["precision"] = {"p_beats": 1e-4, "savings": None}
    simulation = simulate(validate(cfg), progress=False)
    assert simulation.scenarios == 5 * BLOCK_SIZE and not simulation.precision["met"]
    note = shortfall(simulation.precision)
    assert note.startswith("Precision target not met in 40,960 scenarios: precision.p_beats for finetune")
    assert "raise scenarios (the cap) to about" in note
    summary = summarize(to_dataset(validate(cfg), simulation))
    assert summary["precision"]["met"] is False and summary["precision"]["note"] == note


def test_assess_reports_relative_savings_half_width():
    # two replicates of 10 scenarios, savings sums 100 and 300: mean 20, half t(1) * 10 / 2 ... over 20
    totals = np.array([[10, 200, 100, 150, 0, 0, 0, 0], [10, 400, 100, 250, 0, 0, 0, 0]], dtype=float)
    beats = np.zeros((2, 2, 1))
    verdict = assess(totals, beats, Targets(savings=0.5), "sobol", ROUTES, 0)
    sd = np.std([10.0, 30.0], ddof=1) / math.sqrt(2)
    assert verdict["achieved"]["savings"]["finetune"] == pytest.approx(stats.t.ppf(0.975, 1) * sd / 20)


@pytest.mark.parametrize("key, value", [
    ("sampling", "quasi"), ("precision", {"p_beats": 0.0}), ("precision", {"p_beats": 0.7}),
    ("precision", {"savings": -0.1}), ("precision", {"savings": True}),
])
def test_bad_sampling_and_precision_are_refused_with_the_key(key, value):
    cfg = configure()
    cfg[key] = value
    with pytest.raises(ConfigError, match=key):
        validate(cfg)


def test_auto_says_why_volume_is_not_integrated_when_fixed():
    settings = validate(configure())
    assert (settings.sampling, settings.integrate_volume) == ("sobol", False)
    assert "workload.calls_per_month is fixed" in settings.sampling_note
