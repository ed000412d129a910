"""Distributions read the way people estimate: p05/p95 land where they were put."""

import math

import numpy as np
import pytest

from sim.inputs.distributions import (
    AT_LEAST_ONE,
    FRACTION_BELOW_ONE,
    NONNEGATIVE,
    REAL,
    Z95,
    Domain,
    InputError,
    parse,
)


@pytest.mark.parametrize(
    "spec, domain",
    [
        ({"dist": "lognormal", "p05": 5e4, "p95": 2e6}, NONNEGATIVE),
        ({"dist": "normal", "p05": -0.01, "p95": 0.05}, REAL),
    ],
)
def test_ninety_percent_interval_lands_on_p05_and_p95(spec, domain):
    distribution = parse("k", spec, domain)
    frozen = distribution.frozen()
    np.testing.assert_allclose(frozen.ppf([0.05, 0.95]), [spec["p05"], spec["p95"]], rtol=1e-12)
    draws = distribution.sample(np.random.default_rng(0), 200_000)
    # order-statistic bound: the empirical 5% quantile's sd is sqrt(.05 .95 / n) in probability
    for level, target in ((0.05, spec["p05"]), (0.95, spec["p95"])):
        assert abs(np.mean(draws <= target) - level) < 5 * math.sqrt(level * (1 - level) / draws.size)


def test_pert_mean_is_low_plus_four_modes_plus_high_over_six():
    distribution = parse("k", {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 9.0}, NONNEGATIVE)
    draws = distribution.sample(np.random.default_rng(1), 400_000)
    expected = (1.0 + 4 * 2.0 + 9.0) / 6
    assert abs(draws.mean() - expected) < 5 * draws.std() / math.sqrt(draws.size)
    assert draws.min() >= 1.0 and draws.max() <= 9.0


def test_inversion_keeps_ranks_across_parameters():
    rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
    a = parse("k", {"dist": "lognormal", "p05": 1.0, "p95": 10.0}, NONNEGATIVE).sample(rng_a, 1000)
    b = parse("k", {"dist": "lognormal", "p05": 2.0, "p95": 30.0}, NONNEGATIVE).sample(rng_b, 1000)
    assert (np.argsort(a) == np.argsort(b)).all()


def test_draws_are_clipped_and_integers_rounded_half_up():
    # the 0.1% quantile (1.01) is inside the range: the far tail below it is clipped
    months = parse("k", {"dist": "normal", "p05": 2.41, "p95": 5.59}, AT_LEAST_ONE)
    draws = months.sample(np.random.default_rng(2), 200_000)
    unclipped = 4.0 + 3.18 / (2 * Z95) * np.random.default_rng(2).standard_normal(200_000)
    assert (unclipped < 0.5).any()  # would round to 0 attempts
    assert draws.min() == 1.0 and set(np.unique(draws)) <= set(range(1, 10))
    # a fixed whole-number input is taken as given or refused, never rounded (MODEL.md)
    assert parse("k", 3, AT_LEAST_ONE).sample(None, 2).tolist() == [3.0, 3.0]
    with pytest.raises(InputError, match="2.5 is not a whole number >= 1"):
        parse("k", 2.5, AT_LEAST_ONE)
    cut = parse("k", {"dist": "uniform", "low": 0.5, "high": 0.9999}, FRACTION_BELOW_ONE)
    assert cut.sample(np.random.default_rng(3), 10_000).max() < 1.0


@pytest.mark.parametrize(
    "spec, domain",
    [
        ({"dist": "uniform", "low": 2.0, "high": 5.0}, NONNEGATIVE),
        ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0}, NONNEGATIVE),
        ({"dist": "normal", "p05": -0.01, "p95": 0.05}, REAL),
        ({"dist": "lognormal", "p05": 5e4, "p95": 2e6}, NONNEGATIVE),
        ({"dist": "normal", "p05": 3.0, "p95": 6.0}, AT_LEAST_ONE),
    ],
    ids=["uniform", "triangular", "normal", "lognormal", "whole-months"],
)
def test_the_kernels_draws_equal_numpys_from_the_same_stream(spec, domain):
    from kernels.variates import fill_draws

    distribution = parse("k", spec, domain)
    compiled = np.empty(5000)
    fill_draws(distribution.spec(), np.random.default_rng(9), compiled)
    np.testing.assert_allclose(compiled, distribution.sample(np.random.default_rng(9), 5000), rtol=1e-14)


def test_the_kernels_pert_draws_match_the_beta_distribution():
    from kernels.variates import fill_draws
    from scipy import stats

    distribution = parse("k", {"dist": "pert", "low": 1.0, "mode": 2.0, "high": 9.0}, NONNEGATIVE)
    compiled = np.empty(20_000)
    fill_draws(distribution.spec(), np.random.default_rng(9), compiled)
    assert stats.kstest(compiled, distribution.frozen().cdf).pvalue > 1e-3


@pytest.mark.parametrize(
    "value, message",
    [
        ({"dist": "lognormal", "p05": 5.0, "p95": 1.0}, "p05 (5) must be below p95 (1)"),
        ({"dist": "normal", "p05": 2.0, "p95": 2.0}, "p05 (2) must be below p95 (2)"),
        ({"dist": "pert", "low": 3.0, "mode": 2.0, "high": 1.0}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 1.0, "mode": 5.0, "high": 4.0}, "low <= mode <= high"),
        ({"dist": "uniform", "low": 2.0, "high": 1.0}, "low (2) must be below high (1)"),
        ({"dist": "gamma", "p05": 1.0, "p95": 2.0}, "unknown distribution 'gamma'"),
        ({"p05": 1.0, "p95": 2.0}, "unknown distribution None"),
        ({"dist": "lognormal", "p5": 1.0, "p95": 2.0}, "lognormal takes p05, p95, not p5"),
        ({"dist": "uniform", "low": 1.0}, "uniform needs low and high; high is missing"),
        ({"dist": "uniform", "low": -1.0, "high": 2.0}, "low (-1) is not a number >= 0"),
        ({"dist": "lognormal", "p05": "a", "p95": 2.0}, "p05 must be a number"),
        (-3.0, "-3 is not a number >= 0"),
        ("12", "'12' is not a number or a distribution such as 'pert(low=1, mode=2, high=5)'"),
        ("pert(1, 2)", "pert needs low and mode and high; high is missing"),
        ("pert(1, 2, 3, 4)", "pert takes 3 parameters (low, mode, high), got 4"),
        ("pert(1, 2, x)", "pert: high must be a number, got 'x'"),
        ("uniform(low=1, low=2)", "uniform: low given twice"),
        ([1.0, 2.0], "a list ([1.0, 2.0]) is not a number or a distribution"),
        ({"dist": ["uniform"], "low": 1.0, "high": 2.0}, "unknown distribution ['uniform']"),
        (True, "value must be a number"),
        (math.nan, "must be finite"),
    ],
)
def test_bad_values_name_the_key_and_the_problem(value, message):
    with pytest.raises(InputError, match="^workload.calls_per_month: ") as error:
        parse("workload.calls_per_month", value, NONNEGATIVE)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_z95_and_z999_literals_are_the_normal_quantiles():
    from scipy import stats

    from sim.inputs.distributions import Z999

    assert Z95 == stats.norm.ppf(0.95) and Z999 == stats.norm.ppf(0.999)


@pytest.mark.parametrize("spec", [
    {"dist": "normal", "p05": -0.5, "p95": 9.0},
    {"dist": "lognormal", "p05": 2.0, "p95": 300.0},
    {"dist": "uniform", "low": 0.5, "high": 4.0},
    {"dist": "triangular", "low": 1.0, "mode": 1.5, "high": 6.0},
    {"dist": "triangular", "low": 1.0, "mode": 6.0, "high": 6.0},
], ids=["normal", "lognormal", "uniform", "triangular", "triangular-mode-at-high"])
def test_closed_form_quantiles_equal_scipys(spec):
    distribution = parse("k", spec, REAL)
    for level in (0.001, 0.05, 0.5, 0.95, 0.999):
        assert distribution.quantile(level) == pytest.approx(float(distribution.frozen().ppf(level)), rel=1e-12)


@pytest.mark.parametrize("value, message", [
    ("normal(p05=0.2, p95=0.9)", "normal(p05=0.2, p95=0.9)'s 99.9% quantile (1.21) is above 1, the largest growth"),
    ("normal(p05=-0.9, p95=0.1)", "normal(p05=-0.9, p95=0.1)'s 0.1% quantile (-1.34) is below -1, the smallest growth"),
    ("lognormal(p05=0.01, p95=0.5)", "lognormal(p05=0.01, p95=0.5)'s 99.9% quantile (2.79) is above 1,"),
])
def test_a_distribution_whose_central_range_leaves_the_domain_is_refused_naming_the_quantile(value, message):
    with pytest.raises(InputError) as error:
        parse("workload.growth", value, Domain(lower=-1.0, upper=1.0))
    text = str(error.value)
    assert text.startswith("workload.growth: ") and message in text and "\n" not in text


def test_an_open_bound_is_never_reached_by_the_central_range():
    with pytest.raises(InputError, match=r"99.9% quantile \(1.08\) is not below 1, the bound of cut_size$"):
        parse("market.cut_size", "normal(p05=0.5, p95=0.9)", FRACTION_BELOW_ONE)
    assert parse("market.cut_size", "normal(p05=0.5, p95=0.8)", FRACTION_BELOW_ONE).family == "normal"


def test_a_bound_that_compounds_over_the_horizon_narrows_with_it():
    growth = Domain(lower=-1.0, upper=1.0, log_budget=100 * math.log(10))
    assert growth.for_horizon(24) == growth and growth.for_horizon(1) == growth
    narrowed = growth.for_horizon(1200)
    assert narrowed.upper == pytest.approx(100 * math.log(10) / 1199) and narrowed.lower == -1.0
    with pytest.raises(InputError, match=r"^g: 0.5 is not a number in \[-1, 0.19\d+\] at horizon_months=1200: over"
                                         r" its 1199 months of compounding it may multiply by at most 1e\+100$"):
        parse("g", 0.5, narrowed)


@pytest.mark.parametrize("text, family, params", [
    ("pert(1, 2, 5)", "pert", (1.0, 2.0, 5.0)),
    ("pert(low=1, mode=2, high=5)", "pert", (1.0, 2.0, 5.0)),
    (" lognormal( p95 = 9e5 , p05=1e5 ) ", "lognormal", (1e5, 9e5)),
    ("uniform(0.1, high=0.3)", "uniform", (0.1, 0.3)),
])
def test_the_compact_form_reads_as_the_mapping_and_prints_back_the_same(text, family, params):
    distribution = parse("k", text, NONNEGATIVE)
    assert (distribution.family, distribution.params) == (family, params)
    assert parse("k", distribution.describe(), NONNEGATIVE) == distribution
