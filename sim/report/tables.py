"""The run's tables for spreadsheets: ``cashflows.csv``, ``cashflows_fiscal.csv`` and ``summary.csv``.

``cashflows.csv`` and ``cashflows_fiscal.csv`` hold the budget (``sim.results.cashflows``):
each route's nominal (undiscounted) spend by month and by fiscal year, p10, p50, p90 and mean,
in USD to the cent. ``summary.csv`` holds one row per route from the summary: its mean cost
(discounted, as in summary.json) with its 95% interval, the cost's 5th, 50th and 95th
percentiles, P(cheapest) and P(beats the baseline). No matplotlib: written without a report too.
"""

import csv
import io
from pathlib import Path

from sim.io.files import atomic_path, publishing
from sim.results.cashflows import STATISTICS, calendar_months, has_budget

CASHFLOWS_COLUMNS = ("month", "calendar_month", "route", *STATISTICS)
FISCAL_COLUMNS = ("fiscal_year", "months", "from", "to", "route", *STATISTICS)
SUMMARY_COLUMNS = ("route", "kind", "sheet", "mean_cost", "mean_cost_ci95_low", "mean_cost_ci95_high",
                   "cost_p05", "cost_p50", "cost_p95", "p_cheapest", "p_beats_baseline")
TABLES = ("cashflows.csv", "cashflows_fiscal.csv", "summary.csv")


def cents(value):
    """USD to the cent, as a spreadsheet reads it: ``5490.00`` (never ``-0.00``)."""
    return f"{round(float(value), 2) + 0.0:.2f}"


def _probability(value):
    return "" if value is None else f"{float(value):.6f}"


def _by_route(variable, dim):
    # float64[route, statistic, dim] in STATISTICS' order: plain indexing, not a lookup a cell
    return variable.transpose("route", "statistic", dim).sel(statistic=list(STATISTICS)).values


def cashflow_rows(results):
    """``cashflows.csv``'s rows: one per month and route (month 1 first), USD nominal."""
    spend = _by_route(results["spend"], "month")
    routes = [str(route) for route in results["route"].values]
    labels = calendar_months(results.attrs["start"], results.sizes["month"])
    return [[int(month), labels[i], route, *(cents(x) for x in spend[r, :, i])]
            for i, month in enumerate(results["month"].values) for r, route in enumerate(routes)]


def fiscal_rows(results):
    """``cashflows_fiscal.csv``'s rows: one per fiscal year and route; ``months`` below 12: partial."""
    spend = _by_route(results["fiscal_spend"], "fiscal_year")
    routes = [str(route) for route in results["route"].values]
    labels = calendar_months(results.attrs["start"], results.sizes["month"])
    first, last = results["fiscal_first_month"].values, results["fiscal_last_month"].values
    return [[str(year), int(results["fiscal_months"].values[j]), labels[first[j] - 1], labels[last[j] - 1], route,
             *(cents(x) for x in spend[r, :, j])]
            for j, year in enumerate(results["fiscal_year"].values) for r, route in enumerate(routes)]


def summary_rows(summary):
    """``summary.csv``'s rows: one per route, from summary.json's keys (costs discounted, USD)."""
    rows = []
    beats = summary.get("p_beats_prompt", {})
    for name, route in summary["routes"].items():
        cost = summary["cost"][name]
        low, high = cost.get("mean_ci95") or (None, None)
        rows.append([name, route["kind"], route["sheet"], cents(cost["mean"]),
                     "" if low is None else cents(low), "" if high is None else cents(high),
                     cents(cost["p05"]), cents(cost["p50"]), cents(cost["p95"]),
                     _probability(summary["p_cheapest"].get(name)),
                     _probability(beats[name]["estimate"] if name in beats else None)])
    return rows


def write_csv(path, columns, rows):
    """Write a CSV file of ``columns`` and ``rows`` atomically."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    with atomic_path(path) as temporary:
        temporary.write_text(text.getvalue())


def write_tables(results, summary, run_dir):
    """Write ``cashflows.csv``, ``cashflows_fiscal.csv`` and ``summary.csv`` into ``run_dir``, together.

    A ``results.nc`` written before the budget existed has no ``spend``: only ``summary.csv``.
    """
    run_dir = Path(run_dir)
    with publishing(f"{run_dir / 'summary.csv'} and the cash flows"):
        if has_budget(results):
            write_csv(run_dir / "cashflows.csv", CASHFLOWS_COLUMNS, cashflow_rows(results))
            write_csv(run_dir / "cashflows_fiscal.csv", FISCAL_COLUMNS, fiscal_rows(results))
        write_csv(run_dir / "summary.csv", SUMMARY_COLUMNS, summary_rows(summary))


__all__ = ["CASHFLOWS_COLUMNS", "FISCAL_COLUMNS", "SUMMARY_COLUMNS", "TABLES", "cashflow_rows", "cents",
           "fiscal_rows", "summary_rows", "write_csv", "write_tables"]
