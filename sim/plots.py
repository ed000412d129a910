"""Pictures of a run, drawn from its Dataset and summary (matplotlib, Agg backend).

Each function returns a Figure whose title states the question it answers; money is
USD, discounted to month 1, formatted as money on the axes.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402

from sim.analysis import crossing_curves  # noqa: E402
from sim.storage import atomic_path  # noqa: E402
from sim.summary import STRATEGY_NAMES, calendar_events  # noqa: E402

COLORS = {"prompt": "#555555", "finetune": "#1f77b4", "rag": "#d62728"}
CHALLENGE_ORDER = ("finetune", "rag")
FIGSIZE = (8.0, 4.8)
DPI = 130


def usd(value, _position=None):
    """Money for axes: $950, $12.3k, $4.5M."""
    magnitude = abs(value)
    sign = "-" if value < 0 else ""
    if magnitude >= 1e6:
        return f"{sign}${magnitude / 1e6:.3g}M"
    if magnitude >= 1e3:
        return f"{sign}${magnitude / 1e3:.3g}k"
    return f"{sign}${magnitude:.3g}"


def calls(value, _position=None):
    """Volumes for axes: 50k, 2M calls/month."""
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _finish(fig, ax, title):
    ax.set_title(title, fontsize=12, loc="left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def payback_probability(results, confidence):
    """P(fine-tuning / RAG cheaper than prompting by month m), with 95% bands."""
    fig, ax = plt.subplots(figsize=FIGSIZE)
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
    _mark_calendar(ax, results)
    ax.set_xlabel(f"month (month 1 = {results.attrs['start']})" if "start" in results.attrs else "month")
    ax.set_ylabel("P(cumulative cost below prompting)")
    ax.legend(loc="best")
    return _finish(fig, ax, "By month m, how likely is each strategy to be cheaper than prompting?")


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
        ax.annotate("\n".join(labels), xy=(x, 0.98), xycoords=ax.get_xaxis_transform(), xytext=(-3, 0),
                    textcoords="offset points", rotation=90, va="top", ha="right", fontsize=7.5,
                    color="#8c564b")
    if by_month and "p_platform_exit" in results:
        exits = float(results.p_platform_exit)
        note = f"fine-tune route leaves its platform in {exits:.0%} of scenarios"
        if float(results.p_migrated) > 0:
            note += f", migrates in {float(results.p_migrated):.0%}"
        ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="#8c564b")


def savings_fan(results):
    """Quantile bands of cumulative savings against prompting, by month."""
    fig, axes = plt.subplots(1, 2, figsize=(FIGSIZE[0] * 1.4, FIGSIZE[1]), sharey=True)
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
    fig.suptitle("How much does each strategy save against prompting over time? (above 0: saves)",
                 fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def savings_histogram(results, summary):
    """Distribution of savings at the horizon with the 5% quantile and CVaR marked."""
    fig, axes = plt.subplots(1, 2, figsize=(FIGSIZE[0] * 1.4, FIGSIZE[1]))
    cost = results.cost
    for ax, k in zip(axes, results.challenger.values, strict=True):
        k = str(k)
        savings = (cost.sel(strategy="prompt") - cost.sel(strategy=k)).values
        stats = summary["savings_vs_prompt"][k]
        # A heavy right tail (high-volume scenarios) would squeeze the bulk into one bar.
        lo, hi = np.quantile(savings, [0.005, 0.995])
        shown = (savings >= lo) & (savings <= hi)
        ax.hist(savings[shown], bins=80, color=COLORS[k], alpha=0.75)
        ax.annotate(f"axis cut at the 0.5% and 99.5% quantiles:\n{np.mean(~shown):.0%} of scenarios beyond",
                    xy=(0.98, 0.6), xycoords="axes fraction", ha="right", fontsize=8, color="#444444")
        for value, style, label in (
            (stats["mean"], "-", "mean"),
            (stats["p05"], "--", "5% quantile"),
            (stats["cvar05"], ":", "CVaR 5% (mean of worst 5%)"),
        ):
            ax.axvline(value, color="black", linestyle=style, linewidth=1.5,
                       label=f"{label}: {usd(value)}")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(usd))
        ax.set_xlabel(f"savings at month {summary['horizon_months']} (USD, discounted)")
        ax.set_ylabel("scenarios")
        ax.set_title(f"{STRATEGY_NAMES[k]} vs prompting", fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    fig.suptitle("How much could each strategy save, and how bad is the worst 5%?",
                 fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def drivers_tornado(summary, top=10):
    """Swing in P(fine-tuning wins) and in median savings across each input's range."""
    rows = summary["drivers"]["finetune"]["ranked"][:top][::-1]
    fig, axes = plt.subplots(1, 2, figsize=(FIGSIZE[0] * 1.5, 0.45 * max(len(rows), 3) + 1.8),
                             sharey=True)
    names = [row["input"] for row in rows]
    y = np.arange(len(rows))
    overall = summary["p_beats_prompt"]["finetune"]["estimate"]
    median = summary["savings_vs_prompt"]["finetune"]["p50"]
    for ax, low_key, high_key, centre, formatter, label in (
        (axes[0], "p_low", "p_high", overall, PercentFormatter(1.0),
         "P(fine-tuning beats prompting at the horizon)"),
        (axes[1], "savings_low", "savings_high", median, FuncFormatter(usd),
         "median savings vs prompting (USD)"),
    ):
        for i, row in enumerate(rows):
            low, high = row[low_key], row[high_key]
            ax.barh(i, high - centre, left=centre, color="#1f77b4", alpha=0.8,
                    label="highest 10% of the input" if i == 0 else None)
            ax.barh(i, low - centre, left=centre, color="#ff7f0e", alpha=0.8,
                    label="lowest 10% of the input" if i == 0 else None)
        ax.axvline(centre, color="black", linewidth=1)
        ax.xaxis.set_major_formatter(formatter)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(y, names)
    if rows:
        axes[0].legend(loc="lower right", fontsize=8)
    else:
        axes[0].text(0.5, 0.5, "every input is fixed", transform=axes[0].transAxes, ha="center")
    fig.suptitle("Which uncertain inputs move fine-tuning's answer most?",
                 fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def month1_volume(results):
    """Month-1 calls per scenario: drawn, or the configured fixed value."""
    key = "workload.calls_per_month"
    if key in results:
        return results[key].values
    configured = OmegaConf.create(results.attrs["config"]).workload.calls_per_month
    return np.full(results.sizes["scenario"], float(configured))


def line_crossing(results, points=80):
    """Cost against month-1 volume, with P(fine-tuning wins) on a second axis."""
    volume = month1_volume(results)
    low, high = np.quantile(volume, [0.05, 0.95])
    grid = np.geomspace(max(low / 10, 1.0), max(high * 10, 10.0), points)
    curves = crossing_curves(
        results.cost_fixed.transpose("scenario", "strategy").values,
        results.cost_slope.transpose("scenario", "strategy").values,
        grid,
    )
    fig, ax = plt.subplots(figsize=(FIGSIZE[0] * 1.2, FIGSIZE[1] * 1.1))
    for i, k in enumerate(str(s) for s in results.strategy.values):
        ax.fill_between(grid, curves["cost_band"][i, 0], curves["cost_band"][i, 2],
                        color=COLORS[k], alpha=0.15, linewidth=0)
        ax.plot(grid, curves["cost_band"][i, 1], color=COLORS[k], linewidth=2,
                label=f"{STRATEGY_NAMES[k]} cost (median, 90% band)")
    if high > low:
        ax.axvspan(low, high, color="#f2c14e", alpha=0.2, label="configured volume, 5-95%")
    else:
        ax.axvline(low, color="#f2c14e", linewidth=3, label="configured volume")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(calls))
    ax.yaxis.set_major_formatter(FuncFormatter(usd))
    ax.set_xlabel("month-1 volume (calls/month)")
    ax.set_ylabel(f"cumulative cost at month {results.attrs['horizon_months']} (USD, discounted)")
    right = ax.twinx()
    right.plot(grid, curves["p_beats_prompt"][0], color="black", linewidth=2,
               label="P(fine-tuning beats prompting)")
    right.plot(grid, curves["p_cheapest"][1], color="black", linewidth=1.5, linestyle="--",
               label="P(fine-tuning is cheapest of the three)")
    right.set_ylim(0, 1)
    right.yaxis.set_major_formatter(PercentFormatter(1.0))
    right.set_ylabel("probability")
    handles = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    return _finish(fig, ax, "At which volume does fine-tuning start to pay?")


PICTURES = {
    "payback_probability.png": lambda results, summary: payback_probability(
        results, summary["confidence"]
    ),
    "savings_fan.png": lambda results, summary: savings_fan(results),
    "savings_histogram.png": savings_histogram,
    "drivers.png": lambda results, summary: drivers_tornado(summary),
    "line_crossing.png": lambda results, summary: line_crossing(results),
}


def draw_all(results, summary, directory):
    """Draw every picture into ``directory``; return the file names written."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, draw in PICTURES.items():
        fig = draw(results, summary)
        with atomic_path(directory / name) as temporary:
            fig.savefig(temporary, dpi=DPI, format="png")
        plt.close(fig)
    return list(PICTURES)


def sweep_heatmap(sweep, dims):
    """P(fine-tuning wins) over a two-key grid, each cell with its 95% interval."""
    rows, columns = dims
    p = sweep.p_beats_prompt.sel(challenger="finetune").transpose(rows, columns)
    low = sweep.p_beats_prompt_low.sel(challenger="finetune").transpose(rows, columns)
    high = sweep.p_beats_prompt_high.sel(challenger="finetune").transpose(rows, columns)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * p.shape[1] + 3), max(3.5, 0.9 * p.shape[0] + 2)))
    image = ax.imshow(p.values, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    for i, j in np.ndindex(p.shape):
        value = p.values[i, j]
        text = "failed" if np.isnan(value) else f"{value:.2f}\n[{low.values[i, j]:.2f}, {high.values[i, j]:.2f}]"
        dark = not np.isnan(value) and (value < 0.2 or value > 0.85)
        ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(p.shape[1]), [_tick(v) for v in p[columns].values])
    ax.set_yticks(range(p.shape[0]), [_tick(v) for v in p[rows].values])
    ax.set_xlabel(columns)
    ax.set_ylabel(rows)
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0))
    bar.set_label("P(fine-tuning beats prompting)")
    ax.set_title("Where does fine-tuning pay back within the horizon?", fontsize=12, loc="left")
    fig.tight_layout()
    return fig


def _tick(value):
    return calls(value) if isinstance(value, (float, np.floating)) else str(value)


def sweep_profile(sweep, dims):
    """P(win) with 95% intervals, expected savings and CVaR along a sweep."""
    numeric = len(dims) == 1 and dims != ["job"] and np.issubdtype(sweep[dims[0]].dtype, np.number)
    flat = sweep.stack(point=dims) if len(dims) > 1 else sweep.rename({dims[0]: "point"})
    x = flat.point.values if numeric else np.arange(flat.sizes["point"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGSIZE[0] * 1.5, FIGSIZE[1]))
    for k in CHALLENGE_ORDER:
        p = flat.p_beats_prompt.sel(challenger=k).values
        low = flat.p_beats_prompt_low.sel(challenger=k).values
        high = flat.p_beats_prompt_high.sel(challenger=k).values
        if numeric:
            left.fill_between(x, low, high, color=COLORS[k], alpha=0.25, linewidth=0)
            left.plot(x, p, "o-", color=COLORS[k], label=STRATEGY_NAMES[k])
        else:
            left.errorbar(x, p, yerr=[p - low, high - p], fmt="o", capsize=4, color=COLORS[k],
                          label=STRATEGY_NAMES[k])
        mean = flat.savings_mean.sel(challenger=k).values
        tail = flat.savings_cvar05.sel(challenger=k).values
        right.plot(x, mean, "o-" if numeric else "o", color=COLORS[k], label=f"{STRATEGY_NAMES[k]}: expected")
        right.plot(x, tail, "v--" if numeric else "v", color=COLORS[k], alpha=0.7,
                   label=f"{STRATEGY_NAMES[k]}: CVaR 5%")
    right.axhline(0, color="black", linewidth=0.8)
    left.set_ylim(0, 1)
    left.yaxis.set_major_formatter(PercentFormatter(1.0))
    left.set_ylabel("P(cheaper than prompting at the horizon)")
    right.yaxis.set_major_formatter(FuncFormatter(usd))
    right.set_ylabel("savings vs prompting (USD, discounted)")
    for ax in (left, right):
        if numeric:
            ax.set_xlabel(dims[0])
            if x.min() > 0 and x.max() / x.min() >= 10:
                ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(calls))
        else:
            ax.set_xticks(x, _point_labels(flat, dims), rotation=30, ha="right", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("How do the chances and the savings change across the sweep?",
                 fontsize=12, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def _point_labels(flat, dims):
    if dims == ["job"]:
        keys = [k for k in flat.coords if flat[k].dims == ("point",) and k != "point"]
        return [", ".join(f"{k}={flat[k].values[i]}" for k in keys) for i in range(flat.sizes["point"])]
    if len(dims) == 1:
        return [_tick(v) for v in flat.point.values]
    return [", ".join(_tick(v) for v in point) for point in flat.point.values]


def sweep_chart(sweep, path):
    """The sweep's picture: a heatmap over a two-key grid, else a profile along it."""
    dims = [d for d in sweep.p_beats_prompt.dims if d != "challenger"]
    if sweep.attrs["layout"] == "grid" and len(dims) == 2:
        fig = sweep_heatmap(sweep, dims)
    else:
        fig = sweep_profile(sweep, dims)
    with atomic_path(path) as temporary:
        fig.savefig(temporary, dpi=DPI, format="png")
    plt.close(fig)
