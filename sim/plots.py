"""Pictures of a run, drawn from its Dataset and summary (matplotlib, Agg backend).

Each function returns a Figure whose title states the question it answers and whose
grey subtitle says which run (or sweep) it shows; money is USD, discounted to
month 1, written by ``usd`` wherever it appears.
"""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import rcParams  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator, PercentFormatter  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from PIL import Image, PngImagePlugin  # noqa: E402

from sim import forked  # noqa: E402
from sim.analysis import break_even_volume, crossing_curves  # noqa: E402
from sim.storage import atomic_path  # noqa: E402
from sim.summary import STRATEGY_NAMES, calendar_events, run_label  # noqa: E402

COLORS = {"prompt": "#555555", "finetune": "#1f77b4", "rag": "#d62728"}
CHALLENGE_ORDER = ("finetune", "rag")
FIGSIZE = (8.0, 4.8)
DPI = 130
TITLE_SIZE = 12
SUBTITLE_SIZE = 8.5
SUBTITLE_COLOR = "#666666"
# maps of probabilities: perceptually uniform and readable with any colour vision
PROBABILITY_MAP = "cividis"
# the recommendation per sweep cell (Okabe-Ito colours, safe for colour-blind readers)
RECOMMENDATION_COLORS = {"prompting": "#999999", "fine-tuning": "#0072B2", "RAG": "#D55E00",
                         "not yet": "#F0E442"}
BASELINE = "none"  # the stress preset every other stress is read against


def _three_digits(magnitude, prefix="", digits=3):
    # rounded first, so that 999.7 reads 1k, not 1e+03
    rounded = float(f"{magnitude:.{digits}g}")
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if rounded >= scale:
            return f"{prefix}{rounded / scale:.{digits}g}{suffix}"
    return f"{prefix}{rounded:.{digits}g}"


def usd(value, _position=None, digits=3):
    """Money for axes and labels: $950, $12.3k, $4.5M (three significant digits)."""
    return ("-" if value < 0 else "") + _three_digits(abs(float(value)), "$", digits)


def digits_apart(value, bounds, form, digits=3, most=6):
    """The fewest digits from ``digits`` (at most ``most``) at which ``form(x, d)`` writes
    ``bounds[0]``, ``value`` and ``bounds[1]`` apart.

    A narrow interval of a large run would otherwise read as none: 0.039 [0.039,
    0.039] for 0.0388 [0.0385, 0.0391]. An interval without both ends, or not around
    ``value``, keeps ``digits``.
    """
    if bounds is not None and None not in bounds and bounds[0] < value < bounds[1]:
        while digits < most and len({form(x, digits) for x in (bounds[0], value, bounds[1])}) < 3:
            digits += 1
    return digits


def with_interval(value, bounds, form, digits=3):
    """``value [low, high]`` written by ``form(x, d)`` with ``digits`` or as many more as
    the three need to read apart (``digits_apart``); an open end reads ``never``."""
    digits = digits_apart(value, bounds, form, digits=digits)
    if bounds is None:  # a small run's missing interval
        return form(value, digits)
    low, high = ("never" if b is None else form(b, digits) for b in bounds)
    return f"{form(value, digits)} [{low}, {high}]"


def signed_usd(value):
    """A change in money: +$3.1k, -$12k."""
    return ("+" if value >= 0 else "") + usd(value)


def calls(value, _position=None):
    """Volumes for axes: 50k, 2M calls/month."""
    return _three_digits(float(value))


def _figure(width, height, layout="constrained", **subplots):
    # drawn at the DPI it is saved at, so that the texts measured to place it are
    # measured once, at the size they are drawn
    fig = plt.figure(figsize=(width, height), dpi=DPI, layout=layout)
    axes = fig.subplots(**subplots) if subplots else fig.add_subplot()
    return fig, axes


def _heading(fig, title, subtitle):
    """Title and a grey one-line subtitle above the axes, fitted to the figure's width.

    The subtitle shrinks down to 6.5 pt, then wraps, rather than run past the edge.

    Returns
    -------
    float
        Inches the heading takes from the top of the figure, which the axes and
        their titles must stay below (a layout engine, if any, is told so).
    """
    renderer = fig.canvas.get_renderer()
    width = fig.get_figwidth() * fig.dpi * 0.98
    height = fig.get_figheight()
    top = 1 - 0.08 / height
    title_text = fig.text(0.01, top, title, fontsize=TITLE_SIZE, ha="left", va="top", gid="title")
    _fit(title_text, renderer, width, TITLE_SIZE, 10)
    below = title_text.get_window_extent(renderer).height / fig.dpi
    subtitle_text = fig.text(0.01, top - (below + 0.04) / height, subtitle, fontsize=SUBTITLE_SIZE,
                             color=SUBTITLE_COLOR, ha="left", va="top", gid="subtitle")
    _fit(subtitle_text, renderer, width, SUBTITLE_SIZE, 6.5)
    below += 0.04 + subtitle_text.get_window_extent(renderer).height / fig.dpi
    taken = 0.08 + below + 0.06
    if fig.get_layout_engine() is not None:  # the sweep's pictures keep constrained layout
        fig.get_layout_engine().set(rect=(0, 0, 1, 1 - taken / height))
    return taken


# The run's pictures are placed once, in inches, without a layout engine. Constrained
# layout measured every tick of every axes twice a picture before drawing it: 0.75 s
# of the report's 3.3 s on the development VM. What varies from run to run (tick
# labels, axis labels, titles, legends beside the axes) is measured as text instead,
# never drawing a tick: the same margins at a fraction of the cost.
PAD = 0.06  # inches between the figure's edge, or two neighbours, and what they hold
_POINT = 1 / 72  # inches


def _inches(fig, artist):
    """Width and height of a text or legend as drawn, inches (0 for an empty text)."""
    if isinstance(artist, Text) and not (artist.get_visible() and artist.get_text()):
        return 0.0, 0.0
    box = artist.get_window_extent(fig.canvas.get_renderer())
    return box.width / fig.dpi, box.height / fig.dpi


def _tick_labels(fig, axis, name):
    """Visible tick labels of an axis as (position in the view 0-1, width, height in inches).

    From its locator and formatter, as the axis will draw them, without making ticks.
    """
    params = axis.get_tick_params()
    if not params.get("labelbottom" if name == "x" else "labelleft", True):
        return []
    font = FontProperties(size=params.get("labelsize", rcParams[f"{name}tick.labelsize"]))
    low, high = axis.get_view_interval()
    scale = axis.get_transform()
    ends = scale.transform([min(low, high), max(low, high)])
    labels = []
    for locator, formatter in ((axis.get_major_locator(), axis.get_major_formatter()),
                               (axis.get_minor_locator(), axis.get_minor_formatter())):
        locations = np.asarray(locator(), dtype=float)
        span = ends[1] - ends[0] or 1.0
        where = (scale.transform(locations) - ends[0]) / span if locations.size else locations
        inside = (where > -1e-9) & (where < 1 + 1e-9)
        texts = formatter.format_ticks(list(locations[inside]))
        for position, text in zip(where[inside], texts, strict=True):
            if text:
                width, height = _inches(fig, Text(text=text, fontproperties=font, figure=fig))
                labels.append((float(position), width, height))
    return labels


def _needs(fig, ax):
    """Inches an axes' own labels reach beyond its left, bottom, top and right edges."""
    tick = (rcParams["xtick.major.size"] + rcParams["xtick.major.pad"]) * _POINT
    x_labels, y_labels = _tick_labels(fig, ax.xaxis, "x"), _tick_labels(fig, ax.yaxis, "y")
    left = tick + max((w for _, w, _ in y_labels), default=0.0)
    ylabel = _inches(fig, ax.yaxis.label)[0]
    if ylabel:
        left += ax.yaxis.labelpad * _POINT + ylabel
    bottom = tick + max((h for _, _, h in x_labels), default=0.0)
    xlabel = _inches(fig, ax.xaxis.label)[1]
    if xlabel:
        bottom += ax.xaxis.labelpad * _POINT + xlabel
    titles = [_inches(fig, t)[1] for t in ax.get_children() if isinstance(t, Text)
              and t.get_text() in {ax.get_title(loc) for loc in ("left", "center", "right")} - {""}]
    # the highest y tick label is centred on the axes' top edge: half of it stands above
    top = max([rcParams["axes.titlepad"] * _POINT + max(titles, default=0.0) if titles else 0.0,
               *(h / 2 for _, _, h in y_labels)])
    # a label centred on the right end of the x axis stands half outside it
    right = max((w / 2 for position, w, _ in x_labels if position > 0.97), default=0.0)
    return {"left": left, "bottom": bottom, "top": top, "right": right}


def _place(fig, axes, heading, right=0.0, left=0.0):
    """Fix the grid of ``axes`` in the figure from its labels' sizes, in inches.

    Parameters
    ----------
    heading : float
        Inches taken from the top (by ``_heading`` and anything above the axes).
    right, left : float
        Inches needed beside the grid (legends or notes outside the axes), in
        addition to the axes' own labels.
    """
    axes = list(np.ravel(axes))
    rows, columns = axes[0].get_subplotspec().get_geometry()[:2]
    needs = [_needs(fig, ax) for ax in axes]
    row = [ax.get_subplotspec().rowspan.start for ax in axes]
    column = [ax.get_subplotspec().colspan.start for ax in axes]

    def most(side, where, index):
        return max((n[side] for n, i in zip(needs, where, strict=True) if i == index), default=0.0)

    width, height = fig.get_size_inches()
    margin = {"left": PAD + left + most("left", column, 0),
              "right": PAD + max(right, most("right", column, columns - 1)),
              "top": heading + most("top", row, 0),
              "bottom": PAD + most("bottom", row, rows - 1)}
    gap_x = max((most("right", column, j - 1) + most("left", column, j) + PAD for j in range(1, columns)),
                default=0.0)
    gap_y = max((most("bottom", row, i - 1) + most("top", row, i) + PAD for i in range(1, rows)), default=0.0)
    # The axes' own texts (an effect written right of a dot near 100%, say) can reach
    # past the edge once the grid is placed: that side widens, and the grid is placed
    # again. Each round leaves at most the text's distance from the axes' edge as a
    # share of their width, so a few rounds settle it.
    for _ in range(4):
        axes_width = (width - margin["left"] - margin["right"] - (columns - 1) * gap_x) / columns
        axes_height = (height - margin["top"] - margin["bottom"] - (rows - 1) * gap_y) / rows
        fig.subplots_adjust(left=margin["left"] / width, right=1 - margin["right"] / width,
                            bottom=margin["bottom"] / height, top=1 - margin["top"] / height,
                            wspace=gap_x / axes_width, hspace=gap_y / axes_height)
        beyond = _beyond(fig, axes, heading)
        if max(beyond.values()) < 0.5 / fig.dpi:  # half a pixel
            break
        for side, inches in beyond.items():
            margin[side] += max(inches, 0.0)


def _beyond(fig, axes, heading):
    """Inches the axes' texts reach past each edge: the figure's less PAD, the heading's above."""
    renderer = fig.canvas.get_renderer()
    width, height = fig.get_size_inches() * fig.dpi
    beyond = dict.fromkeys(("left", "right", "top", "bottom"), -np.inf)
    for ax in axes:
        for text in ax.texts:
            if not (text.get_visible() and text.get_text()):
                continue
            box = text.get_window_extent(renderer)
            for side, pixels in (("left", PAD * fig.dpi - box.x0), ("right", box.x1 - (width - PAD * fig.dpi)),
                                 ("top", box.y1 - (height - heading * fig.dpi)), ("bottom", PAD * fig.dpi - box.y0)):
                beyond[side] = max(beyond[side], pixels / fig.dpi)
    return beyond


def _beside(fig, legend):
    """Inches a legend anchored at (1.01, 1) of its axes takes right of them.

    The 1% of the axes' width is counted as 1% of the figure's, a little more.
    """
    return 0.01 * fig.get_figwidth() + legend.borderaxespad * legend.prop.get_size_in_points() * _POINT \
        + _inches(fig, legend)[0]


def _fit(text, renderer, width, size, smallest):
    while text.get_window_extent(renderer).width > width and size > smallest:
        size -= 0.5
        text.set_fontsize(size)
    extent = text.get_window_extent(renderer).width
    if extent > width:
        content = text.get_text()
        characters = max(20, int(len(content) * width / extent) - 2)
        text.set_text("\n".join(textwrap.wrap(content, characters)))


def _label(results):
    return run_label(results)["label"]


def payback_probability(results, confidence, label=None):
    """P(fine-tuning / RAG cheaper than prompting by month m), with 95% bands."""
    fig, ax = _figure(*FIGSIZE, layout=None)
    months = results.month.values
    for k in results.challenger.values:
        k = str(k)
        ax.fill_between(
            months,
            results.p_beats_prompt_low.sel(challenger=k),
            results.p_beats_prompt_high.sel(challenger=k),
            color=COLORS[k], alpha=0.25, linewidth=0,
        )
        ax.plot(
            months, results.p_beats_prompt.sel(challenger=k), color=COLORS[k],
            linewidth=2, label=STRATEGY_NAMES[k], gid=f"p_beats_prompt.{k}",
        )
    ax.axhline(confidence, color="black", linestyle="--", linewidth=1,
               label=f"confidence {confidence:.0%}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlim(months[0], months[-1])
    ax.set_xlabel(f"month (month 1 = {results.attrs['start']})" if "start" in results.attrs else "month")
    _mark_calendar(ax, results)
    ax.set_ylabel("P(cumulative cost below prompting)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    _place(fig, ax, _heading(fig, "By month m, how likely is each strategy to be cheaper than prompting?",
                             label or _label(results)))
    return fig


def convergence(results, label=None):
    """Each headline estimate and its 95% interval against the scenarios run so far.

    From the replicate totals of ``results.nc`` alone (no rerun): a band that has
    stopped narrowing, or an estimate still drifting, says whether more scenarios
    would change the answer. One panel a statistic and strategy, each on its own
    scale, so that a band of a tenth of a point still shows.
    """
    from sim.precision import headline_intervals

    routes = [str(k) for k in results.strategy.values]
    baseline = next(i for i, k in enumerate(routes) if k not in results.challenger.values)
    running = headline_intervals(results.replicate_totals.values, results.replicate_beats.values,
                                 results.attrs.get("sampling", "mc"), routes, baseline, running=True)
    n = running["scenarios"]
    fig, axes = _figure(FIGSIZE[0] * 1.4, FIGSIZE[1] * 1.3, layout=None, nrows=2, ncols=2, sharex=True)
    panels = (("p_beats", "P(cheaper than prompting)", lambda v: f"{v:.4f}", PercentFormatter(1.0, decimals=1)),
              ("savings", "expected savings (USD)", lambda v: usd(v).replace("$", r"\$"), FuncFormatter(usd)))
    # the first replicates' bands are wide: the scale follows the band from the 4th on
    settled = min(3, len(n) - 1)
    for row, (name, ylabel, shown, formatter) in zip(axes, panels):
        for ax, k in zip(row, ("finetune", "rag")):
            estimate, low, high = running[name][k]
            ax.fill_between(n, low, high, color=COLORS[k], alpha=0.25, linewidth=0, label="95% interval")
            half = (high[-1] - low[-1]) / 2
            ax.plot(n, estimate, color=COLORS[k], linewidth=1.8, gid=f"convergence.{name}.{k}",
                    label=f"{shown(estimate[-1])} ± {shown(half) if np.isfinite(half) else '?'}")
            span = np.concatenate([estimate[settled:], low[settled:], high[settled:]])
            span = span[np.isfinite(span)]
            if span.size and span.max() > span.min():
                pad = 0.1 * (span.max() - span.min())
                ax.set_ylim(span.min() - pad, span.max() + pad)
            ax.set_title(f"{STRATEGY_NAMES[k]}: {ylabel}", fontsize=10)
            ax.yaxis.set_major_formatter(formatter)
            ax.grid(alpha=0.3)
            ax.legend(loc="best", fontsize=8)
    for ax in axes[-1]:
        ax.set_xscale("log")
        if len(n) > 1:  # a run of one replicate is a single point
            ax.set_xlim(n[0], n[-1])
        # labelled 1-2-5 steps and no minor ticks: a short run's axis gets plain
        # numbers instead of mathtext minor labels, and the four panels' 150 minor
        # tick objects cost 0.3 s of the picture's 0.8 s to draw
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_xlabel("scenarios")
    method = results.attrs.get("sampling", "mc")
    integrated = " with month-1 volume integrated out" if int(results.attrs.get("volume_integrated", 0)) else ""
    _place(fig, axes, _heading(fig, "Has each headline number settled? Estimate and 95% interval as scenarios grow",
                               f"{label or _label(results)} | sampling={method}{integrated}, {len(n)} replicates"))
    return fig


def _mark_calendar(ax, results):
    # The provider calendar's dated events, drawn where they take effect: after the
    # month a date falls in (training through that month, serving through that month).
    by_month = {}
    for event in calendar_events(results):
        what = "last training" if event["event"] == "training cutoff" else "fine-tunes stop serving"
        by_month.setdefault(event["month"], []).append(f"{event['sheet']}: {what} {event['date']}")
    for month, labels in sorted(by_month.items()):
        x = month + 0.5
        ax.axvline(x, color="#8c564b", linestyle=":", linewidth=1.5)
        ax.annotate("\n".join(labels), xy=(x, 0.98), xycoords=ax.get_xaxis_transform(), xytext=(-7, 0),
                    textcoords="offset points", rotation=90, va="top", ha="right", fontsize=7.5,
                    color="#8c564b")
    if by_month and "p_platform_exit" in results:
        # under the axis, where no date's label runs
        note = f"the fine-tune route leaves its platform in {float(results.p_platform_exit):.0%} of scenarios"
        if float(results.p_migrated) > 0 and "p_exited_for_good" in results:
            note += (f";\nit migrates in {float(results.p_migrated):.0%} and ends prompting for good in"
                     f" {float(results.p_exited_for_good):.0%}")
        ax.set_xlabel(f"{ax.get_xlabel()}\n{note}", color="black")


def savings_fan(results, label=None):
    """Quantile bands of cumulative savings against prompting, by month."""
    fig, axes = _figure(FIGSIZE[0] * 1.4, FIGSIZE[1], layout=None, ncols=2, sharey=True)
    months = results.month.values
    for ax, k in zip(axes, results.challenger.values, strict=True):
        k = str(k)
        q = results.savings_quantile.sel(challenger=k)
        ax.fill_between(months, q.sel(quantile=0.05), q.sel(quantile=0.95), color=COLORS[k],
                        alpha=0.18, linewidth=0, label="5-95%")
        ax.fill_between(months, q.sel(quantile=0.25), q.sel(quantile=0.75), color=COLORS[k],
                        alpha=0.35, linewidth=0, label="25-75%")
        ax.plot(months, q.sel(quantile=0.5), color=COLORS[k], linewidth=2, label="median")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(usd))
        ax.set_xlim(months[0], months[-1])
        ax.set_xlabel("month")
        ax.set_title(f"{STRATEGY_NAMES[k]} vs prompting", fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    axes[0].set_ylabel("cumulative savings (USD, discounted)")
    _place(fig, axes, _heading(fig, "How much does each strategy save against prompting over time? (above 0: saves)",
                               label or _label(results)))
    return fig


def _horizon_savings(results):
    cost = results.cost
    return {str(k): (cost.sel(strategy="prompt") - cost.sel(strategy=str(k))).values
            for k in results.challenger.values}


def _shown_range(savings):
    # A heavy right tail (high-volume scenarios) would squeeze the bulk into one bar:
    # both challengers on one axis cut at the 0.5% and 99.5% quantiles of either.
    bounds = np.array([np.quantile(s, [0.005, 0.995]) for s in savings.values()])
    return float(bounds[:, 0].min()), float(bounds[:, 1].max())


def savings_histogram(results, summary):
    """Distribution of savings at the horizon with the 5% quantile and CVaR marked."""
    savings = _horizon_savings(results)
    lo, hi = _shown_range(savings)
    fig, axes = _figure(FIGSIZE[0] * 1.4, FIGSIZE[1] * 1.25, layout=None, nrows=2, sharex=True)
    bins = np.linspace(lo, hi, 100)
    beside = []  # inches right of the axes: legends and notes
    for ax, (k, values) in zip(axes, savings.items(), strict=True):
        stats = summary["savings_vs_prompt"][k]
        shown = (values >= lo) & (values <= hi)
        # one filled outline instead of 99 bars (a tenth of a second less to draw)
        ax.stairs(np.histogram(values[shown], bins)[0], bins, fill=True, color=COLORS[k], alpha=0.75)
        if not shown.all():
            note = ax.text(1.02, 0.02, f"{np.mean(~shown):.1%} of scenarios beyond\nthe axis (cut at the 0.5% and\n"
                           "99.5% quantiles)", transform=ax.transAxes, ha="left", va="bottom", fontsize=8,
                           color="#444444")
            beside.append(0.02 * fig.get_figwidth() + _inches(fig, note)[0])
        for value, style, name in (
            (stats["mean"], "-", "mean"),
            (stats["p05"], "--", "5% quantile"),
            (stats["cvar05"], ":", "CVaR 5% (mean of worst 5%)"),
        ):
            ax.axvline(value, color="black", linestyle=style, linewidth=1.5, label=f"{name}: {usd(value)}")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_ylabel("scenarios")
        ax.set_title(f"{STRATEGY_NAMES[k]} vs prompting", fontsize=11, loc="left")
        ax.grid(alpha=0.3)
        legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        beside.append(_beside(fig, legend))
    axes[-1].set_xlim(lo, hi)
    axes[-1].xaxis.set_major_formatter(FuncFormatter(usd))
    axes[-1].set_xlabel(f"savings against prompting at month {summary['horizon_months']} "
                        "(USD, discounted; above 0: cheaper than prompting)")
    _place(fig, axes, _heading(fig, "How much could each strategy save, and how bad is the worst 5%?",
                               summary["run"]["label"]), right=max(beside))
    return fig


def savings_cdf(results, summary):
    """Cumulative distribution of savings at the horizon, both challengers on one axis."""
    savings = _horizon_savings(results)
    lo, hi = _shown_range(savings)
    fig, ax = _figure(FIGSIZE[0] * 1.3, FIGSIZE[1], layout=None)
    for k, values in savings.items():
        ordered = np.sort(values)
        share = np.arange(1, ordered.size + 1) / ordered.size
        ax.step(ordered, share, where="post", color=COLORS[k], linewidth=2, label=STRATEGY_NAMES[k],
                gid=f"cdf.{k}")
        p_win = summary["p_beats_prompt"][k]["estimate"]
        # the curve's height at 0 is P(savings <= 0); the rest saves money
        ax.plot([0], [1 - p_win], "o", color=COLORS[k], markersize=7, zorder=3)
        ax.annotate(f"{STRATEGY_NAMES[k]}: P(savings > 0) = {p_win:.0%}", xy=(0, 1 - p_win),
                    xytext=(0.97, 0.42 if k == "finetune" else 0.3), textcoords="axes fraction", ha="right",
                    fontsize=10, color=COLORS[k], fontweight="bold", gid=f"p_savings_positive.{k}",
                    bbox={"facecolor": "white", "edgecolor": COLORS[k], "boxstyle": "round"},
                    arrowprops={"arrowstyle": "->", "color": COLORS[k]})
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(usd))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"savings against prompting at month {summary['horizon_months']} "
                  "(USD, discounted; above 0: cheaper than prompting)")
    ax.set_ylabel("share of scenarios saving at most this")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    ax.text(0.99, 0.02, "axis cut at the 0.5% and 99.5% quantiles", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=7.5, color="#444444")
    _place(fig, ax, _heading(fig, "What are the chances of saving (or losing) a given amount by month "
                                  f"{summary['horizon_months']}?", summary["run"]["label"]))
    return fig


def amount(value, unit):
    """An input's value in its unit, compactly: $15k, $0.2 per 1M tokens, 4.5k tokens/call, 30%."""
    if unit in ("probability", "fraction"):
        return f"{value:.0%}"
    if unit.startswith("USD"):
        rest = unit[3:].strip()
        return usd(value) + ("" if not rest else rest if rest.startswith("/") else f" {rest}")
    if unit in ("1/month", "1/year", "1/sqrt(month)", "ratio", "fraction/month"):
        return f"{value:.2g} {unit}"
    return f"{calls(value)} {unit}"


def _driver_label(row):
    # the description up to its first colon (what follows is a formula), then the
    # values that bound the lowest and highest tenth
    description = row["description"].split(":")[0]
    description = textwrap.shorten(description, 48, placeholder="…")
    low, high = amount(row["low_tenth_up_to"], row["unit"]), amount(row["high_tenth_from"], row["unit"])
    return f"{description}\nlowest tenth ≤ {low}, highest ≥ {high}"


def drivers_tornado(summary, top=8):
    """P(win) in each input's lowest and highest tenth, one panel per challenger."""
    shown = {k: summary["drivers"][k]["ranked"][:top] for k in CHALLENGE_ORDER}
    heights = [max(len(rows), 2) + 1.2 for rows in shown.values()]
    fig, axes = _figure(FIGSIZE[0] * 1.45, 0.55 * sum(heights) + 2.2, layout=None, nrows=2,
                        gridspec_kw={"height_ratios": heights})
    for ax, k in zip(axes, CHALLENGE_ORDER, strict=True):
        drivers, rows = summary["drivers"][k], shown[k]
        overall = summary["p_beats_prompt"][k]["estimate"]
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(f"{STRATEGY_NAMES[k]} vs prompting: P(win) {overall:.0%} over all scenarios",
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
        if not drivers["skipped"] and quiet:
            ax.set_xlabel(f"P({STRATEGY_NAMES[k]} cheaper than prompting at month "
                          f"{summary['horizon_months']}) — axis from 0%\n{note}", fontsize=9)
        else:
            ax.set_xlabel(f"P({STRATEGY_NAMES[k]} cheaper than prompting at month "
                          f"{summary['horizon_months']}) — axis from 0%", fontsize=9)
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
    heading = _heading(fig, "Which uncertain inputs move each strategy's chance of beating prompting?",
                       summary["run"]["label"])
    labels = [_inches(fig, t)[0] for ax in axes for t in ax.texts if t.get_gid() == "driver"]
    _place(fig, axes, heading + _inches(fig, legend)[1] + PAD,
           left=max(labels, default=0.0) + 0.015 * fig.get_figwidth())
    legend.set_bbox_to_anchor((axes[0].get_position().x0, 1 - heading / fig.get_figheight()),
                              transform=fig.transFigure)
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
    return np.full(results.sizes["scenario"], float(configured))


def crossing_range(results, summary):
    """The volumes the line crossing spans, calls/month.

    The configured month-1 volume (5-95%) and, for both challengers, the 2-98% range
    of the scenarios' finite break-even volumes and the summary's p10-p90, so that
    each P(win) curve is seen rising through 50% and the confidence where it does.
    """
    fixed = results.cost_fixed.transpose("scenario", "strategy").values
    slope = results.cost_slope.transpose("scenario", "strategy").values
    strategies = [str(s) for s in results.strategy.values]
    ends = list(np.quantile(month1_volume(results), [0.05, 0.95]))
    for k in CHALLENGE_ORDER:
        volumes = break_even_volume(fixed, slope, strategies.index(k))
        volumes = volumes[np.isfinite(volumes) & (volumes > 0)]
        if volumes.size:
            ends += list(np.quantile(volumes, [0.02, 0.98]))
        ends += [summary["break_even_calls_per_month"][k][q] for q in BREAK_EVEN_STYLE
                 if summary["break_even_calls_per_month"][k][q]]
    return max(min(ends) / 2, 1.0), max(max(ends) * 2, 10.0)


BREAK_EVEN_STYLE = {"p10": (":", 1.2), "p50": ("--", 1.8), "p90": (":", 1.2)}


def line_crossing(results, summary, points=120):
    """Cost lines and chances of winning against month-1 volume, break-even volumes marked."""
    low, high = crossing_range(results, summary)
    grid = np.geomspace(low, high, points)
    curves = crossing_curves(
        results.cost_fixed.transpose("scenario", "strategy").values,
        results.cost_slope.transpose("scenario", "strategy").values,
        grid,
    )
    confidence = summary["confidence"]
    fig, (cost_ax, p_ax) = _figure(FIGSIZE[0] * 1.45, FIGSIZE[1] * 1.75, layout=None, nrows=2, sharex=True,
                                   gridspec_kw={"height_ratios": [1, 1.1]})
    strategies = [str(s) for s in results.strategy.values]
    for i, k in enumerate(strategies):
        cost_ax.fill_between(grid, curves["cost_band"][i, 0], curves["cost_band"][i, 2],
                             color=COLORS[k], alpha=0.15, linewidth=0)
        cost_ax.plot(grid, curves["cost_band"][i, 1], color=COLORS[k], linewidth=2,
                     label=f"{STRATEGY_NAMES[k]}: median, 90% band")
    for j, k in enumerate(CHALLENGE_ORDER):
        p_ax.plot(grid, curves["p_beats_prompt"][j], color=COLORS[k], linewidth=2.2,
                  label=f"P({STRATEGY_NAMES[k]} beats prompting)", gid=f"p_beats_prompt.{k}")
        _mark_confidence(p_ax, grid, curves["p_beats_prompt"][j], confidence, COLORS[k])
    for i, k in enumerate(strategies):
        p_ax.plot(grid, curves["p_cheapest"][i], color=COLORS[k], linewidth=1.3, linestyle=(0, (5, 2)),
                  label=f"P({STRATEGY_NAMES[k]} cheapest of the three)", gid=f"p_cheapest.{k}")
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
    never = _mark_break_even(cost_ax, p_ax, summary)
    cost_ax.set_xscale("log")
    cost_ax.set_yscale("log")
    cost_ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    cost_ax.xaxis.set_major_formatter(FuncFormatter(calls))
    cost_ax.yaxis.set_major_formatter(FuncFormatter(usd))
    cost_ax.set_xlim(low, high)
    cost_ax.set_ylabel(f"cost by month {summary['horizon_months']}\n(USD, discounted)")
    cost_ax.set_title("(a) cumulative cost of each strategy", fontsize=10, loc="left")
    p_ax.set_ylim(0, 1)
    p_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    p_ax.set_ylabel("probability")
    p_ax.set_xlabel("month-1 volume (calls/month)" + (f" — {never}" if never else ""))
    p_ax.set_title("(b) chance of winning at each volume", fontsize=10, loc="left")
    legends = [cost_ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)]
    handles, labels = p_ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.5))
    labels.append("break-even volume p50 (p10, p90 dotted),\nin the challenger's colour")
    legends.append(p_ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
                               frameon=False))
    _place(fig, (cost_ax, p_ax), _heading(fig, "At which month-1 volume do fine-tuning and RAG start to pay?",
                                          summary["run"]["label"]),
           right=max(_beside(fig, legend) for legend in legends))
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


def _mark_break_even(cost_ax, p_ax, summary):
    # p10/p50/p90 of each challenger's break-even volume: vertical lines in both
    # panels, named at the top of the cost panel; returns which never break even
    never = []
    for k in CHALLENGE_ORDER:
        # the estimates only: each sits beside its 95% interval (KEY_ci95)
        quantiles = {q: summary["break_even_calls_per_month"][k][q] for q in BREAK_EVEN_STYLE}
        for q, value in quantiles.items():
            if value is None:
                continue
            style, width = BREAK_EVEN_STYLE[q]
            for ax in (cost_ax, p_ax):
                ax.axvline(value, color=COLORS[k], linestyle=style, linewidth=width, gid=f"break_even.{k}.{q}")
            # fine-tuning's named along the top, RAG's along the bottom: they rarely collide
            top = k == CHALLENGE_ORDER[0]
            cost_ax.annotate(f"{STRATEGY_NAMES[k]} {q} {calls(value)}", xy=(value, 1 if top else 0),
                             xycoords=cost_ax.get_xaxis_transform(), xytext=(2, -3 if top else 3),
                             textcoords="offset points", rotation=90, ha="left", va="top" if top else "bottom",
                             fontsize=7, color=COLORS[k])
        missing = [q for q, value in quantiles.items() if value is None]
        if missing:
            never.append(f"{STRATEGY_NAMES[k]} {'/'.join(missing)} break-even: never")
    return "; ".join(never)


# Dearest first (CPU time on the development VM, default run): two processes
# sharing them take the next as each finishes, and end near together.
PICTURES = {
    "line_crossing.png": line_crossing,  # 0.6 s
    "drivers.png": lambda results, summary: drivers_tornado(summary),  # 0.43 s
    "convergence.png": lambda results, summary: convergence(results, summary["run"]["label"]),  # 0.36 s
    "savings_histogram.png": savings_histogram,  # 0.2 s
    "savings_cdf.png": savings_cdf,  # 0.18 s
    "savings_fan.png": lambda results, summary: savings_fan(results, summary["run"]["label"]),  # 0.15 s
    "payback_probability.png": lambda results, summary: payback_probability(  # 0.11 s
        results, summary["confidence"], summary["run"]["label"]
    ),
}


# Pictures drawn from per-scenario rows: none of them without a row (saved_scenarios=0).
ROW_PICTURES = ("savings_histogram.png", "savings_cdf.png", "line_crossing.png")


def drawable(results):
    """Names of the pictures ``results`` can give, in ``PICTURES`` order.

    Those of distributions need per-scenario rows (a sweep job saves none by
    default); convergence needs the replicate totals (absent from a results.nc
    written before they were kept).
    """
    rows = results.sizes.get("scenario", 0)
    return [name for name in PICTURES
            if not (name in ROW_PICTURES and rows == 0)
            and not (name == "convergence.png" and "replicate_totals" not in results)]


def draw_all(results, summary, directory):
    """Draw every picture ``results`` can give into ``directory``; return the names written.

    On two cores a forked child draws some of them (``sim.forked.share``), so
    ``results`` must be in memory, as ``sim.run`` and ``read_results`` give it.
    Every file is written by this process.
    """
    directory.mkdir(parents=True, exist_ok=True)
    names = drawable(results)
    forked.share(names, lambda name: _png(PICTURES[name](results, summary)),
                 lambda name, png: _write(png, directory / name))
    return names


def _save(fig, path):
    _write(_png(fig), path)


def _write(png, path):
    with atomic_path(path) as temporary:
        temporary.write_bytes(png)


# zlib level 3 on the three colour channels: a run's seven pictures encode in 0.20 s
# of CPU instead of 0.36 s (matplotlib's level 6 with alpha) on the development VM,
# and take 8% less space
PNG_COMPRESSION = 3


def _png(fig):
    """The figure drawn at ``DPI`` as PNG bytes (the figure is closed).

    An opaque picture is written without its alpha channel; with the dpi and
    software matplotlib itself writes.
    """
    fig.set_dpi(DPI)
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    if (pixels[..., 3] == 255).all():
        pixels = np.ascontiguousarray(pixels[..., :3])
    plt.close(fig)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="png", compress_level=PNG_COMPRESSION, dpi=(DPI, DPI), pnginfo=info)
    return out.getvalue()


def _horizon(sweep):
    horizon = sweep.attrs.get("horizon_months")
    return f"within {horizon} months" if horizon not in (None, "", "varies") else "within the horizon"


def _grid_size(shape, panels=1):
    rows, columns = shape
    return max(6.0, (1.5 * columns + 1.2) * panels + 2.6), max(3.8, 0.85 * rows + 2.6)


def _cell_text(ax, image, values, texts):
    for i, j in np.ndindex(values.shape):
        if np.isnan(values[i, j]):
            ax.text(j, i, "failed", ha="center", va="center", fontsize=9, color="black")
            continue
        red, green, blue, _ = image.cmap(image.norm(values[i, j]))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(j, i, texts[i][j], ha="center", va="center", fontsize=9,
                color="white" if dark else "black", gid="cell")


def _axes_of_grid(ax, values, dims):
    rows, columns = dims
    ax.set_xticks(range(values.shape[1]), [_tick(v) for v in values[columns].values])
    ax.set_yticks(range(values.shape[0]), [_tick(v) for v in values[rows].values])
    ax.set_xlabel(columns)
    ax.set_ylabel(rows)


def _probability_map():
    return plt.get_cmap(PROBABILITY_MAP).with_extremes(bad="#dddddd")


def sweep_heatmap(sweep, dims, label=""):
    """P(fine-tuning wins) over a two-key grid, each cell in % with its 95% interval."""
    rows, columns = dims
    p = sweep.p_beats_prompt.sel(challenger="finetune").transpose(rows, columns)
    low = sweep.p_beats_prompt_low.sel(challenger="finetune").transpose(rows, columns).values
    high = sweep.p_beats_prompt_high.sel(challenger="finetune").transpose(rows, columns).values
    fig, ax = _figure(*_grid_size(p.shape))
    image = ax.imshow(p.values, cmap=_probability_map(), vmin=0, vmax=1, aspect="auto")
    percent = lambda x, d: f"{x * 100:.{d}f}"  # noqa: E731
    texts = []
    for i in range(p.shape[0]):
        texts.append([])
        for j in range(p.shape[1]):
            d = digits_apart(p.values[i, j], (low[i, j], high[i, j]), percent, digits=0, most=2)
            texts[i].append(f"{percent(p.values[i, j], d)}%\n[{percent(low[i, j], d)}–{percent(high[i, j], d)}%]")
    _cell_text(ax, image, p.values, texts)
    _axes_of_grid(ax, p, dims)
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0))
    bar.set_label("P(fine-tuning cheaper than prompting) [95% interval]")
    _heading(fig, f"Where does fine-tuning beat prompting {_horizon(sweep)}?", label)
    return fig


def sweep_cheapest(sweep, dims, label=""):
    """P(cheapest of the three) per strategy over a two-key grid, one panel each."""
    rows, columns = dims
    strategies = [str(s) for s in sweep.strategy.values]
    shape = (sweep.sizes[rows], sweep.sizes[columns])
    fig, axes = _figure(*_grid_size(shape, len(strategies)), ncols=len(strategies), sharey=True)
    for ax, k in zip(axes, strategies, strict=True):
        p = sweep.p_cheapest.sel(strategy=k).transpose(rows, columns)
        image = ax.imshow(p.values, cmap=_probability_map(), vmin=0, vmax=1, aspect="auto")
        _cell_text(ax, image, p.values, [[f"{v:.0%}" for v in line] for line in p.values])
        _axes_of_grid(ax, p, dims)
        ax.set_title(STRATEGY_NAMES[k], fontsize=11)
        if ax is not axes[0]:
            ax.set_ylabel("")
    bar = fig.colorbar(image, ax=axes, format=PercentFormatter(1.0), shrink=0.9)
    bar.set_label("P(cheapest of the three)")
    _heading(fig, f"Where is each strategy the cheapest of the three {_horizon(sweep)}?", label)
    return fig


def sweep_recommendation(sweep, dims, label=""):
    """The recommended strategy per cell of a two-key grid (categorical colours)."""
    rows, columns = dims
    choice = sweep.recommendation.transpose(rows, columns)
    names = list(RECOMMENDATION_COLORS)
    codes = np.array([[names.index(v) if v in names else np.nan for v in line] for line in choice.values])
    fig, ax = _figure(*_grid_size(codes.shape))
    cmap = ListedColormap(list(RECOMMENDATION_COLORS.values())).with_extremes(bad="#ffffff")
    image = ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, aspect="auto")
    texts = [[str(v) for v in line] for line in choice.values]
    _cell_text(ax, image, codes, texts)
    _axes_of_grid(ax, choice, dims)
    ax.legend(handles=[Patch(color=color, label=name) for name, color in RECOMMENDATION_COLORS.items()],
              loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9, frameon=False,
              title="recommended", title_fontsize=9)
    confidence = sweep.attrs.get("confidence")
    at_least = f"at least {confidence:.0%}" if isinstance(confidence, float) else "`confidence`"
    ax.text(1.02, 0.0, textwrap.fill(f"The strategy cheapest on average, if it is cheaper than each other in "
                                     f"{at_least} of scenarios; otherwise 'not yet'.", 30),
            transform=ax.transAxes, ha="left", va="bottom", fontsize=8, color="#444444")
    _heading(fig, f"Which strategy does payback recommend at each point {_horizon(sweep)}?", label)
    return fig


def _tick(value):
    return calls(value) if isinstance(value, (float, np.floating)) else str(value)


def sweep_profile(sweep, dims, label=""):
    """P(win) with 95% intervals, expected savings and CVaR along a sweep."""
    numeric = len(dims) == 1 and dims != ["job"] and np.issubdtype(sweep[dims[0]].dtype, np.number)
    flat = sweep.stack(point=dims) if len(dims) > 1 else sweep.rename({dims[0]: "point"})
    if not numeric:
        return _categorical_profile(flat, dims, label)
    x = flat.point.values
    fig, (left, right) = _figure(FIGSIZE[0] * 1.5, FIGSIZE[1], ncols=2)
    for k in CHALLENGE_ORDER:
        p = flat.p_beats_prompt.sel(challenger=k).values
        left.fill_between(x, flat.p_beats_prompt_low.sel(challenger=k).values,
                          flat.p_beats_prompt_high.sel(challenger=k).values, color=COLORS[k], alpha=0.25,
                          linewidth=0)
        left.plot(x, p, "o-", color=COLORS[k], label=STRATEGY_NAMES[k])
        right.plot(x, flat.savings_mean.sel(challenger=k).values, "o-", color=COLORS[k],
                   label=f"{STRATEGY_NAMES[k]}: expected")
        right.plot(x, flat.savings_cvar05.sel(challenger=k).values, "v--", color=COLORS[k], alpha=0.7,
                   label=f"{STRATEGY_NAMES[k]}: CVaR 5%")
    right.axhline(0, color="black", linewidth=0.8)
    left.set_ylim(0, 1)
    left.yaxis.set_major_formatter(PercentFormatter(1.0))
    left.set_ylabel("P(cheaper than prompting at the horizon)")
    right.yaxis.set_major_formatter(FuncFormatter(usd))
    right.set_ylabel("savings vs prompting (USD, discounted)")
    for ax in (left, right):
        ax.set_xlabel(dims[0])
        if x.min() > 0 and x.max() / x.min() >= 10:
            ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(calls))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    _heading(fig, f"How do the chances and the savings change across the sweep ({_horizon(sweep)})?", label)
    return fig


def _baseline_first(labels, flat, dims):
    """Point order with the baseline (``none`` of a swept ``stress``, else the first) first."""
    order = list(range(len(labels)))
    base = 0
    if "stress" in flat.coords:
        stresses = [str(s) for s in np.atleast_1d(flat.stress.values)]
        if BASELINE in stresses:
            base = stresses.index(BASELINE)
    elif dims != ["job"] and BASELINE in labels:
        base = labels.index(BASELINE)
    return [base] + [i for i in order if i != base]


def _categorical_profile(flat, dims, label):
    # one row per point, the baseline on top; every other row says how far it moved
    labels = _point_labels(flat, dims)
    order = _baseline_first(labels, flat, dims)
    flat = flat.isel(point=order)
    labels = [labels[i] for i in order]
    labels[0] += "\n(baseline)"
    n = len(labels)
    y = np.arange(n)
    fig, (left, right) = _figure(FIGSIZE[0] * 1.6, 0.62 * n + 2.6, ncols=2, sharey=True)
    offset = {"finetune": -0.18, "rag": 0.18}
    for k in CHALLENGE_ORDER:
        p = flat.p_beats_prompt.sel(challenger=k).values
        low = flat.p_beats_prompt_low.sel(challenger=k).values
        high = flat.p_beats_prompt_high.sel(challenger=k).values
        left.errorbar(p, y + offset[k], xerr=[p - low, high - p], fmt="o", capsize=3, color=COLORS[k],
                      label=STRATEGY_NAMES[k])
        left.axvline(p[0], color=COLORS[k], linestyle=":", linewidth=1)
        mean = flat.savings_mean.sel(challenger=k).values
        tail = flat.savings_cvar05.sel(challenger=k).values
        right.barh(y + offset[k], mean, height=0.34, color=COLORS[k], alpha=0.8,
                   label=f"{STRATEGY_NAMES[k]}: expected")
        right.plot(tail, y + offset[k], "|", color="black", markersize=9, markeredgewidth=2,
                   label="CVaR 5% (mean of the worst 5%)" if k == "rag" else None)
        for i in range(1, n):
            if not np.isnan(p[i]):
                left.annotate(f"{(p[i] - p[0]) * 100:+.1f} pts", xy=(high[i], y[i] + offset[k]), xytext=(4, 0),
                              textcoords="offset points", va="center", fontsize=7.5, color=COLORS[k],
                              gid=f"change.{k}")
            if not np.isnan(mean[i]):
                right.annotate(signed_usd(mean[i] - mean[0]), xy=(max(mean[i], 0), y[i] + offset[k]),
                               xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5,
                               color=COLORS[k])
    right.axvline(0, color="black", linewidth=0.8)
    # room on the right of every row for its change against the baseline
    highest = np.nanmax(flat.p_beats_prompt_high.values) if np.isfinite(flat.p_beats_prompt_high.values).any() else 1
    left.set_xlim(0, min(1.0, highest) * 1.25 + 0.03)
    money = np.concatenate([flat.savings_mean.values.ravel(), flat.savings_cvar05.values.ravel(), [0.0]])
    money = money[np.isfinite(money)]
    span = money.max() - money.min() or 1.0
    right.set_xlim(money.min() - 0.05 * span, money.max() + 0.2 * span)
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.set_xlabel("P(cheaper than prompting) with 95% interval;\nchange against the baseline in points")
    right.xaxis.set_major_formatter(FuncFormatter(usd))
    right.set_xlabel("savings vs prompting (USD, discounted);\nchange of the expected savings against the baseline")
    left.set_yticks(y, labels, fontsize=8)
    left.invert_yaxis()
    for ax in (left, right):
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.2), frameon=False, ncols=2)
    case = dims[0] if len(dims) == 1 and dims != ["job"] else "case"
    baseline = labels[0].split("\n")[0]
    _heading(fig, f"What does each {case} change against {baseline}, {_horizon(flat)}?", label)
    return fig


def _point_labels(flat, dims):
    if dims == ["job"]:
        keys = [k for k in flat.coords if flat[k].dims == ("point",) and k != "point"]
        return [", ".join(f"{k}={flat[k].values[i]}" for k in keys) for i in range(flat.sizes["point"])]
    if len(dims) == 1:
        return [_tick(v) for v in flat.point.values]
    return [", ".join(_tick(v) for v in point) for point in flat.point.values]


SWEEP_PICTURES = ("sweep.png", "sweep_cheapest.png", "sweep_recommendation.png")


def sweep_label(sweep, directory):
    """The sweep's subtitle: what every job shares (its fixed overrides), else its directory."""
    fixed = sweep.attrs.get("fixed_overrides", "")
    jobs = f"{sweep.attrs.get('jobs', '?')} jobs"
    return f"sweep {directory.name}: {jobs}" + (f", all with {fixed}" if fixed else "")


def sweep_chart(sweep, directory):
    """The sweep's pictures in ``directory``; return the file names written.

    A two-key grid gets three maps (P(fine-tuning wins), P(cheapest) per strategy, the
    recommendation); one key or a list of jobs gets a profile along it in ``sweep.png``.
    """
    dims = [d for d in sweep.p_beats_prompt.dims if d != "challenger"]
    label = sweep_label(sweep, directory)
    if sweep.attrs["layout"] == "grid" and len(dims) == 2:
        drawn = [sweep_heatmap(sweep, dims, label), sweep_cheapest(sweep, dims, label),
                 sweep_recommendation(sweep, dims, label)]
    else:
        drawn = [sweep_profile(sweep, dims, label)]
    for name, fig in zip(SWEEP_PICTURES, drawn, strict=False):
        _save(fig, directory / name)
    return list(SWEEP_PICTURES[: len(drawn)])
