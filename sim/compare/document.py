"""A comparison written out: ``compare.md``, ``compare.html`` (self-contained) and
``compare.png``, published together into ``--out`` (all three or none)."""

from pathlib import Path

from sim.compare.comparison import CHALLENGERS, NO_EFFECT, OUTPUTS, STRATEGIES, CompareError
from sim.io.files import WriteError, atomic_path, publishing
from sim.report.formats import usd, usd_change
from sim.report.html import code, literal, render_html
from sim.results.summary import STRATEGY_NAMES

def _points(p):
    return f"{100 * p:+.2f} pts"


STATISTIC_TEXT = {
    "p_beats": "P(beats prompting)",
    "mean_cost": "mean cost",
    "savings_p05": "5% quantile of savings",
    "savings_cvar05": "CVaR 5% of savings",
}


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


def blocks(comparison, picture):
    """The comparison as a list of blocks (heading, paragraph, table, picture) for Markdown and HTML."""
    h = comparison["horizon_months"]
    a, b = comparison["a"], comparison["b"]
    out = [
        ("h1", "payback: comparison of two runs"),
        ("p", f"**{comparison['verdict']}**"),
        ("p", f"A: {code(a['path'])} — {literal(a['label'])}"),  # a user's text, shown as typed
        ("p", f"B: {code(b['path'])} — {literal(b['label'])}"),
        ("h2", "Inputs that differ (A → B)"),
    ]
    if comparison["inputs"]:
        out.append(("table", ["key", "A", "B"],
                    [[code(k) + (" (does not change the numbers)" if k in NO_EFFECT else ""), literal(va), literal(vb)]
                     for k, va, vb in comparison["inputs"]]))
    else:
        out.append(("p", "None: the two runs' resolved configurations are the same."))
    out += [("h2", f"Changes at the horizon ({h} months), B − A"),
            ("p", "Money is USD, discounted to month 1; savings are against prompting (positive: cheaper than"
                  " prompting). P(beats prompting) changes are in percentage points.")]
    rows = [[STATISTIC_TEXT[r["statistic"]], STRATEGY_NAMES[r["strategy"]], _value(r["statistic"], r["a"]),
             _value(r["statistic"], r["b"]), _change(r["statistic"], r["change"], r["ci95"]), r["interval"]]
            for r in comparison["changes"]]
    out.append(("table", ["statistic", "strategy", "A", "B", "B − A [95% CI]", "interval"], rows))
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
                    ["strategy", "mean of B − A [95% CI]", "P(B cheaper than A) [95% CI]", "P(B dearer)",
                     "unchanged", "B − A from … to"],
                    [[STRATEGY_NAMES[k], _change("mean_cost", s["mean"], s["mean_ci95"]),
                      f"{s['p_b_cheaper']:.4f} [{s['p_b_cheaper_ci95'][0]:.4f}, {s['p_b_cheaper_ci95'][1]:.4f}]",
                      f"{s['p_b_dearer']:.4f}", f"{s['p_unchanged']:.1%}", f"{usd(s['min'])} to {usd(s['max'])}"]
                     for k, s in per["strategies"].items()]))
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

def picture(comparison):
    """P(beats prompting) A against B, and each strategy's mean cost change B − A, with 95% intervals.

    Returns PNG bytes.
    """
    from matplotlib.ticker import MaxNLocator

    from sim.report.figures import add_heading, new_figure, png_bytes
    from sim.report.pictures import COLORS

    fig, (left, right) = new_figure(10.0, 4.6, ncols=2, width_ratios=(1, 1.25))
    p = {(r["strategy"]): r for r in comparison["changes"] if r["statistic"] == "p_beats"}
    rows = {"a": 0.15, "b": -0.15}
    for y, k in enumerate(CHALLENGERS):
        row = p[k]
        for run, offset in rows.items():
            estimate = row[run]
            bounds = row[f"ci95_{run}"]
            filled = run == "b"
            left.errorbar([estimate], [-y + offset],
                          xerr=None if bounds is None else [[estimate - bounds[0]], [bounds[1] - estimate]],
                          fmt="o", color=COLORS[k], markerfacecolor=COLORS[k] if filled else "white",
                          capsize=3, markersize=7)
            text = f"{run.upper()} {estimate:.1%}" + (f" ({_change('p_beats', row['change'], row['ci95'])})"
                                                      if run == "b" else "")
            left.annotate(text, (estimate, -y + offset), xytext=(8, 0),
                          textcoords="offset points", va="center", fontsize=8.5)
    left.set_yticks([0, -1], [STRATEGY_NAMES[k] for k in CHALLENGERS])
    left.set_ylim(-1.6, 0.6)
    left.set_xlim(0, 1)
    left.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    widest = max((r[f"ci95_{run}"][1] - r[f"ci95_{run}"][0] for r in p.values() for run in rows
                  if r[f"ci95_{run}"] is not None), default=0.0)
    left.set_title(f"P(cheaper than prompting within {comparison['horizon_months']} months)\n"
                   "A hollow, B filled; 95% intervals" + (", narrower than the dots" if widest < 0.015 else ""),
                   fontsize=9.5)
    left.grid(axis="x", alpha=0.3)

    per = comparison["per_scenario"]
    cost = {r["strategy"]: r for r in comparison["changes"] if r["statistic"] == "mean_cost"}
    labels = []
    for y, k in enumerate(STRATEGIES):
        row = cost[k]
        bounds = row["ci95"]
        right.errorbar([row["change"]], [-y],
                       xerr=None if bounds is None else [[row["change"] - bounds[0]], [bounds[1] - row["change"]]],
                       fmt="o", color=COLORS[k], capsize=4, markersize=7)
        text = f"{STRATEGY_NAMES[k]}\n{_change('mean_cost', row['change'], bounds)}"
        if per is not None:
            s = per["strategies"][k]
            text += f"\nB cheaper in {s['p_b_cheaper']:.0%},\ndearer in {s['p_b_dearer']:.0%} of scenarios"
        labels.append(text)
    right.axvline(0, color="black", linewidth=1)
    span = max([abs(v) for r in cost.values() for v in ([r["change"]] + list(r["ci95"] or []))] + [1.0])
    right.set_xlim(-1.15 * span, 1.15 * span)
    right.xaxis.set_major_formatter(lambda v, _: usd_change(v) if v else "0")
    right.set_yticks([0, -1, -2], labels, fontsize=8.5)
    right.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
    right.set_ylim(-2.6, 0.7)
    how = "paired" if comparison["paired_all"] else "independent"
    widest = max((r["ci95"][1] - r["ci95"][0] for r in cost.values() if r["ci95"] is not None), default=0.0)
    right.set_title(f"Change of mean cost, B − A (USD, discounted)\n{how} 95% intervals"
                    + (", narrower than the dots" if widest < 0.02 * span else ""), fontsize=9.5)
    right.grid(axis="x", alpha=0.3)
    a = comparison["a"]
    differing = ", ".join(f"{k}: {va} → {vb}" for k, va, vb in comparison["inputs"] if k not in NO_EFFECT)
    add_heading(fig, comparison["verdict"], f"A → B: {differing or 'no input differs'}  ({a['label']})")
    return png_bytes(fig)


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
