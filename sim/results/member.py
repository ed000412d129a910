"""One workload of a portfolio: its run's settings, the route it takes, and what it adds
to the portfolio (its chosen route's and its baseline's cumulative cost by month, per
scenario), written beside its own run."""

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from sim.inputs.validation import ConfigError
from sim.io.netcdf import write_dataset

MEMBER_FILE = "portfolio_member.nc"


def member_readable(directory):
    """Whether a workload's job left a member file that opens as netCDF (deleted or damaged
    after the job finished, it has to run again: the portfolio cannot be added up without it)."""
    path = Path(directory) / MEMBER_FILE
    try:
        with xr.open_dataset(path) as member:
            return "cost" in member.variables and "baseline_cost" in member.variables
    except (OSError, ValueError):
        return False


def member_settings(settings, name):
    """A workload's settings in a portfolio: streams keyed by ``name``, the portfolio's market,
    and every kept scenario's monthly costs (``Settings.keeps_every_path``), which the portfolio
    adds up."""
    return dataclasses.replace(settings, portfolio_workload=name)


def choose_route(summary, fixed=None):
    """The route a workload takes in its portfolio, and why (MODEL.md, "A portfolio of workloads").

    Parameters
    ----------
    summary : dict
        The workload's own summary.
    fixed : str, optional
        A route the portfolio names for it.

    Returns
    -------
    (str, str)
        The route's name and a sentence saying why it was taken.

    Raises
    ------
    sim.inputs.validation.ConfigError
        When ``fixed`` is not one of the workload's routes.
    """
    routes = list(summary["routes"])
    baseline = summary["baseline"]
    if fixed is not None:
        if fixed not in routes:
            raise ConfigError(f"route: {fixed!r} is not a route of this workload (its routes: {', '.join(routes)})")
        return fixed, "fixed by the portfolio"
    recommendation = summary["recommendation"]
    if recommendation.get("confident") and recommendation.get("route") in routes:
        return recommendation["route"], f"its recommendation: {recommendation['action']}"
    confidence = summary["confidence"]
    acceptable = eligible_routes(summary)
    if not acceptable:
        return baseline, (f"no route meets the quality bar in {confidence:.0%} of scenarios: it stays on its"
                          " baseline")
    best = min(acceptable, key=lambda r: summary["cost"][r]["mean"])
    return best, (f"no route is recommended with {confidence:.0%} confidence: the lowest expected cost of the"
                  f" routes acceptable in {confidence:.0%} of scenarios")


def eligible_routes(summary):
    """The routes a portfolio may send a workload to: acceptable in at least ``confidence`` of
    its scenarios (MODEL.md, "A portfolio of workloads")."""
    return [r for r in summary["routes"] if summary["p_acceptable"].get(r, 1.0) >= summary["confidence"]]


def member_dataset(paths, results, summary, name, route, reason):
    """What a workload adds to its portfolio, from its run's monthly costs.

    Parameters
    ----------
    paths : float64[k, R, H]
        Every kept scenario's cumulative cost by month and route (``Simulation.paths`` of a
        portfolio's workload), USD discounted, routes in ``results.route``'s order.
    results : xarray.Dataset
        The run (its routes and months).
    summary : dict
        Its summary.
    name, route, reason : str
        The workload's name, the route it takes and why.

    Returns
    -------
    xarray.Dataset
        ``cost`` and ``baseline_cost`` (scenario, month): the chosen route's and the baseline's
        cumulative cost by month, USD discounted to month 1; attrs name the workload, its route,
        why, its baseline, its ``regret`` (USD: the mean over its kept scenarios of its route's cost less
        the cheapest, in that scenario, of the routes it may be sent to: ``eligible_routes`` and its
        own) and the discount rate.
    """
    paths = xr.DataArray(paths, dims=("scenario", "route", "month"),
                         coords={"route": results["route"].values, "month": results["month"].values})
    baseline = summary["baseline"]
    # with hindsight the workload takes, in each scenario, the cheapest of the routes it may be
    # routed to (acceptable in `confidence` of scenarios, and its own); the regret is the mean gap
    candidates = sorted({route, *eligible_routes(summary)})
    final = paths.isel(month=-1)
    hindsight = final.sel(route=candidates).min("route").values
    regret = max(0.0, float(final.sel(route=route).values.mean() - hindsight.mean()))
    attrs = {
        "workload": name,
        "route": route,
        "reason": reason,
        "baseline": baseline,
        "route_kind": summary["routes"][route]["kind"],
        "route_sheet": summary["routes"][route]["sheet"] or "",
        "mean_cost": float(summary["cost"][route]["mean"]),
        "mean_baseline_cost": float(summary["cost"][baseline]["mean"]),
        "regret": regret,
        "scenarios": int(summary["scenarios"]),
        "discount_rate": float(summary["discount_rate"]),
        "description": f"workload {name!r} of a portfolio: its route's and its baseline's cumulative cost by month",
    }
    month = paths["month"].values
    return xr.Dataset(
        {
            "cost": (("scenario", "month"), np.ascontiguousarray(paths.sel(route=route).values),
                     {"units": "USD", "description": f"cumulative cost by month on route {route!r}, discounted"}),
            "baseline_cost": (("scenario", "month"), np.ascontiguousarray(paths.sel(route=baseline).values),
                              {"units": "USD",
                               "description": f"cumulative cost by month on the baseline {baseline!r}, discounted"}),
        },
        coords={"month": ("month", month, {"units": "month"})},
        attrs=attrs,
    )


def write_member(paths, results, summary, output_dir, name, fixed=None):
    """Choose the workload's route and write ``portfolio_member.nc`` into its run directory
    (``paths``, ``results``: as ``member_dataset`` takes them).

    Returns
    -------
    (str, str)
        The route and why (``choose_route``).
    """
    route, reason = choose_route(summary, fixed)
    write_dataset(member_dataset(paths, results, summary, name, route, reason), output_dir / MEMBER_FILE)
    return route, reason


__all__ = ["MEMBER_FILE", "choose_route", "eligible_routes", "member_dataset", "member_settings", "write_member"]
