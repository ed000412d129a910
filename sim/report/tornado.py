"""The tornado of the fixed inputs in the report: a picture with a panel per challenger and a
table per challenger in report.md (``drivers.<route>.fixed_inputs``, ``sim.simulation.tornado``)."""

import numpy as np
from matplotlib.patches import Patch
from matplotlib.lines import Line2D

from sim.inputs.schema import input_metadata
from sim.inputs.static import metadata_of
from sim.report.figures import FIGSIZE, add_heading, new_figure, place_under_legend
from sim.report.formats import amount, usd, usd_change

PICTURE = "fixed_inputs.png"
TOP = 8  # bars a panel; the table lists every row
LOW_COLOUR, HIGH_COLOUR = "#E69F00", "#0072B2"  # the input lowered, raised (Okabe & Ito)


def _unit(key):
    try:
        return metadata_of(key, input_metadata())["unit"]
    except KeyError:  # a key a later version added: its bare number
        return ""


def _value(row, name):
    unit = _unit(row["input"])
    return amount(row[name], unit) if unit else f"{row[name]:g}"


def _short(key, most=46):
    # a long sheet's name cut in its middle: the field it names stays whole
    if len(key) <= most:
        return key
    head, field = key.rsplit(".", 1)
    return f"{head[: max(most - len(field) - 2, 8)]}….{field}"


def _bare(row, name):
    # the number without its unit, which the value beside it states
    unit = _unit(row["input"])
    if unit.startswith("USD"):
        return usd(row[name])
    return (amount(row[name], unit) if unit else f"{row[name]:g}").split(" ")[0]


def _scenarios(basis):
    n = basis["scenarios"]
    return f"{n:,} scenario{'' if n == 1 else 's'}"


def _basis(summary):
    found = [d["fixed_inputs_basis"] for d in summary["drivers"].values() if d.get("fixed_inputs_basis")]
    return found[0] if found else None


def has_tornado(summary):
    """Whether a summary holds a tornado of the fixed inputs with at least one row."""
    return any(d.get("fixed_inputs") for d in summary.get("drivers", {}).values())


def fixed_inputs_tornado(summary, top=TOP):
    """Expected savings with each fixed input lowered and raised by the step, one panel per
    challenger: bars from the point (every input at its value) to each side, USD."""
    from sim.report.routes import summary_labels

    labels, against = summary_labels(summary)
    step = _basis(summary)["step"]
    shown = {k: d.get("fixed_inputs", [])[:top] for k, d in summary["drivers"].items()}
    heights = [max(len(rows), 2) + 1.2 for rows in shown.values()]
    fig, axes = new_figure(FIGSIZE[0] * 1.45, 0.5 * sum(heights) + 2.2, layout=None, nrows=len(shown),
                           squeeze=False, gridspec_kw={"height_ratios": heights})
    axes = axes[:, 0]
    for ax, k in zip(axes, shown, strict=True):
        rows, basis = shown[k], summary["drivers"][k].get("fixed_inputs_basis")
        title = f"{labels[k]} vs {against}"
        if basis is None or not rows:
            ax.set_title(title, fontsize=11, loc="left")
            ax.set_yticks([])
            ax.text(0.5, 0.5, "No input given as a number moves this route's savings.", transform=ax.transAxes,
                    ha="center", va="center", fontsize=9)
            continue
        point = basis["savings"]
        ax.set_title(f"{title}: expected savings {usd(point)} with every input at its value", fontsize=11, loc="left")
        y = np.arange(len(rows))[::-1]
        for side, colour in (("savings_low", LOW_COLOUR), ("savings_high", HIGH_COLOUR)):
            ends = np.array([row[side] for row in rows])
            ax.barh(y, ends - point, left=point, height=0.6, color=colour, zorder=2)
        ax.axvline(point, color="black", linewidth=1, zorder=3)
        span = max(max(abs(r["savings_low"] - point), abs(r["savings_high"] - point)) for r in rows) or 1.0
        ax.set_xlim(point - 1.45 * span, point + 1.45 * span)
        for i, row in zip(y, rows, strict=True):
            for side in ("savings_low", "savings_high"):
                change = row[side] - point
                if change:  # the change in savings at the bar's end, outside it
                    ax.annotate(("+" if change > 0 else "-") + usd(abs(change)), xy=(row[side], i),
                                xytext=(4 if change > 0 else -4, 0), textcoords="offset points", va="center",
                                ha="left" if change > 0 else "right", fontsize=8)
        ax.xaxis.set_major_formatter(lambda x, _: usd(x))
        ax.set_yticks(y, [""] * len(rows))
        # labels as texts, not tick labels: a "$" pair in a tick label would be read as mathtext
        for i, row in zip(y, rows, strict=True):
            label = (f"{_short(row['input'])}\n{_value(row, 'value')}"
                     f" (-{step:.0%}: {_bare(row, 'low')}, +{step:.0%}: {_bare(row, 'high')})")
            ax.text(-0.015, i, label, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=8,
                    parse_math=False, gid="fixed_input")
        ax.set_ylim(-0.6, len(rows) - 0.4)
        more = len(summary["drivers"][k]["fixed_inputs"]) - len(rows)
        what = (f"expected savings against {against} at month {summary['horizon_months']} "
                f"(first {_scenarios(basis)}, the rest of the inputs as drawn)")
        ax.set_xlabel(what + (f"\n{more} smaller effect(s) not shown" if more > 0 else ""), fontsize=9)
        ax.grid(alpha=0.3, axis="x")
    handles = [Patch(color=LOW_COLOUR, label=f"input {step:.0%} lower"),
               Patch(color=HIGH_COLOUR, label=f"input {step:.0%} higher"),
               Line2D([], [], color="black", linewidth=1, label="every input at its value")]
    legend = axes[0].legend(handles=handles, loc="upper left", ncols=3, fontsize=8, frameon=False, borderaxespad=0)
    heading = add_heading(fig, "Which fixed inputs move each route's savings most?", summary["run"]["label"])
    place_under_legend(fig, axes, heading, legend, "fixed_input")
    return fig


def fixed_inputs_section(summary, labels, against, plots="plots"):
    """report.md's section on the fixed inputs: the picture (in ``plots``) and a table per challenger
    (Markdown lines)."""
    if not has_tornado(summary):
        return []
    basis = _basis(summary)
    lines = ["## Fixed inputs", "",
             f"Each input given as a number, {basis['step']:.0%} lower and higher, the rest as drawn: the expected "
             f"savings against {against} (discounted, at the horizon) on the run's first {_scenarios(basis)}, "
             "the same ones on each side. Inputs valued 0 are left out; whole numbers are rounded.",
             "", f"![Fixed inputs]({plots}/{PICTURE})", ""]
    for k, drivers in summary["drivers"].items():
        rows, own = drivers.get("fixed_inputs") or [], drivers.get("fixed_inputs_basis")
        if not rows:
            continue
        point = own["savings"]
        lines += [f"**{labels.get(k, k)}**: expected savings {usd(point)} with every input at its value; the change"
                  " with the input lower and higher:", "",
                  "| input | value | lower | change in savings | higher | change in savings |",
                  "| --- | --- | --- | --- | --- | --- |"]
        lines += [f"| `{row['input']}` | {_value(row, 'value')} | {_value(row, 'low')} |"
                  f" {usd_change(row['savings_low'] - point)} | {_value(row, 'high')} |"
                  f" {usd_change(row['savings_high'] - point)} |" for row in rows]
        lines.append("")
    return lines


__all__ = ["PICTURE", "fixed_inputs_section", "fixed_inputs_tornado", "has_tornado"]
