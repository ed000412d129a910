"""Where the time of the goals still missed goes: start-up imports and the report.

    python -m benchmarks.profile

Two tables, each measured in fresh processes on a warm Numba cache:

- **start-up**: ``python -X importtime -m sim scenarios=10000 report=false``, the
  time spent executing each top-level package's modules (Python's own import timer,
  whoever imported them), beside the command's wall time; what is left is the
  interpreter, composing the configuration, Numba's cache, simulating, summarising
  and writing.
- **report**: ``python -m sim.report``'s steps in one process, without the forked
  helper, as CPU seconds: each import, the read of results.nc, each picture built
  (artists, and the data they need) and drawn (rasterised and PNG-encoded), and
  report.md.
"""

import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.run import machine

# Packages whose import is a share of the start-up worth naming; the rest is "other".
NAMED = ("hydra", "omegaconf", "numpy", "numba", "llvmlite", "scipy", "xarray", "pandas", "h5netcdf", "h5py",
         "matplotlib", "tqdm", "yaml", "sim", "kernels")


def import_times(stderr):
    """Import seconds by top-level package, from ``-X importtime`` output.

    Each module's own ("self") time goes to its top-level package, so a package's
    figure is the time spent executing its modules, whoever imported them.
    """
    by_package = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line[len("import time:"):].split("|")
        if not own.strip().isdigit():
            continue  # the header line
        package = name.strip().split(".")[0]
        by_package[package if package in NAMED else "other"] += int(own) / 1e6
    return dict(by_package)


def startup_profile(repeats=3):
    """Wall seconds of a cached 10^4 run and its import seconds by package (medians)."""
    walls, imports = [], defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(repeats):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sim", "scenarios=10000", "report=false",
                                   f"hydra.run.dir={Path(scratch) / str(attempt)}"],
                                  capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - start)
            for package, seconds in import_times(done.stderr).items():
                imports[package].append(seconds)
    median = lambda values: sorted(values)[len(values) // 2]  # noqa: E731
    return median(walls), {package: median(values) for package, values in imports.items()}


_REPORT_STEPS = """
import json, sys, time
from pathlib import Path
steps = []
def timed(what, work):
    start = time.process_time()
    out = work()
    steps.append((what, time.process_time() - start))
    return out
timed("import xarray (and pandas)", lambda: __import__("xarray"))
timed("import matplotlib.pyplot", lambda: __import__("matplotlib.pyplot"))
timed("import sim.inputs.schema (OmegaConf, the schema)", lambda: __import__("sim.inputs.schema"))
from sim.report import figures
from sim.report import pictures as plots
from sim.report import document as report
from sim.io.netcdf import read_results
run_dir = Path(sys.argv[1])
results = timed("read results.nc", lambda: read_results(run_dir / "results.nc"))
summary = json.loads(results.attrs["summary"])
for name in plots.drawable(results):
    figure = timed(f"{name}: build", lambda: plots.PICTURES[name](results, summary))
    timed(f"{name}: draw and encode", lambda: figures.png_bytes(figure))
timed("report.md", lambda: report.render(results, summary))
print(json.dumps(steps))
"""


def report_profile(run_dir):
    """CPU seconds of each step of ``python -m sim.report RUN_DIR``, in one process."""
    done = subprocess.run([sys.executable, "-c", _REPORT_STEPS, str(run_dir)], capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main():
    """Print both profiles (``benchmarks.goals`` prints them after its table)."""
    wall, imports = startup_profile()
    print("\nWhere a cached `python -m sim scenarios=10000 report=false` spends its time, medians of 3 "
          "(`-X importtime`, whose own overhead is included):\n")
    print("| step | seconds |")
    print("| --- | ---: |")
    for package, seconds in sorted(imports.items(), key=lambda item: -item[1]):
        who = "other packages'" if package == "other" else f"{package}'s"
        print(f"| executing {who} modules on import | {seconds:.2f} |")
    print(f"| everything else (interpreter, composing, Numba's cache, simulating, writing) "
          f"| {wall - sum(imports.values()):.2f} |")
    print(f"| **wall time** | **{wall:.2f}** |")
    with tempfile.TemporaryDirectory() as scratch:
        run_dir = Path(scratch) / "run"
        subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={run_dir}", "report=false"],
                       capture_output=True, check=True)
        steps = report_profile(run_dir)
    print("\nWhere `python -m sim.report` of the default run spends its time, CPU seconds in one process "
          "(the run splits the pictures between two):\n")
    print("| step | CPU s |")
    print("| --- | ---: |")
    for what, seconds in steps:
        print(f"| {what} | {seconds:.2f} |")
    print(f"| **total** | **{sum(seconds for _, seconds in steps):.2f}** |", flush=True)


if __name__ == "__main__":
    print(f"Machine: {machine()}")
    main()
