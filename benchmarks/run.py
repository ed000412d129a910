"""Benchmark: kernel against the NumPy reference, end-to-end runs, JIT cache, memory.

    python -m benchmarks.run            # the full table (about 10 minutes on 2 cores)
    python -m benchmarks.run --quick    # up to 10^6 scenarios, a minute or two

Prints Markdown tables measured in this one run on this machine. Throughput is in
scenario-months per second of the full three-strategy model: drawing the static
inputs, the month loop and the per-block totals, for the engine and the reference alike.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np
from hydra import compose, initialize_config_dir

from sim.cli import CONFIG_DIR
from sim.config import validate
from sim.engine import simulate
from sim.reference import simulate_reference
from sim.sampling import draw_static

REFERENCE_LIMIT = 10**6  # the reference holds ~40 arrays of n floats: beyond this it is minutes


def settings_for(scenarios, horizon):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config",
                      overrides=[f"scenarios={scenarios}", f"horizon_months={horizon}", "report=false"])
    return validate(cfg)


def best_of(repeats, function):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def time_kernel(settings):
    repeats = 3 if settings.scenarios <= 10**5 else 1
    return best_of(repeats, lambda: simulate(settings, progress=False))


def time_reference(settings):
    def once():
        static = draw_static(settings.inputs, np.random.SeedSequence(settings.seed), settings.scenarios)
        simulate_reference(static, settings.inputs["market.cut_size"],
                           settings.inputs["finetune.base_lifetime_months"], settings.horizon_months,
                           settings.discount_rate, settings.reprice_on_retrain,
                           np.random.default_rng(settings.seed))
    return best_of(3 if settings.scenarios <= 10**4 else 1, once)


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


def run_cli(args, env=None):
    """Wall time and peak resident memory (MiB) of one ``python -m sim`` process."""
    with tempfile.TemporaryDirectory() as run_dir:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _CHILD, f"hydra.run.dir={run_dir}", *args],
                              capture_output=True, text=True, env={**os.environ, **(env or {})})
        elapsed = time.perf_counter() - start
    if done.returncode != 0 or "PEAK_KIB" not in done.stderr:
        raise RuntimeError(done.stderr)
    return elapsed, int(done.stderr.rsplit("PEAK_KIB", 1)[1].split()[0]) / 1024


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
    args = parser.parse_args(argv)
    sizes = [10**4, 10**5, 10**6] + ([] if args.quick else [10**7])
    horizons = [12, 36, 120]
    print(f"Machine: {machine()}\n")

    simulate(settings_for(1000, 12), progress=False)  # compile (or load the cache) first
    print("| scenarios | months | engine (M scenario-months/s) | reference (M/s) | engine / reference |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for horizon in horizons:
        for scenarios in sizes:
            if args.quick and scenarios * horizon > 36 * 10**6:
                continue
            settings = settings_for(scenarios, horizon)
            work = scenarios * horizon / 1e6
            kernel = work / time_kernel(settings)
            if scenarios <= REFERENCE_LIMIT:
                reference = work / time_reference(settings)
                cells = f"{reference:.2f} | {kernel / reference:.1f}x"
            else:
                cells = "— | —"
            print(f"| {scenarios:,} | {horizon} | {kernel:.1f} | {cells} |", flush=True)

    print("\n| end to end (`python -m sim`, report=false) | wall time | peak memory |")
    print("| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as cache:
        cold = run_cli(["scenarios=10000", "report=false"], env={"NUMBA_CACHE_DIR": cache})
        warm = [run_cli(["scenarios=10000", "report=false"], env={"NUMBA_CACHE_DIR": cache}) for _ in range(5)]
    times = sorted(elapsed for elapsed, _ in warm)
    print(f"| 10^4 scenarios x 24 months, first run (JIT compile) | {cold[0]:.1f} s | {cold[1]:.0f} MiB |")
    print(f"| 10^4 scenarios x 24 months, later runs (Numba cache hit), median of 5 "
          f"(fastest {times[0]:.1f} s, slowest {times[-1]:.1f} s) | {times[2]:.1f} s | {warm[0][1]:.0f} MiB |")
    for scenarios in [10**6] + ([] if args.quick else [10**7]):
        elapsed, memory = run_cli([f"scenarios={scenarios}", "horizon_months=36", "report=false"])
        print(f"| {scenarios:,} scenarios x 36 months | {elapsed:.1f} s | {memory:.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
