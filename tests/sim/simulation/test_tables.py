"""Quantile tables against SciPy's distributions and closed-form means."""

import math

import numpy as np
import pytest
from scipy import stats

from kernels.tables import GRID_SIZE, fill_static, volume_cdf
from sim.inputs.distributions import (
    AT_LEAST_ONE,
    FRACTION_BELOW_ONE,
    NONNEGATIVE,
    REAL,
    Distribution,
    Domain,
)
from sim.inputs.families import log_moments
from sim.simulation.tables import GRID_U, _table_mean, quantile_table, static_tables, volume_law

WHOLE_MONTHS = Domain(integer=True)
# the ratio p95 / p05 of the lognormals: from a tight estimate to four orders of magnitude
LOGNORMAL_RATIOS = (1.5, 10.0, 100.0, 1e4)
FAMILIES = [
    Distribution("uniform", (0.0, 1.0), NONNEGATIVE),
    Distribution("uniform", (3.0, 1e6), NONNEGATIVE),
    Distribution("triangular", (2.0, 2.0, 7.0), NONNEGATIVE),  # mode at low
    Distribution("triangular", (2.0, 3.5, 7.0), NONNEGATIVE),
    Distribution("triangular", (2.0, 7.0, 7.0), NONNEGATIVE),  # mode at high
    Distribution("pert", (100.0, 100.0, 600.0), NONNEGATIVE),  # alpha = 1
    Distribution("pert", (100.0, 600.0, 600.0), NONNEGATIVE),  # beta = 1
    Distribution("pert", (1e4, 2.5e4, 6e4), NONNEGATIVE),  # skewed
    Distribution("pert", (0.1, 0.35, 0.6), NONNEGATIVE),  # symmetric
    Distribution("pert", (5e6, 5.1e6, 6e7), NONNEGATIVE),  # mode near low
    Distribution("normal", (-3.0, 5.0), REAL),
    Distribution("normal", (1e5, 1.0001e5), REAL),
    *[Distribution("lognormal", (2.0, 2.0 * r), NONNEGATIVE) for r in LOGNORMAL_RATIOS],
]


def _ids(distribution):
    return distribution.describe()


@pytest.mark.parametrize("distribution", FAMILIES, ids=_ids)
def test_table_is_within_ks_distance_1e_5(distribution):
    # sup over u of |F(Q_table(u)) - u|: at every node and seven points inside every interval
    x = quantile_table(distribution)
    w = np.arange(8) / 8
    u = (GRID_U[:-1, None] + w * np.diff(GRID_U)[:, None]).ravel()
    q = (x[:-1, None] + w * np.diff(x)[:, None]).ravel()
    distance = np.abs(distribution.frozen().cdf(q) - u).max()
    assert distance <= 1e-5
    if distribution.family != "uniform":  # the check measures something: the table is not exact
        assert distance > 1e-8


def test_uniform_table_is_exact():
    x = quantile_table(Distribution("uniform", (3.0, 11.0), NONNEGATIVE))
    np.testing.assert_allclose(x, 3.0 + 8.0 * GRID_U, rtol=1e-15)


@pytest.mark.parametrize("distribution", FAMILIES, ids=_ids)
def test_table_holds_the_quantile_at_its_nodes(distribution):
    x = quantile_table(distribution)
    assert x.shape == (GRID_SIZE,) and x.dtype == np.float64
    assert np.all(np.isfinite(x)) and np.all(np.diff(x) >= 0)
    frozen = distribution.frozen()
    if distribution.family == "pert":  # betaincinv at a few hundred nodes, Hermite between
        np.testing.assert_allclose(frozen.cdf(x[1:-1]), GRID_U[1:-1], rtol=0, atol=2e-7)
        np.testing.assert_array_equal(x[[0, -1]], distribution.params[::2])
    else:
        inner = slice(1, -1) if distribution.family in ("normal", "lognormal") else slice(None)
        np.testing.assert_allclose(x[inner], frozen.ppf(GRID_U[inner]), rtol=1e-12)
    if distribution.family in ("normal", "lognormal"):  # no finite end: the clamp
        assert x[0] == x[1] and x[-1] == x[-2]


def test_static_tables_clip_as_the_spec_does():
    inputs = {
        "a": Distribution("normal", (0.5, 0.99), FRACTION_BELOW_ONE),
        "b": Distribution("pert", (1.0, 2.0, 6.0), AT_LEAST_ONE),
        "c": Distribution("lognormal", (10.0, 1000.0), NONNEGATIVE),
        "d": Distribution("fixed", (4.0,), NONNEGATIVE),
    }
    keys = ["c", "a", "b"]
    tables, columns, low, high, whole = static_tables(inputs, keys, [7, 0, 2])
    assert tables.shape == (3, GRID_SIZE) and columns.dtype == np.int64 and whole.dtype == np.bool_
    np.testing.assert_array_equal(columns, [7, 0, 2])
    for c, key in enumerate(keys):
        spec = inputs[key].spec()
        np.testing.assert_array_equal(tables[c], quantile_table(inputs[key]))
        assert (low[c], high[c], whole[c]) == (spec[5], spec[6], spec[7] == 1.0)
    assert high[1] == np.nextafter(1.0, 0.0)
    # drawn, the values are what Domain.clip makes of the interpolated quantiles
    uniforms = np.random.default_rng(5).random((50_000, 3))
    out = np.full((50_000, 8), np.nan)
    fill_static(uniforms, tables, columns, low, high, whole, out)
    for c, key in enumerate(keys):
        expected = inputs[key].domain.clip(np.interp(uniforms[:, c], GRID_U, tables[c]))
        np.testing.assert_allclose(out[:, columns[c]], expected, rtol=1e-13)
    assert np.isnan(out[:, [1, 3, 4, 5, 6]]).all()
    assert out[:, 0].max() == np.nextafter(1.0, 0.0)  # the clip binds below the open bound
    np.testing.assert_array_equal(np.unique(out[:, 2]), [1, 2, 3, 4, 5, 6])


@pytest.mark.parametrize(
    ("distribution", "mean", "rtol"),
    [
        (Distribution("triangular", (2.0, 3.0, 7.0), NONNEGATIVE), 4.0, 1e-7),
        (Distribution("triangular", (2.0, 2.0, 7.0), NONNEGATIVE), 11 / 3, 1e-6),
        (Distribution("pert", (2.0, 3.0, 7.0), NONNEGATIVE), (2 + 12 + 7) / 6, 1e-6),
        (Distribution("pert", (0.0, 0.0, 1.0), NONNEGATIVE), 1 / 6, 1e-6),
        (Distribution("normal", (-3.0, 5.0), REAL), 1.0, 1e-12),  # the grid is symmetric
        # the linear table overestimates a convex quantile: by ~ step^2 Q'' / 12 over each
        # step, most in the upper tail (measured: 5e-8, 2.4e-6, 1.9e-5 and 1.6e-4)
        *[(Distribution("lognormal", (2.0, 2.0 * r), NONNEGATIVE), None, rtol)
          for r, rtol in zip(LOGNORMAL_RATIOS, (2e-7, 5e-6, 4e-5, 3e-4), strict=True)],
    ],
    ids=lambda v: v.describe() if isinstance(v, Distribution) else "",
)
def test_mean_without_clipping_is_the_family_mean(distribution, mean, rtol):
    if mean is None:
        mu, sigma = log_moments(*distribution.params)
        mean = math.exp(mu + sigma**2 / 2)
    # the table's own mean, within its interpolation error; the law takes the exact one
    x, low, high, whole, law_mean = volume_law(distribution)
    assert _table_mean(x, low, high, whole) == pytest.approx(mean, rel=rtol)
    assert law_mean == pytest.approx(mean, rel=1e-12)


def test_mean_of_whole_uniform_by_hand():
    # uniform(1, 4.2) rounded: 1 on [1, 1.5), 2 and 3 on steps of 1, 4 on [3.5, 4.2]
    _, low, high, whole, mean = volume_law(Distribution("uniform", (1.0, 4.2), AT_LEAST_ONE))
    assert (low, high, whole) == (1.0, math.inf, True)
    assert mean == pytest.approx((1 * 0.5 + 2 * 1 + 3 * 1 + 4 * 0.7) / 3.2, rel=1e-13)


def test_mean_with_a_binding_clip_is_the_censored_normal():
    # clip(X, 0) for X ~ N(1, sigma): E = mu Phi(mu / sigma) + sigma phi(mu / sigma)
    distribution = Distribution("normal", (-1.0, 3.0), NONNEGATIVE)
    frozen = distribution.frozen()
    mu, sigma = frozen.mean(), frozen.std()
    expected = mu * stats.norm.cdf(mu / sigma) + sigma * stats.norm.pdf(mu / sigma)
    assert volume_law(distribution)[-1] == pytest.approx(expected, rel=2e-6)


def test_mean_of_whole_pert_is_the_sum_over_its_values():
    distribution = Distribution("pert", (0.0, 2.0, 9.0), WHOLE_MONTHS)
    frozen = distribution.frozen()
    k = np.arange(10)
    expected = np.sum(k * np.diff(frozen.cdf(np.concatenate([[-1.0], k + 0.5]))))
    assert volume_law(distribution)[-1] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    "distribution",
    [Distribution("pert", (0.0, 2.0, 9.0), WHOLE_MONTHS), Distribution("lognormal", (0.3, 40.0), AT_LEAST_ONE),
     Distribution("normal", (-1.0, 3.0), NONNEGATIVE), Distribution("normal", (0.5, 0.99), FRACTION_BELOW_ONE),
     Distribution("lognormal", (0.3, 40.0), Domain(lower=1.0, upper=20.0))],
    ids=_ids,
)
def test_mean_is_the_integral_of_volume_cdf(distribution):
    # E[V] = low + integral over [low, high] of P(V > t); the CDF is linear in t between
    # the table's nodes, so the midpoint rule over them is exact (and never meets the
    # jumps at the clip bounds)
    x, low, high, whole, mean = volume_law(distribution)
    if whole:
        k = np.arange(math.floor(low + 0.5), math.floor(min(high, x[-1]) + 0.5) + 1.0)
        cdf = np.array([volume_cdf(x, low, high, True, t) for t in k])
        expected = k[0] + np.sum(1 - cdf[:-1])  # V >= k[0]; P(V > j) summed over j >= k[0]
    else:
        t = np.unique(np.clip(np.concatenate([x, [low, high]]), low, min(high, x[-1])))
        survival = 1 - np.array([volume_cdf(x, low, high, False, s) for s in (t[1:] + t[:-1]) / 2])
        expected = low + np.sum(survival * np.diff(t))
    assert mean == pytest.approx(expected, rel=1e-10)
