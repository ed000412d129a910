"""The table kernels against the grid's definition, hand-worked tables and NumPy.

Tables here come from ``scipy.stats`` quantiles at the grid's nodes, so that the
kernels are checked apart from ``sim.simulation.tables``.
"""

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

from kernels.tables import (
    CDF_CELLS,
    EDGE_U,
    GRID_SIZE,
    GRID_U,
    U_MIN,
    cdf_grid,
    fill_static,
    grid_volume_cdf,
    locate,
    table_cdf,
    table_quantile,
    volume_cdf,
)


@njit
def _locate_all(u):
    j, w = np.empty(u.shape[0], dtype=np.int64), np.empty(u.shape[0])
    for i in range(u.shape[0]):
        j[i], w[i] = locate(u[i])
    return j, w


def _table(frozen):
    x = frozen.ppf(GRID_U)
    x[0], x[-1] = (x[1] if np.isinf(x[0]) else x[0]), (x[-2] if np.isinf(x[-1]) else x[-1])
    return x


def _probes(rng, n):
    # every scale of distance to either end, the nodes themselves and the two ends
    near = 10.0 ** rng.uniform(-16, 0, n) / 2
    return np.concatenate([rng.random(n), near, 1 - near, GRID_U, [0.0, U_MIN / 3, 1 - 2.0**-53]])


def test_grid_is_symmetric_exact_and_increasing():
    assert GRID_U.shape == (GRID_SIZE,) and GRID_U[0] == 0.0 and GRID_U[-1] == 1.0
    assert np.all(np.diff(GRID_U) > 0)
    np.testing.assert_array_equal(GRID_U + GRID_U[::-1], 1.0)  # 1 - u is exact at every node
    middle = GRID_U[(GRID_U >= EDGE_U) & (GRID_U <= 1 - EDGE_U)]
    np.testing.assert_array_equal(np.diff(middle), 1 / 4096)


def test_locate_brackets_u_and_weights_reproduce_it():
    u = _probes(np.random.default_rng(0), 20_000)
    j, w = _locate_all(u)
    assert j.min() >= 0 and j.max() <= GRID_SIZE - 2
    assert np.all((w >= 0) & (w <= 1))
    assert np.all((GRID_U[j] <= u) & (u <= GRID_U[j + 1]))
    step = GRID_U[j + 1] - GRID_U[j]
    np.testing.assert_allclose(GRID_U[j] + w * step, u, rtol=0, atol=1e-15 * step.max())
    assert np.all(np.abs(GRID_U[j] + w * step - u) <= 2.0**-52 * np.maximum(u, step))
    # the nodes themselves: weight 0 at their own interval, or 1 at the one before
    j, w = _locate_all(GRID_U)
    np.testing.assert_array_equal(np.where(w == 0, GRID_U[j], GRID_U[j + 1]), GRID_U)
    assert locate(0.0) == (0, 0.0) and locate(1.0) == (GRID_SIZE - 2, 1.0)


@pytest.mark.parametrize(
    "frozen",
    [stats.norm(3, 2), stats.lognorm(s=2.8, scale=50.0), stats.beta(2.3, 3.7, loc=1e4, scale=5e4), stats.triang(0.0)],
    ids=["normal", "lognormal", "pert", "triangular"],
)
def test_table_cdf_inverts_the_interpolation(frozen):
    x = _table(frozen)
    u = _probes(np.random.default_rng(1), 5000)
    t = np.array([table_quantile(x, v) for v in u])
    back = np.array([table_cdf(x, s) for s in t])
    j, _ = _locate_all(u)
    rising = x[j + 1] > x[j]  # on a flat segment every u gives one value
    assert np.all(rising | (j == 0) | (j == GRID_SIZE - 2))  # flat: only the clamped ends
    np.testing.assert_allclose(back[rising], u[rising], rtol=0, atol=1e-12)
    assert table_cdf(x, x[0] - 1.0) == 0.0 and table_cdf(x, x[-1]) == 1.0


def test_flat_runs_and_bounds_by_hand():
    # Q(u) = 10 (min(u, 1/4) + max(u - 1/2, 0)): an atom of 1/4 at 2.5, up to 7.5 at u = 1
    x = 10 * (np.minimum(GRID_U, 0.25) + np.maximum(GRID_U - 0.5, 0.0))
    assert table_cdf(x, 2.5) == 0.5  # P(X <= 2.5) takes in the atom
    assert table_cdf(x, 1.0) == pytest.approx(0.1, abs=1e-15)
    assert table_cdf(x, 5.0) == pytest.approx(0.75, abs=1e-15)
    assert table_cdf(x, -1e-300) == 0.0 and table_cdf(x, 7.5) == 1.0 and table_cdf(x, 7.4) < 1.0
    # whole numbers: V <= 2.3 <=> X < 2.5, without the atom; V <= 3 <=> X < 3.5
    assert volume_cdf(x, 0.0, np.inf, True, 2.3) == 0.25
    assert volume_cdf(x, 0.0, np.inf, True, 3.0) == pytest.approx(0.6, abs=1e-15)
    assert volume_cdf(x, 0.0, np.inf, False, 2.5) == 0.5
    # the clip range: nothing below low, everything from high on
    assert volume_cdf(x, 1.0, 6.0, False, 0.999) == 0.0
    assert volume_cdf(x, 1.0, 6.0, False, 1.0) == pytest.approx(0.1, abs=1e-15)  # the atom at low
    assert volume_cdf(x, 1.0, 6.0, False, 6.0) == 1.0 and volume_cdf(x, 1.0, 6.0, False, 5.999) < 0.9
    assert volume_cdf(x, 1.0, 6.0, True, 0.9) == 0.0 and volume_cdf(x, 1.0, 6.0, True, 6.0) == 1.0


def test_whole_rounding_is_the_table_below_the_half():
    x = _table(stats.norm(2, 1.5))
    for t in (-0.7, 0.0, 2.3, 2.999, 4.0):
        assert volume_cdf(x, -np.inf, np.inf, True, t) == table_cdf(x, math.floor(t) + 0.5)
    assert volume_cdf(x, 0.0, 5.0, True, -0.2) == 0.0 and volume_cdf(x, 0.0, 5.0, True, 5.0) == 1.0
    assert volume_cdf(x, 0.0, 5.0, True, 2.3) == pytest.approx(stats.norm(2, 1.5).cdf(2.5), abs=1e-5)


@njit
def _grid_minus_exact(x_nodes, law, t):
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        out[i] = grid_volume_cdf(law, t[i]) - volume_cdf(x_nodes, law[0], law[1], law[2], t[i])
    return out


@pytest.mark.parametrize(
    ("frozen", "low", "high", "whole"),
    [(stats.norm(3, 2), -np.inf, np.inf, False), (stats.norm(3, 2), 0.0, np.inf, True),
     (stats.lognorm(s=2.8, scale=5e4), 0.0, 1e12, False), (stats.lognorm(s=0.2, scale=50.0), 1.0, 60.0, True),
     (stats.beta(1.0, 5.0, loc=0.0, scale=9.0), 0.0, np.inf, False),
     (stats.beta(4.0, 2.0, loc=0.0, scale=9.0), 0.0, np.inf, False), (stats.triang(0.3, 2, 8), 3.0, 7.0, False)],
    ids=["normal", "normal-whole-clipped", "lognormal-wide", "lognormal-whole-clipped", "pert-at-zero",
         "pert-skewed", "triangular"],
)
def test_the_cdf_grid_is_within_2e_6_of_the_exact_cdf(frozen, low, high, whole):
    x = _table(frozen)
    grid, origin, scale, in_octaves = cdf_grid(x)
    assert CDF_CELLS < grid.shape[0] <= 2 * CDF_CELLS + 1 and in_octaves == (x[1] > 0) and scale > 0
    law = (low, high, whole, grid, origin, scale, in_octaves)
    # every node, points between them, and beyond both ends
    t = np.concatenate([x, (x[1:] + x[:-1]) / 2, np.linspace(x[0] - 1.0, x[-1] + 1.0, 100_001)])
    assert np.abs(_grid_minus_exact(x, law, t)).max() <= 2e-6


def _reference(uniforms, tables, low, high, whole):
    # NumPy's interpolation, then the clip and rounding of Domain.clip
    x = np.column_stack([np.interp(uniforms[:, c], GRID_U, tables[c]) for c in range(tables.shape[0])])
    x = np.clip(x, low, high)
    return np.where(whole, np.floor(x + 0.5), x)


def _sampled(n, seed):
    tables = np.vstack([_table(stats.norm(1, 1)), _table(stats.lognorm(s=1.5, scale=20.0)), _table(stats.triang(0.3, 2, 8))])
    low, high = np.array([0.0, 1.0, -np.inf]), np.array([2.5, 200.0, np.nextafter(6.0, -np.inf)])
    whole = np.array([True, False, False])
    columns = np.array([5, 1, 3])
    uniforms = np.random.default_rng(seed).random((n, 3))
    out = np.full((n, 7), -7.0)
    fill_static(uniforms, tables, columns, low, high, whole, out)
    return uniforms, tables, columns, low, high, whole, out


def test_fill_static_clips_rounds_and_fills_only_its_columns():
    uniforms, tables, columns, low, high, whole, out = _sampled(100_000, 2)
    untouched = np.setdiff1d(np.arange(out.shape[1]), columns)
    assert np.all(out[:, untouched] == -7.0)
    expected = _reference(uniforms, tables, low, high, whole)
    np.testing.assert_allclose(out[:, columns], expected, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(out[:, 5], expected[:, 0])  # whole numbers: no rounding flips
    assert set(np.unique(out[:, 5])) == {0.0, 1.0, 2.0, 3.0}  # clipped to 2.5, then rounded up
    assert out[:, 1].min() == 1.0 and out[:, 1].max() == 200.0  # both clips bind
    assert out[:, 3].max() == np.nextafter(6.0, -np.inf)  # below an open bound


def test_volume_cdf_matches_the_draws_of_fill_static():
    n = 1_000_000
    _, tables, columns, low, high, whole, out = _sampled(n, 3)
    checks = [(0, np.array([-0.5, 0.0, 0.4, 0.5, 1.0, 1.7, 2.0, 2.5])),
              (1, np.array([0.5, 1.0, 1.5, 10.0, 20.0, 100.0, 199.9, 200.0])),
              (2, np.array([2.0, 4.0, 5.5, 5.999999, 6.0]))]
    for c, ts in checks:
        drawn = np.sort(out[:, columns[c]])
        empirical = np.searchsorted(drawn, ts, side="right") / n
        law = np.array([volume_cdf(tables[c], low[c], high[c], whole[c], t) for t in ts])
        bound = 5 * np.sqrt(law * (1 - law) / n) + 1e-12  # five binomial standard errors
        assert np.all(np.abs(empirical - law) <= bound), (c, empirical, law)
    assert volume_cdf(tables[0], low[0], high[0], True, 0.0) == pytest.approx(stats.norm(1, 1).cdf(0.5), abs=1e-5)


def test_kernels_release_the_gil():
    for kernel in (locate, table_quantile, fill_static, table_cdf, volume_cdf):
        assert kernel.targetoptions["nogil"]
