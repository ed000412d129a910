"""Benchmark: calibrating a workload from three years of daily OpenAI usage buckets (goal: under 2 s).

    python -m benchmarks.calibrate

The export holds 1,096 daily buckets (2024-01-01 to 2026-12-31) of two models, in
pages of 31 buckets as JSON Lines (``tests.sim.calibrate.samples``). The command is
``python -m sim.calibrate FILE --model ... --holdout 6`` in a fresh process: reading,
the fit, the backtest, the preset and both pictures; its wall time is the median of
five (and the slowest), beside its CPU time (user + system): on a shared machine the
wall time also counts the waits for a core. The phases are then timed in this process,
the modules already imported.
"""

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from benchmarks.run import machine
from tests.sim.calibrate.samples import daily_calls, gbm_path, openai_pages, write_jsonl

REPEATS = 5
GOAL_SECONDS = 2.0
FIRST, LAST = date(2024, 1, 1), date(2026, 12, 31)
MODEL, OTHER = "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14"


def three_years(path):
    """Write the export; returns its number of buckets."""
    months = [f"{year}-{month:02d}" for year in (2024, 2025, 2026) for month in range(1, 13)]
    calls = gbm_path(len(months), 0.03, 0.1, 2e5, seed=3)
    days = daily_calls(FIRST, LAST, dict(zip(months, calls, strict=True)))
    pages = openai_pages({MODEL: days, OTHER: {day: max(1, n // 40) for day, n in days.items()}})
    write_jsonl(path, pages)
    return sum(len(page["data"]) for page in pages)


def command(export, directory):
    return [sys.executable, "-m", "sim.calibrate", str(export), "--model", MODEL, "--holdout", "6", "--force",
            "--out-dir", str(directory), "--pictures-dir", str(directory / "pictures")]


def main():
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        export = scratch / "usage.jsonl"
        buckets = three_years(export)
        walls, cpus = [], []
        for _ in range(REPEATS):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command(export, scratch), check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        phases = in_process(export)
    print(f"Machine: {machine()}; {datetime.now(timezone.utc):%Y-%m-%d}")
    print(f"Export: {buckets:,} daily buckets of 2 models, {export.name} {FIRST} to {LAST}\n")
    print("| what | goal | measured |")
    print("| --- | --- | --- |")
    median = statistics.median(walls)
    print(f"| `python -m sim.calibrate` (fresh process), median of {REPEATS} | < {GOAL_SECONDS:g} s |"
          f" {median:.2f} s wall (slowest {max(walls):.2f} s), {statistics.median(cpus):.2f} s CPU:"
          f" {'met' if median < GOAL_SECONDS else 'NOT met'} |")
    for name, seconds in phases.items():
        print(f"| in process: {name} | | {seconds * 1000:.0f} ms |")


def in_process(export):
    """Seconds of each phase, modules imported."""
    from sim.calibrate.history import read_history
    from sim.calibrate.picture import pictures
    from sim.calibrate.preset import WORKLOAD_DIR, calibrate, load_base, preset_text

    times = {}
    start = time.perf_counter()
    history = read_history(export, model=MODEL)
    times["read the export"] = time.perf_counter() - start
    start = time.perf_counter()
    calibration = calibrate(history, holdout=6)
    text = preset_text(calibration, base_name="support-bot", base=load_base("support-bot", [WORKLOAD_DIR]),
                       command="benchmark", today="2026-12-31")
    times["fit, backtest and preset"] = time.perf_counter() - start
    start = time.perf_counter()
    pictures(calibration, 24)
    times["draw both pictures"] = time.perf_counter() - start
    assert text.startswith("#")
    return times


if __name__ == "__main__":
    main()
