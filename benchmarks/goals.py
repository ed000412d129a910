"""The speed and size goals of issues #15 and #16 beside what this machine measures now.

    python -m benchmarks.run --goals

One table, one row a goal: what is measured, the goal, the value measured in this
run, met or not. A command is ``python -m sim`` in a fresh process with a warm
Numba cache; its wall time is the median of five. Kernel throughputs are the
fastest of three in this process (``sim.simulation.engine.simulate``, 2 threads on 2 cores).
The report's rows and the time to answer are ``benchmarks.run``'s ``report_speed``
and ``time_to_answer`` (one run of each sampling method), whose tables come first.
After the table, ``benchmarks.profile`` shows where the start-up's and the report's
time goes.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import profile
from benchmarks.run import elapsed, report_speed, settings_for, time_to_answer
from sim.simulation.engine import simulate

REPEATS = 5


def command_time(args, repeats=REPEATS):
    """Median wall time (s) of ``python -m sim ARGS`` in a fresh process; any exit code."""
    walls = []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={Path(scratch) / str(attempt)}", *args],
                           capture_output=True, text=True)
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


def _row(what, goal, measured, met):
    print(f"| {what} | {goal} | {measured} | {'yes' if met else '**no**'} |", flush=True)


def main(answer=None, report=None):
    """Print the table; ``answer`` and ``report``: what ``time_to_answer`` and
    ``report_speed`` measured in this run already (measured here, their tables printed
    first, when not given)."""
    answer = answer or time_to_answer()
    report = report or report_speed()
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
    _row("report of the default run (pictures + report.md, matplotlib's import included), median of 5",
         "≤ 1.5 s", f"{report['phase']:.2f} s", report["phase"] <= 1.5)
    _row("`python -m sim.report` of the default run against the run it redraws (`report=false`), medians of 5",
         "not slower", f"{report['redraw']:.2f} s against {report['run']:.2f} s", report["redraw"] <= report["run"])
    _row("results.nc of the default run (100,000 scenarios)", "≤ 5 MB", f"{report['results_mb']:.1f} MB",
         report["results_mb"] <= 5.0)
    ratio = answer["mc"] / answer["auto"]
    _row("time to answer (±0.001 on P, ±1% on mean savings), default sampling", "≤ 3 s",
         f"{answer['auto']:.2f} s", answer["auto"] <= 3.0)
    _row("time to answer, plain MC against the default", "≥ 5× less", f"{ratio:.1f}× ({answer['mc']:.2f} s)",
         ratio >= 5.0)
    print(f"\n(load average when done: {os.getloadavg()[0]:.2f})")
    profile.main()


if __name__ == "__main__":
    main()
