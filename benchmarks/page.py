"""The documentation's performance page, rendered from what ``python -m benchmarks.run`` recorded.

``performance_page()`` returns the MyST Markdown body (headings from ``##``) of
``benchmarks/results.json``: for each recorded run, where, when and how it was
measured (machine, date, commit, command, load average), then its tables as printed.
Every number on the page comes from that file.
"""

from pathlib import Path

from benchmarks.record import RESULTS, load

_MODES = {"full": "The full benchmark", "quick": "The quick benchmark"}


def _escape(cell):
    return str(cell).replace("|", "\\|")


def _table(header, rows, align=None):
    align = align or ["left"] * len(header)
    lines = ["| " + " | ".join(_escape(cell) for cell in header) + " |",
             "| " + " | ".join("---:" if side == "right" else "---" for side in align) + " |"]
    lines += ["| " + " | ".join(_escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _gib(size):
    return "unknown" if size is None else f"{size / 2**30:.1f} GiB"


def _load(triple):
    return ", ".join(f"{x:.2f}" for x in triple)


def _when(run):
    # "2026-12-06 22:40:01 to 22:55:13 UTC" (the end's date only when it differs)
    start, end = (run[key].removesuffix("Z").replace("T", " ") for key in ("started_utc", "finished_utc"))
    if end[:10] == start[:10]:
        end = end[11:]
    return f"{start} to {end} UTC ({run['seconds'] / 60:.1f} min)"


def _commit(git):
    if git["commit"] is None:
        return "unknown (not a git checkout)"
    return f"`{git['commit'][:12]}`" + (" with uncommitted changes" if git["dirty"] else "")


def _setting(run):
    machine = run["machine"]
    rows = [("command", f"`{run['command']}`"),
            ("date", _when(run)),
            ("commit", _commit(run["git"])),
            ("CPU", f"{machine['cpu']}, {machine['cores']} cores"),
            ("memory", _gib(machine["memory_bytes"])),
            ("operating system", machine["os"]),
            ("Python, NumPy, Numba", f"{machine['python']}, {machine['numpy']}, {machine['numba']}"),
            ("load average (1, 5, 15 min) before", _load(run["load_average_before"])),
            ("load average (1, 5, 15 min) after", _load(run["load_average_after"]))]
    return _table(["setting", "value"], rows)


def _title(run):
    return _MODES.get(run["mode"], f"`{run['command']}`")


def render_run(run):
    """One recorded run as MyST Markdown: a ``##`` heading, its setting, its blocks in order."""
    parts = [f"## {_title(run)}", _setting(run)]
    for block in run["blocks"]:
        if block["kind"] == "table":
            parts.append(_table(block["header"], block["rows"], block["align"]))
        elif not block["text"].startswith("Machine: "):  # the setting's table says it already
            parts.append(block["text"])
    return "\n\n".join(parts) + "\n"


def performance_page(path=None):
    """The performance page's MyST Markdown body from ``path`` (default benchmarks/results.json).

    One ``##`` section per recorded run (the full benchmark first), each opening with
    the machine, the date (UTC), the commit, the command and the load average, then
    the tables the benchmark printed, with their units as printed.
    """
    runs = load(Path(path) if path else RESULTS)
    if not runs:
        return "## No measurements\n\nNothing is recorded yet: run `python -m benchmarks.run`.\n"
    runs = sorted(runs, key=lambda run: run["mode"] != "full")  # stable: the others in recorded order
    return "\n".join(render_run(run) for run in runs)


__all__ = ["performance_page", "render_run"]
