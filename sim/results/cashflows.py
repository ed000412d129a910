"""A budget: each route's nominal (undiscounted) spend by month and by fiscal year.

The kernel keeps each route's cumulative cost by month, discounted, for a sample of the
scenarios (``Simulation.paths``: the first ``sim.simulation.engine.PATH_SAMPLE``, or every
kept one with ``save_paths``). Month m (1-based) is discounted by ``(1 + r) ** (-(m - 1) / 12)``,
so a route's spend in month m is the step of its cumulative cost undone by that factor;
after a shutdown the cumulative cost stays flat and the spend is 0.

Fiscal years are named by the calendar year in which they END: with
``fiscal_year_start = 7`` (July), FY2027 runs from July 2026 to June 2027; with the default
1 (January) a fiscal year is the calendar year. A fiscal year the horizon covers only in
part is marked partial, with the months it covers.
"""

import numpy as np
import xarray as xr

STATISTICS = ("p10", "p50", "p90", "mean")
SPEND_UNITS = "USD (nominal, undiscounted)"
_LEVELS = (0.10, 0.50, 0.90)


def nominal_spend(paths, discount_rate):
    """Each scenario's spend by month, undiscounted.

    Parameters
    ----------
    paths : ndarray, float64[n, R, H]
        Cumulative cost by month, discounted at ``discount_rate`` to month 1 (USD).
    discount_rate : float
        Annual discount rate of ``paths`` (1/year).

    Returns
    -------
    ndarray, float64[n, R, H]
        Spend in each month, USD, nominal.
    """
    paths = np.asarray(paths, dtype=np.float64)
    months = np.arange(paths.shape[-1])
    factor = (1.0 + discount_rate) ** (-months / 12.0)
    return np.diff(paths, axis=-1, prepend=0.0) / factor


def calendar_months(start, horizon):
    """The calendar month ``YYYY-MM`` of each model month 1..``horizon`` (month 1 is ``start``)."""
    year, month = (int(part) for part in start.split("-"))
    first = year * 12 + month - 1
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in range(first, first + horizon)]


def fiscal_years(start, horizon, fiscal_year_start=1):
    """The fiscal years the horizon meets, in order.

    Returns
    -------
    list of dict
        ``{label, first, last, months, partial}``: ``label`` ``FY<year it ends in>``;
        ``first`` and ``last`` the model months (1-based) it covers; ``months`` their number;
        ``partial`` whether that is fewer than 12.
    """
    found = []
    for number, text in enumerate(calendar_months(start, horizon), start=1):
        year, month = (int(part) for part in text.split("-"))
        label = f"FY{year + (1 if fiscal_year_start > 1 and month >= fiscal_year_start else 0)}"
        if found and found[-1]["label"] == label:
            found[-1]["last"] = number
        else:
            found.append({"label": label, "first": number, "last": number})
    for entry in found:
        entry["months"] = entry["last"] - entry["first"] + 1
        entry["partial"] = entry["months"] < 12
    return found


def _statistics(values):
    # values: float64[n, ...]: p10, p50, p90 and mean over the scenarios, on a new first axis
    return np.concatenate([np.quantile(values, _LEVELS, axis=0), values.mean(axis=0)[None]])


def cashflow_variables(paths, *, discount_rate, start, fiscal_year_start=1):
    """The budget as Dataset variables and coordinates.

    Parameters
    ----------
    paths : ndarray, float64[n, R, H]
        ``Simulation.paths``: cumulative discounted cost by month of the sampled scenarios.
    discount_rate : float
        Annual discount rate of ``paths``.
    start : str
        ``YYYY-MM`` of month 1.
    fiscal_year_start : int
        Calendar month (1-12) in which a fiscal year begins.

    Returns
    -------
    (dict, dict)
        Variables ``spend`` (route, statistic, month) and ``fiscal_spend`` (route, statistic,
        fiscal_year), USD nominal; coordinates ``statistic``, ``fiscal_year`` with
        ``fiscal_first_month``, ``fiscal_last_month`` and ``fiscal_months`` (fewer than 12: partial).
    """
    n, routes, horizon = np.shape(paths)
    years = fiscal_years(start, horizon, fiscal_year_start)
    spend = np.empty((routes, len(STATISTICS), horizon))
    fiscal = np.empty((routes, len(STATISTICS), len(years)))
    for r in range(routes):  # one route at a time: with save_paths the sample can be every kept scenario
        monthly = nominal_spend(paths[:, r, :], discount_rate)
        spend[r] = _statistics(monthly)
        sums = np.stack([monthly[:, y["first"] - 1:y["last"]].sum(axis=1) for y in years], axis=1)
        fiscal[r] = _statistics(sums)
    sample = f"over the {n:,} scenarios whose monthly costs are kept (the first ones, or every kept one with save_paths)"
    named = ("fiscal years named by the calendar year in which they end"
             f" (fiscal_year_start = {fiscal_year_start}: the year begins in calendar month {fiscal_year_start})")
    variables = {
        "spend": xr.Variable(("route", "statistic", "month"), spend, attrs={
            "units": SPEND_UNITS, "scenarios": n,
            "description": f"the route's spend in the month, not discounted: p10, p50, p90 and mean {sample}"}),
        "fiscal_spend": xr.Variable(("route", "statistic", "fiscal_year"), fiscal, attrs={
            "units": SPEND_UNITS, "scenarios": n, "fiscal_year_start": fiscal_year_start,
            "description": f"the route's spend in the fiscal year (a scenario's months in it summed), not discounted:"
                           f" p10, p50, p90 and mean {sample}; {named}"}),
    }

    def coord(values, units, description):
        return xr.Variable("fiscal_year", values, attrs={"units": units, "description": description})

    coords = {
        "statistic": xr.Variable("statistic", list(STATISTICS), attrs={
            "units": "1", "description": "p10, p50, p90: quantiles over the scenarios; mean: their mean"}),
        "fiscal_year": coord([y["label"] for y in years], "1", named),
        "fiscal_first_month": coord(np.array([y["first"] for y in years], dtype=np.int32), "month",
                                    "first model month of the fiscal year within the horizon"),
        "fiscal_last_month": coord(np.array([y["last"] for y in years], dtype=np.int32), "month",
                                   "last model month of the fiscal year within the horizon"),
        "fiscal_months": coord(np.array([y["months"] for y in years], dtype=np.int32), "months",
                               "months of the fiscal year within the horizon (fewer than 12: partial)"),
    }
    return variables, coords


def has_budget(results):
    """Whether a results Dataset holds the budget (a ``results.nc`` written before it does not)."""
    return "spend" in results.variables and "fiscal_spend" in results.variables


__all__ = ["SPEND_UNITS", "STATISTICS", "calendar_months", "cashflow_variables", "fiscal_years", "has_budget",
           "nominal_spend"]
