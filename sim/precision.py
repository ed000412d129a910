"""Precision targets: when a run has enough scenarios for the answer asked of it.

A target is the 95% interval's half-width on each P(challenger beats prompting)
(``precision.p_beats``, absolute) and on each mean savings against prompting
(``precision.savings``, relative to the mean). With a target, ``scenarios`` is the cap.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from sim.intervals import replicate_interval

# The first check comes after this many blocks (32,768 scenarios, 32 replicates):
# a variance from fewer replicates is itself too uncertain to stop on.
MIN_BLOCKS = 4
CHALLENGERS = ("finetune", "rag")
# Totals of each replicate, the unit of the intervals (see sim.sampling): columns of
# ``sim.engine.Simulation.replicate_totals``. Probabilities are sums of indicators, or of each
# scenario's conditional probability when month-1 volume is integrated out.
REPLICATE_TOTALS = (
    "scenarios",
    "cost_prompt", "cost_finetune", "cost_rag", "cost_min",
    "cheapest_prompt", "cheapest_finetune", "cheapest_rag",
)


@dataclass(frozen=True)
class Targets:
    """``p_beats``: absolute half-width, probability; ``savings``: relative half-width (0.01 = 1%)."""

    p_beats: Optional[float] = None
    savings: Optional[float] = None


def headline_intervals(replicate_totals, replicate_beats, method):
    """95% intervals of P(beats prompting) at the horizon and of mean savings, per challenger.

    Parameters
    ----------
    replicate_totals : float[R, len(sim.engine.REPLICATE_TOTALS)]
        Each replicate's totals (scenarios first, then the four cost sums).
    replicate_beats : float[R, 2, H]
        Each replicate's scenarios beating prompting by month (fine-tune, RAG).
    method : str
        The sampling method: ``mc`` gives Wilson intervals of the probabilities (exact
        counts of independent scenarios); any other, replicate intervals.

    Returns
    -------
    dict
        ``{"p_beats": {k: (estimate, low, high)}, "savings": {k: (estimate, low, high)}}``,
        probabilities and USD.
    """
    from sim.analysis import wilson_interval

    sizes = replicate_totals[:, 0]
    n = float(sizes.sum())
    beats = replicate_beats[:, :, -1]
    if method == "mc" or len(sizes) < 2:  # as sim.results: Wilson bounds every method's variance
        low, high = wilson_interval(beats.sum(axis=0), n)
        p = (beats.sum(axis=0) / n, low, high)
    else:
        p = replicate_interval(beats, sizes)
    savings = replicate_totals[:, 1:2] - replicate_totals[:, 2:4]  # prompting minus fine-tune, RAG
    s = replicate_interval(savings, sizes)
    return {
        "p_beats": {k: tuple(float(v[i]) for v in p) for i, k in enumerate(CHALLENGERS)},
        "savings": {k: tuple(float(v[i]) for v in s) for i, k in enumerate(CHALLENGERS)},
    }


def assess(replicate_totals, replicate_beats, targets, method):
    """Whether the replicates so far meet the targets, and the half-widths they achieve.

    Returns
    -------
    dict
        ``targets`` (as set), ``achieved`` (``p_beats``: absolute half-width per
        challenger; ``savings``: half-width over |mean|, per challenger), ``met``,
        ``scenarios_used``.
    """
    intervals = headline_intervals(replicate_totals, replicate_beats, method)
    achieved = {"p_beats": {}, "savings": {}}
    for k in CHALLENGERS:
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


def running_intervals(replicate_totals, replicate_beats, method, confidence=0.95):
    """Headline estimates and 95% intervals after each replicate, for the convergence picture.

    The same intervals as the run's own (``headline_intervals``) over the first ``r``
    replicates, for every ``r``, from the replicate totals alone.

    Returns
    -------
    dict
        ``scenarios`` float[R] (cumulative); ``p_beats`` and ``savings``: arrays
        float[3, R, 2] (estimate, low, high; challengers fine-tune and RAG), probability
        and USD. Bounds are NaN for the first replicate.
    """
    from scipy.stats import t

    from sim.analysis import wilson_interval

    sizes = replicate_totals[:, 0]
    n = np.cumsum(sizes)
    count = np.arange(1, len(sizes) + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = np.where(count > 1, t.ppf(0.5 + confidence / 2, np.maximum(count - 1, 1)), np.nan)

    def ratio(sums):
        # running ratio estimates with the variance of replicate_interval, by cumulative moments
        s1 = np.cumsum(sums, axis=0)
        s2 = np.cumsum(sums * sums, axis=0)
        sn = np.cumsum(sums * sizes[:, None], axis=0)
        n2 = np.cumsum(sizes * sizes)[:, None]
        estimate = s1 / n[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            squares = np.maximum(s2 - 2 * estimate * sn + estimate**2 * n2, 0.0)
            variance = count[:, None] / (count[:, None] - 1) * squares / n[:, None] ** 2
        half = quantile[:, None] * np.sqrt(variance)
        return np.stack([estimate, estimate - half, estimate + half])

    beats = replicate_beats[:, :, -1]
    if method == "mc":
        estimate = np.cumsum(beats, axis=0) / n[:, None]
        low, high = wilson_interval(np.cumsum(beats, axis=0), n[:, None])
        p = np.stack([estimate, low, high])
    else:
        p = ratio(beats)
    savings = ratio(replicate_totals[:, 1:2] - replicate_totals[:, 2:4])
    return {"scenarios": n, "p_beats": p, "savings": savings}
