"""A comparison written out: ``compare.md``, ``compare.html`` (self-contained) and
``compare.png``, published together into ``--out`` (all three or none)."""

from pathlib import Path

from sim.compare.comparison import NO_EFFECT, OUTPUTS, CompareError, label_of
from sim.io.files import WriteError, atomic_path, publishing
from sim.report.formats import usd, usd_change
from sim.report.html import code, literal, render_html


def _points(p):
    return f"{100 * p:+.2f} pts"


STATISTIC_TEXT = {
    "p_beats": "P(beats {baseline})",
    "mean_cost": "mean cost",
    "savings_p05": "5% quantile of savings",
    "savings_cvar05": "CVaR 5% of savings",
}


def statistic_text(statistic, baseline_label):
    """How the text names a statistic: ``P(beats prompting)``, ``mean cost``, ..."""
    return STATISTIC_TEXT[statistic].format(baseline=baseline_label)


def _value(statistic, value):
    return f"{value:.4f}" if statistic == "p_beats" else usd(value)


def _change(statistic, value, interval):
    form = _points if statistic == "p_beats" else usd_change
    shown = form(value)
    if value == 0 and interval is not None and interval[0] == interval[1] == 0:
        return "no change"
    if interval is None:
        return shown + " [no interval]"
    return f"{shown} [{form(interval[0])}, {form(interval[1])}]"


def route_notes(comparison):
    """Sentences on the routes not compared (only in A, only in B, one name of two kinds); [] if none."""
    notes = []
    for key, run in (("only_a", "A"), ("only_b", "B")):
        names = comparison.get(key) or []
        if names:
            notes.append(f"only in {run}, not compared: {', '.join(names)}")
    for name, kind_a, kind_b in comparison.get("other_kind") or []:
        notes.append(f"{name} is a {kind_a} route in A and a {kind_b} route in B, not compared")
    return notes


def _routes_table(comparison):
    baseline = comparison["baseline"]
    rows = []
    for name, route in comparison["routes"].items():
        shown = code(name) if route["label"] == name else f"{route['label']} ({code(name)})"
        rows.append([shown + (", the baseline" if name == baseline else ""), route["kind"],
                     literal(route["sheet_a"] or "—"), literal(route["sheet_b"] or "—"), "yes"])
    for name, route in comparison.get("unmatched", {}).items():
        kinds = [k for k in (route["kind_a"], route["kind_b"]) if k]
        why = "no: only in A" if not route["kind_b"] else "no: only in B" if not route["kind_a"] else "no: two kinds"
        rows.append([code(name), " in A, ".join(kinds) + (" in B" if len(kinds) == 2 else ""),
                     literal(route["sheet_a"] or "—"), literal(route["sheet_b"] or "—"), why])
    return ("table", ["route", "kind", "sheet in A", "sheet in B", "compared"], rows)


def blocks(comparison, picture):
    """The comparison as a list of blocks (heading, paragraph, table, picture) for Markdown and HTML."""
    h = comparison["horizon_months"]
    a, b = comparison["a"], comparison["b"]
    against = label_of(comparison, comparison["baseline"])
    out = [
        ("h1", "payback: comparison of two runs"),
        ("p", f"**{comparison['verdict']}**"),
        ("p", f"A: {code(a['path'])} — {literal(a['label'])}"),  # a user's text, shown as typed
        ("p", f"B: {code(b['path'])} — {literal(b['label'])}"),
        ("h2", "Routes"),
    ]
    notes = route_notes(comparison)
    out.append(("p", "Routes are matched by name; both runs compare with the baseline,"
                     f" {against}." + (f" The runs hold other routes: {'; '.join(notes)}." if notes else "")))
    out.append(_routes_table(comparison))
    out.append(("h2", "Inputs that differ (A → B)"))
    if comparison["inputs"]:
        out.append(("table", ["key", "A", "B"],
                    [[code(k) + (" (does not change the numbers)" if k in NO_EFFECT else ""), literal(va), literal(vb)]
                     for k, va, vb in comparison["inputs"]]))
    else:
        out.append(("p", "None: the two runs' resolved configurations are the same."))
    out += [("h2", f"Changes at the horizon ({h} months), B − A"),
            ("p", f"Money is USD, discounted to month 1; savings are against {against}, the baseline (positive:"
                  f" cheaper than {against}). P(beats {against}) changes are in percentage points.")]
    rows = [[statistic_text(r["statistic"], against), label_of(comparison, r["route"]),
             _value(r["statistic"], r["a"]), _value(r["statistic"], r["b"]),
             _change(r["statistic"], r["change"], r["ci95"]), r["interval"]]
            for r in comparison["changes"]]
    out.append(("table", ["statistic", "route", "A", "B", "B − A [95% CI]", "interval"], rows))
    rec = comparison["recommendation"]
    out.append(("p", f"Recommendation: A **{rec['a']['strategy']}**, B **{rec['b']['strategy']}**."))
    out.append(("p", _interval_note(comparison)))
    out.append(("h2", "Per scenario (paired)"))
    per = comparison["per_scenario"]
    if per is None:
        out.append(("p", f"Not paired: {comparison['pairing']}. The changes above combine each run's own"
                         " intervals as for independent runs."))
    else:
        out.append(("p", f"Both runs share their scenarios (common random numbers): compared on {comparison['pairing']}."
                         f" Intervals: {per['rule']}."))
        out.append(("table",
                    ["route", "mean of B − A [95% CI]", "P(B cheaper than A) [95% CI]", "P(B dearer)",
                     "unchanged", "B − A from … to"],
                    [[label_of(comparison, k), _change("mean_cost", s["mean"], s["mean_ci95"]),
                      f"{s['p_b_cheaper']:.4f} [{s['p_b_cheaper_ci95'][0]:.4f}, {s['p_b_cheaper_ci95'][1]:.4f}]",
                      f"{s['p_b_dearer']:.4f}", f"{s['p_unchanged']:.1%}", f"{usd(s['min'])} to {usd(s['max'])}"]
                     for k, s in per["routes"].items()]))
    out.append(("img", picture))
    return out


def _interval_note(comparison):
    if comparison["paired_all"]:
        method = ("the CLT on the saved rows' per-scenario differences over every scenario"
                  if comparison["per_scenario"]["rule"].startswith("plain") else
                  "the difference of the two runs' replicate totals, replicate by replicate (Student's t)")
        return ("Interval **paired**: the runs share every scenario, so the change of a mean or probability takes"
                f" {method}. Interval **independent**: each run's own interval combined as for independent"
                " estimates (Newcombe/MOVER); for quantiles and CVaR this ignores the shared scenarios and"
                " errs wide.")
    return ("Intervals combine each run's own 95% interval as for independent estimates (Newcombe/MOVER,"
            " `sim.stats.intervals.independent_difference_interval`)"
            + ("" if comparison["paired"] else f"; the runs share no scenarios: {comparison['pairing']}")
            + (". The runs share their first scenarios but not their count, so only the per-scenario"
               " comparison below is paired." if comparison["paired"] else "."))


def markdown(items):
    lines = []
    for kind, *content in items:
        if kind == "h1":
            lines += [f"# {content[0]}", ""]
        elif kind == "h2":
            lines += [f"## {content[0]}", ""]
        elif kind == "p":
            lines += [content[0], ""]
        elif kind == "table":
            header, rows = content
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + " --- |" * len(header))
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
            lines.append("")
        elif kind == "img":
            lines += [f"![{content[0]['alt']}]({content[0]['name']})", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- picture

ROW = 0.2  # a row's half-height for A and B: A above, B below


def picture(comparison):
    """One row per route both runs hold, in its colour: P(beats the baseline) of A (hollow) and
    B (filled), and the change of its mean cost B − A, each with its 95% interval (a run of
    the baseline alone: its change of cost only).

    Returns PNG bytes.
    """
    from sim.report.figures import add_heading, new_figure, png_bytes

    routes, baseline = comparison["routes"], comparison["baseline"]
    order = [baseline] + [k for k in routes if k != baseline]
    n = len(order)
    height = max(3.2 if n == 1 else 4.0, 0.58 * n + 2.5)
    if n == 1:
        fig, right = new_figure(8.0, height)
        axes = (right,)
    else:
        fig, axes = new_figure(12.0, height, ncols=2, sharey=True, width_ratios=(1.15, 1))
        _p_beats_panel(axes[0], comparison, order)
        right = axes[1]
    _cost_panel(right, comparison, order)
    axes[0].set_yticks([-i for i in range(n)], [routes[k]["label"] + ("\n(baseline)" if k == baseline else "")
                                                for k in order], fontsize=9)
    for tick, k in zip(axes[0].get_yticklabels(), order, strict=True):
        tick.set_color(routes[k]["colour"])
    axes[0].set_ylim(-(n - 1) - 0.6, 0.6)
    a = comparison["a"]
    # a route only one run holds is named once, in the notes, not by each of its keys
    unmatched = tuple(f"routes.{name}." for name in comparison.get("unmatched", {}))
    differing = ", ".join(f"{k}: {va} → {vb}" for k, va, vb in comparison["inputs"]
                          if k not in NO_EFFECT and not k.startswith(unmatched))
    parts = [differing] if differing else [] if route_notes(comparison) else ["no input differs"]
    add_heading(fig, comparison["verdict"], f"A → B: {'; '.join(parts + route_notes(comparison))}  ({a['label']})")
    return png_bytes(fig)


def _p_beats_panel(ax, comparison, order):
    # P(cheaper than the baseline) of each other route, A hollow above B filled
    routes = comparison["routes"]
    against = routes[order[0]]["label"]
    p = {r["route"]: r for r in comparison["changes"] if r["statistic"] == "p_beats"}
    for i, k in enumerate(order[1:], start=1):
        row, colour = p[k], routes[k]["colour"]
        for run, offset in (("a", ROW), ("b", -ROW)):
            estimate, bounds = row[run], row[f"ci95_{run}"]
            ax.errorbar([estimate], [-i + offset],
                        xerr=None if bounds is None else [[estimate - bounds[0]], [bounds[1] - estimate]],
                        fmt="o", color=colour, markerfacecolor=colour if run == "b" else "white",
                        capsize=3, markersize=6.5)
            text = f"{run.upper()} {estimate:.1%}" + (f" ({_change('p_beats', row['change'], row['ci95'])})"
                                                      if run == "b" else "")
            # beyond the middle the text goes left of the dot, so that it stays inside
            high = estimate > 0.5
            end = bounds[0] if bounds is not None and high else estimate
            ax.annotate(text, (end, -i + offset), xytext=(-8 if high else 8, 0), textcoords="offset points",
                        va="center", ha="right" if high else "left", fontsize=8, gid=f"p_beats.{k}.{run}")
    ax.text(0.5, 0, "the baseline, which every other route is set against", ha="center", va="center",
            fontsize=8.5, color="#555555", style="italic")
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    widest = max((r[f"ci95_{run}"][1] - r[f"ci95_{run}"][0] for r in p.values() for run in ("a", "b")
                  if r[f"ci95_{run}"] is not None), default=1.0)
    ax.set_title(f"P(cheaper than {against} within {comparison['horizon_months']} months)\n"
                 "A hollow above, B filled below; 95% intervals"
                 + (" (narrower than the dots)" if widest < 0.015 else ""), fontsize=9.5)
    ax.grid(axis="x", alpha=0.3)


def _cost_panel(ax, comparison, order):
    # each route's change of mean cost, and beside the axes what it is and how often B is cheaper
    from matplotlib.ticker import MaxNLocator

    routes, per = comparison["routes"], comparison["per_scenario"]
    cost = {r["route"]: r for r in comparison["changes"] if r["statistic"] == "mean_cost"}
    span = max([abs(v) for r in cost.values() for v in ([r["change"]] + list(r["ci95"] or []))] + [1.0])
    for i, k in enumerate(order):
        row, bounds = cost[k], cost[k]["ci95"]
        ax.errorbar([row["change"]], [-i],
                    xerr=None if bounds is None else [[row["change"] - bounds[0]], [bounds[1] - row["change"]]],
                    fmt="o", color=routes[k]["colour"], capsize=4, markersize=7)
        text = _change("mean_cost", row["change"], bounds)
        if per is not None:
            s = per["routes"][k]
            text = (f"{text}\nB cheaper in {s['p_b_cheaper']:.0%}, dearer in {s['p_b_dearer']:.0%} of scenarios"
                    if s["p_unchanged"] < 1 else "the same in every scenario")
        # a column of its own right of the axes: at 8 routes a text beside each dot hid its neighbours'
        ax.annotate(text, (1.02, -i), xycoords=("axes fraction", "data"), va="center", ha="left",
                    fontsize=8, gid=f"mean_cost.{k}")
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlim(-1.15 * span, 1.15 * span)
    ax.xaxis.set_major_formatter(lambda v, _: usd_change(v) if v else "0")
    ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
    how = "paired" if comparison["paired_all"] else "independent"
    widest = max((r["ci95"][1] - r["ci95"][0] for r in cost.values() if r["ci95"] is not None), default=span)
    ax.set_title(f"Change of mean cost, B − A (USD, discounted)\n{how} 95% intervals"
                 + (" (narrower than the dots)" if widest < 0.02 * span else ""), fontsize=9.5)
    ax.grid(axis="x", alpha=0.3)


# ---------------------------------------------------------------- files and CLI

def write(comparison, out_dir, *, overwrite=False):
    """Write compare.md, compare.html and compare.png into ``out_dir``; return the paths replaced.

    The three are published together (``sim.io.files.publishing``): an interrupt or a
    full disk leaves an earlier comparison whole. ``out_dir`` is held
    (``.payback.lock``) until this process ends: a second comparison into it at
    once is refused, never a silent replacement.

    Raises
    ------
    CompareError
        When one of them exists and ``overwrite`` is false (nothing is written),
        ``out_dir`` cannot be used, or another comparison writes into it.
    """
    from sim.io.directories import LockRefused, lock_directory

    out_dir = Path(out_dir)
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise CompareError(f"--out: {out_dir} is a file, not a directory")
    except OSError as error:  # a name too long
        raise CompareError(f"--out: cannot use {out_dir} ({error.strerror or error})") from None
    try:
        lock_directory(out_dir, "--out", "another comparison")
    except LockRefused as error:
        raise CompareError(str(error)) from None
    existing = [out_dir / name for name in OUTPUTS if (out_dir / name).exists()]
    if existing and not overwrite:
        raise CompareError(f"{existing[0]} exists; name another --out directory, or add --overwrite to replace"
                           f" {', '.join(p.name for p in existing)}")
    png = picture(comparison)
    text = markdown(blocks(comparison, {"name": "compare.png", "alt": comparison["verdict"]}))
    files = (("compare.png", png), ("compare.md", text.encode()),
             ("compare.html", render_html(text, {"compare.png": png}, "payback: comparison of two runs").encode()))
    try:
        with publishing(", ".join(str(out_dir / name) for name in OUTPUTS)):
            for name, data in files:
                with atomic_path(out_dir / name) as temporary:
                    temporary.write_bytes(data)
    except WriteError as error:
        raise CompareError(str(error)) from None
    return existing


__all__ = ["STATISTIC_TEXT", "blocks", "markdown", "picture", "write"]
