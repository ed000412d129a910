"""What ``python -m benchmarks.run`` measured, with where and when: ``benchmarks/results.json``.

The benchmark prints Markdown tables; ``record`` copies what it prints while it runs
and writes it, split into text and tables, beside the machine (CPU, cores, memory, OS,
Python, NumPy, Numba), the start and end (UTC), the git commit, the load average
before and after, and the exact command. ``benchmarks.page`` renders that file for
the documentation, so that no number on the performance page is typed by hand.
"""

import io
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from contextlib import redirect_stdout
from datetime import datetime, timezone
from pathlib import Path

import numba
import numpy as np

from sim.io.files import write_json

RESULTS = Path(__file__).resolve().parent / "results.json"
FORMAT = 1  # bump when the file's layout changes, so that the page can refuse an old one


def cpu_model():
    """The CPU's model name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_bytes():
    """Total memory in bytes (/proc/meminfo's MemTotal), None where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def operating_system():
    """The distribution's name (os-release) and the kernel, e.g. 'Debian GNU/Linux 12, Linux 6.1.0-x86_64'."""
    try:
        name = platform.freedesktop_os_release().get("PRETTY_NAME")
    except OSError:
        name = None
    kernel = f"{platform.system()} {platform.release()} ({platform.machine()})"
    return f"{name}, {kernel}" if name else kernel


def machine_info():
    """The machine and software the numbers were measured on."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "memory_bytes": memory_bytes(),
            "os": operating_system(), "python": platform.python_version(),
            "numpy": np.__version__, "numba": numba.__version__}


def git_commit(directory=None):
    """``{"commit": sha, "dirty": bool}`` of the checkout holding ``directory`` (this package's),
    ``commit`` None outside a git checkout. ``dirty``: tracked files changed since that commit."""
    where = str(directory or Path(__file__).resolve().parent)
    try:
        sha = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _cells(line):
    return [cell.strip() for cell in line.strip()[1:-1].split("|")]


def parse_output(text):
    """The benchmark's printed output as blocks, in order.

    A block is a run of non-blank lines. One whose every line starts with ``|`` is a
    Markdown table: ``{"kind": "table", "header": [...], "align": [...], "rows": [[...]]}``,
    ``align`` "left" or "right" per column (``---:`` is right); the cells are the printed
    strings, units and all. Any other block is ``{"kind": "text", "text": ...}``.
    """
    blocks, lines = [], []

    def close():
        if not lines:
            return
        if all(line.lstrip().startswith("|") for line in lines) and len(lines) >= 2:
            align = ["right" if cell.endswith(":") and not cell.startswith(":") else "left"
                     for cell in _cells(lines[1])]
            blocks.append({"kind": "table", "header": _cells(lines[0]), "align": align,
                           "rows": [_cells(line) for line in lines[2:]]})
        else:
            blocks.append({"kind": "text", "text": "\n".join(lines)})
        lines.clear()

    for line in text.splitlines():
        if line.strip():
            lines.append(line.rstrip())
        else:
            close()
    close()
    return blocks


class _Tee(io.TextIOBase):
    """Writes to the terminal and keeps a copy."""

    def __init__(self, terminal):
        self.terminal, self.copy = terminal, io.StringIO()

    def write(self, text):
        self.copy.write(text)
        return self.terminal.write(text)

    def flush(self):
        self.terminal.flush()


def utc_now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def load(path=RESULTS):
    """The runs recorded in ``path``: a list, empty if there is no file yet."""
    path = Path(path)
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: format {data.get('format')!r}, this code reads format {FORMAT}")
    return data["runs"]


def record(measure, argv, mode, output=RESULTS):
    """Run ``measure()`` (which prints the benchmark's tables), echo what it prints, and
    record it with the machine, the times, the commit and the command in ``output``.

    ``argv``: the command line's arguments after ``python -m benchmarks.run``; ``mode``:
    which measurements they ask for (e.g. "full", "portfolio"). The file keeps one run
    per mode: this run replaces an earlier one of the same mode, in its place, and
    leaves the others. Nothing is written if ``measure`` raises: a failed run does not
    replace a complete one. Returns what ``measure`` returns.
    """
    # the commit before measuring: the checkout may move on while a long run goes on
    load_before, started, wall, git = os.getloadavg(), utc_now(), time.perf_counter(), git_commit()
    tee = _Tee(sys.stdout)
    with redirect_stdout(tee):
        returned = measure()
    run = {"mode": mode, "command": shlex.join(["python", "-m", "benchmarks.run", *argv]),
           "started_utc": started, "finished_utc": utc_now(), "seconds": round(time.perf_counter() - wall, 1),
           "load_average_before": [round(x, 2) for x in load_before],
           "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "machine": machine_info(), "git": git, "blocks": parse_output(tee.copy.getvalue())}
    runs = load(output)
    modes = [earlier["mode"] for earlier in runs]
    if mode in modes:
        runs[modes.index(mode)] = run
    else:
        runs.append(run)
    write_json({"format": FORMAT, "runs": runs}, output)  # atomically, as a run's summary.json
    return returned


__all__ = ["RESULTS", "git_commit", "load", "machine_info", "parse_output", "record"]
