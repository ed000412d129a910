"""sim.simulation.sobol against scipy.stats.qmc.Sobol, bit for bit, and the nets' balance."""

import warnings

import numpy as np
import pytest
from scipy.stats import qmc

from sim.simulation.sobol import BITS, MAX_DIMENSIONS, direction_numbers, scrambled_net


def _generators(seed):
    # scipy's engine spawns a child of the Generator it is given and scrambles with it
    parent = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(7,))))
    child = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(7, 0))))
    return parent, child


@pytest.mark.parametrize("d", [1, 2, 3, 17, 38, MAX_DIMENSIONS])
@pytest.mark.parametrize("n", [1, 2, 5, 1000, 1024])
def test_the_nets_are_scipy_stats_qmc_sobol_bit_for_bit(d, n):
    parent, child = _generators(seed=d * 1000 + n)
    engine = qmc.Sobol(d, scramble=True, rng=parent)
    # scipy's random() draws any count; it warns that the balance needs a power of two
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = engine.random(n)
    assert np.array_equal(scrambled_net(d, n, child), expected)


def test_direction_numbers_are_odd_and_below_their_power_of_two():
    m = direction_numbers(MAX_DIMENSIONS).astype(np.int64) >> (BITS - 1 - np.arange(BITS))
    j = np.arange(1, BITS + 1)
    assert (m % 2 == 1).all() and (m < 2**j).all()


@pytest.mark.parametrize("m", [0, 4, 10])
def test_every_one_dimensional_projection_is_stratified(m):
    # a scrambled (t, m, s)-net puts exactly one point of 2^m in each interval of 2^-m
    points = scrambled_net(MAX_DIMENSIONS, 2**m, np.random.default_rng(m))
    cells = np.floor(points * 2**m).astype(int)
    assert all(np.array_equal(np.sort(cells[:, k]), np.arange(2**m)) for k in range(MAX_DIMENSIONS))


def test_more_dimensions_than_the_table_are_refused():
    with pytest.raises(ValueError, match="1 to 64"):
        scrambled_net(MAX_DIMENSIONS + 1, 4, np.random.default_rng(0))
