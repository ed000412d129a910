"""Benchmark: a portfolio of 20 workloads x 10^5 scenarios x 24 months with ``report=false``
through the command line, against issue #29's aim of at most 20 s and 2 GB peak memory on
the development machine, and where the time goes.

    python -m benchmarks.run --portfolio
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

PRESETS = ("support-bot", "doc-extraction", "support-assistant", "startup-launch")
_STAMP = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})\]")


def portfolio_file(workloads, scenarios, horizon):
    """A portfolio of ``workloads`` workloads: the shipped workload presets in turn, each at its own volume."""
    entries = {f"w{i:02d}": {"presets": {"workload": PRESETS[i % len(PRESETS)]},
                             "overrides": {"workload.calls_per_month": 50_000 * (i + 1)}, "route": None}
               for i in range(workloads)}
    return {"shared": {"horizon_months": horizon, "scenarios": scenarios}, "workloads": entries}


def _seconds(line):
    found = _STAMP.match(line)
    return None if found is None else datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()


def phases(log, started):
    """Seconds by phase from a portfolio's console log: before the plan (start-up, checking and
    validating every workload), the jobs (and within them the simulation, the analysis and the
    writing), and adding up."""
    lines = log.splitlines()
    planned = next(_seconds(x) for x in lines if "jobs planned in" in x)
    last_job = max(_seconds(x) for x in lines if "jobs done" in x)
    wrote = max(_seconds(x) for x in lines if "] wrote " in x or "- wrote " in x)

    def total(pattern):
        return sum(float(m.group(1)) for m in (re.search(pattern, x) for x in lines) if m)

    return {"start-up and checking every workload": planned - started,
            "jobs": last_job - planned,
            "  of which simulation": total(r"simulated [\d,]+ of [\d,]+ scenarios \(100%\), ([\d.]+) s elapsed"),
            "  of which analysis": total(r"analysis: done in ([\d.]+) s"),
            "  of which writing": total(r"writing: done in ([\d.]+) s"),
            "adding up and the portfolio's files": wrote - last_job}


def _tree_rss(root):
    # resident bytes of ``root`` and every process under it, from /proc (Linux)
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_sampled(argv, interval=0.2):
    """Run ``argv``; return (CompletedProcess-like stdout+stderr text, return code, wall seconds,
    the largest resident memory of its whole process tree seen at ``interval`` s, bytes)."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.time()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(interval)
        wall = time.time() - started
        out.seek(0)
        return out.read(), process.returncode, wall, peak, started


def portfolio_speed(workloads=20, scenarios=10**5, horizon=24, launchers=("basic", "joblib")):
    """Run the portfolio once per launcher; print a Markdown table and each run's phases."""
    print(f"\nPortfolio of {workloads} workloads x {scenarios:,} scenarios x {horizon} months, report=false"
          f" (aim: <= 20 s, <= 2 GB); load average {os.getloadavg()[0]:.2f} at the start\n")
    print("| launcher | wall | peak memory (every process of the run, sampled every 0.2 s) |")
    print("| --- | ---: | ---: |")
    measured = {}
    with tempfile.TemporaryDirectory() as directory:
        conf = Path(directory) / "conf"
        (conf / "portfolio").mkdir(parents=True)
        (conf / "portfolio" / "bench.yaml").write_text(yaml.safe_dump(portfolio_file(workloads, scenarios, horizon)))
        for launcher in launchers:
            run_dir = Path(directory) / launcher
            argv = [sys.executable, "-m", "sim", f"--config-dir={conf}", "portfolio=bench", "report=false",
                    f"hydra.run.dir={run_dir}"] + ([] if launcher == "basic" else [f"hydra/launcher={launcher}"])
            log, code, wall, peak, started = run_sampled(argv)
            if code != 0:
                print(f"| {launcher} | failed: {log.strip().splitlines()[-1]} | |")
                continue
            measured[launcher] = {"wall": wall, "peak": peak, "phases": phases(log, started)}
            print(f"| {launcher} | {wall:.1f} s | {peak / 2**30:.2f} GiB |")
    for launcher, found in measured.items():
        print(f"\nWhere the time goes ({launcher}):\n")
        for phase, seconds in found["phases"].items():
            print(f"- {phase}: {seconds:.1f} s")
    return measured


__all__ = ["phases", "portfolio_file", "portfolio_speed", "run_sampled"]
