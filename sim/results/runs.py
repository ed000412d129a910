"""A finished run read back: its ``results.nc``, checked for what its readers use, and its summary."""

import json
from pathlib import Path

from sim.io.files import error_reason
from sim.io.netcdf import read_results
from sim.results import contents as run_contents
from sim.results.legacy import as_routes
from sim.results.summary import summarize


class UnreadableRun(ValueError):
    """A directory without a readable payback ``results.nc``; the message is one line."""


def read_run(run_dir, required=()):
    """A run directory's ``results.nc``, fully in memory, and the run's summary.

    The file is checked for what its readers use (``sim.results.contents``: variables,
    attributes and the summary's keys, each of its kind) before it is returned. A file of
    model 2026-11-29 or earlier is read in the routes' layout (``sim.results.legacy``).

    Parameters
    ----------
    run_dir : path-like
        A run directory.
    required : sequence of str
        Attributes the caller needs besides ``RESULTS_ATTRS``; a file without one is refused.

    Returns
    -------
    results : xarray.Dataset
        The run's ``results.nc`` (costs in USD, discounted to month 1; months from 1).
    summary : dict
        The run's summary, as ``summary.json`` holds it.

    Raises
    ------
    UnreadableRun
        When ``run_dir`` holds no ``results.nc``, or one that is not a readable payback
        results file (truncated, empty, another program's, or missing what is read).
    """
    run_dir = Path(run_dir)
    path = run_dir / "results.nc"
    try:
        if run_dir.is_file():  # runs/a/results.nc for runs/a, say
            raise UnreadableRun(f"{run_dir}: a file, not a run directory; name the directory that holds results.nc")
        if not path.is_file() and (run_dir / "portfolio.nc").is_file():  # payback portfolio=NAME's
            jobs = sorted((p.name for p in run_dir.iterdir() if p.name.isdigit()), key=int)
            raise UnreadableRun(f"{run_dir}: a portfolio's directory, not a run's; each workload's run is a"
                                f" numbered directory in it ({', '.join(jobs[:3]) or 'none'}"
                                f"{', ...' if len(jobs) > 3 else ''})")
        if not path.is_file():
            raise UnreadableRun(f"{run_dir}: not a run directory (no results.nc)")
    except OSError as error:  # a name too long, a directory that cannot be read
        raise UnreadableRun(f"{run_dir}: cannot be read ({error.strerror or error})") from None
    try:
        results = as_routes(read_results(path))
        with_summary = "summary" in results.attrs
        problem = run_contents.results_problem(results, with_summary=with_summary)
        problem = problem or next((f"no attribute {key!r}" for key in required if key not in results.attrs), None)
        if problem is not None:
            raise ValueError(problem)
        if with_summary:
            summary = json.loads(results.attrs["summary"])
            problem = run_contents.summary_problem(summary, [str(r) for r in results.route.values],
                                                   [str(c) for c in results.challenger.values])
            if problem is not None:
                raise ValueError(problem)
        else:  # written before the summary was embedded: it holds every kept row, which give it
            summary = summarize(results)
    except Exception as error:  # truncated, empty or another program's file: any reader error
        raise UnreadableRun(f"{path}: not a readable payback results file ({error_reason(error)})") from None
    return results, summary


__all__ = ["UnreadableRun", "read_run"]
