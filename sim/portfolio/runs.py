"""A portfolio run in this process: each workload's run, then the portfolio (the Python API;
the command line launches the workloads as jobs of a sweep instead, ``sim.sweep.portfolio``)."""

from pathlib import Path

from sim.pipeline import run
from sim.portfolio.outputs import write_portfolio

WORKLOADS_DIR = "workloads"


def run_portfolio(workloads, output_dir, *, name="portfolio", routes=None, report=True, progress=False):
    """Run every workload of a portfolio, then add them up.

    Parameters
    ----------
    workloads : dict of str to configuration
        Each workload's composed configuration (a mapping or validated Settings), by name.
        They share ``start``, ``horizon_months``, ``discount_rate``, ``seed``, ``scenarios``
        and ``market`` (MODEL.md, "A portfolio of workloads").
    output_dir : path
        The portfolio's directory; workload ``W`` runs into ``workloads/W/``.
    name : str
        The portfolio's name, for its report.
    routes : dict of str to str, optional
        A route fixed for a workload, by workload name; otherwise its own answer decides.
    report, progress : bool
        Draw the portfolio's report; show progress.

    Returns
    -------
    dict
        The portfolio's summary (``sim.portfolio.outputs.write_portfolio``).
    """
    output_dir = Path(output_dir)
    routes = routes or {}
    directories = {}
    for workload, cfg in workloads.items():
        directory = output_dir / WORKLOADS_DIR / workload
        run(cfg, directory, progress=progress, member=(workload, routes.get(workload)))
        directories[workload] = directory
    return write_portfolio(directories, output_dir, name=name, report=report)


__all__ = ["WORKLOADS_DIR", "run_portfolio"]
