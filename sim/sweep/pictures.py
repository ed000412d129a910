"""Pictures of a sweep, drawn from its Dataset (``sim.sweep.aggregate.to_dataset``).

Each states the question it answers in its title and, in its subtitle, the sweep it shows.
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.figures import FIGSIZE, add_heading, new_figure, save_png
from sim.report.formats import calls, digits_apart, signed_usd, usd
from sim.report.pictures import CHALLENGE_ORDER, COLORS
from sim.results.summary import STRATEGY_NAMES

# maps of probabilities: perceptually uniform and readable with any colour vision
PROBABILITY_MAP = "cividis"
# the recommendation per sweep cell (Okabe-Ito colours, safe for colour-blind readers)
RECOMMENDATION_COLORS = {"prompting": "#999999", "fine-tuning": "#0072B2", "RAG": "#D55E00",
                         "not yet": "#F0E442"}
BASELINE = "none"  # the stress preset every other stress is read against


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
    fig, ax = new_figure(*_grid_size(p.shape))
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
    add_heading(fig, f"Where does fine-tuning beat prompting {_horizon(sweep)}?", label)
    return fig


def sweep_cheapest(sweep, dims, label=""):
    """P(cheapest of the three) per strategy over a two-key grid, one panel each."""
    rows, columns = dims
    strategies = [str(s) for s in sweep.strategy.values]
    shape = (sweep.sizes[rows], sweep.sizes[columns])
    fig, axes = new_figure(*_grid_size(shape, len(strategies)), ncols=len(strategies), sharey=True)
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
    add_heading(fig, f"Where is each strategy the cheapest of the three {_horizon(sweep)}?", label)
    return fig


def sweep_recommendation(sweep, dims, label=""):
    """The recommended strategy per cell of a two-key grid (categorical colours)."""
    rows, columns = dims
    choice = sweep.recommendation.transpose(rows, columns)
    names = list(RECOMMENDATION_COLORS)
    codes = np.array([[names.index(v) if v in names else np.nan for v in line] for line in choice.values])
    fig, ax = new_figure(*_grid_size(codes.shape))
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
    add_heading(fig, f"Which strategy does payback recommend at each point {_horizon(sweep)}?", label)
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
    fig, (left, right) = new_figure(FIGSIZE[0] * 1.5, FIGSIZE[1], ncols=2)
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
    add_heading(fig, f"How do the chances and the savings change across the sweep ({_horizon(sweep)})?", label)
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
    fig, (left, right) = new_figure(FIGSIZE[0] * 1.6, 0.62 * n + 2.6, ncols=2, sharey=True)
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
    add_heading(fig, f"What does each {case} change against {baseline}, {_horizon(flat)}?", label)
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
        save_png(fig, directory / name)
    return list(SWEEP_PICTURES[: len(drawn)])


__all__ = ["BASELINE", "PROBABILITY_MAP", "RECOMMENDATION_COLORS", "SWEEP_PICTURES", "sweep_chart",
           "sweep_cheapest", "sweep_heatmap", "sweep_label", "sweep_profile", "sweep_recommendation"]
