"""A portfolio's shared market and each workload's own random streams (MODEL.md, "A
portfolio of workloads").

Scenario ``i`` of every workload of a portfolio sees the same market index path: the
price trend, the cuts a year and every cut come from the market's own stream of the
portfolio's seed, block by block, and are drawn to the horizon whatever a workload's
shutdown (in a single run the cuts stop being drawn at it, which would shift the next
scenario's). Everything else a workload draws comes from streams keyed by its name: adding
or removing a workload changes no other workload's numbers.
"""

import zlib

import numpy as np

from kernels.layout import CUTS_PER_YEAR, TREND_PER_YEAR
from kernels.routes import fill_market
from sim.simulation.sampling import _stream

# Stream components, above every component of a block's own streams (sim.simulation.sampling)
MARKET = 5000
# A workload's seeds are children of the portfolio's seed under this key and its name's crc32:
# three-part spawn keys, never one of a single run's (block,) keys.
WORKLOADS = 2**32
MARKET_KEYS = ("market.trend_per_year", "market.cuts_per_year")


def workload_block_seeds(seed, workload, n_blocks):
    """One SeedSequence per block for the workload named ``workload`` of a portfolio."""
    key = zlib.crc32(workload.encode())
    return np.random.SeedSequence(seed, spawn_key=(WORKLOADS, key)).spawn(n_blocks)


def draw_market(inputs, block_seed, horizon, out):
    """The shared market of one block: its inputs and its index paths.

    Parameters
    ----------
    inputs : dict of str to Distribution
        The run's inputs (``market.*`` are read; a portfolio's are the same for every workload).
    block_seed : numpy.random.SeedSequence
        The block's seed of the portfolio (``sim.simulation.sampling.block_seeds``).
    horizon : int
        Months.
    out : float64[n, horizon]
        Receives ``M_m`` of each of the block's ``n`` scenarios.

    Returns
    -------
    trend_per_year, cuts_per_year : float64[n]
        Each scenario's market inputs (1/year), to put in its static row.
    """
    rows = out.shape[0]
    rng = _stream(block_seed, MARKET)
    trend = np.asarray(inputs["market.trend_per_year"].sample(rng, rows), dtype=np.float64)
    cuts = np.asarray(inputs["market.cuts_per_year"].sample(rng, rows), dtype=np.float64)
    cut_size = np.asarray(inputs["market.cut_size"].spec(), dtype=np.float64)
    fill_market(trend, cuts, cut_size, rng, out)
    return trend, cuts


def share_market(static, inputs, block_seed, horizon, out):
    """Write the block's shared market into ``static`` (its market columns) and ``out`` (its
    index paths, float64[n, horizon]); returns ``out``."""
    trend, cuts = draw_market(inputs, block_seed, horizon, out)
    static[:, TREND_PER_YEAR] = trend
    static[:, CUTS_PER_YEAR] = cuts
    return out


__all__ = ["MARKET", "MARKET_KEYS", "WORKLOADS", "draw_market", "share_market", "workload_block_seeds"]
