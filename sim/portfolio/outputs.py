"""A portfolio's run directory: ``summary.json``, ``portfolio.nc``, ``cashflows.csv`` and
the report, from its workloads' run directories."""

import json
import os
from pathlib import Path

import numpy as np
import xarray as xr

from sim.io.files import write_json
from sim.io.netcdf import write_dataset
from sim.portfolio.combine import PortfolioError, add_up, portfolio_numbers
from sim.report.formats import PERCENT, usd, with_interval
from sim.report.tables import cents, write_csv

CASHFLOWS_COLUMNS = ("month", "calendar_month", "portfolio", "p05", "p50", "p95", "mean")
SAVED_ROWS = 32_768  # per-scenario rows of portfolio.nc, as a single run's results.nc


def headline(name, numbers):
    """One sentence: what routing saves, how sure, and the budget to ask for."""
    savings = numbers["savings"]
    horizon = numbers["horizon_months"]
    count = len(numbers["workloads"])
    spend = numbers["monthly_spend"]
    peak = max(range(horizon), key=lambda m: spend["p95"][m])
    budget = f"budget up to {usd(spend['p95'][peak])} a month (95%; month {peak + 1} the dearest)"
    if not numbers["moved"]:
        return (f"portfolio {name}: all {count} workloads stay on their baselines, {usd(numbers['cost']['mean'])}"
                f" expected within {horizon} months; {budget}")
    p = numbers["p_cheaper"]["p"][-1]
    interval = numbers["p_cheaper"]["ci95"][-1] if numbers["p_cheaper"]["ci95"] else None
    if savings["mean"] >= 0:
        change = f"saving {usd(savings['mean'])} (5% chance below {usd(savings['p05'])})"
    else:
        change = f"costing {usd(-savings['mean'])} more (a quality bar's price, or a route fixed at a loss)"
    return (f"portfolio {name}: {count} workloads routed cost {usd(numbers['cost']['mean'])}"
            f" against {usd(numbers['baseline_cost']['mean'])} on their baselines within {horizon} months,"
            f" {change}; P(cheaper than the baselines) = {with_interval(p, interval, PERCENT, digits=1)}; {budget}")


def portfolio_dataset(routed, baseline, numbers, records, name, rows=SAVED_ROWS):
    """``portfolio.nc``: the routed and baseline portfolio by month (the first ``rows``
    scenarios), the budget's quantiles, P(cheaper) and each workload's savings."""
    spend = numbers["monthly_spend"]
    kept = routed.shape[0] if rows is None else min(rows, routed.shape[0])
    statistic = ["p05", "p50", "p95", "mean"]
    routed_spend = np.array([spend[s] for s in statistic])
    baseline_spend = np.array([spend[f"baseline_{s}"] for s in statistic])
    names = [r["name"] for r in records]
    discounted = f"USD, discounted at {numbers['discount_rate']:g} a year to month 1"
    return xr.Dataset(
        {
            "cost": (("scenario", "month"), routed[:kept],
                     {"units": discounted, "description": "cumulative cost by month, every workload on its route"}),
            "baseline_cost": (("scenario", "month"), baseline[:kept],
                              {"units": discounted,
                               "description": "cumulative cost by month, every workload on its baseline"}),
            "spend": (("portfolio", "statistic", "month"), np.stack([routed_spend, baseline_spend]),
                      {"units": "USD (nominal, undiscounted)",
                       "description": "spend in each month: the budget, over every scenario"}),
            "p_cheaper": (("month",), np.array(numbers["p_cheaper"]["p"]),
                          {"units": "1", "description": "P(routed portfolio's cumulative cost < the baseline's)"}),
            "workload_savings": (("workload", "statistic"),
                                 np.array([[r["savings"][s] for s in statistic] for r in records]),
                                 {"units": discounted, "description": "each workload's savings at the horizon"}),
            "share": (("workload",), np.array([numbers["shares"][n] for n in names]),
                      {"units": "1", "description": "each workload's share of the expected savings"}),
            "route": (("workload",), np.array([r["route"] for r in records], dtype=object),
                      {"description": "the route each workload takes"}),
        },
        coords={
            "scenario": ("scenario", np.arange(kept)),
            "month": ("month", np.array(numbers["monthly_spend"]["month"]), {"units": "month"}),
            "statistic": ("statistic", statistic),
            "portfolio": ("portfolio", ["routed", "baseline"]),
            "workload": ("workload", names),
        },
        attrs={"title": f"payback portfolio {name}", "start": numbers["start"],
               "scenarios": numbers["scenarios"], "horizon_months": numbers["horizon_months"]},
    )


def cashflow_rows(numbers):
    """``cashflows.csv``'s rows: the routed portfolio's and the baseline's nominal spend by month."""
    spend = numbers["monthly_spend"]
    rows = []
    for i, month in enumerate(spend["month"]):
        rows.append([month, spend["calendar_month"][i], "routed",
                     *(cents(spend[s][i]) for s in ("p05", "p50", "p95", "mean"))])
        rows.append([month, spend["calendar_month"][i], "baseline",
                     *(cents(spend[f"baseline_{s}"][i]) for s in ("p05", "p50", "p95", "mean"))])
    return rows


def write_portfolio(directories, output_dir, *, name, report=True, cashflows=True, workload_dirs=None, overrides=()):
    """Add the workloads up and write the portfolio's files into ``output_dir``, summary.json last.

    Parameters
    ----------
    directories : dict of str to path
        Each workload's finished run directory (``summary.json`` and ``portfolio_member.nc``).
    output_dir : path
        The portfolio's directory.
    name : str
        The portfolio's name.
    report, cashflows : bool
        Write report.md, report.html and plots/; write cashflows.csv.
    workload_dirs : dict of str to str, optional
        Each workload's directory relative to ``output_dir``, for the report's links.
    overrides : sequence of str
        The command line's overrides of this portfolio (a point of a sweep of portfolios).

    Returns
    -------
    dict
        The summary: ``kind: portfolio``, ``name``, ``headline``, ``portfolio`` (USD:
        ``sim.portfolio.combine.portfolio_numbers``) and ``workloads.<name>`` (route, reason,
        savings, share and the workload's own summary).
    """
    output_dir = Path(output_dir)
    summaries = {}
    for workload, directory in directories.items():
        try:
            summaries[workload] = json.loads((Path(directory) / "summary.json").read_text())
        except (OSError, ValueError) as error:
            raise PortfolioError(f"workload {workload!r}: no readable summary.json in {directory} ({error})") from None
    starts = {s["start"] for s in summaries.values()}
    if len(starts) > 1:
        raise PortfolioError(f"the workloads start in different months ({', '.join(sorted(starts))}): set start in"
                             " shared:")
    routed, baseline, records, discount_rate = add_up(directories)
    numbers = portfolio_numbers(routed, baseline, records, discount_rate=discount_rate, start=starts.pop())
    workloads = {}
    for record in records:
        own = summaries[record["name"]]
        # its own summary first: the portfolio's four keys are never overwritten by one of its own
        workloads[record["name"]] = {**own, "route": record["route"], "reason": record["reason"],
                                     "savings": record["savings"], "share": numbers["shares"][record["name"]]}
    summary = {"kind": "portfolio", "name": name, "overrides": list(overrides), "headline": headline(name, numbers),
               "portfolio": numbers, "workloads": workloads}
    output_dir.mkdir(parents=True, exist_ok=True)
    write_dataset(portfolio_dataset(routed, baseline, numbers, records, name), output_dir / "portfolio.nc")
    del routed, baseline
    if cashflows:
        write_csv(output_dir / "cashflows.csv", CASHFLOWS_COLUMNS, cashflow_rows(numbers))
    if report:
        from sim.portfolio.report import write_report  # matplotlib only when drawing

        if workload_dirs is None:
            workload_dirs = {w: os.path.relpath(d, output_dir) for w, d in directories.items()}
        write_report(summary, output_dir, workload_dirs)
    write_json(summary, output_dir / "summary.json")
    return summary


__all__ = ["CASHFLOWS_COLUMNS", "cashflow_rows", "headline", "portfolio_dataset", "write_portfolio"]
