"""Orchestration: scenarios in fixed-size blocks, each on its own random streams, run
on a pool of threads through the ``nogil`` kernel.

Blocks are the unit of reproducibility: their size never depends on the thread
count, every per-scenario output has its own slot, and every block's totals have
their own row, summed in block order after the pool finishes, so 1 and 8 threads
give the same numbers.

Memory does not grow with the scenario count beyond ``settings.kept_scenarios``:
every block is reduced to exact totals (counts, sums, a payback histogram) as it
finishes, and per-scenario outputs are kept for the leading scenarios only. Each
block's replicates (``sim.simulation.sampling.REPLICATE`` scenarios, independently randomised)
keep their own totals of the headline statistics: the intervals, the precision
targets and the convergence picture come from them.

With a precision target (``precision.p_beats``, ``precision.savings``) blocks run in
order until the targets are met on the blocks so far, checked after each block in
block order: the scenarios used depend on the seed and the targets, never on the
thread count.
"""

import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ResultTimeout  # not the built-in before Python 3.11
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm


from kernels.scenarios import simulate_block
from kernels.tables import cdf_grid
from sim.stats.precision import MIN_BLOCKS, assess
from sim.io.progress import ProgressLog
from sim.inputs.routes import kernel_routes
from sim.simulation.sampling import (
    REPLICATE,
    block_seeds,
    draw_environment,
    draw_static,
    kernel_generators,
    replicate_bounds,
    run_tables,
)
from sim.io.signals import check_stop, stop_requested
from sim.simulation.tables import volume_law
from sim.simulation.market import share_market, workload_block_seeds

BLOCK_SIZE = 8 * REPLICATE
# Monthly cumulative costs are kept for the first PATH_SAMPLE scenarios (all of them
# with ``save_paths``), for the savings bands by month: a 5% quantile from 32,768
# scenarios lies within 4.8-5.2% in probability (two standard errors), and the sample
# stays small (32,768 x 3 x 120 months x 8 bytes = 94 MB): on virtual machines the
# first touch of fresh memory is slow.
PATH_SAMPLE = 4 * BLOCK_SIZE
# How often the waiting main thread looks at the stop flag, seconds.
STOP_POLL = 0.1


@dataclass
class Totals:
    """Exact reductions over every scenario of a run, R routes in ``settings.routes`` order.

    ``cost_sum`` USD float[R]; ``min_cost_sum`` USD, the sum of each scenario's cheapest
    route; ``cheaper_count`` float[R, R], scenarios with ``C_row < C_column``;
    ``cheapest_count`` float[R], scenarios in which a route is cheaper than every other;
    ``paid_back`` float[R, H], scenarios whose payback month against the baseline is m
    (the baseline's row 0). The counts are whole unless month-1 volume is integrated out
    (``Simulation.integrated``), when they sum each scenario's probability;
    ``retrains``, ``attempts`` int64[R]: sums; ``failed``, ``migrated``,
    ``exited_for_good`` (prompting for good at the horizon after an exit) int64[R]:
    scenario counts; ``shutdown``: scenarios whose use case ended; ``exited`` int64[R, H],
    scenarios whose route left its platform in month m; ``over_capacity`` float[R + 1], the
    scenario-months whose volume is beyond what one replica of a route's dedicated endpoint
    serves, then every scenario-month the use case was alive. ``win_count`` float[R + 1]:
    scenarios in which a route is the cheapest of the acceptable routes, then those with
    none acceptable; ``acceptable_count`` float[R], scenarios in which a route's own success
    rate meets ``quality.bar``; ``failed_calls``, ``error_cost`` (USD, discounted) and
    ``resolved_calls`` (discounted like costs) float[R]: sums over scenarios (MODEL.md,
    "Quality and the cost of errors").
    """

    cost_sum: np.ndarray
    min_cost_sum: float
    cheaper_count: np.ndarray
    cheapest_count: np.ndarray
    paid_back: np.ndarray
    retrains: np.ndarray
    attempts: np.ndarray
    failed: np.ndarray
    shutdown: int
    migrated: np.ndarray
    exited_for_good: np.ndarray
    exited: np.ndarray
    over_capacity: np.ndarray = None
    win_count: np.ndarray = None
    acceptable_count: np.ndarray = None
    failed_calls: np.ndarray = None
    error_cost: np.ndarray = None
    resolved_calls: np.ndarray = None


# The per-scenario arrays of a Simulation that the kernel fills, in its argument order.
KERNEL_OUTPUTS = ("cost", "cost_fixed", "cost_slope", "payback", "retrains", "attempts", "failed",
                  "shutdown_month", "exit_month", "migrated", "exited", "error_cost")


@dataclass
class Simulation:
    """Raw outputs of a run; shapes use k kept scenarios, R routes and H months.

    ``scenarios`` is the run's count n; per-scenario arrays hold the first
    ``k = min(n, settings.kept_scenarios)`` (all n when it is None); ``beats`` and
    ``totals`` count all n. ``drawn`` holds the static inputs that are uncertain
    (columns named by ``drawn_keys``); fixed inputs are not repeated per scenario.
    ``paths`` holds the monthly cumulative costs of the leading scenarios (the k kept
    ones with ``save_paths``). Costs are USD, discounted, cumulative at the horizon;
    ``cost_slope`` is USD per call/month of month-1 volume; ``payback`` is -1 where a
    route never pays back (and in the baseline's column). Counts and months are int64, as
    the kernel writes them (int32 once recorded 3e9 attempts as -1294967296).
    """

    scenarios: int
    drawn_keys: list
    drawn: np.ndarray  # float64[k, len(drawn_keys)]
    cost: np.ndarray  # float64[k, R]
    cost_fixed: np.ndarray  # float64[k, R]
    cost_slope: np.ndarray  # float64[k, R]
    payback: np.ndarray  # int64[k, R]
    retrains: np.ndarray  # int64[k, R]
    attempts: np.ndarray  # int64[k, R]
    failed: np.ndarray  # bool[k, R]
    shutdown_month: np.ndarray  # int64[k]
    exit_month: np.ndarray  # int64[k, R], -1 where the route stayed on its platform
    migrated: np.ndarray  # bool[k, R]
    exited: np.ndarray  # bool[k, R], prompting for good at the horizon after an exit
    error_cost: np.ndarray  # float64[k, R], USD: the failed calls' cost within ``cost``
    beats: np.ndarray  # float64[R, H], the baseline's row 0
    paths: np.ndarray  # float64[min(n, PATH_SAMPLE), or k with save_paths, R, H]
    totals: Totals = None
    sampling: str = "mc"  # the method of the static inputs' uniforms (sim.simulation.sampling)
    integrated: bool = False  # month-1 volume integrated out of the probabilities and means
    replicate_beats: np.ndarray = None  # float64[replicates, R, H]: ``beats`` by replicate
    replicate_totals: np.ndarray = None  # float64[replicates, len(replicate_total_names(routes))]
    replicate_win: np.ndarray = None  # float64[replicates, R + 1]: ``totals.win_count`` by replicate
    precision: dict = None  # targets, achieved half-widths, met (sim.stats.precision.assess)


def worker_count(settings, threads=None):
    """Threads a run uses: as asked (default one per core), at most one per core and per block.

    More threads than cores only add switching, and the numbers do not depend on it.
    """
    cores = os.cpu_count() or 1
    n_blocks = -(-settings.scenarios // BLOCK_SIZE)
    return max(1, min(threads or settings.threads or cores, cores, n_blocks))


def simulate(settings, *, threads=None, progress=True):
    """Run every scenario of a validated configuration.

    Parameters
    ----------
    settings : sim.inputs.validation.Settings
        Validated configuration.
    threads : int, optional
        Worker threads; default ``settings.threads`` or one per core. The numbers
        do not depend on it.
    progress : bool
        Show a progress bar on a terminal for runs longer than two seconds; off a
        terminal, log a progress line every ``settings.progress_seconds`` and at the
        end (``sim.io.progress.ProgressLog``). Neither changes a number.

    Returns
    -------
    Simulation
        With a precision target, ``scenarios`` is the count used (at most
        ``settings.scenarios``, a whole number of blocks unless it is the cap).
    """
    cap, horizon = settings.scenarios, settings.horizon_months
    n_blocks = -(-cap // BLOCK_SIZE)
    member = settings.portfolio_workload
    run_seeds = block_seeds(settings.seed, n_blocks)
    # a portfolio's workload: its own streams, and the market of the portfolio's seed
    seeds = run_seeds if member is None else workload_block_seeds(settings.seed, member, n_blocks)
    layout = settings.layout
    drawn_keys = [key for key in layout.keys if not settings.inputs[key].is_fixed]
    drawn_columns = [layout.keys.index(key) for key in drawn_keys]
    routes = settings.routes
    route_names = [route.name for route in routes]
    challengers = [k for k in range(len(routes)) if k != settings.baseline]
    n_routes = len(routes)
    # a plain tuple, not the NamedTuple: Numba pickles an argument's Python class into its
    # cache index, which a later version that moved the class could not read back
    route_table = tuple(kernel_routes(routes, settings.baseline, layout.column_of, horizon))
    run_constants = (horizon, settings.discount_rate, settings.inputs["market.cut_size"].spec(),
                     float(settings.quality_bar))
    method, integrated = settings.sampling, settings.integrate_volume
    tables = run_tables(settings.inputs, layout)
    if integrated:  # clip range, rounding, CDF grid and mean of V_1
        nodes, low, high, whole, mean = volume_law(settings.inputs["workload.calls_per_month"])
        volume = ((low, high, whole, *cdf_grid(nodes)), mean)
    else:
        volume = ((0.0, 0.0, False, np.empty(0), 0.0, 0.0, False), 0.0)

    kept = cap if settings.kept_scenarios is None else min(cap, settings.kept_scenarios)
    out = Simulation(
        scenarios=cap,
        drawn_keys=drawn_keys,
        drawn=np.empty((kept, len(drawn_keys))),
        cost=np.empty((kept, n_routes)),
        cost_fixed=np.empty((kept, n_routes)),
        cost_slope=np.empty((kept, n_routes)),
        payback=np.empty((kept, n_routes), dtype=np.int64),
        retrains=np.empty((kept, n_routes), dtype=np.int64),
        attempts=np.empty((kept, n_routes), dtype=np.int64),
        failed=np.empty((kept, n_routes), dtype=np.bool_),
        shutdown_month=np.empty(kept, dtype=np.int64),
        exit_month=np.empty((kept, n_routes), dtype=np.int64),
        migrated=np.empty((kept, n_routes), dtype=np.bool_),
        exited=np.empty((kept, n_routes), dtype=np.bool_),
        error_cost=np.empty((kept, n_routes)),
        beats=np.zeros((n_routes, horizon)),
        paths=np.empty((kept if settings.keeps_every_path else min(cap, PATH_SAMPLE), n_routes, horizon)),
        sampling=method,
        integrated=integrated,
    )
    # One row per replicate or block, summed in order at the end: the same totals for
    # any thread count, to the last bit.
    n_replicates = -(-cap // REPLICATE)
    replicate_beats = np.zeros((n_replicates, n_routes, horizon))
    replicate_cost = np.zeros((n_replicates, n_routes + 1))  # each route's, then the cheapest's
    replicate_cheapest = np.zeros((n_replicates, n_routes))
    replicate_size = np.zeros(n_replicates)
    replicate_win = np.zeros((n_replicates, n_routes + 1))  # each route's wins, then no winner
    quality = np.zeros((n_blocks, 4, n_routes))  # acceptable, failed calls, error cost, resolved calls
    cheaper_count = np.zeros((n_blocks, n_routes, n_routes))
    paid_back = np.zeros((n_blocks, n_routes, horizon))
    over_capacity = np.zeros((n_blocks, n_routes + 1))  # scenario-months beyond one replica, then alive
    route_counts = np.zeros((n_blocks, 5, n_routes), dtype=np.int64)  # retrains, attempts, failed, migrated, exited
    shutdowns = np.zeros(n_blocks, dtype=np.int64)
    exited = np.zeros((n_blocks, n_routes, horizon + 1), dtype=np.int64)  # by exit month; column 0 unused
    no_paths = np.empty((0, n_routes, horizon))

    kept_outputs = tuple(getattr(out, name) for name in KERNEL_OUTPUTS)
    # Each worker thread allocates its block-sized arrays once and reuses them for every
    # block it runs: allocated per block, they cost a large share of the run time on a
    # virtual machine, where freed memory goes back to the system and every fresh page
    # faults again.
    workspaces = threading.local()

    def workspace():
        if not hasattr(workspaces, "static"):
            size = min(cap, BLOCK_SIZE)
            workspaces.static = np.empty((size, len(layout.keys)))
            workspaces.shutdown_draw = np.empty(size)
            workspaces.growth = np.empty((size, max(horizon - 1, 0)))
            workspaces.market = np.empty((size if member is not None else 0, horizon))
            workspaces.outputs = tuple(np.empty((size, *array.shape[1:]), dtype=array.dtype)
                                       for array in kept_outputs)
        return workspaces

    def run_block(block):
        if stop_requested() is not None:  # a signal came: the queued blocks are not run
            return 0
        lo, hi = block * BLOCK_SIZE, min(cap, (block + 1) * BLOCK_SIZE)
        rows = hi - lo
        scratch = workspace()
        static = draw_static(settings.inputs, layout, seeds[block], rows, out=scratch.static[:rows],
                             correlation=settings.correlation, method=method, tables=tables)
        market = scratch.market[:rows]
        if member is not None:
            share_market(static, settings.inputs, run_seeds[block], horizon, market)
        kept_rows = max(0, min(hi, kept) - lo)
        for drawn_column, column in enumerate(drawn_columns):  # column by column: no temporary
            out.drawn[lo : lo + kept_rows, drawn_column] = static[:kept_rows, column]
        if kept_rows == rows:
            outputs = tuple(array[lo:hi] for array in kept_outputs)
        else:  # a block beyond the kept scenarios, or across their end
            outputs = tuple(array[:rows] for array in scratch.outputs)
        if hi <= len(out.paths):
            block_paths = out.paths[lo:hi]
        elif lo < len(out.paths):
            block_paths = np.empty((rows, n_routes, horizon))
        else:
            block_paths = no_paths
        shutdown_draw, growth = draw_environment(static, seeds[block], horizon,
                                                 out=(scratch.shutdown_draw[:rows], scratch.growth[:rows]))
        rngs = kernel_generators(seeds[block], routes)
        scenario_arrays = (static, shutdown_draw, growth, market)
        first = block * (BLOCK_SIZE // REPLICATE)
        # replicate by replicate on the block's streams, which carry over from one call
        # to the next: the same draws as one call over the block
        for r, (a, b) in enumerate(replicate_bounds(rows)):
            g = first + r
            replicate_size[g] = b - a
            simulate_block(
                tuple(array[a:b] for array in scenario_arrays), route_table, run_constants, volume, rngs,
                tuple(array[a:b] for array in outputs),
                (replicate_beats[g], paid_back[block], replicate_cost[g], cheaper_count[block],
                 replicate_cheapest[g], over_capacity[block], replicate_win[g], quality[block]),
                block_paths[a:b] if len(block_paths) else no_paths,
            )
        if lo < len(out.paths) < hi:  # a block across the end of the kept paths
            out.paths[lo:] = block_paths[: len(out.paths) - lo]
        if 0 < kept_rows < rows:
            for kept_array, block_array in zip(kept_outputs, outputs, strict=True):
                kept_array[lo : lo + kept_rows] = block_array[:kept_rows]
        *_, retrains, attempts, failed, shutdown_month, exit_month, migrated, exited_for_good, _ = outputs
        route_counts[block] = (retrains.sum(axis=0), attempts.sum(axis=0), failed.sum(axis=0),
                               migrated.sum(axis=0), exited_for_good.sum(axis=0))
        shutdowns[block] = np.count_nonzero(shutdown_month)
        for r in range(n_routes):
            exits = exit_month[:, r][exit_month[:, r] > 0]
            if exits.size:
                exited[block, r] = np.bincount(exits, minlength=horizon + 1)
        return rows

    def replicate_totals(blocks):
        end = _replicates(blocks, cap)
        return np.column_stack([replicate_size[:end], replicate_cost[:end], replicate_cheapest[:end]])

    targets = settings.precision
    workers = worker_count(settings, threads)
    bar = tqdm(
        total=cap, unit="scenario", unit_scale=True, desc="simulating", delay=2.0,
        disable=None if progress else True,
    )
    # off a terminal tqdm disables itself: lines in the log instead, from this thread
    lines = ProgressLog(cap, interval=settings.progress_seconds) if (
        progress and bar.disable) else None
    done = 0
    pool = ThreadPoolExecutor(max_workers=workers)
    used_blocks = n_blocks
    verdict = None
    try:
        with bar:
            # A bounded window of queued blocks: a run that stops at its precision
            # target wastes at most the window, and a cap of 10^9 queues no million futures.
            window = deque()
            next_block = 0
            for block in range(n_blocks):
                while next_block < n_blocks and len(window) < 2 * workers:
                    window.append(pool.submit(run_block, next_block))
                    next_block += 1
                future = window.popleft()
                # A timeout, not a blocking wait: a stop flag set where the signal's
                # exception was lost is seen within STOP_POLL, even during a long block.
                while True:
                    try:
                        rows = future.result(timeout=STOP_POLL)
                        break
                    except ResultTimeout:
                        check_stop()
                        if lines is not None:  # a long block: elapsed and ETA still move
                            lines.update()
                check_stop()
                bar.update(rows)
                done += rows
                if lines is not None:
                    lines.update(done)
                if targets is not None and (block + 1 >= MIN_BLOCKS or block + 1 == n_blocks):
                    verdict = assess(replicate_totals(block + 1),
                                     replicate_beats[: _replicates(block + 1, cap), challengers],
                                     targets, method, route_names, settings.baseline)
                    if verdict["met"]:
                        used_blocks = block + 1
                        break
            if lines is not None:
                lines.close(done, note="precision targets met" if used_blocks < n_blocks else "")
    except BaseException as error:
        # On Ctrl-C or SIGTERM drop the queued blocks and do not wait for those
        # running: a block in the nogil kernel cannot be interrupted, and one may run
        # for long (a fine-tune that almost never succeeds, tried 10^12 times). Its
        # thread is abandoned; the command line exits with os._exit after cleaning up,
        # which does not wait for it. On an ordinary error the running blocks end first.
        pool.shutdown(wait=isinstance(error, Exception), cancel_futures=True)
        raise
    # blocks queued past a met target are dropped; those running finish but are not counted
    pool.shutdown(wait=True, cancel_futures=True)
    n = min(cap, used_blocks * BLOCK_SIZE)
    if n < cap:
        _truncate(out, n, kept)
    used_replicates = _replicates(used_blocks, cap)
    out.scenarios = n
    out.replicate_beats = replicate_beats[:used_replicates]
    out.replicate_totals = replicate_totals(used_blocks)
    out.replicate_win = replicate_win[:used_replicates]
    out.precision = verdict
    out.beats[:] = out.replicate_beats.sum(axis=0)
    retrains, attempts, failed, migrated, exited_for_good = route_counts[:used_blocks].sum(axis=0)
    sums = replicate_cost[:used_replicates].sum(axis=0)
    acceptable, failed_calls, error_cost, resolved_calls = quality[:used_blocks].sum(axis=0)
    out.totals = Totals(
        cost_sum=sums[:n_routes],
        min_cost_sum=float(sums[n_routes]),
        cheaper_count=cheaper_count[:used_blocks].sum(axis=0),
        cheapest_count=replicate_cheapest[:used_replicates].sum(axis=0),
        paid_back=paid_back[:used_blocks].sum(axis=0),
        over_capacity=over_capacity[:used_blocks].sum(axis=0),
        retrains=retrains,
        attempts=attempts,
        failed=failed,
        shutdown=int(shutdowns[:used_blocks].sum()),
        migrated=migrated,
        exited_for_good=exited_for_good,
        exited=exited[:used_blocks].sum(axis=0)[:, 1:],
        win_count=out.replicate_win.sum(axis=0),
        acceptable_count=acceptable,
        failed_calls=failed_calls,
        error_cost=error_cost,
        resolved_calls=resolved_calls,
    )
    return out


def _replicates(blocks, cap):
    # replicates in the first ``blocks`` blocks of a run of ``cap`` scenarios
    return -(-min(cap, blocks * BLOCK_SIZE) // REPLICATE)


def _truncate(out, n, kept):
    # a run stopped at its precision target keeps the per-scenario rows it used
    keep = min(n, kept)
    for name in ("drawn", *KERNEL_OUTPUTS):
        setattr(out, name, getattr(out, name)[:keep])
    if len(out.paths) > n:
        out.paths = out.paths[:n]


__all__ = ["BLOCK_SIZE", "KERNEL_OUTPUTS", "PATH_SAMPLE", "STOP_POLL", "Simulation", "Totals", "simulate",
           "worker_count"]
