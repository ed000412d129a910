"""Pictures of a run, drawn from its Dataset and summary (matplotlib, Agg backend).

Each function returns a Figure whose title states the question it answers and whose
grey subtitle says which run it shows; money is USD, discounted to month 1, written
by ``sim.report.formats.usd`` wherever it appears. Figures, headings and placement come from
``sim.report.figures``.
"""

import textwrap

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator, PercentFormatter
from omegaconf import OmegaConf

from sim.report import forked
from sim.stats.analysis import break_even_volume, crossing_curves
from sim.report.figures import FIGSIZE, add_heading, legend_width, new_figure, place_axes, place_under_legend, png_bytes
from sim.report.figures import size_inches, write_png
from sim.inputs.routes import route_label
from sim.report.formats import amount, calls, usd
from sim.report.information import PICTURE as INFORMATION_PICTURE, value_of_information_picture
from sim.report.routes import route_view, summary_labels
from sim.results.summary import calendar_events, run_label
from sim.results.tornado import ATTR as TORNADO_ATTR
from sim.report.tornado import PICTURE as TORNADO_PICTURE, fixed_inputs_tornado


def _label(results):
    return run_label(results)["label"]


def payback_probability(results, confidence, label=None):
    """P(fine-tuning / RAG cheaper than prompting by month m), with 95% bands."""
    view = route_view(results)
    fig, ax = new_figure(*FIGSIZE, layout=None)
    months = results.month.values
    for k in view.challengers:
        ax.fill_between(
            months,
            results.p_beats_prompt_low.sel(challenger=k),
            results.p_beats_prompt_high.sel(challenger=k),
            color=view.colours[k], alpha=0.25, linewidth=0,
        )
        ax.plot(
            months, results.p_beats_prompt.sel(challenger=k), color=view.colours[k],
            linewidth=2, label=view.labels[k], gid=f"p_beats_prompt.{k}",
        )
    ax.axhline(confidence, color="black", linestyle="--", linewidth=1,
               label=f"confidence {confidence:.0%}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(months[0], months[-1])
    ax.set_xlabel(f"month (month 1 = {results.attrs['start']})" if "start" in results.attrs else "month")
    _mark_calendar(ax, results)
    ax.set_ylabel(f"P(cumulative cost below {view.against})")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8 if len(view.challengers) > 3 else None)
    place_axes(fig, ax, add_heading(fig, f"By month m, how likely is each route to be cheaper than {view.against}?",
                                    label or _label(results)))
    return fig


def convergence(results, label=None):
    """Each headline estimate and its 95% interval against the scenarios run so far.

    From the replicate totals of ``results.nc`` alone (no rerun): a band that has
    stopped narrowing, or an estimate still drifting, says whether more scenarios
    would change the answer. One panel a statistic and challenger, each on its own
    scale, so that a band of a tenth of a point still shows.
    """
    from sim.stats.precision import headline_intervals

    view = route_view(results)
    running = headline_intervals(results.replicate_totals.values, results.replicate_beats.values,
                                 results.attrs.get("sampling", "mc"), list(view.names),
                                 view.names.index(view.baseline), running=True)
    n = running["scenarios"]
    # a row a challenger, a column a statistic: as many routes as the run has
    rows = len(view.challengers)
    fig, axes = new_figure(FIGSIZE[0] * 1.4, FIGSIZE[1] * (0.3 + 0.5 * rows), layout=None, nrows=rows, ncols=2,
                           sharex=True, squeeze=False)
    panels = (("p_beats", f"P(cheaper than {view.against})", lambda v: f"{v:.4f}",
               PercentFormatter(1.0, decimals=1)),
              ("savings", "expected savings (USD)", lambda v: usd(v).replace("$", r"\$"), FuncFormatter(usd)))
    # the first replicates' bands are wide: the scale follows the band from the 4th on
    settled = min(3, len(n) - 1)
    for row, k in zip(axes, view.challengers, strict=True):
        for ax, (name, ylabel, shown, formatter) in zip(row, panels, strict=True):
            estimate, low, high = running[name][k]
            colour = view.colours[k]
            ax.fill_between(n, low, high, color=colour, alpha=0.25, linewidth=0, label="95% interval")
            half = (high[-1] - low[-1]) / 2
            ax.plot(n, estimate, color=colour, linewidth=1.8, gid=f"convergence.{name}.{k}",
                    label=f"{shown(estimate[-1])} ± {shown(half) if np.isfinite(half) else '?'}")
            span = np.concatenate([estimate[settled:], low[settled:], high[settled:]])
            span = span[np.isfinite(span)]
            if span.size and span.max() > span.min():
                pad = 0.1 * (span.max() - span.min())
                ax.set_ylim(span.min() - pad, span.max() + pad)
            ax.set_title(f"{view.labels[k]}: {ylabel}", fontsize=10)
            ax.yaxis.set_major_formatter(formatter)
            ax.grid(alpha=0.3)
            ax.legend(loc="best", fontsize=8)
    for ax in axes[-1]:
        ax.set_xscale("log")
        if len(n) > 1:  # a run of one replicate is a single point
            ax.set_xlim(n[0], n[-1])
        # labelled 1-2-5 steps and no minor ticks: a short run's axis gets plain
        # numbers instead of mathtext minor labels, and the four panels draw no minor
        # tick objects, a large share of the picture's drawing
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_xlabel("scenarios")
    method = results.attrs.get("sampling", "mc")
    integrated = " with month-1 volume integrated out" if int(results.attrs.get("volume_integrated", 0)) else ""
    place_axes(fig, axes, add_heading(fig, "Has each headline number settled? Estimate and 95% interval as scenarios grow",
                               f"{label or _label(results)} | sampling={method}{integrated}, {len(n)} replicates"))
    return fig


def _mark_calendar(ax, results):
    # The provider calendar's dated events, drawn where they take effect: after the
    # month a date falls in (training through that month, serving through that month).
    by_month = {}
    for event in calendar_events(results):
        what = {"training cutoff": "last training", "serving end": "fine-tunes stop serving",
                "base retirement": "base model retires"}.get(event["event"], event["event"])
        by_month.setdefault(event["month"], []).append(f"{event['sheet']}: {what} {event['date']}")
    for month, labels in sorted(by_month.items()):
        x = month + 0.5
        ax.axvline(x, color="#8c564b", linestyle=":", linewidth=1.5)
        ax.annotate("\n".join(labels), xy=(x, 0.98), xycoords=ax.get_xaxis_transform(), xytext=(-7, 0),
                    textcoords="offset points", rotation=90, va="top", ha="right", fontsize=7.5,
                    color="#8c564b")
    if by_month and "p_platform_exit" in results:
        # under the axis, where no date's label runs: each fine-tune route that leaves
        notes = []
        for k in results.finetune_route.values:
            one = results.sel(finetune_route=k)
            if float(one.p_platform_exit) == 0:
                continue
            note = f"{route_label(str(k), 'finetune')} leaves its platform in {float(one.p_platform_exit):.0%}"
            if float(one.p_migrated) > 0:
                note += (f", migrates in {float(one.p_migrated):.0%}, prompts for good in"
                         f" {float(one.p_exited_for_good):.0%}")
            notes.append(note)
        if notes:
            ax.set_xlabel(f"{ax.get_xlabel()}\n" + "; ".join(notes) + " of scenarios", color="black")


def savings_fan(results, label=None):
    """Quantile bands of cumulative savings against prompting, by month."""
    view = route_view(results)
    # up to three panels a row, a panel a challenger
    columns = min(len(view.challengers), 3)
    rows = -(-len(view.challengers) // columns)
    fig, axes = new_figure(FIGSIZE[0] * (0.75 + 0.35 * columns), FIGSIZE[1] * (0.35 + 0.65 * rows), layout=None,
                           nrows=rows, ncols=columns, sharey=True, squeeze=False)
    months = results.month.values
    axes = list(axes.ravel())
    for ax in axes[len(view.challengers):]:  # an incomplete last row
        ax.remove()
    axes = axes[:len(view.challengers)]
    for ax, k in zip(axes, view.challengers):
        q = results.savings_quantile.sel(challenger=k)
        colour = view.colours[k]
        ax.fill_between(months, q.sel(quantile=0.05), q.sel(quantile=0.95), color=colour,
                        alpha=0.18, linewidth=0, label="5-95%")
        ax.fill_between(months, q.sel(quantile=0.25), q.sel(quantile=0.75), color=colour,
                        alpha=0.35, linewidth=0, label="25-75%")
        ax.plot(months, q.sel(quantile=0.5), color=colour, linewidth=2, label="median")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(usd))
        ax.set_xlim(months[0], months[-1])
        ax.set_xlabel("month")
        ax.set_title(f"{view.labels[k]} vs {view.against}", fontsize=11)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8)
    for ax in axes[::columns]:
        ax.set_ylabel("cumulative savings\n(USD, discounted)")
    place_axes(fig, axes, add_heading(fig, f"How much does each route save against {view.against} over time?"
                                            " (above 0: saves)", label or _label(results)))
    return fig


def _horizon_savings(results):
    # the baseline's cost minus each challenger's, per saved scenario, USD
    cost, baseline = results.cost, str(results.attrs.get("baseline") or "prompt")
    return {str(k): (cost.sel(route=baseline) - cost.sel(route=str(k))).values
            for k in results.challenger.values}


def _shown_range(savings):
    # A heavy right tail (high-volume scenarios) would squeeze the bulk into one bar:
    # both challengers on one axis cut at the 0.5% and 99.5% quantiles of either.
    bounds = np.array([np.quantile(s, [0.005, 0.995]) for s in savings.values()])
    low, high = float(bounds[:, 0].min()), float(bounds[:, 1].max())
    # 0, where saving starts, stays in sight unless it would squeeze the distributions
    span = high - low
    if span == 0:  # one number (every input fixed, a point run): a range around it and 0
        pad = max(abs(low), 1.0) * 0.1
        return min(low, 0.0) - pad, max(high, 0.0) + pad
    if 0 < low < span:
        low = -0.02 * span
    elif -span < high < 0:
        high = 0.02 * span
    return low, high


def savings_histogram(results, summary):
    """Distribution of savings at the horizon with the 5% quantile and CVaR marked."""
    view = route_view(results)
    savings = _horizon_savings(results)
    lo, hi = _shown_range(savings)
    fig, axes = new_figure(FIGSIZE[0] * 1.4, FIGSIZE[1] * (0.25 + 0.5 * len(savings)), layout=None,
                           nrows=len(savings), sharex=True, squeeze=False)
    axes = axes[:, 0]
    bins = np.linspace(lo, hi, 100)
    beside = []  # inches right of the axes: legends and notes
    for ax, (k, values) in zip(axes, savings.items(), strict=True):
        stats = summary["savings_vs_prompt"][k]
        shown = (values >= lo) & (values <= hi)
        # one filled outline instead of 99 bars (a tenth of a second less to draw)
        ax.stairs(np.histogram(values[shown], bins)[0], bins, fill=True, color=view.colours[k], alpha=0.75)
        if not shown.all():
            note = ax.text(1.02, 0.02, f"{np.mean(~shown):.1%} of scenarios beyond\nthe axis (cut at the 0.5% and\n"
                           "99.5% quantiles)", transform=ax.transAxes, ha="left", va="bottom", fontsize=8,
                           color="#444444")
            beside.append(0.02 * fig.get_figwidth() + size_inches(fig, note)[0])
        for value, style, name in (
            (stats["mean"], "-", "mean"),
            (stats["p05"], "--", "5% quantile"),
            (stats["cvar05"], ":", "CVaR 5% (mean of worst 5%)"),
        ):
            ax.axvline(value, color="black", linestyle=style, linewidth=1.5, label=f"{name}: {usd(value)}")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_ylabel("scenarios")
        ax.set_title(f"{view.labels[k]} vs {view.against}", fontsize=11, loc="left")
        ax.grid(alpha=0.3)
        legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        beside.append(legend_width(fig, legend))
    axes[-1].set_xlim(lo, hi)
    axes[-1].xaxis.set_major_formatter(FuncFormatter(usd))
    axes[-1].set_xlabel(f"savings against {view.against} at month {summary['horizon_months']} "
                        f"(USD, discounted; above 0: cheaper than {view.against})")
    place_axes(fig, axes, add_heading(fig, "How much could each route save, and how bad is the worst 5%?",
                                      summary["run"]["label"]), right=max(beside))
    return fig


def savings_cdf(results, summary):
    """Cumulative distribution of savings at the horizon, both challengers on one axis."""
    view = route_view(results)
    savings = _horizon_savings(results)
    lo, hi = _shown_range(savings)
    fig, ax = new_figure(FIGSIZE[0] * 1.3, FIGSIZE[1], layout=None)
    for k, values in savings.items():
        colour = view.colours[k]
        ordered = np.sort(values)
        share = np.arange(1, ordered.size + 1) / ordered.size
        p_win = summary["p_beats_prompt"][k]["estimate"]
        # the chance in the legend, where it reads even when 0 lies beyond the axis
        ax.step(ordered, share, where="post", color=colour, linewidth=2,
                label=f"{view.labels[k]}: P(savings > 0) = {p_win:.0%}", gid=f"cdf.{k}")
        # the curve's height at 0 is P(savings <= 0); the rest saves money
        ax.plot([0], [1 - p_win], "o", color=colour, markersize=7, zorder=3, gid=f"p_savings_positive.{k}")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(usd))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"savings against {view.against} at month {summary['horizon_months']} "
                  f"(USD, discounted; above 0: cheaper than {view.against})")
    ax.set_ylabel("share of scenarios saving at most this")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9 if len(savings) <= 3 else 8)
    ax.text(0.99, 0.02, "axis cut at the 0.5% and 99.5% quantiles", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=7.5, color="#444444")
    place_axes(fig, ax, add_heading(fig, "What are the chances of saving (or losing) a given amount by month "
                                  f"{summary['horizon_months']}?", summary["run"]["label"]))
    return fig


def _driver_label(row):
    # the description up to its first colon (what follows is a formula), then the
    # values that bound the lowest and highest tenth
    description = row["description"].split(":")[0]
    description = textwrap.shorten(description, 48, placeholder="…")
    low, high = amount(row["low_tenth_up_to"], row["unit"]), amount(row["high_tenth_from"], row["unit"])
    return f"{description}\nlowest tenth ≤ {low}, highest ≥ {high}"


def drivers_tornado(summary, top=8):
    """P(win) in each input's lowest and highest tenth, one panel per challenger."""
    labels, against = summary_labels(summary)
    shown = {k: drivers["ranked"][:top] for k, drivers in summary["drivers"].items()}
    heights = [max(len(rows), 2) + 1.2 for rows in shown.values()]
    fig, axes = new_figure(FIGSIZE[0] * 1.45, 0.55 * sum(heights) + 2.2, layout=None, nrows=len(shown),
                           squeeze=False, gridspec_kw={"height_ratios": heights})
    axes = axes[:, 0]
    for ax, k in zip(axes, shown, strict=True):
        drivers, rows = summary["drivers"][k], shown[k]
        overall = summary["p_beats_prompt"][k]["estimate"]
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(f"{labels[k]} vs {against}: P(win) {overall:.0%} over all scenarios",
                     fontsize=11, loc="left")
        if drivers["skipped"] or not rows:
            ax.set_yticks([])
            ax.set_ylim(0, 1)
            ax.text(0.5, 0.5, textwrap.fill(drivers["skipped"] or "No input has a detectable effect.", 90),
                    transform=ax.transAxes, ha="center", va="center", fontsize=9, gid=f"skipped.{k}")
        else:
            _dumbbells(ax, rows, overall)
        quiet = len(drivers["no_detectable_effect"]) + len(drivers["ranked"]) - len(rows)
        note = (f"{len(drivers['no_detectable_effect'])} more input(s) had no detectable effect "
                "(95% interval of the effect contains 0)")
        if len(drivers["ranked"]) > len(rows):
            note += f"; {len(drivers['ranked']) - len(rows)} smaller ranked effect(s) not shown"
        what = f"P({labels[k]} cheaper than {against} at month {summary['horizon_months']}) — axis from 0%"
        ax.set_xlabel(f"{what}\n{note}" if not drivers["skipped"] and quiet else what, fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    handles = [
        Line2D([], [], marker="o", color="#ff7f0e", linestyle="none", label="lowest tenth of the input"),
        Line2D([], [], marker="o", color="#1f77b4", linestyle="none", label="highest tenth of the input"),
        Line2D([], [], color="black", marker="|", markersize=10, linewidth=1.2,
               label="95% interval of the effect (placed from the lowest tenth)"),
        Line2D([], [], color="black", linestyle=":", linewidth=1, label="all scenarios"),
    ]
    # between the heading and the first panel's title, aligned with the panels
    legend = axes[0].legend(handles=handles, loc="upper left", ncols=2, fontsize=8, frameon=False,
                            borderaxespad=0)
    heading = add_heading(fig, f"Which uncertain inputs move each route's chance of beating {against}?",
                          summary["run"]["label"])
    place_under_legend(fig, axes, heading, legend, "driver")
    return fig


def _dumbbells(ax, rows, overall):
    # largest effect on top; each row: lowest tenth -> highest tenth, the whisker is
    # where the highest tenth could sit given the effect's 95% interval
    y = np.arange(len(rows))[::-1]
    low, high = np.array([row["p_low"] for row in rows]), np.array([row["p_high"] for row in rows])
    effect, ci95 = np.array([row["effect"] for row in rows]), np.array([row["ci95"] for row in rows])
    # one artist a layer for all rows, not four a row: the same picture, drawn faster
    gap = np.full(len(rows), np.nan)  # breaks the bars' line between rows
    ax.plot(np.column_stack([low, high, gap]).ravel(), np.column_stack([y, y, gap]).ravel(), color="#999999",
            linewidth=2, zorder=1)
    ax.errorbar(low + effect, y, xerr=[effect - ci95[:, 0], ci95[:, 1] - effect], fmt="none", ecolor="black",
                elinewidth=1.2, capsize=4, zorder=2)
    ax.plot(low, y, "o", color="#ff7f0e", markersize=8, zorder=3)
    ax.plot(high, y, "o", color="#1f77b4", markersize=8, zorder=3)
    for i, row in zip(y, rows, strict=True):
        shown = f"{row['effect'] * 100:+.1f} pts [{row['ci95'][0] * 100:+.1f}, {row['ci95'][1] * 100:+.1f}]"
        ax.annotate(shown, xy=(max(row["p_low"], row["p_high"], row["p_low"] + row["ci95"][1]), i), xytext=(8, 0),
                    textcoords="offset points", va="center", fontsize=8)
    ax.axvline(overall, color="black", linestyle=":", linewidth=1)
    # labels as texts, not tick labels: a label holds two amounts of money, and two "$"
    # in one tick label would be read as mathtext
    ax.set_yticks(y, [""] * len(rows))
    for i, row in zip(y, rows, strict=True):
        ax.text(-0.015, i, _driver_label(row), transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8, parse_math=False, gid="driver")
    ax.set_ylim(-0.6, len(rows) - 0.4)


def month1_volume(results):
    """Month-1 calls per scenario: drawn, or the configured fixed value."""
    key = "workload.calls_per_month"
    if key in results:
        return results[key].values
    configured = OmegaConf.create(results.attrs["config"]).workload.calls_per_month
    if isinstance(configured, str):  # a point run's distribution: its median, as the run fixed it
        fixed = dict(item.partition("=")[::2] for item in results.attrs["fixed_inputs"].split(", "))
        configured = fixed[key]
    return np.full(results.sizes["scenario"], float(configured))


def crossing_range(results, summary):
    """The volumes the line crossing spans, calls/month.

    The configured month-1 volume (5-95%) and, for every challenger, the 2-98% range
    of the scenarios' finite break-even volumes and the summary's p10-p90, so that
    each P(win) curve is seen rising through 50% and the confidence where it does.
    """
    view = route_view(results)
    fixed = results.cost_fixed.transpose("scenario", "route").values
    slope = results.cost_slope.transpose("scenario", "route").values
    ends = list(np.quantile(month1_volume(results), [0.05, 0.95]))
    for k in view.challengers:
        volumes = break_even_volume(fixed, slope, view.names.index(k), view.names.index(view.baseline))
        volumes = volumes[np.isfinite(volumes) & (volumes > 0)]
        if volumes.size:
            ends += list(np.quantile(volumes, [0.02, 0.98]))
        ends += [summary["break_even_calls_per_month"][k][q] for q in BREAK_EVEN_STYLE
                 if summary["break_even_calls_per_month"][k][q]]
    return max(min(ends) / 2, 1.0), max(max(ends) * 2, 10.0)


BREAK_EVEN_STYLE = {"p10": (":", 1.2), "p50": ("--", 1.8), "p90": (":", 1.2)}


def line_crossing(results, summary, points=120):
    """Cost lines and chances of winning against month-1 volume, break-even volumes marked."""
    view = route_view(results)
    low, high = crossing_range(results, summary)
    grid = np.geomspace(low, high, points)
    curves = crossing_curves(
        results.cost_fixed.transpose("scenario", "route").values,
        results.cost_slope.transpose("scenario", "route").values,
        grid, baseline=view.names.index(view.baseline),
    )
    confidence = summary["confidence"]
    fig, (cost_ax, p_ax) = new_figure(FIGSIZE[0] * 1.45, FIGSIZE[1] * (1.75 + 0.1 * max(len(view.names) - 3, 0)),
                                      layout=None, nrows=2, sharex=True, gridspec_kw={"height_ratios": [1, 1.1]})
    for i, k in enumerate(view.names):
        cost_ax.fill_between(grid, curves["cost_band"][i, 0], curves["cost_band"][i, 2],
                             color=view.colours[k], alpha=0.15, linewidth=0)
        cost_ax.plot(grid, curves["cost_band"][i, 1], color=view.colours[k], linewidth=2,
                     label=f"{view.labels[k]}: median, 90% band")
    if "error_cost" in results:  # the failed calls' part of each band: the median without it, dotted
        errors = results.error_cost.transpose("scenario", "route").values / month1_volume(results)[:, None]
        without = crossing_curves(
            results.cost_fixed.transpose("scenario", "route").values,
            results.cost_slope.transpose("scenario", "route").values - errors,
            grid, baseline=view.names.index(view.baseline),
        )
        for i, k in enumerate(view.names):
            cost_ax.plot(grid, without["cost_band"][i, 1], color=view.colours[k], linewidth=1.2,
                         linestyle=(0, (1, 1.5)), label=f"{view.labels[k]}: median without failed calls",
                         gid=f"cost_without_errors.{k}")
    for k in view.challengers:
        i = view.names.index(k)
        p_ax.plot(grid, curves["p_beats_baseline"][i], color=view.colours[k], linewidth=2.2,
                  label=f"P({view.labels[k]} beats {view.against})", gid=f"p_beats_prompt.{k}")
        _mark_confidence(p_ax, grid, curves["p_beats_baseline"][i], confidence, view.colours[k])
    for i, k in enumerate(view.names):
        p_ax.plot(grid, curves["p_cheapest"][i], color=view.colours[k], linewidth=1.3, linestyle=(0, (5, 2)),
                  label=f"P({view.labels[k]} cheapest of the {len(view.names)})", gid=f"p_cheapest.{k}")
    p_ax.axhline(0.5, color="black", linewidth=0.8, label="50%")
    p_ax.axhline(confidence, color="black", linewidth=0.8, linestyle=(0, (1, 2)),
                 label=f"confidence {confidence:.0%}")
    volume = month1_volume(results)
    v05, v95 = np.quantile(volume, [0.05, 0.95])
    for ax in (cost_ax, p_ax):
        if v95 > v05:
            ax.axvspan(v05, v95, color="#f2c14e", alpha=0.22, linewidth=0,
                       label="configured month-1 volume, 5-95%" if ax is p_ax else None)
        else:
            ax.axvline(v05, color="#f2c14e", linewidth=4, alpha=0.6,
                       label="configured month-1 volume" if ax is p_ax else None)
        ax.grid(alpha=0.3)
    never = _mark_break_even(cost_ax, p_ax, summary, view)
    cost_ax.set_xscale("log")
    cost_ax.set_yscale("log")
    cost_ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    cost_ax.xaxis.set_major_formatter(FuncFormatter(calls))
    cost_ax.yaxis.set_major_formatter(FuncFormatter(usd))
    cost_ax.set_xlim(low, high)
    cost_ax.set_ylabel(f"cost by month {summary['horizon_months']}\n(USD, discounted)")
    cost_ax.set_title("(a) cumulative cost of each route", fontsize=10, loc="left")
    p_ax.set_ylim(0, 1)
    p_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    p_ax.set_ylabel("probability")
    p_ax.set_xlabel("month-1 volume (calls/month)" + (f" — {never}" if never else ""))
    if len(p_ax.get_xlabel()) > 110:  # one line a few challengers: the rest wraps under it
        p_ax.set_xlabel(textwrap.fill(p_ax.get_xlabel(), 110))
    p_ax.set_title("(b) chance of winning at each volume", fontsize=10, loc="left")
    legends = [cost_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)]
    handles, labels = p_ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.5))
    labels.append("break-even volume p50 (p10, p90 dotted),\nin the challenger's colour"
                  if len(view.challengers) <= 2 else "break-even volume p50,\nin the challenger's colour")
    legends.append(p_ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
                               frameon=False))
    challengers = [view.labels[k] for k in view.challengers]
    if len(challengers) == 1:
        question = f"does {challengers[0]} start"
    elif len(challengers) <= 3:
        question = f"do {', '.join(challengers[:-1])} and {challengers[-1]} start"
    else:
        question = "does each route start"
    place_axes(fig, (cost_ax, p_ax), add_heading(fig, f"At which month-1 volume {question} to pay"
                                                      f" against {view.against}?", summary["run"]["label"]),
           right=max(legend_width(fig, legend) for legend in legends))
    return fig


def _mark_confidence(ax, grid, p, confidence, color):
    # where a P(win) curve (rising with volume) first reaches the confidence
    reached = np.flatnonzero(p >= confidence)
    if not reached.size or reached[0] == 0:
        return
    i = reached[0]
    # interpolated between the grid's two volumes, on the log scale
    share = (confidence - p[i - 1]) / (p[i] - p[i - 1])
    volume = grid[i - 1] * (grid[i] / grid[i - 1]) ** share
    ax.plot([volume], [confidence], "o", color=color, markersize=6, zorder=3)
    ax.annotate(f"{confidence:.0%} from {calls(volume)}", xy=(volume, confidence), xytext=(-5, 5),
                textcoords="offset points", ha="right", va="bottom", fontsize=8, color=color, fontweight="bold",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def _mark_break_even(cost_ax, p_ax, summary, view):
    # p10/p50/p90 of each challenger's break-even volume (the p50 alone beyond two
    # challengers, lest the lines hide the curves): vertical lines in both panels,
    # named in the cost panel; returns which never break even
    never = []
    levels = tuple(BREAK_EVEN_STYLE) if len(view.challengers) <= 2 else ("p50",)
    for j, k in enumerate(view.challengers):
        # the estimates only: each sits beside its 95% interval (KEY_ci95)
        quantiles = {q: summary["break_even_calls_per_month"][k][q] for q in levels}
        for q, value in quantiles.items():
            if value is None or value <= 0:  # never, or at every volume: no place on a log axis
                continue
            style, width = BREAK_EVEN_STYLE[q]
            for ax in (cost_ax, p_ax):
                ax.axvline(value, color=view.colours[k], linestyle=style, linewidth=width,
                           gid=f"break_even.{k}.{q}")
            # the first challenger named along the top, the next along the bottom, and so
            # on: neighbours rarely collide
            top = j % 2 == 0
            cost_ax.annotate(f"{view.labels[k]} {q} {calls(value)}", xy=(value, 1 if top else 0),
                             xycoords=cost_ax.get_xaxis_transform(), xytext=(2, -3 if top else 3),
                             textcoords="offset points", rotation=90, ha="left", va="top" if top else "bottom",
                             fontsize=7, color=view.colours[k])
        missing = [q for q, value in quantiles.items() if value is None]
        if missing:
            never.append(f"{view.labels[k]} {'/'.join(missing)} break-even: never")
        anywhere = [q for q, value in quantiles.items() if value is not None and value <= 0]
        if anywhere:
            never.append(f"{view.labels[k]} {'/'.join(anywhere)} break-even: 0 (cheaper at any volume)")
    return "; ".join(never)


# Dearest to draw first (benchmarks/profile.py times each): two processes sharing them
# take the next as each finishes, and end near together.
PICTURES = {
    "line_crossing.png": line_crossing,
    "drivers.png": lambda results, summary: drivers_tornado(summary),
    TORNADO_PICTURE: lambda results, summary: fixed_inputs_tornado(summary),
    "convergence.png": lambda results, summary: convergence(results, summary["run"]["label"]),
    "savings_histogram.png": savings_histogram,
    "savings_cdf.png": savings_cdf,
    "savings_fan.png": lambda results, summary: savings_fan(results, summary["run"]["label"]),
    "payback_probability.png": lambda results, summary: payback_probability(
        results, summary["confidence"], summary["run"]["label"]
    ),
    INFORMATION_PICTURE: lambda results, summary: value_of_information_picture(summary),
}


# Pictures drawn from per-scenario rows: none of them without a row (saved_scenarios=0).
ROW_PICTURES = ("savings_histogram.png", "savings_cdf.png", "line_crossing.png")


def drawable(results):
    """Names of the pictures ``results`` can give, in ``PICTURES`` order.

    Every one compares routes with the baseline: none for a run of the baseline alone.
    Those of distributions need per-scenario rows (a sweep job saves none by
    default); convergence needs the replicate totals (absent from a results.nc
    written before they were kept).
    """
    if results.sizes.get("challenger", 0) == 0:
        return []
    rows = results.sizes.get("scenario", 0)
    return [name for name in PICTURES
            if not (name in ROW_PICTURES and rows == 0)
            and not (name == "convergence.png" and "replicate_totals" not in results)
            and not (name == TORNADO_PICTURE and TORNADO_ATTR not in results.attrs)]


def draw_all(results, summary, directory):
    """Draw every picture ``results`` can give into ``directory``; return the names written.

    On two cores a forked child draws some of them (``sim.report.forked.share``), so
    ``results`` must be in memory, as ``sim.pipeline`` and ``read_results`` give it.
    Every file is written by this process.
    """
    directory.mkdir(parents=True, exist_ok=True)
    names = drawable(results)
    forked.share(names, lambda name: png_bytes(PICTURES[name](results, summary)),
                 lambda name, png: write_png(png, directory / name))
    return names


__all__ = ["BREAK_EVEN_STYLE", "PICTURES", "ROW_PICTURES", "convergence",
           "crossing_range", "draw_all", "drawable", "drivers_tornado", "line_crossing", "month1_volume",
           "payback_probability", "savings_cdf", "savings_fan", "savings_histogram"]
