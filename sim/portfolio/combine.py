"""The portfolio's numbers: its workloads' members (``sim.results.member``) added up
scenario by scenario, one workload in memory at a time.

Scenario ``i`` of every workload shares the market path (``sim.simulation.market``), so
the portfolio's cost in scenario ``i`` is the sum of the workloads' costs in it: the
portfolio's quantiles come from those sums, never from the workloads' own quantiles (the
p95 of a sum is not the sum of p95s).
"""

from pathlib import Path

import numpy as np
import xarray as xr

from sim.results.cashflows import calendar_months, nominal_spend
from sim.simulation.sampling import REPLICATE
from sim.results.summary import with_intervals
from sim.stats.analysis import distribution_summary, savings_statistics
from sim.stats.intervals import replicate_interval
from sim.results.member import MEMBER_FILE

LEVELS = (0.05, 0.50, 0.95)
# C_routed(m) < C_baseline(m) - TIE_USD counts as cheaper (kernels.scenarios: the same tie)
TIE_USD = 1e-6


class PortfolioError(Exception):
    """Members that cannot be added up (different scenario counts or horizons, a file missing)."""


def read_member(directory):
    """A workload's member file as a loaded Dataset (its file closed)."""
    path = Path(directory) / MEMBER_FILE
    try:
        with xr.open_dataset(path) as member:
            return member.load()
    except (OSError, ValueError) as error:
        raise PortfolioError(f"{path}: cannot read the workload's part of the portfolio ({error})") from None


def add_up(directories):
    """Add the workloads' members up, one at a time.

    Parameters
    ----------
    directories : dict of str to path
        Each workload's run directory (holding ``portfolio_member.nc``), by name.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, list of dict, float)
        The routed portfolio's and the baseline portfolio's cumulative cost by month,
        float64[n, H] (USD, discounted), each workload's record (``name``, ``route``,
        ``reason``, ``baseline``, its savings' mean and 5/50/95% quantiles, USD, and its
        regret against hindsight, ``sim.results.member.member_dataset``, USD), and the
        workloads' discount rate (1/year).
    """
    routed = baseline = None
    records = []
    for name, directory in directories.items():
        member = read_member(directory)
        cost, base = member["cost"].values, member["baseline_cost"].values
        if routed is None:
            routed, baseline = cost.copy(), base.copy()
            shape, discount_rate = cost.shape, member.attrs["discount_rate"]
        elif cost.shape != shape:
            raise PortfolioError(f"workload {name!r}: {cost.shape[0]:,} scenarios x {cost.shape[1]} months, the"
                                 f" others {shape[0]:,} x {shape[1]}: a portfolio's workloads share both")
        elif member.attrs["discount_rate"] != discount_rate:
            raise PortfolioError(f"workload {name!r}: discount_rate differs from the others'")
        else:
            routed += cost
            baseline += base
        records.append({
            "name": name,
            "route": member.attrs["route"],
            "reason": member.attrs["reason"],
            "baseline": member.attrs["baseline"],
            "savings": distribution_summary(base[:, -1] - cost[:, -1]),
            "regret": float(member.attrs["regret"]),
        })
        del member, cost, base
    if routed is None:
        raise PortfolioError("a portfolio needs at least one workload")
    return routed, baseline, records, discount_rate


def _mean_ci(values):
    # a ratio of replicate totals (sim.stats.intervals.replicate_interval): replicates of
    # REPLICATE scenarios are the run's independent randomisations, whatever the sampling
    n = values.shape[0]
    bounds = np.arange(0, n, REPLICATE)
    if len(bounds) < 2:
        return None
    sums = np.add.reduceat(values, bounds, axis=0)
    sizes = np.diff(np.append(bounds, n)).astype(float)
    _, low, high = replicate_interval(sums, sizes)
    if np.ndim(low):
        return [[float(lo), float(hi)] for lo, hi in zip(low, high)]
    return [float(low), float(high)]


def distribution(values, statistics=distribution_summary):
    """``statistics`` of per-scenario values (mean and 5/50/95% quantiles, and CVaR with
    ``savings_statistics``) with 95% intervals (None: too few), as a run's summary gives them."""
    return with_intervals(statistics(values), values, len(values), mean_ci95=_mean_ci(values))


def portfolio_numbers(routed, baseline, records, *, discount_rate, start):
    """The summary's ``portfolio`` record (USD; costs discounted at the horizon, spend nominal).

    Parameters
    ----------
    routed, baseline : float64[n, H]
        Cumulative cost by month of the routed portfolio and of every workload on its baseline.
    records : list of dict
        ``add_up``'s workload records.
    discount_rate : float
        Annual rate of the costs (1/year).
    start : str
        ``YYYY-MM`` of month 1.
    """
    n, horizon = routed.shape
    cost, base = routed[:, -1], baseline[:, -1]
    savings = base - cost
    cheaper = routed < baseline - TIE_USD
    p_cheaper = cheaper.mean(axis=0)
    spend = nominal_spend(routed, discount_rate)
    base_spend = nominal_spend(baseline, discount_rate)
    spend_q = np.quantile(spend, LEVELS, axis=0)
    base_q = np.quantile(base_spend, LEVELS, axis=0)
    total = sum(r["savings"]["mean"] for r in records)
    moved = [r["name"] for r in records if r["route"] != r["baseline"]]
    months = list(range(1, horizon + 1))
    return {
        "workloads": [r["name"] for r in records],
        "routes": {r["name"]: r["route"] for r in records},
        "scenarios": int(n),
        "horizon_months": int(horizon),
        "start": start,
        "discount_rate": float(discount_rate),
        "cost": distribution(cost),
        "baseline_cost": distribution(base),
        "savings": distribution(savings, savings_statistics),
        "p_cheaper": {"month": months, "p": [float(p) for p in p_cheaper],
                      "ci95": _mean_ci(cheaper.astype(float))},
        "monthly_spend": {
            "month": months,
            "calendar_month": calendar_months(start, horizon),
            "p05": [float(x) for x in spend_q[0]], "p50": [float(x) for x in spend_q[1]],
            "p95": [float(x) for x in spend_q[2]], "mean": [float(x) for x in spend.mean(axis=0)],
            "baseline_p05": [float(x) for x in base_q[0]], "baseline_p50": [float(x) for x in base_q[1]],
            "baseline_p95": [float(x) for x in base_q[2]],
            "baseline_mean": [float(x) for x in base_spend.mean(axis=0)],
        },
        "moved": moved,
        # a share of savings only where there are savings to share
        "shares": {r["name"]: (r["savings"]["mean"] / total + 0.0 if total > 0 else None) for r in records},
        "evpi": float(sum(r["regret"] for r in records)),
    }


__all__ = ["LEVELS", "PortfolioError", "add_up", "distribution", "portfolio_numbers", "read_member"]
