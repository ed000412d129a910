"""Monte Carlo estimates against closed forms, and reproducibility across threads."""

import math

import numpy as np
import pytest
from scipy import stats

from sim.stats.analysis import wilson_interval
from sim.simulation.engine import BLOCK_SIZE
from tests.conftest import CHALLENGERS, FT, PROMPT_MONTHLY, configure, run_config

H = 24
N = 200_000
CALLS = 100_000  # month-1 volume of the fixture; monthly costs scale with V / CALLS


def covers(samples, expected, z=4.0):
    """The mean's z-standard-error interval covers ``expected``."""
    half = z * samples.std(ddof=1) / math.sqrt(samples.size)
    return abs(samples.mean() - expected) <= half, (samples.mean() - half, samples.mean() + half)


def test_lognormal_volume_alone_mean_cost_and_probability_of_payback():
    p05, p95 = 5e4, 2e6
    settings, sim = run_config(
        configure(scenarios=N, workload={"calls_per_month": {"dist": "lognormal", "p05": p05, "p95": p95}})
    )
    mu = (math.log(p05) + math.log(p95)) / 2
    sigma = (math.log(p95) - math.log(p05)) / (2 * stats.norm.ppf(0.95))
    per_call_prompt = PROMPT_MONTHLY / CALLS * H
    ok, interval = covers(sim.cost[:, 0], math.exp(mu + sigma**2 / 2) * per_call_prompt)
    assert ok, interval

    # every cost is A + V_1 B; fine-tuning wins at the horizon when V_1 > A_f / (B_p - B_f)
    fixed_f = 610.0 + 20.0 * (H - 1)
    slope_f = (150.0 + 70.0 * (H - 1)) / CALLS
    break_even = fixed_f / (per_call_prompt - slope_f)
    p_win = stats.lognorm(sigma, scale=math.exp(mu)).sf(break_even)
    low, high = wilson_interval(sim.beats[FT, -1], N, z=3.29)  # 99.9%
    assert low <= p_win <= high, (p_win, low, high)


def test_expected_cost_under_growth_with_volatility():
    g, sigma = 0.03, 0.25
    _, sim = run_config(configure(scenarios=N, workload={"growth_per_month": g, "volatility": sigma}))
    # E[V_m] = V_1 e^{g (m-1)}: the -sigma^2/2 in the log step makes volatility mean-neutral
    expected = PROMPT_MONTHLY * np.exp(g * np.arange(H)).sum()
    ok, interval = covers(sim.cost[:, 0], expected)
    assert ok, (expected, interval)


def test_expected_price_index_under_trend_and_random_cuts():
    trend, cuts, mean_cut = -0.06, 2.0, 0.3
    _, sim = run_config(
        configure(
            scenarios=N,
            market={"trend_per_year": trend, "cuts_per_year": cuts,
                    "cut_size": {"dist": "uniform", "low": 0.2, "high": 0.4}},
        )
    )
    monthly = math.exp(trend / 12) * (1 - (1 - math.exp(-cuts / 12)) * mean_cut)
    expected = PROMPT_MONTHLY * (monthly ** np.arange(H)).sum()
    ok, interval = covers(sim.cost[:, 0], expected)
    assert ok, (expected, interval)


def test_shutdown_hazard_and_failed_attempts_match_their_probabilities():
    q, p, attempts = 0.3, 0.4, 3
    _, sim = run_config(
        configure(
            scenarios=N,
            workload={"shutdown_per_year": q},
            finetune={"success_probability": p, "max_attempts": attempts, "months_to_ship": 0},
        )
    )
    # survives the draws of months 2..H
    survive = (1 - q) ** ((H - 1) / 12)
    low, high = wilson_interval(np.sum(sim.shutdown_month == 0), N, z=3.29)
    assert low <= survive <= high
    low, high = wilson_interval(sim.failed[:, FT].sum(), N, z=3.29)
    assert low <= (1 - p) ** attempts <= high
    # with months_to_ship = 0 every attempt happens in month 1, before any shutdown
    ok, interval = covers(sim.attempts[:, FT].astype(float), sum((1 - p) ** j for j in range(attempts)))
    assert ok, interval


def test_mean_retrains_under_inverse_gaussian_drift_times():
    mean, cv = 5.0, 0.6
    _, sim = run_config(
        configure(scenarios=N, finetune={"mean_months_between_retrains": mean, "retrain_interval_cv": cv})
    )
    # Reference by convolution: K = ceil(T) with T inverse-Gaussian; live at 2, and the
    # j-th retrain falls at R_j = 2 + K_1 + ... + K_j + (j - 1) (one month per retrain).
    # E[retrains] = sum_j P(R_j <= H) = sum_j P(K_1 + ... + K_j <= H - 1 - j).
    shape = mean / cv**2
    cdf = stats.invgauss(mu=mean / shape, scale=shape).cdf(np.arange(H + 1))
    pmf = np.diff(cdf)  # pmf[k - 1] = P(K = k), k = 1..H
    total = np.zeros(H + 1)
    total[0] = 1.0  # distribution of the empty sum
    expected = 0.0
    for j in range(1, H):
        total = np.convolve(total, np.concatenate(([0.0], pmf)))[: H + 1]
        if H - 1 - j < 0:
            break
        expected += total[: H - j].sum()
    ok, interval = covers(sim.retrains[:, FT].astype(float), expected)
    assert ok, (expected, interval)


@pytest.fixture(scope="module")
def default_settings():
    from hydra import compose, initialize_config_dir

    from sim.cli.payback import CONFIG_DIR
    from sim.inputs.validation import validate

    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=[f"scenarios={2 * BLOCK_SIZE + 1234}"])
    return validate(cfg)


def test_same_numbers_for_one_and_two_threads(default_settings):
    from sim.simulation.engine import simulate

    one = simulate(default_settings, threads=1, progress=False)
    two = simulate(default_settings, threads=2, progress=False)
    for name in ("drawn", "cost", "cost_fixed", "cost_slope", "payback", "retrains", "attempts",
                 "failed", "shutdown_month", "beats"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name), err_msg=name)
    for name, value in vars(one.totals).items():
        np.testing.assert_array_equal(value, getattr(two.totals, name), err_msg=name)
    assert one.beats[FT].max() > 0  # the comparison is not vacuous: some scenarios pay back


def test_blocks_slower_than_the_stop_poll_give_the_same_numbers(default_settings, monkeypatch):
    # every wait for a block times out several times: the engine must take the
    # futures' timeout for "not yet" (on Python 3.10 it is not the built-in
    # TimeoutError, and a first run compiling the kernel ended in an internal error)
    from sim.simulation import engine

    polled = engine.simulate(default_settings, threads=2, progress=False)
    monkeypatch.setattr(engine, "STOP_POLL", 1e-6)
    impatient = engine.simulate(default_settings, threads=2, progress=False)
    np.testing.assert_array_equal(impatient.cost, polled.cost)


def test_streamed_totals_equal_the_statistics_of_every_scenario(default_settings):
    from dataclasses import replace

    from sim.simulation.engine import simulate

    # plain sampling: the totals count each scenario's own draws
    plain = replace(default_settings, sampling="mc", integrate_volume=False)
    every = simulate(replace(plain, kept_scenarios=None), progress=False)
    # the kept end falls inside the second block: that block is kept in part
    kept = BLOCK_SIZE + 100
    streamed = simulate(replace(plain, kept_scenarios=kept), progress=False)

    # the kept scenarios are the leading ones, drawn and simulated as in the full run
    assert len(streamed.cost) == kept < default_settings.scenarios == len(every.cost)
    for name in ("drawn", "cost", "cost_fixed", "cost_slope", "payback", "retrains", "attempts",
                 "failed", "shutdown_month"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(every, name)[:kept], err_msg=name)
    # the totals count every scenario, kept or not, exactly as the full arrays do
    totals, cost = streamed.totals, every.cost
    np.testing.assert_allclose(totals.cost_sum, cost.sum(axis=0), rtol=1e-13)
    assert math.isclose(totals.min_cost_sum, cost.min(axis=1).sum(), rel_tol=1e-13)
    np.testing.assert_array_equal(totals.cheaper_count, (cost[:, :, None] < cost[:, None, :]).sum(axis=0))
    for j in CHALLENGERS:
        months = every.payback[:, j]
        np.testing.assert_array_equal(
            totals.paid_back[j], [(months == m).sum() for m in range(1, default_settings.horizon_months + 1)]
        )
    assert totals.paid_back[FT].sum() > 0
    np.testing.assert_array_equal(totals.retrains, every.retrains.sum(axis=0))
    np.testing.assert_array_equal(totals.attempts, every.attempts.sum(axis=0))
    np.testing.assert_array_equal(totals.failed, every.failed.sum(axis=0))
    assert totals.shutdown == (every.shutdown_month > 0).sum()
    np.testing.assert_array_equal(streamed.beats, every.beats)


def test_saved_paths_are_the_kept_scenarios_even_across_a_block():
    # 10,000 kept of 20,000: the kept end falls inside the second block of 8,192
    settings, whole = run_config(configure(scenarios=20_000, save_paths=True, kept_scenarios=None,
                                           workload={"calls_per_month": "lognormal(p05=1e4, p95=1e6)"}))
    _, kept = run_config(configure(scenarios=20_000, save_paths=True, kept_scenarios=10_000,
                                   workload={"calls_per_month": "lognormal(p05=1e4, p95=1e6)"}))
    assert kept.paths.shape == (10_000, 3, settings.horizon_months)
    np.testing.assert_array_equal(kept.paths, whole.paths[:10_000])
    np.testing.assert_array_equal(kept.paths[:, :, -1], kept.cost)
