"""The volume model's geometric Brownian motion fitted to a monthly history, with its uncertainty.

MODEL.md's volume path is ``V_{m+1} = V_m exp(g - sigma^2/2 + sigma Z_m)`` with ``Z_m``
independent standard normal, so that ``E[V_{m+1} | V_m] = V_m e^g``: ``g`` is the growth
of the *expected* volume. The monthly log-changes ``r_m = log(V_{m+1} / V_m)`` of such a
path are independent normal with mean ``mu = g - sigma^2/2`` and standard deviation
``sigma``. From ``n`` months, ``k = n - 1`` changes:

- ``sigma_hat = s``, the changes' sample standard deviation (``ddof=1``), for which
  ``(k - 1) s^2 / sigma^2`` follows chi-square with ``k - 1`` degrees of freedom;
- ``mu_hat = mean(r) = (log V_n - log V_1) / k``, for which
  ``(mean(r) - mu) / (s / sqrt(k))`` follows Student's t with ``k - 1`` degrees of freedom,
  exactly, whatever ``sigma``;
- ``g_hat = mean(r) + s^2 / 2``, with standard error ``s / sqrt(k)`` (that of the mean).

Why t and not z: the standard error is itself estimated from the same few changes. With
a year of history (``k = 11``) the 95% quantile of t is 1.81 against z's 1.64, and a z
interval would cover the truth about 87% of the time instead of 90%; with four months
(``k = 3``) t's is 2.92 and z's interval would cover about 76%. The t interval's
coverage of ``mu`` is exact under the model; for ``g`` it adds ``(s^2 - sigma^2) / 2``,
whose spread ``sigma^2 / sqrt(2 (k - 1))`` (0.0012 at ``sigma = 0.1``, ``k = 35``) is small
beside the standard error (0.017 there), which the coverage tests confirm.

Units: volumes in calls per month; ``g``, ``mu`` in 1/month (log); ``sigma`` in
1/sqrt(month). Pure functions of arrays: no I/O, no configuration.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtri, stdtrit

from sim.calibrate.errors import CalibrationError

# The fewest months a fit takes: three changes, two degrees of freedom for the t and
# chi-square intervals (with fewer, neither has a finite 95% quantile worth writing).
MIN_MONTHS = 4
LEVEL = 0.90  # the preset's intervals are 90% intervals, as every input of payback


@dataclass(frozen=True)
class GbmFit:
    """A geometric Brownian motion fitted to ``months`` monthly volumes.

    Attributes
    ----------
    months : int
        Months fitted, ``n``.
    mean_change : float
        ``mean(r)``, the mean monthly log-change, 1/month.
    volatility : float
        ``sigma_hat``, 1/sqrt(month); 0 when the changes' spread is within ``resolution``.
    last_volume : float
        The last month's volume, calls/month: where forecasts start.
    first_volume : float
        The first month's, calls/month.
    resolution : float
        Spread of log-changes read as rounding, not volatility, 1/sqrt(month).
    """

    months: int
    mean_change: float
    volatility: float
    last_volume: float
    first_volume: float
    resolution: float

    @property
    def changes(self):
        """``k = n - 1``, the log-changes the fit rests on."""
        return self.months - 1

    @property
    def growth(self):
        """``g_hat = mean(r) + sigma_hat^2 / 2``, the expected growth, 1/month."""
        return self.mean_change + self.volatility**2 / 2

    @property
    def growth_se(self):
        """Standard error of ``g_hat`` (that of ``mean(r)``): ``sigma_hat / sqrt(k)``, 1/month."""
        return self.volatility / np.sqrt(self.changes)

    @property
    def exact(self):
        """True when the history has no noise: every interval is a single number."""
        return self.volatility == 0.0


def fit_gbm(calls, *, resolution=None):
    """Fit the volume model to monthly volumes.

    Parameters
    ----------
    calls : array_like of float
        Calls per month, consecutive months, each > 0.
    resolution : float, optional
        A spread of the log-changes at or below which the history counts as exact
        (``sigma_hat = 0``). Default: ``1 / min(calls)``: a whole count carries a rounding
        of at most 0.5, so a log-change is known to about ``1 / V`` and no finer.

    Returns
    -------
    GbmFit

    Raises
    ------
    CalibrationError
        With fewer than ``MIN_MONTHS`` months, or a volume that is not a number > 0.
    """
    calls = np.asarray(calls, dtype=float)
    if calls.ndim != 1 or len(calls) < MIN_MONTHS:
        raise CalibrationError(f"{len(calls)} months of history: the fit needs at least {MIN_MONTHS}"
                               f" (three monthly changes)")
    if not (np.isfinite(calls).all() and (calls > 0).all()):
        raise CalibrationError("every month needs a number of calls > 0 to take its log-change")
    changes = np.diff(np.log(calls))
    if resolution is None:
        resolution = 1.0 / calls.min()
    spread = float(np.std(changes, ddof=1))
    return GbmFit(
        months=len(calls),
        mean_change=float(changes.mean()),
        volatility=0.0 if spread <= resolution else spread,
        last_volume=float(calls[-1]),
        first_volume=float(calls[0]),
        resolution=float(resolution),
    )


def t_quantile(probability, df):
    """Student's t quantile at ``probability`` with ``df`` degrees of freedom."""
    return float(stdtrit(df, probability))


def growth_interval(fit, level=LEVEL):
    """The central ``level`` interval of ``g``: ``g_hat +- t_{k-1} s / sqrt(k)``, 1/month."""
    half = t_quantile((1 + level) / 2, fit.changes - 1) * fit.growth_se
    return fit.growth - half, fit.growth + half


def volatility_interval(fit, level=LEVEL):
    """The central ``level`` interval of ``sigma`` from chi-square with ``k - 1`` degrees of freedom.

    ``[s sqrt((k-1) / q_high), s sqrt((k-1) / q_low)]``, ``q`` the chi-square quantiles at
    ``(1 +- level) / 2``; 1/sqrt(month).
    """
    df = fit.changes - 1
    tail = (1 - level) / 2
    q_high, q_low = chdtri(df, tail), chdtri(df, 1 - tail)  # chdtri inverts the upper tail
    return fit.volatility * np.sqrt(df / q_high), fit.volatility * np.sqrt(df / q_low)


def forecast(fit, steps, levels=(LEVEL,)):
    """Predictive quantiles of the volume ``steps`` months after the last month fitted.

    ``log V_{n+h} = log V_n + h mean(r) + t_{k-1} s sqrt(h + h^2 / k)``: the shocks of
    the ``h`` months ahead (``h s^2``) and the uncertainty of the mean change carried
    over them (``h^2 s^2 / k``), with t for the estimated ``s``. This is the predictive
    interval of the next months, not a confidence interval of their median.

    Parameters
    ----------
    fit : GbmFit
    steps : array_like of int
        Months ahead, ``h >= 1``.
    levels : sequence of float
        Central levels of the bands (0.5, 0.9, ...).

    Returns
    -------
    median : ndarray
        The median volume at each step, calls/month.
    bands : dict
        ``{level: (low, high)}``, each an ndarray of calls/month.
    """
    steps = np.asarray(steps, dtype=float)
    centre = np.log(fit.last_volume) + steps * fit.mean_change
    scale = fit.volatility * np.sqrt(steps + steps**2 / fit.changes)
    bands = {}
    for level in levels:
        half = t_quantile((1 + level) / 2, fit.changes - 1) * scale
        bands[level] = (np.exp(centre - half), np.exp(centre + half))
    return np.exp(centre), bands


def next_month(fit, level=LEVEL):
    """The next month's volume: its median and predictive ``level`` interval, calls/month."""
    median, bands = forecast(fit, [1], (level,))
    low, high = bands[level]
    return float(median[0]), float(low[0]), float(high[0])


def fitted_path(fit):
    """The fit's median path over the months fitted: ``V_1 e^{(m-1) mean(r)}``, calls/month.

    It runs through the first and the last month (``mean(r)`` telescopes to their ratio).
    """
    return fit.first_volume * np.exp(np.arange(fit.months) * fit.mean_change)


@dataclass(frozen=True)
class Backtest:
    """A fit on all but the last ``holdout`` months, and how its bands held the rest.

    Attributes
    ----------
    fit : GbmFit
        The fit on the first ``n - holdout`` months.
    actual : ndarray
        The held-out months' volumes, calls/month.
    median : ndarray
        The forecast's median for them.
    bands : dict
        ``{level: (low, high)}`` for them.
    inside : dict
        ``{level: count}`` of held-out months within the band (its ends included).
    """

    fit: GbmFit
    actual: np.ndarray
    median: np.ndarray
    bands: dict
    inside: dict

    @property
    def holdout(self):
        return len(self.actual)


def backtest(calls, holdout, levels=(0.5, LEVEL), *, resolution=None):
    """Fit on all but the last ``holdout`` months and count those inside each band.

    Raises
    ------
    CalibrationError
        When ``holdout`` is not at least 1, or leaves fewer than ``MIN_MONTHS`` to fit.
    """
    calls = np.asarray(calls, dtype=float)
    if holdout < 1:
        raise CalibrationError(f"--holdout {holdout}: hold out at least one month")
    if len(calls) - holdout < MIN_MONTHS:
        raise CalibrationError(f"--holdout {holdout} leaves {len(calls) - holdout} of {len(calls)} months to fit;"
                               f" the fit needs at least {MIN_MONTHS}")
    fit = fit_gbm(calls[:-holdout], resolution=resolution)
    actual = calls[-holdout:]
    median, bands = forecast(fit, np.arange(1, holdout + 1), levels)
    # an exact history's bands have no width: a month on its forecast counts as inside
    slack = fit.resolution
    inside = {}
    for level, (low, high) in bands.items():
        log_actual = np.log(actual)
        inside[level] = int(((log_actual >= np.log(low) - slack) & (log_actual <= np.log(high) + slack)).sum())
    return Backtest(fit=fit, actual=actual, median=median, bands=bands, inside=inside)
