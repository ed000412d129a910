"""Statistics over simulated scenarios: pure functions of arrays, no I/O."""

import math

import numpy as np

from sim.stats.intervals import Z_975


def wilson_interval(successes, trials, z=Z_975):
    """Wilson score interval of a binomial proportion.

    Unlike the normal approximation it stays inside [0, 1] and keeps its coverage
    near 0 and 1, where a decision's probabilities often sit.

    Parameters
    ----------
    successes : array_like of int
        Count of scenarios where the event happened.
    trials : int
        Scenarios.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
        Bounds of the interval, probabilities.
    """
    k = np.asarray(successes, dtype=float)
    p = k / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / trials + z2n / (4 * trials))
    # At k = 0 and k = n one bound is exactly 0 or 1; the formula leaves rounding dust.
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == trials, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def payback_quantiles(paid_back_count, scenarios, probabilities):
    """Percentiles of payback months where "never" counts as beyond the horizon.

    Parameters
    ----------
    paid_back_count : array_like of int
        Scenarios whose payback month is <= m, for m = 1..H (non-decreasing).
    scenarios : int
        Every scenario, those that never paid back included.
    probabilities : sequence of float
        Quantile levels in [0, 1].

    Returns
    -------
    list of int or None
        The empirical quantile (the first month m where at least ``q * scenarios``
        have paid back), or None where it falls among the scenarios that never did.
    """
    counts = np.asarray(paid_back_count)
    months = []
    for q in probabilities:
        # the inverted-CDF quantile: the smallest month whose count reaches q * n
        reached = np.flatnonzero(counts >= max(1, math.ceil(q * scenarios)))
        months.append(int(reached[0]) + 1 if reached.size else None)
    return months


SAVINGS_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def savings_quantiles(cumulative_cost, baseline=0, quantiles=SAVINGS_QUANTILES):
    """Quantile bands of cumulative savings against the baseline, by month.

    Parameters
    ----------
    cumulative_cost : float[n, R, H]
        Cumulative discounted cost by month (USD) of each route.
    baseline : int
        The baseline route's position.
    quantiles : sequence of float
        Levels in [0, 1].

    Returns
    -------
    numpy.ndarray
        float[R - 1, len(quantiles), H]: savings ``C_baseline - C_k`` (USD) of every
        other route, in order; positive means cheaper than the baseline.
    """
    others = [k for k in range(cumulative_cost.shape[1]) if k != baseline]
    savings = cumulative_cost[:, [baseline], :] - cumulative_cost[:, others, :]
    # along the last axis each (challenger, month) pair is partitioned as one
    # stretch of memory: about 3x faster than along the first
    return np.moveaxis(np.quantile(np.moveaxis(savings, 0, -1), quantiles, axis=-1), 0, 1)


def cvar(values, alpha=0.05):
    """Conditional value at risk: the mean of the worst (lowest) ``alpha`` share.

    On ``n`` samples the worst share holds ``alpha * n`` of them; when that is not a
    whole number the boundary sample counts with its fractional weight, so the
    result is the exact lower-tail mean of the empirical distribution.
    """
    x = np.asarray(values, dtype=float)
    share = alpha * x.size
    whole = int(math.floor(share))
    if whole >= x.size:
        return float(x.sum() / share)
    # a partition, not a sort: the `whole` lowest values before position `whole`,
    # in some order, and the next one at it
    x = np.partition(x, whole)
    return float((x[:whole].sum() + (share - whole) * x[whole]) / share)


def distribution_summary(values, mean=None):
    """Mean and 5/50/95% quantiles of per-scenario values, in their unit.

    ``mean``, when given, is the mean over every scenario of a run whose ``values``
    are a kept sample; it replaces the sample's own.
    """
    p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    mean = float(np.mean(values)) if mean is None else float(mean)
    return {"mean": mean, "p05": float(p05), "p50": float(p50), "p95": float(p95)}


def savings_statistics(savings, alpha=0.05, mean=None):
    """Mean, 5/50/95% quantiles and CVaR at ``alpha`` of savings (USD); see ``distribution_summary``."""
    return {**distribution_summary(savings, mean), "cvar05": cvar(savings, alpha)}


def evpi(mean_cost, expected_min_cost):
    """Expected value of perfect information on the choice, USD.

    ``min_k E[C_k] - E[min_k C_k]``: what knowing each scenario's outcome before
    choosing would save on average.

    Parameters
    ----------
    mean_cost : float[strategies]
        ``E[C_k]`` per strategy, USD.
    expected_min_cost : float
        ``E[min_k C_k]``, the mean over scenarios of the cheapest strategy's cost, USD.
    """
    # Never negative in exact arithmetic (Jensen); rounding can leave -1e-12.
    return max(0.0, float(np.min(mean_cost) - expected_min_cost))


def break_even_volume(cost_fixed, cost_slope, challenger, baseline=0):
    """Month-1 volume above which ``challenger`` is cheaper than the baseline, per scenario.

    With costs ``A_k + V_1 B_k``, the lines cross at ``V* = (A_k - A_b) / (B_b - B_k)``
    (the baseline's ``A_b`` is 0 unless it pays a migration to its base model's
    successor); inf where the challenger's slope is not lower (it never wins at high
    volume), 0 where it is cheaper at any volume.

    Parameters
    ----------
    cost_fixed, cost_slope : float[n, R]
        ``A`` (USD) and ``B`` (USD per call/month) of each route.
    challenger, baseline : int
        Columns of the route compared and of the baseline.

    Returns
    -------
    numpy.ndarray
        float[n], calls per month.
    """
    gap = cost_slope[:, baseline] - cost_slope[:, challenger]
    with np.errstate(divide="ignore", invalid="ignore"):
        volume = np.where(gap > 0, (cost_fixed[:, challenger] - cost_fixed[:, baseline]) / gap, np.inf)
    return np.maximum(volume, 0.0)


# Below this many scenario-volume-route cells NumPy counts faster than Numba can start
# (its import and cache load in `python -m sim.report` outweigh the counting; see
# benchmarks/profile.py). Both count with the same comparisons, so the choice never
# changes a count (tested).
NUMPY_COUNT_CELLS = 48_000_000


def count_by_volume_numpy(cost_fixed, cost_slope, volumes, baseline, beats_baseline, cheapest, chunk=4096):
    """``kernels.crossing.count_by_volume`` in NumPy, ``chunk`` scenarios at a time:
    the same arguments (USD, USD per call/month, calls/month), the same counts."""
    beats_baseline[:] = 0
    cheapest[:] = 0
    routes = cost_fixed.shape[1]
    for start in range(0, cost_fixed.shape[0], chunk):
        fixed, slope = cost_fixed[start:start + chunk], cost_slope[start:start + chunk]
        cost = fixed[:, :, None] + volumes * slope[:, :, None]  # [n, R, G]
        beats_baseline += np.count_nonzero(cost < cost[:, baseline:baseline + 1], axis=0)
        best = cost.argmin(axis=1)  # the first on ties, as the kernel
        for k in range(routes):
            cheapest[k] += np.count_nonzero(best == k, axis=0)


def crossing_curves(cost_fixed, cost_slope, volumes, baseline=0, band=(0.05, 0.5, 0.95), band_sample=20_000):
    """Costs and chances of winning as functions of month-1 volume, from one run.

    Each scenario keeps its own drawn path, prices and lifecycle; only ``V_1`` is set
    to each volume of the grid. The cost bands come from the first 20,000 scenarios
    by default: on line_crossing.png (default run) they lie within 1.5 px of those
    of the first 50,000, as close as those of the next 50,000 do, in half the time.

    Parameters
    ----------
    cost_fixed, cost_slope : float[n, R]
        ``A`` (USD) and ``B`` (USD per call/month) of each route.
    volumes : float[G]
        Month-1 volumes, calls per month.
    baseline : int
        The baseline route's column.

    Returns
    -------
    dict of numpy.ndarray
        ``cost_band`` float[R, len(band), G] (USD, from the first ``band_sample``
        scenarios), ``p_beats_baseline`` float[R, G] (0 on the baseline's row),
        ``p_cheapest`` float[R, G].
    """
    volumes = np.asarray(volumes, dtype=float)
    n, routes = cost_fixed.shape
    # np.quantile's default (linear) quantiles from one partition per volume, of each
    # route's costs laid out contiguously: the same numbers as np.quantile, with the
    # partition done once per volume instead of once per quantile
    fixed = np.ascontiguousarray(cost_fixed[:band_sample].T, dtype=float)
    slope = np.ascontiguousarray(cost_slope[:band_sample].T, dtype=float)
    ranks = (fixed.shape[1] - 1) * np.asarray(band, dtype=float)
    below = np.floor(ranks).astype(np.intp)
    above = np.minimum(below + 1, fixed.shape[1] - 1)
    order = np.unique(np.concatenate([below, above]))
    cost_band = np.empty((routes, len(band), volumes.size))
    costs = np.empty_like(fixed)
    for g, volume in enumerate(volumes):
        np.multiply(slope, volume, out=costs)
        costs += fixed
        costs.partition(order, axis=1)
        low, high = costs[:, below], costs[:, above]
        cost_band[:, :, g] = low + (ranks - below) * (high - low)
    fixed = np.ascontiguousarray(cost_fixed, dtype=float)
    slope = np.ascontiguousarray(cost_slope, dtype=float)
    beats = np.empty((routes, volumes.size), dtype=np.int64)
    cheapest = np.empty((routes, volumes.size), dtype=np.int64)
    if n * volumes.size * routes <= NUMPY_COUNT_CELLS:
        count_by_volume_numpy(fixed, slope, volumes, baseline, beats, cheapest)
    else:
        # One compiled pass instead of NumPy passes per volume, which at a million
        # scenarios cost seconds. Imported here: Numba's start-up is paid only by runs
        # this large.
        from kernels.crossing import count_by_volume

        count_by_volume(fixed, slope, volumes, baseline, beats, cheapest)
    return {"cost_band": cost_band, "p_beats_baseline": beats / n, "p_cheapest": cheapest / n}


# "Most scenarios": below this P(acceptable) for every route, no route meets the bar, and the
# recommendation says so first (MODEL.md, "Quality and the cost of errors").
MOST = 0.5


def recommend(mean_cost, p_cheaper, names, confidence, top_driver=None, value_of_information=None,
              horizon=None, acceptable=None, bar=0.0):
    """The cheapest acceptable strategy if it beats each other acceptable one with probability
    >= ``confidence``.

    With a quality bar (``bar`` > 0) the choice is among the routes acceptable (own success rate
    at least the bar) in at least ``confidence`` of scenarios, and the reason says so; when no
    route is acceptable in most scenarios, the reason says that first and nothing is recommended.

    Parameters
    ----------
    mean_cost : float[k]
        Expected horizon cost (USD) by strategy.
    p_cheaper : float[k, k]
        ``P(C_row < C_column)`` at the horizon.
    names : sequence of str
        Readable strategy names, in the columns' order.
    confidence : float
        Probability the recommendation must reach against every other strategy.
    top_driver : dict, optional
        The first ranked row of ``sim.stats.drivers.rank`` with ``strategy`` (the challenger's
        name), named when there is no recommendation.
    value_of_information : float, optional
        EVPI in USD, named when there is no recommendation.
    horizon : int, optional
        Months, for the sentence.
    acceptable : float[k], optional
        P(the strategy's own success rate meets ``bar``); None: every strategy is acceptable.
    bar : float
        The least acceptable success rate (``quality.bar``).

    Returns
    -------
    dict
        ``strategy`` (a name, or "not yet"), ``probability`` (the lowest P(cheaper
        than another) of the cheapest-on-average strategy), ``reason``.
    """
    if acceptable is None or bar <= 0:
        return _recommend_cheapest(mean_cost, p_cheaper, names, confidence, top_driver, value_of_information,
                                   horizon)
    acceptable = np.asarray(acceptable, dtype=float)
    standard = f"the quality bar (a success rate of at least {bar:.0%})"
    likeliest = int(np.argmax(acceptable))
    if acceptable[likeliest] < MOST:
        return {"strategy": "not yet", "probability": 0.0,
                "reason": f"No route meets {standard} in most scenarios: the likeliest, {names[likeliest]}, meets it"
                          f" in {acceptable[likeliest]:.0%}. Lower the bar, or find a route that does better, before"
                          " comparing costs."}
    chosen = [k for k in range(len(names)) if acceptable[k] >= confidence]
    if not chosen:
        return {"strategy": "not yet", "probability": 0.0,
                "reason": f"No route meets {standard} in at least {confidence:.0%} of scenarios: the likeliest,"
                          f" {names[likeliest]}, meets it in {acceptable[likeliest]:.0%}."}
    left_out = [names[k] for k in range(len(names)) if k not in chosen]
    among = (f"Chosen among the routes that meet {standard} in at least {confidence:.0%} of scenarios"
             + (f" (not {', '.join(left_out)}). " if left_out else " (every route). "))
    found = _recommend_cheapest(np.asarray(mean_cost)[chosen], np.asarray(p_cheaper)[np.ix_(chosen, chosen)],
                                [names[k] for k in chosen], confidence, top_driver, value_of_information, horizon)
    return {**found, "reason": among + found["reason"]}


def _recommend_cheapest(mean_cost, p_cheaper, names, confidence, top_driver, value_of_information, horizon):
    # the cheapest strategy on average if it is cheaper than each other in >= confidence of scenarios
    best = int(np.argmin(mean_cost))
    beats = {names[j]: float(p_cheaper[best][j]) for j in range(len(names)) if j != best}
    if not beats:
        return {"strategy": names[best], "probability": 1.0,
                "reason": f"{names[best][0].upper()}{names[best][1:]} is the only route configured: nothing to"
                          " compare it with."}
    probability = min(beats.values())
    within = f" within {horizon} months" if horizon else ""
    # "cheaper than A in 96% of scenarios and than B in 78%" (with more routes, "than A in 96%
    # of scenarios, than B in 78% and than C in 60%"): the subject stays the winner
    parts = [f"{name} in {p:.0%}" + (" of scenarios" if i == 0 else "") for i, (name, p) in enumerate(beats.items())]
    against = ", than ".join(parts[:-1]) + " and than " + parts[-1] if len(parts) > 1 else "".join(parts)
    if probability >= confidence:
        return {
            "strategy": names[best],
            "probability": probability,
            "reason": f"{names[best][0].upper()}{names[best][1:]} is cheaper than {against}{within}.",
        }
    reason = (
        f"{names[best][0].upper()}{names[best][1:]} has the lowest expected cost and is cheaper than {against}{within}:"
        f" below the {confidence:.0%} asked (`confidence`) against every other route, a lean rather than a decision."
    )
    if top_driver is not None:
        reason += (
            f" The input that matters most is {top_driver['input']}: P({top_driver.get('strategy', 'fine-tuning')}"
            f" wins) moves from {top_driver['p_low']:.0%} to {top_driver['p_high']:.0%} between its lowest and"
            " highest tenth."
        )
    if value_of_information is not None:
        reason += (
            f" Perfect information on the choice is worth ${value_of_information:,.0f} (EVPI):"
            " up to that much is worth spending to learn more before committing."
        )
    return {"strategy": "not yet", "probability": probability, "reason": reason}


__all__ = ["MOST", "NUMPY_COUNT_CELLS", "SAVINGS_QUANTILES", "break_even_volume", "count_by_volume_numpy",
           "crossing_curves", "cvar", "distribution_summary", "evpi", "payback_quantiles", "recommend",
           "savings_quantiles", "savings_statistics", "wilson_interval"]
