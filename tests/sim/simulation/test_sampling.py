"""Random streams of a block: the environment's draws against closed forms."""

import math

import numpy as np

from kernels.layout import GROWTH_PER_MONTH, N_STATIC, VOLATILITY
from sim.simulation.sampling import draw_environment


def _static(growth, volatility, n):
    static = np.zeros((n, N_STATIC))
    static[:, GROWTH_PER_MONTH] = growth
    static[:, VOLATILITY] = volatility
    return static


def test_volume_ratios_are_lognormal_with_mean_e_to_the_growth():
    g, sigma, n, horizon = 0.02, 0.3, 20_000, 13
    shutdown_draw, growth = draw_environment(_static(g, sigma, n), np.random.SeedSequence(4), horizon)
    assert shutdown_draw.shape == (n,) and growth.shape == (n, horizon - 1)
    assert 0.0 <= shutdown_draw.min() and shutdown_draw.max() < 1.0
    # E[V_{m+1} / V_m] = e^g; the sample mean's standard error is
    # e^g sqrt(e^(sigma^2) - 1) / sqrt(N)
    standard_error = math.exp(g) * math.sqrt(math.expm1(sigma**2) / growth.size)
    assert abs(growth.mean() - math.exp(g)) < 4 * standard_error
    log_growth = np.log(growth)
    assert abs(log_growth.mean() - (g - sigma**2 / 2)) < 4 * sigma / math.sqrt(growth.size)
    assert abs(log_growth.std() - sigma) < 0.01 * sigma


def test_without_volatility_every_month_grows_by_exactly_e_to_the_growth():
    _, growth = draw_environment(_static(0.05, 0.0, 3), np.random.SeedSequence(4), 6)
    np.testing.assert_allclose(growth, math.exp(0.05), rtol=1e-15)


def test_a_one_month_horizon_has_no_ratios():
    shutdown_draw, growth = draw_environment(_static(0.05, 0.2, 3), np.random.SeedSequence(4), 1)
    assert growth.shape == (3, 0) and shutdown_draw.shape == (3,)
