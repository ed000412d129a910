"""Pictures of a portfolio, drawn from its summary (``sim.portfolio.outputs.write_portfolio``):
the monthly budget fan and each workload's savings.

Each function returns a Figure headed and placed as a run's pictures are
(``sim.report.figures``); money is written by ``sim.report.formats.usd``.
"""

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.inputs.routes import BASELINE_COLOUR, PALETTE
from sim.report.figures import FIGSIZE, add_heading, new_figure, place_axes
from sim.report.formats import usd
from sim.report.routes import summary_labels

BUDGET_PICTURE = "portfolio_budget.png"
SAVINGS_PICTURE = "portfolio_savings.png"
ROUTED_COLOUR = PALETTE[0]


def subtitle(summary):
    """Which portfolio a picture shows: its name, workloads, scenarios, horizon and start."""
    numbers = summary["portfolio"]
    return (f"portfolio {summary['name']}: {len(numbers['workloads'])} workloads, {numbers['scenarios']:,} scenarios"
            f" over {numbers['horizon_months']} months from {numbers['start']}")


def budget_fan(summary):
    """The routed portfolio's nominal spend by month (USD): its 5-95% band and median,
    against the baseline portfolio's median, dashed."""
    spend = summary["portfolio"]["monthly_spend"]
    months = np.array(spend["month"])
    fig, ax = new_figure(*FIGSIZE, layout=None)
    # steps, a month each from its start to its end: a month's spend is one amount, not a
    # slope between two (the last value repeated to close the last month)
    edges = np.append(months - 0.5, months[-1] + 0.5)

    def step(key):
        return np.append(spend[key], spend[key][-1])

    ax.fill_between(edges, step("p05"), step("p95"), step="post", color=ROUTED_COLOUR, alpha=0.2, linewidth=0,
                    label="routed: 5-95% of scenarios")
    ax.plot(edges, step("p50"), drawstyle="steps-post", color=ROUTED_COLOUR, linewidth=2, label="routed: median",
            gid="routed.p50")
    ax.plot(edges, step("baseline_p50"), drawstyle="steps-post", color=BASELINE_COLOUR, linewidth=1.6,
            linestyle="--", label="every workload on its baseline: median", gid="baseline.p50")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(usd))
    ax.set_xlabel(f"month (month 1 = {summary['portfolio']['start']})")
    ax.set_ylabel("spend in the month\n(USD, nominal)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    place_axes(fig, ax, add_heading(fig, "How much to budget each month? The routed portfolio's spend",
                                    subtitle(summary) + "; the band's top is the budget to ask for (95%)"))
    return fig


def route_colours(summary):
    """A colour per route label over every workload: a baseline grey, the others in order
    of first appearance (``sim.inputs.routes.PALETTE``)."""
    found, others = {}, iter(PALETTE)
    for workload in summary["workloads"].values():
        labels, _ = summary_labels(workload)
        for name, label in labels.items():
            if label not in found:
                found[label] = BASELINE_COLOUR if name == workload.get("baseline", "prompt") else next(others, "#000000")
    return found


def savings_bars(summary):
    """Each workload's expected savings at the horizon against its baseline (USD, discounted),
    a bar each with its 5-95% whisker, labelled with its route and share, largest on top."""
    workloads = summary["workloads"]
    names = sorted(workloads, key=lambda w: workloads[w]["savings"]["mean"])  # barh draws bottom up
    colours = route_colours(summary)
    fig, ax = new_figure(FIGSIZE[0], max(2.6, 1.5 + 0.55 * len(names)), layout=None)
    rows = np.arange(len(names))
    ends = [0.0]
    for row, name in zip(rows, names, strict=True):
        workload = workloads[name]
        savings = workload["savings"]
        label = summary_labels(workload)[0].get(workload["route"], workload["route"])
        ax.barh(row, savings["mean"], height=0.55, color=colours.get(label, ROUTED_COLOUR), alpha=0.85,
                gid=f"savings.{name}")
        # drawn as a line, not errorbar's xerr: a skewed workload's mean can lie outside its p05-p95
        ax.plot([savings["p05"], savings["p95"]], [row, row], color="black", linewidth=1.2, gid=f"whisker.{name}")
        ax.plot([savings["p05"]] * 2, [row - 0.12, row + 0.12], color="black", linewidth=1.2)
        ax.plot([savings["p95"]] * 2, [row - 0.12, row + 0.12], color="black", linewidth=1.2)
        end = max(savings["mean"], savings["p95"], 0.0)
        ends += [savings["p05"], savings["mean"], savings["p95"]]
        ax.annotate(f"{label}: {usd(savings['mean'])}" + ("" if workload["share"] is None else f", share {workload['share']:.0%}"), xy=(end, row),
                    xytext=(6, 0), textcoords="offset points", va="center", ha="left", fontsize=8.5,
                    gid=f"label.{name}")
    low, high = min(ends), max(ends)
    span = (high - low) or 1.0
    low = low - 0.04 * span if low < 0 else 0.0  # a little room left of a negative whisker
    ax.set_xlim(low, high + 0.5 * span)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(rows, names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.xaxis.set_major_formatter(FuncFormatter(usd))
    ax.set_xlabel(f"savings against its baseline within {summary['portfolio']['horizon_months']} months"
                  " (USD, discounted)")
    ax.grid(alpha=0.3, axis="x")
    total = summary["portfolio"]["savings"]["mean"]
    question = (f"Where do the savings come from? {usd(total)} expected, by workload" if total >= 0 else
                f"What does routing cost? {usd(-total)} more expected, by workload")
    heading = add_heading(fig, question,
                          subtitle(summary) + "; bar: mean, whisker: 5-95% of scenarios, share: of the expected"
                          " savings")
    # placing widens a margin for a label past the edge, and fitting the labels in then
    # frees it: a few rounds settle both
    for _ in range(3):
        place_axes(fig, ax, heading)
        _fit_labels(fig, ax, low)
    place_axes(fig, ax, heading)
    return fig


def _fit_labels(fig, ax, low):
    """Widen the x axis just enough that every bar's label, written right of its end, stays inside."""
    renderer = fig.canvas.get_renderer()
    width = ax.get_window_extent(renderer).width  # pixels
    right = ax.get_xlim()[1]
    needed = low
    for text in ax.texts:
        end = text.xy[0]
        # a label of w pixels after a point at share s of the axes fits when s * width + w <= width
        room = width - text.get_window_extent(renderer).width - (6 / 72 + 0.12) * fig.dpi  # its offset and a gap
        needed = max(needed, low + (end - low) * width / max(room, 0.2 * width))
    ax.set_xlim(low, needed if needed > low else right)


PICTURES = {BUDGET_PICTURE: budget_fan, SAVINGS_PICTURE: savings_bars}

__all__ = ["BUDGET_PICTURE", "PICTURES", "SAVINGS_PICTURE", "budget_fan", "route_colours", "savings_bars", "subtitle"]
