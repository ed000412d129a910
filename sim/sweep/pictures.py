"""Pictures of a sweep, drawn from its Dataset (``sim.sweep.aggregate.to_dataset``).

Each states the question it answers in its title and, in its subtitle, the sweep it shows.
Each route has the colour it has in a run's own pictures (``sim.sweep.routes.route_colours``);
maps of probabilities are one panel per route, up to four abreast.
"""

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.figures import FIGSIZE, add_heading, new_figure, save_png
from sim.report.formats import calls, digits_apart, signed_usd, usd
from sim.sweep.routes import VARIES, route_colours
from sim.inputs.routes import route_label

# maps of probabilities: perceptually uniform and readable with any colour vision
PROBABILITY_MAP = "cividis"
# "not yet" in the recommendation map: a pale grey, far from the baseline's dark one and from
# every route's colour (Okabe-Ito's yellow read as the orange of the fifth route)
NOT_YET_COLOR = "#E6E6E6"
BASELINE = "none"  # the stress preset every other stress is read against
PANELS_ABREAST = 4


def _horizon(sweep):
    horizon = sweep.attrs.get("horizon_months")
    return f"within {horizon} months" if horizon not in (None, "", "varies") else "within the horizon"


def sweep_route_styles(sweep):
    """Each route's label and colour, the baseline's name and how the titles name it."""
    names = [str(k) for k in sweep.route.values]
    kinds = [str(k) for k in sweep.kind.values] if "kind" in sweep.coords else names
    labels = {k: k if kind == VARIES else route_label(k, kind) for k, kind in zip(names, kinds, strict=True)}
    baseline = str(sweep.attrs.get("baseline", "prompt"))
    if baseline == VARIES:  # the grey goes to the first job's
        baseline = next((str(b) for b in np.ravel(sweep.job_baseline.values) if str(b)), names[0])
    against = labels.get(baseline, baseline) if sweep.attrs.get("baseline") != VARIES else "the job's baseline"
    return {"labels": labels, "colours": route_colours(names, baseline), "baseline": baseline, "against": against}


def _panels(count):
    columns = min(count, PANELS_ABREAST)
    return -(-count // columns), columns


def _grid_size(shape, panels=1):
    rows, columns = shape
    down, across = _panels(panels)
    return (max(6.0, (1.5 * columns + 1.2) * across + 2.6),
            max(3.8, (0.85 * rows + 1.6) * down + 1.0))


def _panel_axes(shape, count):
    # a grid of panels, one per route, four abreast; the unused ones removed
    down, across = _panels(count)
    fig, axes = new_figure(*_grid_size(shape, count), nrows=down, ncols=across, sharey=True, squeeze=False)
    axes = list(axes.ravel())
    for ax in axes[count:]:
        ax.remove()
    return fig, axes[:count]


def _panel_title(ax, text, colour):
    # the route's name in its colour, with a bar of it under the title
    ax.set_title(text, fontsize=11, color="black" if colour == "#000000" else colour, fontweight="bold")
    ax.axhline(-0.5, color=colour, linewidth=4, clip_on=False)


def _cell_text(ax, image, values, texts, missing):
    for i, j in np.ndindex(values.shape):
        if np.isnan(values[i, j]):
            ax.text(j, i, missing[i, j], ha="center", va="center", fontsize=9, color="black")
            continue
        red, green, blue, _ = image.cmap(image.norm(values[i, j]))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(j, i, texts[i][j], ha="center", va="center", fontsize=9,
                color="white" if dark else "black", gid="cell")


def _missing(sweep, dims):
    # what a cell without a number says: the job's status, or "—" for a job without the route
    status = sweep.status.transpose(*dims).values
    return np.where(status == "ok", "—", status)


def _axes_of_grid(ax, values, dims):
    rows, columns = dims
    ax.set_xticks(range(values.shape[1]), [_tick(v) for v in values[columns].values])
    ax.set_yticks(range(values.shape[0]), [_tick(v) for v in values[rows].values])
    ax.set_xlabel(columns)
    ax.set_ylabel(rows)


def _probability_map():
    return plt.get_cmap(PROBABILITY_MAP).with_extremes(bad="#dddddd")


def sweep_heatmap(sweep, dims, label=""):
    """P(each route beats the baseline) over a two-key grid, a panel per route, each cell in %
    with its 95% interval ("—": a job that failed, or has no such route)."""
    rows, columns = dims
    style = sweep_route_styles(sweep)
    challengers = [str(k) for k in sweep.challenger.values]
    shape = (sweep.sizes[rows], sweep.sizes[columns])
    fig, axes = _panel_axes(shape, len(challengers))
    percent = lambda x, d: f"{x * 100:.{d}f}"  # noqa: E731
    for ax, k in zip(axes, challengers, strict=True):
        p = sweep.p_beats_prompt.sel(challenger=k).transpose(rows, columns)
        low = sweep.p_beats_prompt_low.sel(challenger=k).transpose(rows, columns).values
        high = sweep.p_beats_prompt_high.sel(challenger=k).transpose(rows, columns).values
        image = ax.imshow(p.values, cmap=_probability_map(), vmin=0, vmax=1, aspect="auto")
        texts = []
        for i in range(p.shape[0]):
            texts.append([])
            for j in range(p.shape[1]):
                d = digits_apart(p.values[i, j], (low[i, j], high[i, j]), percent, digits=0, most=2)
                texts[i].append(f"{percent(p.values[i, j], d)}%\n[{percent(low[i, j], d)}–{percent(high[i, j], d)}%]")
        _cell_text(ax, image, p.values, texts, _missing(sweep, dims))
        _axes_of_grid(ax, p, dims)
        _panel_title(ax, style["labels"][k], style["colours"][k])
        if ax.get_subplotspec().colspan.start:
            ax.set_ylabel("")
    bar = fig.colorbar(image, ax=axes, format=PercentFormatter(1.0), shrink=0.9)
    bar.set_label(f"P(cheaper than {style['against']}) [95% interval]")
    who = style["labels"][challengers[0]] if len(challengers) == 1 else "each route"
    add_heading(fig, f"Where does {who} beat {style['against']} {_horizon(sweep)}?", label)
    return fig


def sweep_cheapest(sweep, dims, label=""):
    """P(cheapest of the job's routes) per route over a two-key grid, one panel each."""
    rows, columns = dims
    style = sweep_route_styles(sweep)
    routes = [str(s) for s in sweep.route.values]
    shape = (sweep.sizes[rows], sweep.sizes[columns])
    fig, axes = _panel_axes(shape, len(routes))
    for ax, k in zip(axes, routes, strict=True):
        p = sweep.p_cheapest.sel(route=k).transpose(rows, columns)
        image = ax.imshow(p.values, cmap=_probability_map(), vmin=0, vmax=1, aspect="auto")
        _cell_text(ax, image, p.values, [[f"{v:.0%}" for v in line] for line in p.values], _missing(sweep, dims))
        _axes_of_grid(ax, p, dims)
        _panel_title(ax, style["labels"][k], style["colours"][k])
        if ax.get_subplotspec().colspan.start:
            ax.set_ylabel("")
    bar = fig.colorbar(image, ax=axes, format=PercentFormatter(1.0), shrink=0.9)
    bar.set_label("P(cheapest of the routes)")
    add_heading(fig, f"Where is each route the cheapest of the {len(routes)} {_horizon(sweep)}?", label)
    return fig


def sweep_recommendation(sweep, dims, label=""):
    """The recommended route per cell of a two-key grid, in the routes' colours: solid where it
    reached ``confidence``, hatched where it is a lean (the route of lowest expected cost)."""
    rows, columns = dims
    style = sweep_route_styles(sweep)
    if "recommended_route" in sweep:
        choice = sweep.recommended_route.transpose(rows, columns)
        sure = sweep.confident.transpose(rows, columns).values
        # a job written before actions: its strategy, "not yet" included
        choice = xr.where(sure < 0, sweep.recommendation.transpose(rows, columns), choice)
        choice = xr.where(choice == "", "not yet", choice)
    else:
        choice = sweep.recommendation.transpose(rows, columns)
        sure = np.ones(choice.shape, dtype=np.int8)
    palette = {style["labels"][k]: colour for k, colour in style["colours"].items()}
    palette["not yet"] = NOT_YET_COLOR
    names = list(palette)
    codes = np.array([[names.index(v) if v in names else np.nan for v in line] for line in choice.values])
    fig, ax = new_figure(*_grid_size(codes.shape))
    cmap = ListedColormap(list(palette.values())).with_extremes(bad="#ffffff")
    image = ax.imshow(codes, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, aspect="auto")
    leans = (sure == 0) & np.isfinite(codes)
    for r, c in zip(*np.nonzero(leans)):
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor="white", linewidth=0))
    texts = [[("lean: " if lean else "") + str(v) for v, lean in zip(line, flags)]
             for line, flags in zip(choice.values, leans)]
    _cell_text(ax, image, codes, texts, _missing(sweep, dims))
    for text in ax.texts:  # a lean's words on a plain ground: the hatching would cross them out
        column, row = text.get_position()
        if text.get_gid() == "cell" and leans[int(row), int(column)]:
            text.set_color("black")
            text.set_bbox({"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9})
    _axes_of_grid(ax, choice, dims)
    shown = set(np.ravel(choice.values))  # the legend names what the map shows
    handles = [Patch(color=color, label=name) for name, color in palette.items() if name in shown]
    if leans.any():
        handles.append(Patch(facecolor="#999999", hatch="///", edgecolor="white", label="hatched: a lean"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=9, frameon=False,
              title="recommended", title_fontsize=9)
    confidence = sweep.attrs.get("confidence")
    at_least = f"at least {confidence:.0%}" if isinstance(confidence, float) else "`confidence`"
    ax.text(1.02, 0.0, textwrap.fill(f"Solid: the route cheapest on average is cheaper than each other in "
                                     f"{at_least} of scenarios. Hatched: it is not (a lean, not a decision).",
                                     30),
            transform=ax.transAxes, ha="left", va="bottom", fontsize=8, color="#444444")
    add_heading(fig, f"Which route does payback recommend at each point {_horizon(sweep)}?", label)
    return fig


def _tick(value):
    return calls(value) if isinstance(value, (float, np.floating)) else str(value)


def sweep_profile(sweep, dims, label=""):
    """P(win) with 95% intervals, expected savings and CVaR along a sweep, a line per route."""
    numeric = len(dims) == 1 and dims != ["job"] and np.issubdtype(sweep[dims[0]].dtype, np.number)
    flat = sweep.stack(point=dims) if len(dims) > 1 else sweep.rename({dims[0]: "point"})
    if not numeric:
        return _categorical_profile(flat, dims, label)
    style = sweep_route_styles(sweep)
    challengers = [str(k) for k in flat.challenger.values]
    x = flat.point.values
    # three panels, a line per route in each: at 8 routes, expected savings and CVaR in one
    # panel were 14 lines
    fig, axes = new_figure(FIGSIZE[0] * 2.0, FIGSIZE[1], ncols=3)
    chances, expected, tail = axes
    band = 0.25 if len(challengers) <= 3 else 0.12  # many overlapping bands read as one smear
    for i, k in enumerate(challengers):
        colour, name = style["colours"][k], style["labels"][k]
        # past three routes, each line a little thinner than the one before, drawn over it: two
        # routes of the same numbers show both colours, not the later one alone
        many = len(challengers) > 3
        width = {"linewidth": 3.0 - 1.6 * i / (len(challengers) - 1),
                 "markersize": 8.0 - 4.0 * i / (len(challengers) - 1)} if many else {}
        chances.fill_between(x, flat.p_beats_prompt_low.sel(challenger=k).values,
                             flat.p_beats_prompt_high.sel(challenger=k).values, color=colour, alpha=band,
                             linewidth=0)
        chances.plot(x, flat.p_beats_prompt.sel(challenger=k).values, "o-", color=colour, label=name, **width)
        expected.plot(x, flat.savings_mean.sel(challenger=k).values, "o-", color=colour, label=name, **width)
        tail.plot(x, flat.savings_cvar05.sel(challenger=k).values, "v--", color=colour, label=name, **width)
    chances.set_ylim(-0.02, 1.02)
    chances.yaxis.set_major_formatter(PercentFormatter(1.0))
    chances.set_title(f"P(cheaper than {style['against']}),\nwith its 95% interval", fontsize=10)
    expected.set_title(f"expected savings vs {style['against']}\n(USD, discounted)", fontsize=10)
    tail.set_title("CVaR 5% of the savings: the mean\nof the worst 5% of scenarios", fontsize=10)
    for ax in (expected, tail):
        ax.axhline(0, color="black", linewidth=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(usd))
    for ax in axes:
        ax.set_xlabel(dims[0])
        if x.min() > 0 and x.max() / x.min() >= 10:
            ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(calls))
        ax.grid(alpha=0.3)
    tail.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, title="route",
                title_fontsize=8)
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
    # one row per point, the baseline on top; every other row says how far it moved; each
    # route a bar of its own within the row
    style = sweep_route_styles(flat)
    challengers = [str(k) for k in flat.challenger.values]
    labels = _point_labels(flat, dims)
    order = _baseline_first(labels, flat, dims)
    flat = flat.isel(point=order)
    labels = [labels[i] for i in order]
    labels[0] += "\n(baseline)"
    if len(challengers) > MOST_BARS:
        return _categorical_table(flat, labels, dims, label)
    n, m = len(labels), max(len(challengers), 1)
    y = np.arange(n)
    step = 0.8 / m  # a row's share for each route
    row_height = max(0.62, 0.2 * m + 0.2)
    fig, (left, right) = new_figure(FIGSIZE[0] * 1.6, row_height * n + 2.6, ncols=2, sharey=True)
    for c, k in enumerate(challengers):
        colour, name = style["colours"][k], style["labels"][k]
        offset = (c - (m - 1) / 2) * step
        p = flat.p_beats_prompt.sel(challenger=k).values
        low = flat.p_beats_prompt_low.sel(challenger=k).values
        high = flat.p_beats_prompt_high.sel(challenger=k).values
        left.errorbar(p, y + offset, xerr=[p - low, high - p], fmt="o", capsize=3, color=colour, label=name,
                      markersize=5 if m > 3 else 6)
        if not np.isnan(p[0]):
            left.axvline(p[0], color=colour, linestyle=":", linewidth=1)
        mean = flat.savings_mean.sel(challenger=k).values
        tail = flat.savings_cvar05.sel(challenger=k).values
        mean_low, mean_high = _mean_interval(flat, k, mean)
        right.barh(y + offset, mean, height=0.85 * step, color=colour, alpha=0.8, label=f"{name}: expected",
                   xerr=[mean - mean_low, mean_high - mean], error_kw={"ecolor": colour, "capsize": 3})
        right.plot(tail, y + offset, "|", color="black", markersize=min(9, 40 * step), markeredgewidth=2,
                   label="CVaR 5% (mean of the worst 5%)" if c == m - 1 else None)
        for i in range(1, n):
            if not (np.isnan(p[i]) or np.isnan(p[0])):
                change = _change(p[i] - p[0], _half_widths(low, high, i), lambda d: f"{d * 100:+.1f}",
                                 lambda h: f"{h * 100:.1f} pts")
                left.annotate(change, xy=(high[i], y[i] + offset), xytext=(4, 0),
                              textcoords="offset points", va="center", fontsize=7 if m > 3 else 7.5,
                              color=colour, gid=f"change.{k}")
            if not (np.isnan(mean[i]) or np.isnan(mean[0])):
                change = _change(mean[i] - mean[0], _half_widths(mean_low, mean_high, i), signed_usd, usd)
                # "\$": two dollar signs in one text would read as mathtext between them
                right.annotate(change.replace("$", r"\$") if change.count("$") > 1 else change, xy=(max(mean_high[i] if np.isfinite(mean_high[i]) else mean[i], 0),
                                           y[i] + offset),
                               xytext=(4, 0), textcoords="offset points", va="center",
                               fontsize=7 if m > 3 else 7.5, color=colour)
    _label_failed_rows(left, flat, y)
    right.axvline(0, color="black", linewidth=0.8)
    # room on the right of every row for its change against the baseline
    highest = np.nanmax(flat.p_beats_prompt_high.values) if np.isfinite(flat.p_beats_prompt_high.values).any() else 1
    left.set_xlim(0, min(1.0, highest) * 1.25 + 0.03)
    money = np.concatenate([flat.savings_mean.values.ravel(), flat.savings_cvar05.values.ravel(), [0.0],
                            *(flat[v].values.ravel() for v in ("savings_mean_low", "savings_mean_high") if v in flat)])
    money = money[np.isfinite(money)]
    span = money.max() - money.min() or 1.0
    right.set_xlim(money.min() - 0.05 * span, money.max() + 0.5 * span)  # room for "+$10 ± $566, ..."
    left.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    left.set_xlabel(f"P(cheaper than {style['against']}) with 95% interval;\n"
                    "change against the baseline in points ± its 95% interval")
    right.xaxis.set_major_formatter(FuncFormatter(usd))
    right.set_xlabel(f"savings vs {style['against']} (USD, discounted);\n"
                     "expected, with 95% interval; its change against the baseline ± 95%")
    left.set_yticks(y, labels, fontsize=8)
    left.set_ylim(n - 0.5, -0.5)  # every row, a failed one's too, whole; the first on top
    for ax in (left, right):
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0, -0.2), frameon=False, ncols=2)
    add_heading(fig, _case_question(dims, labels, flat), label)
    return fig


def _mean_interval(flat, k, mean):
    # the expected savings' 95% interval; a sweep aggregated before it was kept, or a run
    # too small for one, has none: the bar alone
    if "savings_mean_low" not in flat:
        return mean, mean
    low, high = (flat[name].sel(challenger=k).values for name in ("savings_mean_low", "savings_mean_high"))
    return np.where(np.isnan(low), mean, low), np.where(np.isnan(high), mean, high)


def _half_widths(low, high, i):
    # 95% half-width of a change against row 0 (the baseline): the two runs' half-widths
    # added in quadrature, as for independent runs; jobs on one seed share their draws,
    # so the true interval of the change is narrower: never too narrow, sometimes too wide
    widths = [(high[j] - low[j]) / 2 for j in (0, i)]
    return float(np.hypot(*widths)) if all(np.isfinite(widths)) and any(widths) else None


def _change(difference, half_width, signed, width):
    """``+1.0 ± 1.4 pts, within noise``: a change against the baseline with its 95% interval."""
    if half_width is None:
        return signed(difference)
    text = f"{signed(difference)} ± {width(half_width)}"
    return text + ", within noise" if abs(difference) <= half_width else text


def _label_failed_rows(ax, flat, y):
    # a failed, damaged or unstarted job would be a blank row: say which, and why, in it
    status = np.asarray(flat.status.values, dtype=str)
    errors = np.asarray(flat.error.values, dtype=str)
    for i in np.flatnonzero(status != "ok"):
        reason = errors[i].strip().splitlines()[0] if errors[i].strip() else ""
        if len(reason) > 90:
            reason = reason[:89] + "…"
        ax.text(0.01, y[i], f"{status[i]}: {reason}" if reason else status[i], transform=ax.get_yaxis_transform(),
                va="center", fontsize=8, color="#555555", style="italic", gid="failed-row",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})


# Past this many routes a categorical profile is a table of cells (case x route), not a bar
# per route in each row: at 7 routes the bars, their changes and dotted lines hid each other.
MOST_BARS = 3


def _categorical_table(flat, labels, dims, label):
    # two maps, a row per case and a column per route: P(beats the baseline) with its change
    # against the first row in points, and the expected savings with theirs and the CVaR
    from matplotlib.colors import TwoSlopeNorm

    style = sweep_route_styles(flat)
    challengers = [str(k) for k in flat.challenger.values]
    n, m = len(labels), len(challengers)
    p = flat.p_beats_prompt.transpose("point", "challenger").values
    mean = flat.savings_mean.transpose("point", "challenger").values
    tail = flat.savings_cvar05.transpose("point", "challenger").values
    status = np.asarray(flat.status.values, dtype=str)
    missing = np.repeat(np.where(status == "ok", "—", status)[:, None], m, axis=1)
    fig, (left, right) = new_figure(2.15 * m + 3.2, 0.62 * n + 2.6, ncols=2, sharey=True,
                                    width_ratios=(0.8, 1.35))
    image = left.imshow(p, cmap=_probability_map(), vmin=0, vmax=1, aspect="auto")
    # a change only where the baseline row has the route too
    texts = [[f"{p[i, j]:.0%}" + ("" if i == 0 or np.isnan(p[0, j]) else f"\n{(p[i, j] - p[0, j]) * 100:+.1f} pts")
              for j in range(m)] for i in range(n)]
    _cell_text(left, image, p, texts, missing)
    widest = np.nanmax(np.abs(np.concatenate([mean.ravel(), [1.0]])))
    money = right.imshow(mean, cmap=plt.get_cmap("PuOr").with_extremes(bad="#dddddd"), aspect="auto",
                         norm=TwoSlopeNorm(0.0, -widest, widest))
    # "\$": two dollar signs in one text would read as mathtext between them
    texts = [[(usd(mean[i, j]) + ("" if i == 0 or np.isnan(mean[0, j]) else f" ({signed_usd(mean[i, j] - mean[0, j])})")
               + f"\nCVaR {usd(tail[i, j])}").replace("$", r"\$") for j in range(m)] for i in range(n)]
    _cell_text(right, money, mean, texts, missing)
    for ax in (left, right):
        ax.set_xticks(range(m), [style["labels"][k] for k in challengers], rotation=30, ha="right")
        for tick, k in zip(ax.get_xticklabels(), challengers, strict=True):
            tick.set_color(style["colours"][k])
    left.set_yticks(range(n), labels, fontsize=8)
    left.set_title(f"P(cheaper than {style['against']});\nchange against the baseline row in points", fontsize=10)
    right.set_title(f"expected savings vs {style['against']} (USD, discounted; purple a gain, orange a loss),"
                    " change against\nthe baseline row, and CVaR 5%: the mean of the worst 5% of scenarios",
                    fontsize=10)
    add_heading(fig, _case_question(dims, labels, flat), label)
    return fig


def _case_question(dims, labels, flat):
    # "What does each stress change against none", "... each value of routes ..."
    key = dims[0] if len(dims) == 1 and dims != ["job"] else "case"
    case = key if key in ("case", "stress") else f"value of {key}"
    return f"What does each {case} change against {labels[0].split(chr(10))[0]}, {_horizon(flat)}?"


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


def sweep_costs(sweep, dims, label=""):
    """Each route's expected cost and its 95% quantile at each point, a row per point: the
    picture of a sweep whose jobs hold the baseline alone (nothing beats it)."""
    style = sweep_route_styles(sweep)
    flat = sweep.stack(point=dims) if len(dims) > 1 else sweep.rename({dims[0]: "point"})
    labels = _point_labels(flat, dims)
    routes = [str(k) for k in flat.route.values]
    n, m = len(labels), len(routes)
    y = np.arange(n)
    step = 0.8 / m
    fig, ax = new_figure(FIGSIZE[0] * 1.2, max(0.62, 0.2 * m + 0.2) * n + 2.2)
    for c, k in enumerate(routes):
        offset = (c - (m - 1) / 2) * step
        ax.barh(y + offset, flat.cost_mean.sel(route=k).values, height=0.85 * step, color=style["colours"][k],
                label=f"{style['labels'][k]}: expected")
        ax.plot(flat.cost_p95.sel(route=k).values, y + offset, "|", color="black", markersize=9,
                markeredgewidth=2, label="95% quantile" if c == m - 1 else None)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(usd))
    ax.set_xlabel("cost at the horizon (USD, discounted)")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False)
    add_heading(fig, f"What does {style['labels'][routes[0]] if m == 1 else 'each route'} cost across the sweep"
                     f" ({_horizon(sweep)})?", label)
    return fig


def sweep_chart(sweep, directory):
    """The sweep's pictures in ``directory``; return the file names written.

    A two-key grid gets three maps (P(each route beats the baseline), P(cheapest) per
    route, the recommendation); one key or a list of jobs gets a profile along it in
    ``sweep.png``. Jobs of the baseline alone get their costs (``sweep_costs``).
    """
    dims = [d for d in sweep.p_beats_prompt.dims if d != "challenger"]
    label = sweep_label(sweep, directory)
    if not sweep.sizes["challenger"]:
        drawn = [sweep_costs(sweep, dims, label)]
    elif sweep.attrs["layout"] == "grid" and len(dims) == 2:
        drawn = [sweep_heatmap(sweep, dims, label), sweep_cheapest(sweep, dims, label),
                 sweep_recommendation(sweep, dims, label)]
    else:
        drawn = [sweep_profile(sweep, dims, label)]
    for name, fig in zip(SWEEP_PICTURES, drawn, strict=False):
        save_png(fig, directory / name)
    return list(SWEEP_PICTURES[: len(drawn)])


__all__ = ["BASELINE", "NOT_YET_COLOR", "PANELS_ABREAST", "PROBABILITY_MAP", "SWEEP_PICTURES", "sweep_chart",
           "sweep_cheapest", "sweep_costs", "sweep_heatmap", "sweep_label", "sweep_profile", "sweep_recommendation",
           "sweep_route_styles"]
