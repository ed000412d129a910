"""The sampling floor: what the model's random draws alone cost on this machine.

    python -m benchmarks.floor

MODEL.md asks for, per scenario, one draw of every uncertain static input; per
scenario-month, one volume shock (a normal and an ``exp``) and a price cut with the
market's probability, each with a random size. This times those draws (of a cut,
only its size) with the engine's own samplers, one thread, fastest of several runs,
and adds them up per scenario-month for 12, 36 and 120 months. No cost arithmetic, no lifecycle events
(drift times, base lifetimes, training outcomes) and no output are counted, so any
implementation of the model with these samplers is slower than the floor printed.
"""

import os

import numpy as np

from benchmarks.run import elapsed, machine, settings_for
from kernels.layout import CUTS_PER_YEAR
from kernels.variates import fill_draws, fill_environment
from sim.simulation.engine import BLOCK_SIZE
from sim.simulation.sampling import block_seeds, draw_static, run_tables

BLOCKS = 8  # timed in the engine's blocks, on arrays of the engine's block size
TARGET = 100e6  # issue #5: scenario-months per second
REPEATS = 7


def main():
    settings = settings_for(BLOCKS * BLOCK_SIZE, 120)
    seeds = block_seeds(settings.seed, BLOCKS)
    static = np.empty((BLOCK_SIZE, len(settings.layout.keys)))
    shutdown_draw, shocks, ratios = np.empty(BLOCK_SIZE), np.empty((BLOCK_SIZE, 119)), np.empty((BLOCK_SIZE, 119))
    cut_sizes = np.empty(BLOCK_SIZE)
    rng = np.random.default_rng(settings.seed)
    cut_spec = settings.inputs["market.cut_size"].spec()
    fill_draws(cut_spec, rng, cut_sizes)  # compile or load the cache before timing
    fill_environment(rng, shutdown_draw, shocks[:1])

    def per_block(function):  # seconds per block, the fastest of REPEATS passes over the blocks
        return min(elapsed(lambda: [function(seed) for seed in seeds]) for _ in range(REPEATS)) / BLOCKS

    tables = run_tables(settings.inputs, settings.layout)  # built once a run, as the engine does
    static_ns = per_block(lambda seed: draw_static(settings.inputs, settings.layout, seed, BLOCK_SIZE, out=static,
                                                   tables=tables)) / BLOCK_SIZE * 1e9
    normal_ns = per_block(lambda _: fill_environment(rng, shutdown_draw, shocks)) / shocks.size * 1e9
    exp_ns = per_block(lambda _: np.exp(shocks, out=ratios)) / shocks.size * 1e9
    cut_ns = per_block(lambda _: fill_draws(cut_spec, rng, cut_sizes)) / BLOCK_SIZE * 1e9
    cut_probability = float(np.mean(-np.expm1(-static[:, CUTS_PER_YEAR] / 12.0)))  # a month, from month 2

    cores = os.cpu_count() or 1
    budget = cores / TARGET * 1e9
    print(f"Machine: {machine()}\n")
    print("Default configuration, static inputs by plain Monte Carlo (`sampling=mc`), one thread, fastest of",
          REPEATS, "runs:\n")
    print(f"- static inputs: {static_ns:.0f} ns per scenario")
    print(f"- volume shock: {normal_ns:.1f} ns per normal + {exp_ns:.1f} ns per exp")
    print(f"- price-cut size: {cut_ns:.1f} ns per draw, {cut_probability:.3f} cuts per month\n")
    print(f"100 M scenario-months/s on {cores} cores leaves {budget:.0f} ns per scenario-month per core.\n")
    print("| months | draws alone (ns per scenario-month, one core) | at most (M scenario-months/s, all cores) |")
    print("| ---: | ---: | ---: |")
    for horizon in (12, 36, 120):
        later_months = (horizon - 1) / horizon  # shocks and cuts start in month 2
        floor = static_ns / horizon + (normal_ns + exp_ns + cut_ns * cut_probability) * later_months
        print(f"| {horizon} | {floor:.1f} | {cores / floor * 1e3:.0f} |")


if __name__ == "__main__":
    main()
