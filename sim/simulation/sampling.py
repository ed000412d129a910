"""Random streams of a block and the static inputs drawn from them.

Every block of scenarios owns a ``SeedSequence`` child of the run's seed; its own
children give one stream to each random component (the environment, cut sizes, the
fine-tune lifecycle, each static input, the shuffles of rank correlation, the
scrambles of a Sobol net). A stream per component keeps common random numbers across
runs that change one input: the other draws stay the same.

Static inputs are one fused pass through inverse-CDF tables (``sim.simulation.tables``) from a
matrix of uniforms, which the sampling method fills:

``mc``
    independent uniforms, a stream per input;
``lhs``
    a Latin hypercube per replicate of ``REPLICATE`` scenarios, a stream per input;
``sobol``
    a scrambled Sobol net per replicate (``sim.simulation.sobol``: ``scipy.stats.qmc.Sobol``'s
    nets, LMS and digital shift), each replicate scrambled independently.

Replicates are the unit of the intervals: each is an independent randomisation, so
the spread of their totals gives a valid interval under every method (randomised QMC).
"""

import zlib
from typing import NamedTuple

import numpy as np

from kernels.layout import GROWTH_PER_MONTH, N_STATIC, VOLATILITY

from kernels.variates import fill_environment
from kernels.tables import fill_static
from sim.inputs.correlation import impose
from sim.inputs.routes import MAX_ROUTES
from sim.inputs.static import SHARED
from sim.simulation.sobol import MAX_DIMENSIONS, scrambled_net
from sim.simulation.tables import static_tables

# Scenarios a replicate: a block (sim.simulation.engine.BLOCK_SIZE) holds 8, so that a run of
# 10^4 scenarios has 10 replicates and one of 10^5 has 98, enough for a t interval;
# a power of two keeps a Sobol net's balance.
REPLICATE = 1024

ENVIRONMENT, EVENTS, LIFECYCLE = range(3)
_FIRST_STATIC_STREAM = 3  # then one stream per column of STATIC_FIELDS
# The scores Iman-Conover shuffles: far above the static streams, so that a new static
# input never takes it (and adding it changed no other stream).
CORRELATION = 1000
# Sobol scrambles, one stream per replicate of the block from here on; each is spawned
# once more (key ..., SOBOL + r, 0), as scipy.stats.qmc.Sobol drew them before sim.simulation.sobol
SOBOL = 2000
# The inputs a run adds beyond STATIC_FIELDS (sim.inputs.static): each one's stream is
# (EXTRA, crc32 of its key), and under ``sobol`` each group's net is scrambled from
# (GROUP_NETS, crc32 of the group, replicate): named, not numbered, so that adding a route
# moves no other input's draws.
EXTRA = 3000
GROUP_NETS = 4000
assert _FIRST_STATIC_STREAM + N_STATIC <= CORRELATION < SOBOL < EXTRA < GROUP_NETS and N_STATIC <= MAX_DIMENSIONS


def _name_key(text):
    return zlib.crc32(text.encode())


def block_seeds(seed, n_blocks):
    """One SeedSequence per block of scenarios, the same for any thread count."""
    return np.random.SeedSequence(seed).spawn(n_blocks)


def _stream(block_seed, *component):
    # Built from the spawn key rather than with ``spawn()``, which is stateful: the
    # same component must get the same stream however often it is asked for.
    child = np.random.SeedSequence(
        block_seed.entropy, spawn_key=(*block_seed.spawn_key, *component)
    )
    return np.random.Generator(np.random.PCG64(child))


def kernel_generators(block_seed, routes):
    """Generators for the kernel: price cut times and sizes, then one per route for its
    lifecycle (training outcomes, drift times, base lifetimes).

    A route's stream is named after it: the route named ``finetune`` keeps the stream
    the one fine-tune route of earlier versions drew from; any other name gets its own.
    Routes that draw nothing (prompt and RAG) share one, never used.
    """
    unused = _stream(block_seed, LIFECYCLE)
    lifecycle = []
    for route in routes:
        if route.kind != "finetune":
            lifecycle.append(unused)
        elif route.name == "finetune":
            lifecycle.append(_stream(block_seed, LIFECYCLE))
        else:
            lifecycle.append(_stream(block_seed, LIFECYCLE, _name_key(route.name)))
    # always MAX_ROUTES of them: a tuple's length is part of its Numba type, and each number
    # of routes compiled the kernel anew (about half a minute each)
    lifecycle += [unused] * (MAX_ROUTES - len(lifecycle))
    return _stream(block_seed, EVENTS), tuple(lifecycle)


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


class StaticTables(NamedTuple):
    """A run's inverse-CDF tables of its drawn inputs, as ``kernels.tables.fill_static`` takes them.

    ``columns`` (int64[d]) is also the order of the uniforms' dimensions; ``streams``
    the random stream of each (its spawn key after the block's); ``nets`` each group's
    dimensions under ``sobol``, the shared inputs' first.
    """

    nodes: np.ndarray
    columns: np.ndarray
    low: np.ndarray
    high: np.ndarray
    whole: np.ndarray
    streams: tuple = ()
    nets: tuple = ()


def run_tables(inputs, layout):
    """The tables of every uncertain static input, in the layout's column order.

    The order is also that of a Sobol net's dimensions; it does not depend on the
    method or on what is integrated out, so that runs differing in those keep common
    random numbers.
    """
    columns = [c for c, key in enumerate(layout.keys) if not inputs[key].is_fixed]
    keys = [layout.keys[c] for c in columns]
    streams = tuple((_FIRST_STATIC_STREAM + c,) if layout.groups[c] == SHARED else (EXTRA, _name_key(key))
                    for c, key in zip(columns, keys))
    order = []
    for c in columns:  # the shared group first, then the others as they come
        if layout.groups[c] not in order:
            order.append(layout.groups[c])
    nets = tuple((group, tuple(d for d, c in enumerate(columns) if layout.groups[c] == group)) for group in order)
    return StaticTables(*static_tables(inputs, keys, columns), streams=streams, nets=nets)


def replicate_bounds(n):
    """Row ranges ``(lo, hi)`` of the replicates of a block of ``n`` scenarios, in order."""
    return [(lo, min(n, lo + REPLICATE)) for lo in range(0, n, REPLICATE)]


def fill_uniforms(method, block_seed, tables, out):
    """Fill ``out`` (float64[n, d]) with the uniforms of the block's d drawn inputs.

    Parameters
    ----------
    method : {"mc", "lhs", "sobol"}
        See the module's docstring.
    block_seed : numpy.random.SeedSequence
        The block's seed.
    tables : StaticTables
        The drawn inputs: each one's stream (``mc``, ``lhs``); under ``sobol`` each
        group's net, its dimensions in the inputs' order, the first the best balanced.
    out : float64[n, d]
        Filled in place and returned.
    """
    n, d = out.shape
    if d == 0:
        return out
    if method == "sobol":
        for group, dimensions in tables.nets:
            for r, (lo, hi) in enumerate(replicate_bounds(n)):
                # a run's last replicate may be no power of two: the first points of the
                # next power's net, each still uniform, the set less balanced
                scramble = (_stream(block_seed, SOBOL + r, 0) if group == SHARED
                            else _stream(block_seed, GROUP_NETS, _name_key(group), r))
                out[lo:hi, list(dimensions)] = scrambled_net(len(dimensions), hi - lo, scramble)
        return out
    for c, stream in enumerate(tables.streams):
        rng = _stream(block_seed, *stream)
        if method == "mc":
            out[:, c] = rng.random(n)
        else:  # lhs: one value in each of the replicate's equal strata, strata in random order
            for lo, hi in replicate_bounds(n):
                size = hi - lo
                out[lo:hi, c] = (rng.permutation(size) + rng.random(size)) / size
    return out


def draw_static(inputs, layout, block_seed, n, out=None, correlation=None, method="mc", tables=None):
    """Draw every static input of ``n`` scenarios.

    Parameters
    ----------
    inputs : dict of str to Distribution
        Keyed by the layout's keys (events may be present and are ignored).
    layout : sim.inputs.static.StaticLayout
        The run's columns.
    block_seed : numpy.random.SeedSequence
        The block's seed.
    n : int
        Scenarios in the block.
    out : float64[n, len(layout.keys)], optional
        An array to fill and return instead of a new one.
    correlation : sim.inputs.correlation.RankCorrelation, optional
        Rank correlation to impose on each replicate's draws (``Settings.correlation``):
        each correlated column is reordered, its values unchanged.
    method : {"mc", "lhs", "sobol"}
        How the uniforms are spread (module docstring).
    tables : StaticTables, optional
        The run's inverse-CDF tables (``run_tables``); built here if not given. A run
        builds them once.

    Returns
    -------
    numpy.ndarray
        float64[n, len(layout.keys)], columns in the layout's order, in the inputs' units.
    """
    static = np.empty((n, len(layout.keys))) if out is None else out
    if tables is None:
        tables = run_tables(inputs, layout)
    for column, key in enumerate(layout.keys):
        if inputs[key].is_fixed:
            static[:, column] = inputs[key].sample(None, n)
    uniforms = fill_uniforms(method, block_seed, tables, np.empty((n, len(tables.columns))))
    # compiled and free of the GIL: the blocks of a pool draw in parallel
    fill_static(uniforms, tables.nodes, tables.columns, tables.low, tables.high, tables.whole, static)
    if correlation is not None:
        rng = _stream(block_seed, CORRELATION)
        for lo, hi in replicate_bounds(n):
            impose(static[lo:hi], correlation, rng)
    return static


__all__ = ["CORRELATION", "ENVIRONMENT", "EVENTS", "LIFECYCLE", "REPLICATE", "SOBOL", "StaticTables",
           "block_seeds", "draw_environment", "draw_static", "fill_uniforms", "kernel_generators",
           "replicate_bounds", "run_tables"]
