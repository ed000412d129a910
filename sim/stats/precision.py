"""Precision targets: when a run has enough scenarios for the answer asked of it.

A target is the 95% interval's half-width on each P(challenger beats prompting)
(``precision.p_beats``, absolute) and on each mean savings against prompting
(``precision.savings``, relative to the mean). With a target, ``scenarios`` is the cap.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim.stats.intervals import replicate_interval

# The first check comes after this many blocks (32,768 scenarios, 32 replicates):
# a variance from fewer replicates is itself too uncertain to stop on.
MIN_BLOCKS = 4


def replicate_total_names(routes):
    """Totals of each replicate, the unit of the intervals (see sim.simulation.sampling): columns of
    ``sim.simulation.engine.Simulation.replicate_totals`` for the route names ``routes``.

    The scenarios, each route's summed cost, the cheapest's, and each route's scenarios
    in which it is cheapest. Probabilities are sums of indicators, or of each scenario's
    conditional probability when month-1 volume is integrated out.
    """
    return ("scenarios", *(f"cost_{k}" for k in routes), "cost_min", *(f"cheapest_{k}" for k in routes))


@dataclass(frozen=True)
class Targets:
    """``p_beats``: absolute half-width, probability; ``savings``: relative half-width (0.01 = 1%)."""

    p_beats: Optional[float] = None
    savings: Optional[float] = None


def probability_interval(replicate_counts, sizes, method, running=False):
    """95% intervals of probabilities from each replicate's counts (estimate, low, high).

    Plain Monte Carlo counts independent scenarios: Wilson's interval on the whole
    count. Under any other method, the replicates' spread (``replicate_interval``);
    a run of one replicate falls back to Wilson, whose binomial variance bounds every
    method's (stratifying or integrating out never adds variance).

    Parameters
    ----------
    replicate_counts : float[R, ...]
        Each replicate's count of the event (a sum of probabilities when integrating).
    sizes : float[R]
        Each replicate's scenarios.
    method : str
        The run's sampling method (``Simulation.sampling``).
    running : bool
        The intervals on every prefix of replicates too (leading axis R).
    """
    from sim.stats.analysis import wilson_interval

    counts = np.asarray(replicate_counts, dtype=float)
    if method != "mc" and (running or len(sizes) > 1):
        return replicate_interval(counts, sizes, running=running)
    if running:
        counts = np.cumsum(counts, axis=0)
        n = np.cumsum(sizes).reshape((-1,) + (1,) * (counts.ndim - 1))
    else:
        counts, n = counts.sum(axis=0), float(np.sum(sizes))
    return (counts / n, *wilson_interval(counts, n))


def headline_intervals(replicate_totals, replicate_beats, method, routes, baseline, running=False):
    """95% intervals of P(beats the baseline) at the horizon and of mean savings, per challenger.

    Parameters
    ----------
    replicate_totals : float[R, len(replicate_total_names(routes))]
        Each replicate's totals (scenarios first, then each route's cost sum).
    replicate_beats : float[R, challengers, H]
        Each replicate's scenarios beating the baseline by month, by challenger (every
        route but the baseline, in order).
    routes : sequence of str
        The route names, in the columns' order.
    baseline : int
        The baseline's position; every other route is a challenger.
    method : str
        The sampling method (see ``probability_interval``).
    running : bool
        Arrays of every prefix of replicates instead of the final intervals.

    Returns
    -------
    dict
        ``{"p_beats": {k: (estimate, low, high)}, "savings": {k: (estimate, low, high)}}``,
        probabilities and USD; floats, or with ``running`` arrays float[R] and
        ``"scenarios"``, the cumulative scenarios float[R].
    """
    sizes = replicate_totals[:, 0]
    challengers = [i for i in range(len(routes)) if i != baseline]
    p = probability_interval(replicate_beats[:, :, -1], sizes, method, running=running)
    costs = replicate_totals[:, 1:1 + len(routes)]
    savings = costs[:, [baseline]] - costs[:, challengers]  # the baseline's minus each challenger's
    s = replicate_interval(savings, sizes, running=running)
    shown = (lambda v: v) if running else float
    out = {name: {routes[k]: tuple(shown(v[..., i]) for v in bounds) for i, k in enumerate(challengers)}
           for name, bounds in (("p_beats", p), ("savings", s))}
    if running:
        out["scenarios"] = np.cumsum(sizes)
    return out


def assess(replicate_totals, replicate_beats, targets, method, routes, baseline):
    """Whether the replicates so far meet the targets, and the half-widths they achieve.

    ``routes`` (names) and ``baseline`` (position) as in ``headline_intervals``.

    Returns
    -------
    dict
        ``targets`` (as set), ``achieved`` (``p_beats``: absolute half-width per
        challenger; ``savings``: half-width over |mean|, per challenger), ``met``,
        ``scenarios_used``.
    """
    intervals = headline_intervals(replicate_totals, replicate_beats, method, routes, baseline)
    achieved = {"p_beats": {}, "savings": {}}
    for k in intervals["p_beats"]:
        _, low, high = intervals["p_beats"][k]
        achieved["p_beats"][k] = (high - low) / 2
        mean, low, high = intervals["savings"][k]
        achieved["savings"][k] = (high - low) / 2 / abs(mean) if mean != 0 else float("inf")
    met = all(
        target is None or all(np.isfinite(v) and v <= target for v in achieved[name].values())
        for name, target in (("p_beats", targets.p_beats), ("savings", targets.savings))
    )
    return {
        "targets": {"p_beats": targets.p_beats, "savings": targets.savings},
        "achieved": achieved,
        "met": bool(met),
        "scenarios_used": int(replicate_totals[:, 0].sum()),
    }


def shortfall(verdict):
    """A sentence when a run ended at its cap before meeting its targets (None otherwise).

    Names each target missed, what was reached, and the cap that would likely meet it:
    a half-width shrinks as one over the square root of the scenarios.
    """
    if not verdict or verdict["met"]:
        return None
    used = verdict["scenarios_used"]
    missed, needed = [], used
    for name, unit in (("p_beats", "absolute"), ("savings", "relative")):
        target = verdict["targets"][name]
        if target is None:
            continue
        for k, value in verdict["achieved"][name].items():
            if not value <= target:
                shown = f"{value:.2g}" if np.isfinite(value) else "unbounded (mean near 0)"
                missed.append(f"precision.{name} for {k}: {shown} against {target:g} ({unit})")
                if np.isfinite(value):
                    needed = max(needed, int(used * (value / target) ** 2))
    advice = (f"raise scenarios (the cap) to about {needed:,.0f}" if needed > used
              else "a relative target cannot be met while the mean savings is near 0: set precision.savings=null")
    return f"Precision target not met in {used:,} scenarios: {'; '.join(missed)}; {advice}."


__all__ = ["MIN_BLOCKS", "Targets", "assess", "headline_intervals", "probability_interval",
           "replicate_total_names", "shortfall"]
