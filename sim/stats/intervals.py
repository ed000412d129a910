"""95% intervals of the statistics a run reports, for plain Monte Carlo sampling.

Pure functions of arrays, no I/O. Each returns ``[low, high]`` in the statistic's
unit, or None where the sample cannot give one (too few scenarios). Per-scenario
arrays are a run's kept sample: the first ``k`` of its ``n`` independent scenarios,
a uniform sample of them.
"""

import functools
import math

import numpy as np

Z_975 = 1.959963984540054  # two-sided 95%


def mean_interval(sample, mean=None, scenarios=None, z=Z_975):
    """CLT interval of a mean: ``mean ± z s / sqrt(n)``.

    Parameters
    ----------
    sample : array_like of float
        Per-scenario values (the kept sample), in their unit (USD for costs).
    mean : float, optional
        The estimate; by default the sample's mean. A run passes its mean over
        every scenario (from the kernel's totals).
    scenarios : int, optional
        ``n``, the scenarios the mean counts; by default the sample's size.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    list of float or None
        ``[low, high]`` in the sample's unit; None below two values.
    """
    x = np.asarray(sample, dtype=float)
    if x.size < 2:
        return None
    mean = float(x.mean()) if mean is None else float(mean)
    n = x.size if scenarios is None else int(scenarios)
    # The run's mean counts all n scenarios while the sample holds the first k of them,
    # a uniform sample: its standard deviation estimates the population's, and the
    # mean's standard error is that over sqrt(n), not sqrt(k).
    half = z * float(x.std(ddof=1)) / math.sqrt(n)
    return [mean - half, mean + half]


def quantile_ranks(size, q, confidence=0.95):
    """1-based ranks ``(l, u)`` of the order statistics bounding the ``q`` quantile.

    The count ``B`` of sample values below the true quantile is Binomial(size, q)
    whatever the distribution, and ``x_(l) <= xi_q < x_(u)`` exactly when
    ``l <= B <= u - 1``; ``l - 1`` and ``u - 1`` are the binomial's
    ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles, so the coverage
    is at least ``confidence`` (a little more: the binomial is discrete).

    Returns
    -------
    (int, int) or None
        None where a rank falls outside ``1..size`` (too few values for the level).
    """
    tail = (1 - confidence) / 2
    low = binomial_quantile(tail, size, q)  # P(B <= low - 1) < tail
    high = binomial_quantile(1 - tail, size, q) + 1  # P(B <= high - 1) >= 1 - tail
    if low < 1 or high > size:
        return None
    return low, high


def binomial_quantile(level, size, p):
    """The least ``k`` with ``P(B <= k) >= level`` for ``B ~ Binomial(size, p)``, 0 < level < 1.

    As ``scipy.stats.binom.ppf``, from scipy.special's incomplete beta function (their
    CDFs differ in the last digits, which matters only where one equals ``level``).
    """
    from scipy.special import bdtr, bdtrik  # here: validating a configuration needs no scipy

    k = max(0, math.ceil(bdtrik(level, size, p)))  # the continuous inverse: a guess within a step
    while k > 0 and bdtr(k - 1, size, p) >= level:
        k -= 1
    while k < size and bdtr(k, size, p) < level:
        k += 1
    return k


def quantile_intervals(sample, levels, confidence=0.95):
    """Distribution-free order-statistic intervals of quantiles.

    Parameters
    ----------
    sample : array_like of float
        Per-scenario values, in their unit; ``inf`` is allowed (a break-even volume
        that is never reached) and a bound that falls on it is returned as None.
    levels : sequence of float
        Quantile levels in (0, 1).
    confidence : float
        Coverage of each interval.

    Returns
    -------
    list
        One entry per level: ``[low, high]`` (each bound a float, or None where it is
        infinite), or None where the sample is too small for the level.
    """
    x = np.asarray(sample, dtype=float)
    ranks = [quantile_ranks(x.size, q, confidence) for q in levels]
    wanted = sorted({r - 1 for pair in ranks if pair for r in pair})
    if not wanted:
        return [None] * len(ranks)
    # one partition places every order statistic needed, in linear time
    ordered = np.partition(x, wanted)
    return [None if pair is None else [_finite(ordered[pair[0] - 1]), _finite(ordered[pair[1] - 1])]
            for pair in ranks]


def cvar_interval(sample, estimate, alpha=0.05, z=Z_975):
    """Asymptotic interval of the lower-tail CVaR (mean of the worst ``alpha`` share).

    The Rockafellar–Uryasev form ``CVaR = max_t {t + E[min(X - t, 0)] / alpha}`` has
    the asymptotic variance ``Var(min(X - q_alpha, 0)) / (alpha**2 k)`` on ``k``
    values (the optimum ``t`` is the quantile ``q_alpha``; its error does not enter
    to first order), estimated with the sample's own ``alpha`` quantile.

    Parameters
    ----------
    sample : array_like of float
        Per-scenario values (the kept sample), USD.
    estimate : float
        The sample's CVaR (``sim.stats.analysis.cvar``), USD.
    alpha : float
        Tail share.
    z : float
        Normal quantile of the interval.

    Returns
    -------
    list of float or None
        ``[low, high]`` USD; None where the tail holds fewer than two values.
    """
    x = np.asarray(sample, dtype=float)
    if alpha * x.size < 2:
        return None
    whole = int(math.floor(alpha * x.size))
    var_at = float(np.partition(x, whole)[whole])
    shortfall = np.minimum(x - var_at, 0.0)
    half = z * float(shortfall.std(ddof=1)) / (alpha * math.sqrt(x.size))
    return [float(estimate) - half, float(estimate) + half]


def evpi_interval(cost, mean_cost, evpi, scenarios=None, z=Z_975):
    """CLT interval of EVPI ``min_k E[C_k] - E[min_k C_k]``, USD.

    With ``b``, the strategy cheapest on average, taken as known, EVPI is the mean of
    the per-scenario regret ``C_b - min_k C_k`` and gets a mean's interval. The
    approximation ignores the chance that another strategy is in truth the cheapest
    on average: when two means are close the interval is too narrow (and EVPI's
    estimate biased low by the sampling error of the minimum). The low bound is
    clipped at 0, which EVPI cannot go below.

    Parameters
    ----------
    cost : float[k, strategies]
        Per-scenario costs (the kept sample), USD.
    mean_cost : float[strategies]
        ``E[C_k]`` estimates (over every scenario), USD; their argmin is ``b``.
    evpi : float
        The estimate (over every scenario), USD.
    scenarios : int, optional
        ``n``, the scenarios the estimate counts; by default ``k``.
    z : float
        Normal quantile of the interval.

    Returns
    -------
    list of float or None
        ``[low, high]`` USD; None below two scenarios.
    """
    cost = np.asarray(cost, dtype=float)
    if cost.shape[0] < 2:
        return None
    best = int(np.argmin(mean_cost))
    # the minimum column by column: on a scenario-major view of strategy-major data
    # about 10x faster than cost.min(axis=1)
    regret = cost[:, best] - functools.reduce(np.minimum, cost.T)
    low, high = mean_interval(regret, evpi, scenarios, z)
    return [max(0.0, low), high]


def _finite(value):
    return float(value) if math.isfinite(value) else None


def replicate_interval(sums, sizes, confidence=0.95, running=False):
    """Interval of a ratio of totals from independent replicates (randomised QMC, batches).

    The estimate is ``sum(S_r) / sum(n_r)``: a mean, or a probability, over every
    scenario of ``R`` independent replicates of ``n_r`` scenarios whose totals are
    ``S_r``. Its variance is the ratio estimator's,
    ``R / (R - 1) * sum((S_r - est * n_r)^2) / N^2``, and the interval takes Student's
    t with ``R - 1`` degrees of freedom. It holds whatever the sampling within a
    replicate (plain, Latin hypercube, scrambled Sobol, volume integrated out), as
    long as replicates are independent and identically randomised.

    Parameters
    ----------
    sums : float[R, ...]
        Each replicate's totals, in the statistic's unit times scenarios.
    sizes : float[R]
        Each replicate's scenarios.
    confidence : float
        Two-sided coverage.
    running : bool
        Also every interval on the first ``r`` replicates, ``r = 1 ... R``: the results
        gain a leading axis of length R (the last row is the interval of all).

    Returns
    -------
    (estimate, low, high) : numpy.ndarray each, shaped as ``sums[0]`` (``sums`` if running)
        NaN bounds below two replicates.
    """
    from scipy.special import stdtrit  # the t quantile; not scipy.stats, whose import is slow

    sums = np.asarray(sums, dtype=float)
    sizes = np.asarray(sizes, dtype=float).reshape((-1,) + (1,) * (sums.ndim - 1))
    # The sum of squares from moments, so that every prefix costs one cumsum; centred
    # on the overall estimate first, which the ratio estimator's variance does not
    # depend on, so that the moments do not cancel.
    centre = sums.sum(axis=0) / sizes.sum(axis=0)
    sums = sums - centre * sizes
    total = np.cumsum if running else functools.partial(np.sum, keepdims=True)
    n, s1, s2 = total(sizes, axis=0), total(sums, axis=0), total(sums * sums, axis=0)
    sn, n2 = total(sums * sizes, axis=0), total(sizes * sizes, axis=0)
    replicates = np.arange(1, sums.shape[0] + 1) if running else np.array([sums.shape[0]])
    replicates = replicates.reshape((-1,) + (1,) * (sums.ndim - 1))
    estimate = s1 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        squares = np.maximum(s2 - 2 * estimate * sn + estimate**2 * n2, 0.0)
        variance = np.where(replicates > 1, replicates / (replicates - 1) * squares / n**2, np.nan)
        half = stdtrit(np.maximum(replicates - 1, 1), 0.5 + confidence / 2) * np.sqrt(variance)  # t quantile
    if not running:
        estimate, half = estimate[0], half[0]
    estimate = estimate + centre
    return estimate, estimate - half, estimate + half


def independent_difference_interval(estimate_a, interval_a, estimate_b, interval_b):
    """Interval of ``b - a`` for two independent estimates, from each one's own interval.

    Newcombe's construction (his hybrid score interval of a difference of proportions,
    ``sim.stats.drivers.difference_interval``, is the case of two Wilson intervals), which
    Zou and Donner (2008, "MOVER") showed holds for any two independent estimates with
    intervals of the same level, symmetric or not (a quantile's order statistics, a
    t interval):
    ``d - sqrt((b - l_b)^2 + (u_a - a)^2)``, ``d + sqrt((u_b - b)^2 + (a - l_a)^2)``.
    For two runs that share their random numbers the estimates are positively
    correlated and this interval is conservative (too wide).

    Parameters
    ----------
    estimate_a, estimate_b : float
        The two estimates, in one unit.
    interval_a, interval_b : [low, high] or None
        Their 95% intervals (a bound None where it is infinite).

    Returns
    -------
    list of float or None
        ``[low, high]`` of ``estimate_b - estimate_a``; None where either interval is
        missing or open.
    """
    if interval_a is None or interval_b is None or None in (*interval_a, *interval_b):
        return None
    (low_a, high_a), (low_b, high_b) = interval_a, interval_b
    a, b = float(estimate_a), float(estimate_b)
    d = b - a
    return [d - math.hypot(b - low_b, high_a - a), d + math.hypot(high_b - b, a - low_a)]


__all__ = ["Z_975", "binomial_quantile", "cvar_interval", "evpi_interval", "independent_difference_interval",
           "mean_interval", "quantile_intervals", "quantile_ranks", "replicate_interval"]
