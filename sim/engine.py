"""Orchestration: scenarios in fixed-size blocks, each on its own random streams, run
on a pool of threads through the ``nogil`` kernel.

Blocks are the unit of reproducibility: their size never depends on the thread
count, every per-scenario output has its own slot, and the per-month counts are
integers summed after the pool finishes, so 1 and 8 threads give the same numbers.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from kernels.scenarios import STATIC_FIELDS, STRATEGIES, simulate_block
from sim.sampling import block_seeds, draw_static, kernel_generators

BLOCK_SIZE = 8192
# Monthly cumulative costs are kept for the first PATH_SAMPLE scenarios (all of them
# with ``save_paths``): enough for quantile bands by month, bounded in memory
# (131,072 x 3 x 36 months x 8 bytes = 113 MB).
PATH_SAMPLE = 16 * BLOCK_SIZE


@dataclass
class Simulation:
    """Raw outputs of a run; shapes use n scenarios and H months.

    ``drawn`` holds the static inputs that are uncertain (columns named by
    ``drawn_keys``); fixed inputs are not repeated per scenario. ``paths`` holds the
    monthly cumulative costs of the leading scenarios (all with ``save_paths``). Costs are USD,
    discounted, cumulative at the horizon; ``cost_slope`` is USD per call/month of
    month-1 volume; ``payback`` is -1 where a strategy never pays back.
    """

    drawn_keys: list
    drawn: np.ndarray  # float64[n, len(drawn_keys)]
    cost: np.ndarray  # float64[n, 3]
    cost_fixed: np.ndarray  # float64[n, 3]
    cost_slope: np.ndarray  # float64[n, 3]
    payback: np.ndarray  # int32[n, 2]
    retrains: np.ndarray  # int32[n]
    attempts: np.ndarray  # int32[n]
    failed: np.ndarray  # bool[n]
    shutdown_month: np.ndarray  # int32[n]
    beats: np.ndarray  # int64[2, H]
    paths: np.ndarray  # float64[min(n, PATH_SAMPLE) or n with save_paths, 3, H]


def simulate(settings, *, threads=None, progress=True):
    """Run every scenario of a validated configuration.

    Parameters
    ----------
    settings : sim.config.Settings
        Validated configuration.
    threads : int, optional
        Worker threads; default ``settings.threads`` or one per core. The numbers
        do not depend on it.
    progress : bool
        Show a progress bar on a terminal for runs longer than two seconds.

    Returns
    -------
    Simulation
    """
    n, horizon = settings.scenarios, settings.horizon_months
    n_blocks = -(-n // BLOCK_SIZE)
    seeds = block_seeds(settings.seed, n_blocks)
    drawn_keys = [key for key in STATIC_FIELDS if not settings.inputs[key].is_fixed]
    drawn_columns = [STATIC_FIELDS.index(key) for key in drawn_keys]
    cut_spec = settings.inputs["market.cut_size"].event_spec()
    lifetime_spec = settings.inputs["finetune.base_lifetime_months"].event_spec()
    n_strategies = len(STRATEGIES)

    out = Simulation(
        drawn_keys=drawn_keys,
        drawn=np.empty((n, len(drawn_keys))),
        cost=np.empty((n, n_strategies)),
        cost_fixed=np.empty((n, n_strategies)),
        cost_slope=np.empty((n, n_strategies)),
        payback=np.empty((n, 2), dtype=np.int32),
        retrains=np.empty(n, dtype=np.int32),
        attempts=np.empty(n, dtype=np.int32),
        failed=np.empty(n, dtype=np.bool_),
        shutdown_month=np.empty(n, dtype=np.int32),
        beats=np.zeros((2, horizon), dtype=np.int64),
        paths=np.empty((n if settings.save_paths else min(n, PATH_SAMPLE), n_strategies, horizon)),
    )
    beats_per_block = np.zeros((n_blocks, 2, horizon), dtype=np.int64)
    no_paths = np.empty((0, n_strategies, horizon))

    def run_block(block):
        lo, hi = block * BLOCK_SIZE, min(n, (block + 1) * BLOCK_SIZE)
        static = draw_static(settings.inputs, seeds[block], hi - lo)
        out.drawn[lo:hi] = static[:, drawn_columns]
        simulate_block(
            static,
            cut_spec,
            lifetime_spec,
            horizon,
            settings.discount_rate,
            settings.reprice_on_retrain,
            *kernel_generators(seeds[block]),
            out.cost[lo:hi],
            out.cost_fixed[lo:hi],
            out.cost_slope[lo:hi],
            out.payback[lo:hi],
            out.retrains[lo:hi],
            out.attempts[lo:hi],
            out.failed[lo:hi],
            out.shutdown_month[lo:hi],
            beats_per_block[block],
            out.paths[lo:hi] if hi <= len(out.paths) else no_paths,
        )
        return hi - lo

    workers = threads or settings.threads or os.cpu_count() or 1
    bar = tqdm(
        total=n, unit="scenario", unit_scale=True, desc="simulating", delay=2.0,
        disable=None if progress else True,
    )
    pool = ThreadPoolExecutor(max_workers=min(workers, n_blocks))
    try:
        with bar:
            for done in pool.map(run_block, range(n_blocks)):
                bar.update(done)
    finally:
        # On Ctrl-C or SIGTERM drop the queued blocks instead of running them all.
        pool.shutdown(wait=True, cancel_futures=True)
    out.beats[:] = beats_per_block.sum(axis=0)
    return out
