"""Pictures of a calibration (matplotlib, Agg): the history with its fit and forecast, the backtest.

``forecast.png``: the monthly calls of the history, the fit's median path through them
and the forecast fan over the horizon (median, 50% and 90% predictive bands of the
fitted geometric Brownian motion, parameter uncertainty included). ``backtest.png``
(with ``--holdout K``): the fit on all but the last K months, its bands over those K,
and where they fell. Volumes are calls per (average) month, on a log scale, where
constant growth is a straight line.
"""

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from sim.calibrate.fit import LEVEL, fitted_path, forecast, growth_interval, next_month
from sim.calibrate.months import month_after
from sim.calibrate.preset import BACKTEST_LEVELS, FORMAT_NAMES
from sim.report.figures import FIGSIZE, add_heading, legend_width, new_figure, place_axes, png_bytes
from sim.report.formats import calls

HISTORY_COLOR = "#222222"
FIT_COLOR = "#0072B2"  # Okabe-Ito blue, as the project's pictures
HELD_OUT_COLOR = "#D55E00"  # Okabe-Ito vermillion
# wider than a run's pictures: the legend stands right of the axes, off the data
SIZE = (FIGSIZE[0] * 1.3, FIGSIZE[1])
BAND_ALPHA = {0.5: 0.35, LEVEL: 0.15}


def pictures(calibration, horizon):
    """``{file name: PNG bytes}``: ``forecast.png``, and ``backtest.png`` with a backtest."""
    drawn = {"forecast.png": png_bytes(forecast_figure(calibration, horizon))}
    if calibration.backtest is not None:
        drawn["backtest.png"] = png_bytes(backtest_figure(calibration))
    return drawn


def forecast_figure(calibration, horizon):
    """The history, the fitted path and the forecast fan over ``horizon`` months."""
    history, fit = calibration.history, calibration.fit
    n = len(history.months)
    fig, ax = new_figure(*SIZE, layout=None)
    x = np.arange(n)
    ax.plot(x, fitted_path(fit), color=FIT_COLOR, linewidth=1.5, linestyle="--",
            label="fitted growth, from the first month")
    _fan(ax, fit, n - 1, np.arange(0, horizon + 1))
    _history(ax, history, n, "history")
    ax.axvline(n - 0.5, color="#999999", linewidth=0.8)
    ax.text(n - 0.3, 0.02, f"month 1 of a run: {history.next_month}", transform=ax.get_xaxis_transform(),
            fontsize=8, color="#555555", va="bottom")
    _axes(ax, history.months[0], n + horizon)
    legend = _legend(ax)
    median, low, high = next_month(fit)
    g_low, g_high = growth_interval(fit)
    growth = f"{fit.growth:.2%}/month" if fit.exact else f"{fit.growth:.2%}/month [{g_low:.2%}, {g_high:.2%}]"
    first = f"{calls(median)} calls" + ("" if fit.exact else f" [{calls(low)}, {calls(high)}] (90%)")
    subtitle = (f"{_what(history)}; growth {growth}, volatility {fit.volatility:.3g}; "
                f"{history.next_month}: {first}")
    title = f"Calls a month: the history, its fitted growth and {horizon} months of forecast (50% and 90% bands)"
    place_axes(fig, ax, add_heading(fig, title, subtitle), right=legend_width(fig, legend))
    return fig


def backtest_figure(calibration):
    """The fit on all but the held-out months, its bands over them, and where they fell."""
    history, result = calibration.history, calibration.backtest
    n, k = len(history.months), result.holdout
    fig, ax = new_figure(*SIZE, layout=None)
    fitted = n - k
    ax.plot(np.arange(fitted), fitted_path(result.fit), color=FIT_COLOR, linewidth=1.5, linestyle="--",
            label="fitted growth, from the first month")
    _fan(ax, result.fit, fitted - 1, np.arange(0, k + 1))
    _history(ax, history, fitted, "months fitted")
    ax.plot(np.arange(fitted, n), result.actual, "D", color=HELD_OUT_COLOR, markersize=5,
            label=f"the {k} months held out")
    _axes(ax, history.months[0], n)
    legend = _legend(ax)
    inside = " and ".join(f"{result.inside[level]} inside the {level:.0%} band (expected about"
                          f" {level * k:.2g})" for level in BACKTEST_LEVELS)
    subtitle = f"{_what(history)}; fitted on {history.months[0]} to {history.months[fitted - 1]}: {inside}"
    title = f"Backtest: would a fit on the earlier months have foreseen the last {k}?"
    place_axes(fig, ax, add_heading(fig, title, subtitle), right=legend_width(fig, legend))
    return fig


def _history(ax, history, count, label):
    # the first ``count`` months as dots, a partial month scaled to a whole one hollow
    scaled = {text[:7] for text in history.scaled}
    x = np.arange(count)
    partial = np.array([month in scaled for month in history.months[:count]])
    ax.plot(x[~partial], history.calls[:count][~partial], "o", color=HISTORY_COLOR, markersize=4, label=label)
    if partial.any():
        ax.plot(x[partial], history.calls[:count][partial], "o", markerfacecolor="white", color=HISTORY_COLOR,
                markersize=4, label="partial month, scaled to a whole one")


def _fan(ax, fit, last, steps):
    # the forecast's median and bands from the last month fitted (step 0, no width)
    median, bands = forecast(fit, steps[1:], BACKTEST_LEVELS)
    x = last + steps
    start = [fit.last_volume]
    for level in sorted(bands, reverse=True):
        low, high = bands[level]
        ax.fill_between(x, np.r_[start, low], np.r_[start, high], color=FIT_COLOR, alpha=BAND_ALPHA[level],
                        linewidth=0, label=f"{level:.0%} forecast band")
    ax.plot(x, np.r_[start, median], color=FIT_COLOR, linewidth=2, label="forecast median")


def _axes(ax, first_month, months):
    # after everything is drawn: the ticks are chosen from the data's range
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(_log_ticks(*ax.get_ylim())))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(calls))
    ax.set_ylabel("calls a month")
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 9), 120)
    ax.xaxis.set_major_locator(FixedLocator(np.arange(0, months, step)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, position: month_after(first_month, int(round(value)))))
    ax.set_xlim(-0.5, months - 0.5)
    ax.grid(alpha=0.3)


def _legend(ax):
    # the data first, then the fit, then the forecast from its median out to its widest band
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: (not labels[i].startswith(("history", "partial", "months",
                                                                                 "the ")), i))
    return ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="upper left",
                     bbox_to_anchor=(1.01, 1), fontsize=8)


def _log_ticks(low, high, most=8):
    """Round volumes between ``low`` and ``high`` for a log axis: 1-2-5 a decade, finer over a narrow range."""
    decades = range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1)
    for mantissas in ((1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 5), (1, 2, 5), (1, 3), (1,)):
        ticks = [m * 10.0**e for e in decades for m in mantissas if low <= m * 10.0**e <= high]
        if len(ticks) <= most:
            return ticks
    return ticks[:: -(-len(ticks) // most)]


def _what(history):
    model = f", {history.model}" if history.model else ""
    return f"{history.source} ({FORMAT_NAMES[history.format]}{model})"
