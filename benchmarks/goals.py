"""The speed and size goals of issues #15 and #16 beside what this machine measures now.

    python -m benchmarks.run --goals

One table, one row a goal: what is measured, the goal, the value measured in this
run, met or not. A command is ``python -m sim`` in a fresh process with a warm
Numba cache; its wall time is the median of five. Kernel throughputs are the
fastest of three in this process (``sim.engine.simulate``, 2 threads on 2 cores).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.run import ANSWER, elapsed, settings_for
from sim.engine import simulate

REPEATS = 5


def command_time(args, repeats=REPEATS, module="sim"):
    """Median wall time (s) of ``python -m MODULE ARGS`` in a fresh process; any exit code."""
    walls = []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(repeats):
            run_dir = Path(scratch) / str(attempt)
            extra = [f"hydra.run.dir={run_dir}"] if module == "sim" else []
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", module, *extra, *args], capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def throughput(scenarios, horizon, sampling, repeats=3):
    """Fastest of ``repeats`` in-process runs, M scenario-months per second."""
    settings = settings_for(scenarios, horizon, f"sampling={sampling}")
    simulate(settings, progress=False)  # the cache, and the pages of the worker arrays
    best = min(elapsed(lambda: simulate(settings, progress=False)) for _ in range(repeats))
    return scenarios * horizon / best / 1e6


def same_for_any_thread_count(scenarios=100_000, horizon=36):
    """Whether 1 and 2 threads give bit-identical per-scenario outputs and totals."""
    runs = []
    for threads in (1, 2):
        settings = settings_for(scenarios, horizon, f"threads={threads}")
        runs.append(simulate(settings, progress=False))
    one, two = runs
    arrays = ("cost", "cost_fixed", "cost_slope", "payback", "beats", "replicate_beats", "replicate_totals")
    return all(np.array_equal(getattr(one, name), getattr(two, name)) for name in arrays)


def default_run():
    """Wall time of the default run, with and without its report, its sim.report, and results.nc's size."""
    with tempfile.TemporaryDirectory() as scratch:
        run_dir = Path(scratch) / "default"
        subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}"], capture_output=True, check=True)
        size = (run_dir / "results.nc").stat().st_size / 1e6
        redraw = command_time([str(run_dir)], repeats=3, module="sim.report")
    with_report = command_time([], repeats=3)
    without = command_time(["report=false"], repeats=3)
    return with_report, without, redraw, size


def answer_times(cap=4_000_000):
    """Wall time of the precision question under mc and under the default sampling."""
    walls = {}
    for method in ("mc", "auto"):
        walls[method] = command_time([*ANSWER, f"scenarios={cap}", f"sampling={method}", "report=false"], repeats=3)
    return walls


def _row(what, goal, measured, met):
    print(f"| {what} | {goal} | {measured} | {'yes' if met else '**no**'} |", flush=True)


def main():
    print("\n| goal | target | measured | met |")
    print("| --- | --- | ---: | --- |")
    for args, what in ((["--help"], "`payback --help`"), (["--cfg", "job"], "`payback --cfg job`"),
                       (["scenarios=oops"], "a refused input (`scenarios=oops`)")):
        wall = command_time(args)
        _row(f"{what}, median of {REPEATS}", "≤ 1.0 s", f"{wall:.2f} s", wall <= 1.0)
    wall = command_time(["scenarios=10000", "report=false"])
    _row(f"cached 10^4 run, `report=false`, median of {REPEATS}", "≤ 1.5 s (stretch ≤ 1.0)", f"{wall:.2f} s",
         wall <= 1.5)
    for horizon, goal in ((36, 35), (120, 45)):
        for sampling in ("mc", "auto"):
            rate = throughput(10**6, horizon, sampling)
            _row(f"kernel, 10^6 × {horizon}, `sampling={sampling}`", f"≥ {goal} M scenario-months/s",
                 f"{rate:.1f} M/s", rate >= goal)
    _row("1 and 2 threads, 10^5 × 36", "bit for bit", "identical" if same_for_any_thread_count() else "differ",
         same_for_any_thread_count())
    with_report, without, redraw, size = default_run()
    report = with_report - without
    _row("report of the default run (pictures + report.md): run with report minus run without, medians of 3",
         "≤ 1.5 s", f"{report:.2f} s ({with_report:.2f} − {without:.2f})", report <= 1.5)
    _row("`python -m sim.report` of the default run against the run it redraws (`report=false`)",
         "not slower", f"{redraw:.2f} s against {without:.2f} s", redraw <= without)
    _row("results.nc of the default run (100,000 scenarios)", "≤ 5 MB", f"{size:.1f} MB", size <= 5.0)
    walls = answer_times()
    ratio = walls["mc"] / walls["auto"]
    _row("time to answer (±0.001 on P, ±1% on mean savings), default sampling, median of 3", "≤ 3 s",
         f"{walls['auto']:.2f} s", walls["auto"] <= 3.0)
    _row("time to answer, plain MC against the default", "≥ 5× less", f"{ratio:.1f}× ({walls['mc']:.2f} s)",
         ratio >= 5.0)
    print(f"\n(load average when done: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
