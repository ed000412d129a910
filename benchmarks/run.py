"""Benchmark: kernel against the NumPy reference, end-to-end runs, JIT cache, memory.

    python -m benchmarks.run            # the full table (about 10 minutes on 2 cores)
    python -m benchmarks.run --quick    # up to 10^6 scenarios, about 6 minutes with the last tables
    python -m benchmarks.run --answer   # only the time-to-answer table
    python -m benchmarks.run --goals    # only the goals of issues #15 and #16 (benchmarks.goals)
    python -m benchmarks.run --report   # only the report's speed (about a minute)
    python -m benchmarks.run --routes   # only the engine with 1, 3 and 6 routes (about a minute)
    python -m benchmarks.run --evppi    # only the value of information at 10^5 and 10^6 scenarios
    python -m benchmarks.run --portfolio  # only a portfolio of 20 workloads x 10^5 x 24 months
    python -m benchmarks.run --output PATH  # record to PATH, not benchmarks/results.json

Prints Markdown tables measured in this one run on this machine, and records them with
the machine, the date, the commit and the command in benchmarks/results.json
(``benchmarks.record``; the documentation's performance page is rendered from it). Throughput is in
scenario-months per second of the full model with the default's three routes (and six
in the routes table): drawing the static inputs, the month loop and the per-block
totals, for the engine and the reference alike (both plain Monte Carlo,
``sampling=mc``, in the engine-against-reference table).
"""

import argparse
import functools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf, open_dict

from benchmarks.record import RESULTS, record
from sim.cli.payback import CONFIG_DIR
from sim.inputs.validation import validate
from sim.simulation.engine import simulate
from sim.simulation.reference import simulate_reference
from sim.simulation.sampling import draw_static

REFERENCE_LIMIT = 10**6  # the reference holds ~40 arrays of n floats: beyond this it is minutes

# A second route of each kind beside the default three, each on a sheet of its own: the
# six routes timed against the default's three (``routes_scaling``).
MORE_ROUTES = {
    "prompt-4o": {"kind": "prompt", "pricing": "openai-gpt-4o-mini"},
    "ft-azure": {"kind": "finetune", "pricing": "azure-openai-gpt-4.1-mini"},
    "rag-41": {"kind": "rag", "pricing": "openai-gpt-4.1-mini"},
}


def settings_for(scenarios, horizon, *overrides, routes=None):
    """The default configuration validated, with ``overrides`` and, if given, ``routes``
    (a mapping as in ``conf/routes/``) added to its routes, as a routes preset would."""
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config",
                      overrides=[f"scenarios={scenarios}", f"horizon_months={horizon}", "report=false", *overrides])
    if routes:
        with open_dict(cfg):
            cfg = OmegaConf.merge(cfg, {"routes": routes})
        OmegaConf.set_struct(cfg, True)
    return validate(cfg)


def elapsed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_engine(settings):
    simulate(settings, progress=False)


def run_reference(settings):
    static = draw_static(settings.inputs, settings.layout, np.random.SeedSequence(settings.seed), settings.scenarios)
    simulate_reference(static, settings, np.random.default_rng(settings.seed))


def best_times(settings, repeats):
    """Fastest of ``repeats`` runs of the engine and of the reference, taken in turns.

    The machine's speed drifts by tens of percent from minute to minute (shared
    hosts): alternating the two and keeping each one's fastest run compares them
    under the same conditions.
    """
    with_reference = settings.scenarios <= REFERENCE_LIMIT
    engine, reference = math.inf, math.inf
    for _ in range(repeats):
        engine = min(engine, elapsed(lambda: run_engine(settings)))
        if with_reference:
            reference = min(reference, elapsed(lambda: run_reference(settings)))
    return engine, (reference if with_reference else None)


# What ``routes_scaling`` times: a sampling method and the per-scenario rows kept (None:
# the default, every one of 10^6); 8,192 kept rows leave the kernel and the totals.
ROUTES_CASES = (("mc", None), ("mc", 8192), ("auto", None))


def timed(function):
    """Wall and CPU seconds (this process, every thread) of one call of ``function``."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def routes_scaling(scenarios=10**6, horizon=36, repeats=3, cases=ROUTES_CASES):
    """The engine with the default 3 routes, with 6 (``MORE_ROUTES`` added) and with the
    baseline alone (what every route shares, and the baseline's costs).

    The volume path, the shutdown, the market index and every shared static input are
    drawn once per scenario whatever the routes; a route adds its own cost loop (a
    fine-tune its lifecycle's draws), the columns of its sheet's prices, its comparisons
    with the others and its per-scenario rows (``kept_scenarios`` of them, about 60
    bytes each, whose pages this virtual machine is slow to touch the first time).
    Timed as the engine's table is (``simulate`` in this process, the whole run: static
    draws, month loop, per-block totals), each configuration run once untimed first
    (Numba's cache), then 1, 3 and 6 routes in turns; wall and CPU time the fastest of
    ``repeats`` each (CPU time minds less what else the shared host runs).

    Returns
    -------
    dict
        ``{(method, kept, routes): (wall, cpu)}`` in seconds, ``routes`` 1, 3 or 6;
        ``kept`` as in ``cases``.
    """
    print(f"\nThe engine with 1, 3 and 6 routes, {scenarios:,} scenarios x {horizon} months, one thread per core,"
          f" fastest of {repeats}; load average {os.getloadavg()[0]:.2f} at the start\n")
    print("| sampling | kept rows | routes | wall s | CPU s | M scenario-months/s (wall) | against 3 routes: wall, CPU |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    seconds = {}
    for method, kept in cases:
        extra = [f"sampling={method}"] + ([f"kept_scenarios={kept}"] if kept is not None else [])
        runs = {1: settings_for(scenarios, horizon, *extra, "~routes.finetune", "~routes.rag"),
                3: settings_for(scenarios, horizon, *extra),
                6: settings_for(scenarios, horizon, *extra, routes=MORE_ROUTES)}
        for settings in runs.values():
            run_engine(settings)
        best = {n: (math.inf, math.inf) for n in runs}
        for _ in range(repeats):
            for n, settings in runs.items():
                wall, cpu = timed(functools.partial(run_engine, settings))
                best[n] = (min(best[n][0], wall), min(best[n][1], cpu))
        for n, settings in runs.items():
            seconds[method, kept, n] = best[n]
            (wall, cpu), (wall3, cpu3) = best[n], best[3]
            names = ", ".join(route.name for route in settings.routes)
            rows = min(scenarios, settings.kept_scenarios or scenarios)
            ratio = f"{wall / wall3:.2f}x, {cpu / cpu3:.2f}x" if n != 3 else ""
            print(f"| {method} | {rows:,} | {n}: {names} | {wall:.2f} | {cpu:.2f}"
                  f" | {scenarios * horizon / wall / 1e6:.1f} | {ratio} |", flush=True)
    return seconds


# The child reports its own peak resident memory (VmHWM). rusage's ru_maxrss would not
# do: a forked child inherits the parent's high-water mark, and exec keeps it.
_CHILD = """
import atexit, runpy, sys
def report():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("PEAK_KIB " + line.split()[1] + "\\n")
atexit.register(report)
sys.argv = ["sim", *sys.argv[1:]]
runpy.run_module("sim", run_name="__main__")
"""


def run_cli(args, env=None, summary=False):
    """Wall time and peak resident memory (MiB) of one ``python -m sim`` process.

    With ``summary``, also the run's summary.json as a dict.
    """
    with tempfile.TemporaryDirectory() as run_dir:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _CHILD, f"hydra.run.dir={run_dir}", *args],
                              capture_output=True, text=True, env={**os.environ, **(env or {})})
        wall = time.perf_counter() - start
        written = json.loads((Path(run_dir) / "summary.json").read_text()) if summary and done.returncode == 0 else None
    if done.returncode != 0 or "PEAK_KIB" not in done.stderr:
        raise RuntimeError(done.stderr)
    measured = (wall, int(done.stderr.rsplit("PEAK_KIB", 1)[1].split()[0]) / 1024)
    return (*measured, written) if summary else measured


ANSWER = ("precision.p_beats=0.001", "precision.savings=0.01")


def time_to_answer(cap=4_000_000):
    """Wall time of ``python -m sim`` to +-0.001 on each P(beats prompting) and +-1% on each
    mean savings, with plain MC and with the default sampling, warm Numba cache."""
    print("\nTime to answer: +-0.001 on each P(beats prompting) and +-1% on each mean savings,"
          " default model, 24 months, `python -m sim` end to end\n")
    print("| sampling | scenarios used | met | wall time |")
    print("| --- | ---: | --- | ---: |")
    walls = {}
    for method in ("mc", "auto"):
        wall, _, summary = run_cli([*ANSWER, f"scenarios={cap}", f"sampling={method}", "report=false"],
                                   summary=True)
        precision = summary["precision"]
        walls[method] = wall
        print(f"| {method} | {precision['scenarios_used']:,} | {'yes' if precision['met'] else 'no'}"
              f" | {wall:.1f} s |", flush=True)
    print(f"\nThe default answers {walls['mc'] / walls['auto']:.1f}x sooner than plain MC"
          " (goal: at least 5x, and within 3 s).")
    return walls


# The report phase as it runs inside `python -m sim`: a process that has imported
# what the run imports and holds its results, timed from importing sim.report.document
# (matplotlib with it) to report.md written.
_REPORT_PHASE = """
import json, sys, time
from pathlib import Path
import sim.pipeline
from sim.io.netcdf import read_results
run_dir = Path(sys.argv[1])
results = read_results(run_dir / "results.nc")
summary = json.loads((run_dir / "summary.json").read_text())
start = time.perf_counter()
from sim.report.document import write_report
write_report(results, summary, run_dir)
print(time.perf_counter() - start)
"""


def wall(command):
    """Wall time of one command, seconds; raises with its stderr if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return time.perf_counter() - start, done.stdout


def report_speed(runs=5):
    """The default run's report phase, and `python -m sim.report` against the run it redraws.

    Medians of ``runs``, warm (Numba's cache filled, the files in the page cache); the
    redraw and the run without report are timed in turns, so that the shared host's
    drift weighs on both alike.

    Returns
    -------
    dict
        ``phase``, ``redraw`` and ``run`` (the run without report) in seconds, and
        ``results_mb``, the size of the default run's results.nc (10^6 bytes).
    """
    print("\nThe report, default run (100,000 scenarios x 24 months), medians of "
          f"{runs} warm runs; load average {os.getloadavg()[0]:.2f} at the start\n")
    print("| report | goal | measured |")
    print("| --- | --- | ---: |")
    with tempfile.TemporaryDirectory() as parent:
        run_dir, scratch = Path(parent) / "run", Path(parent) / "scratch"
        wall([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "report=false"])
        phases = [float(wall([sys.executable, "-c", _REPORT_PHASE, str(run_dir)])[1]) for _ in range(runs)]
        redraws, runs_without = [], []
        for _ in range(runs):
            redraws.append(wall([sys.executable, "-m", "sim.report", str(run_dir)])[0])
            runs_without.append(wall([sys.executable, "-m", "sim", f"hydra.run.dir={scratch}", "report=false",
                                      "overwrite=true"])[0])
        results_mb = (run_dir / "results.nc").stat().st_size / 1e6
    print(f"| report phase of `python -m sim` (8 pictures + report.md, matplotlib's import included) "
          f"| <= 1.5 s | {statistics.median(phases):.2f} s |")
    print(f"| `python -m sim.report RUN_DIR` | <= `python -m sim report=false`: "
          f"{statistics.median(runs_without):.2f} s | {statistics.median(redraws):.2f} s |", flush=True)
    return {"phase": statistics.median(phases), "redraw": statistics.median(redraws),
            "run": statistics.median(runs_without), "results_mb": results_mb}


def machine():
    cpu = "unknown CPU"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, Numba {numba.__version__}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="stop at 10^6 scenarios")
    parser.add_argument("--answer", action="store_true", help="only the time-to-answer table")
    parser.add_argument("--goals", action="store_true", help="only the table of goals against measured values")
    parser.add_argument("--report", action="store_true", help="only the report's speed")
    parser.add_argument("--routes", action="store_true", help="only the engine with 3 routes against 6")
    parser.add_argument("--analysis", action="store_true", help="only the analysis of 10^6 scenarios against"
                                                                " their simulation")
    parser.add_argument("--evppi", action="store_true", help="only the value of information's speed")
    parser.add_argument("--portfolio", action="store_true", help="only a portfolio of 20 workloads' speed")
    parser.add_argument("--output", type=Path, default=RESULTS, metavar="PATH",
                        help="where to record what was measured (default: benchmarks/results.json)")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    modes = [name for name in ("quick", "answer", "goals", "report", "routes", "analysis", "evppi", "portfolio")
             if getattr(args, name)]
    record(functools.partial(measure, args), argv, "+".join(modes) or "full", args.output)


def measure(args):
    """Measure what ``args`` (``main``'s parsed flags) asks for, printing its tables."""
    from benchmarks import goals  # here: it imports this module's helpers

    if args.goals:
        print(f"Machine: {machine()}")
        simulate(settings_for(1000, 12), progress=False)
        goals.main()
        return
    if args.answer:
        print(f"Machine: {machine()}")
        simulate(settings_for(1000, 12), progress=False)
        time_to_answer()
        return
    if args.report:
        print(f"Machine: {machine()}")
        simulate(settings_for(1000, 12), progress=False)
        report_speed()
        return
    if args.routes:
        print(f"Machine: {machine()}")
        routes_scaling()
        return
    if args.analysis:
        from benchmarks.analysis import analysis_against_simulation  # it imports this module's helpers

        print(f"Machine: {machine()}")
        analysis_against_simulation()
        return
    if args.evppi:
        from benchmarks.evppi import evppi_speed

        print(f"Machine: {machine()}")
        evppi_speed()
        return
    if args.portfolio:
        from benchmarks.portfolio import portfolio_speed

        print(f"Machine: {machine()}")
        portfolio_speed()
        return
    sizes = [10**4, 10**5, 10**6] + ([] if args.quick else [10**7])
    horizons = [12, 36, 120]
    print(f"Machine: {machine()}\n")

    simulate(settings_for(1000, 12), progress=False)  # compile (or load the cache) first
    print("`sampling=mc`, the reference's own method:\n")
    print("| scenarios | months | engine (M scenario-months/s) | reference (M/s) | engine / reference |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for horizon in horizons:
        for scenarios in sizes:
            if args.quick and scenarios * horizon > 36 * 10**6:
                continue
            settings = settings_for(scenarios, horizon, "sampling=mc")  # the reference's own method
            work = scenarios * horizon / 1e6
            engine_time, reference_time = best_times(settings, repeats=3 if scenarios <= 10**6 else 1)
            engine = work / engine_time
            if reference_time is not None:
                reference = work / reference_time
                cells = f"{reference:.2f} | {engine / reference:.1f}x"
            else:
                cells = "— | —"
            print(f"| {scenarios:,} | {horizon} | {engine:.1f} | {cells} |", flush=True)
    routes_scaling()

    print("\n| end to end (`python -m sim`, report=false) | wall time | peak memory |")
    print("| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as cache:
        cold = run_cli(["scenarios=10000", "report=false"], env={"NUMBA_CACHE_DIR": cache})
        warm = [run_cli(["scenarios=10000", "report=false"], env={"NUMBA_CACHE_DIR": cache}) for _ in range(5)]
    times = sorted(wall for wall, _ in warm)
    print(f"| 10^4 scenarios x 24 months, first run (JIT compile) | {cold[0]:.1f} s | {cold[1]:.0f} MiB |")
    print(f"| 10^4 scenarios x 24 months, later runs (Numba cache hit), median of 5 "
          f"(fastest {times[0]:.1f} s, slowest {times[-1]:.1f} s) | {times[2]:.1f} s | {warm[0][1]:.0f} MiB |")
    for scenarios in [10**6] + ([] if args.quick else [10**7]):
        wall, memory = run_cli([f"scenarios={scenarios}", "horizon_months=36", "report=false"])
        print(f"| {scenarios:,} scenarios x 36 months | {wall:.1f} s | {memory:.0f} MiB |", flush=True)
    goals.main(answer=time_to_answer(), report=report_speed())


if __name__ == "__main__":
    main()
