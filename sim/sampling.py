"""Random streams of a block and the static inputs drawn from them.

Every block of scenarios owns a ``SeedSequence`` child of the run's seed; its own
children give one stream to each random component (the environment, cut sizes, the
fine-tune lifecycle, each static input, and the shuffles of rank correlation). A
stream per component keeps common random numbers across runs that change one input:
the other draws stay the same.
"""

import numpy as np

from kernels.scenarios import GROWTH_PER_MONTH, N_STATIC, STATIC_FIELDS, VOLATILITY, fill_draws, fill_environment
from sim.correlation import impose

ENVIRONMENT, EVENTS, LIFECYCLE = range(3)
_FIRST_STATIC_STREAM = 3  # then one stream per column of STATIC_FIELDS
# The scores Iman-Conover shuffles: far above the static streams, so that a new static
# input never takes it (and adding it changed no other stream).
CORRELATION = 1000
assert _FIRST_STATIC_STREAM + N_STATIC <= CORRELATION


def block_seeds(seed, n_blocks):
    """One SeedSequence per block of scenarios, the same for any thread count."""
    return np.random.SeedSequence(seed).spawn(n_blocks)


def _stream(block_seed, component):
    # Built from the spawn key rather than with ``spawn()``, which is stateful: the
    # same component must get the same stream however often it is asked for.
    child = np.random.SeedSequence(
        block_seed.entropy, spawn_key=(*block_seed.spawn_key, component)
    )
    return np.random.Generator(np.random.PCG64(child))


def kernel_generators(block_seed):
    """Generators for the kernel: price cut times and sizes, fine-tune lifecycle."""
    return tuple(_stream(block_seed, c) for c in (EVENTS, LIFECYCLE))


def draw_environment(static, block_seed, horizon, out=None):
    """Each scenario's shutdown draw and its volume path's monthly ratios.

    Parameters
    ----------
    static : float64[n, N_STATIC]
        The block's static inputs (growth and volatility are read).
    block_seed : numpy.random.SeedSequence
        The block's seed.
    horizon : int
        Months simulated.
    out : (float64[n], float64[n, horizon - 1]), optional
        Arrays to fill and return instead of new ones.

    Returns
    -------
    shutdown_draw : float64[n]
        Uniforms in [0, 1) that decide each scenario's shutdown month.
    growth : float64[n, horizon - 1]
        ``V_{m+1} / V_m = exp(g - sigma^2 / 2 + sigma Z_m)`` for months 1 ... horizon - 1.
    """
    n = static.shape[0]
    shutdown_draw, growth = out if out is not None else (np.empty(n), np.empty((n, max(horizon - 1, 0))))
    fill_environment(_stream(block_seed, ENVIRONMENT), shutdown_draw, growth)
    sigma = static[:, VOLATILITY]
    # in place, so that one block needs one array of n x (horizon - 1)
    growth *= sigma[:, None]
    growth += (static[:, GROWTH_PER_MONTH] - 0.5 * sigma * sigma)[:, None]
    np.exp(growth, out=growth)
    return shutdown_draw, growth


def draw_static(inputs, block_seed, n, out=None, correlation=None):
    """Draw every static input of ``n`` scenarios.

    Parameters
    ----------
    inputs : dict of str to Distribution
        Keyed by ``STATIC_FIELDS`` (events may be present and are ignored).
    block_seed : numpy.random.SeedSequence
        The block's seed.
    n : int
        Scenarios in the block.
    out : float64[n, N_STATIC], optional
        An array to fill and return instead of a new one.
    correlation : sim.correlation.RankCorrelation, optional
        Rank correlation to impose on the block's draws (``Settings.correlation``):
        each correlated column is reordered, its values unchanged.

    Returns
    -------
    numpy.ndarray
        float64[n, N_STATIC], columns in ``STATIC_FIELDS`` order, in the inputs' units.
    """
    static = np.empty((n, N_STATIC)) if out is None else out
    for column, key in enumerate(STATIC_FIELDS):
        distribution = inputs[key]
        if distribution.is_fixed:
            static[:, column] = distribution.sample(None, n)
        else:
            # compiled and free of the GIL: the blocks of a pool draw in parallel
            fill_draws(distribution.spec(), _stream(block_seed, _FIRST_STATIC_STREAM + column), static[:, column])
    if correlation is not None:
        impose(static, correlation, _stream(block_seed, CORRELATION))
    return static
