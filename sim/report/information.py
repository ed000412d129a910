"""What would change the answer, in money: the report's section and picture of the value of
partial information (``value_of_information`` and ``thresholds`` of the summary)."""

import textwrap

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from sim.inputs.routes import route_label
from sim.inputs.schema import input_metadata
from sim.inputs.static import metadata_of
from sim.report.figures import FIGSIZE, add_heading, new_figure, place_axes, size_inches
from sim.report.formats import amount, usd, with_interval

PICTURE = "value_of_information.png"
TOP = 12  # inputs shown in the picture


def ranked(summary, top=None):
    """``[(key, {evppi, ci95}, thresholds)]``: the drawn inputs by EVPPI, largest first
    (ties by name), the first ``top``."""
    inputs = summary["value_of_information"]["inputs"]
    order = sorted(inputs, key=lambda k: (-inputs[k]["evppi"], k))[:top]
    return [(k, inputs[k], summary["thresholds"].get(k, [])) for k in order]


def switches(found, unit, labels):
    """Where the cheapest route on average changes, in words: "to RAG above 88%; to prompting above 95%"."""
    return "; ".join(f"to {labels.get(t['to'], t['to'])} above {amount(t['value'], unit)}" for t in found)


def _labels(summary):
    return {name: route_label(name, route["kind"]) for name, route in summary["routes"].items()}


def _unit(key):
    return metadata_of(key, input_metadata())["unit"] if "." in key else ""


def information_section(results, summary, plots="plots", drawn=()):
    """report.md's "What would change the answer, in money": a table of each drawn input's
    EVPPI with its interval and thresholds, the groups, and the picture (Markdown lines)."""
    information = summary.get("value_of_information")
    if not information or not information["inputs"] or len(summary["routes"]) < 2:
        return []  # nothing drawn, or no choice to make
    labels = _labels(summary)
    lines = ["## What would change the answer, in money", "",
             "The expected value of partial perfect information (EVPPI) of an uncertain input: how much lower the"
             " expected cost would be if the input were known before choosing the route, the rest still uncertain"
             f" (at most the EVPI, {usd(information['evpi'])}). Estimated by regressing each route's cost on the"
             " input over the run's scenarios; the interval from 20 disjoint batches of them. The switch: where"
             " the route of lowest expected cost changes as the input moves, the rest still uncertain (shown where"
             " the EVPPI's interval excludes 0).", "",
             "| input | EVPPI [95% CI] | the cheapest route on average switches |", "| --- | --- | --- |"]
    for key, value, found in ranked(summary):
        lines.append(f"| `{key}` | {with_interval(value['evppi'], value['ci95'], _usd)} |"
                     f" {switches(found, _unit(key), labels) or '—'} |")
    for name, group in information["groups"].items():
        members = ", ".join(f"`{k}`" for k in group["inputs"])
        together = " together" if len(group["inputs"]) > 1 else ""
        lines.append(f"| {name}: {members}{together} | {with_interval(group['evppi'], group['ci95'], _usd)} | |")
    lines.append("")
    if PICTURE in drawn:  # the pictures' registry (sim.report.pictures.drawable) imports this module
        lines += [f"![What is it worth to know each input before choosing?]({plots}/{PICTURE})", ""]
    return lines


def _usd(value, digits=3):
    return usd(value, digits=digits)


def value_of_information_picture(summary, top=TOP):
    """The inputs by EVPPI (USD) with their 95% intervals, the EVPI as a reference line, each
    bar with the values at which the cheapest route on average changes."""
    information = summary["value_of_information"]
    # an input worth nothing has no bar to show; the axis label counts them
    rows = [row for row in ranked(summary, top) if row[1]["evppi"] > 0.0]
    groups = list(information["groups"].items())
    labels = _labels(summary)
    count = max(len(rows) + len(groups), 1)
    fig, ax = new_figure(FIGSIZE[0] * 1.45, 0.42 * max(count, 3) + 2.0, layout=None)
    names, values, intervals, notes, colours = [], [], [], [], []
    for name, group in groups:
        together = " (together)" if len(group["inputs"]) > 1 else ""
        names.append(f"{name}{together}\n" + textwrap.shorten(" + ".join(group["inputs"]), 60, placeholder="…"))
        values.append(group["evppi"])
        intervals.append(group["ci95"])
        notes.append("")
        colours.append("#9467bd")
    for key, value, found in rows:
        description = textwrap.shorten(metadata_of(key, input_metadata())["description"].split(":")[0], 48,
                                       placeholder="…")
        names.append(f"{description}\n{key}")
        values.append(value["evppi"])
        intervals.append(value["ci95"])
        notes.append(("switches " + switches(found, _unit(key), labels)) if found else "")
        colours.append("#1f77b4")
    y = np.arange(len(names))[::-1]
    if not names:
        ax.text(0.5, 0.5, "No input, alone or in a group, is worth anything to know before choosing:\n"
                "whatever its value, the same route has the lowest expected cost.", transform=ax.transAxes,
                ha="center", va="center", fontsize=9, gid="nothing")
    values = np.array(values)
    ax.barh(y, values, color=colours, height=0.6, gid="evppi")
    for yi, value, bounds, note in zip(y, values, intervals, notes):
        if bounds is not None:
            ax.plot(bounds, [yi, yi], color="black", linewidth=1.2, marker="|", markersize=9)
        right = max(value, bounds[1] if bounds is not None else value)
        text = usd(value) + (f"  {note}" if note else "")
        # parse_math off: two amounts in USD would read as mathtext between their dollar signs
        ax.annotate(text, (right, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8.5,
                    gid="switches" if note else None, parse_math=False)
    evpi = information["evpi"]
    ax.axvline(evpi, color="#d62728", linestyle="--", linewidth=1.2)
    ax.set_yticks(y, names, fontsize=8.5)
    ax.set_ylim(-0.7, count - 0.3)
    ax.set_xlim(0, max(evpi, *(b[1] for b in intervals if b is not None), 1e-9) * 1.05)
    ax.xaxis.set_major_formatter(FuncFormatter(usd))
    ax.grid(alpha=0.3, axis="x")
    worthless = sum(value["evppi"] == 0.0 for value in information["inputs"].values())
    shown = f"{len(rows)} of {len(information['inputs'])} uncertain inputs"
    if worthless:
        shown += f"; {worthless} worth $0 (cannot change the choice alone) not shown"
    ax.set_xlabel(f"EVPPI: expected cost saved by knowing the input before choosing (USD, discounted)\n{shown}",
                  fontsize=9)
    handles = [Line2D([], [], color="#d62728", linestyle="--", label=f"EVPI {usd(evpi)}: knowing everything"),
               Line2D([], [], color="black", marker="|", markersize=9, label="95% interval (batches of scenarios)")]
    if groups:
        handles.insert(0, Line2D([], [], color="#9467bd", linewidth=6, label="a group known together"))
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True, framealpha=0.9)
    heading = add_heading(fig, "What is it worth to know each input before choosing?", summary["run"]["label"])
    place_axes(fig, [ax], heading)
    # the axis reaches far enough for each note beside its bar: a note starting at x and w
    # inches wide ends inside axes W inches wide when the axis ends at x / (1 - w / W) or beyond
    width = ax.get_position().width * fig.get_figwidth()
    ends = [t.xy[0] / (1 - min((size_inches(fig, t)[0] + 8 / 72) / width, 0.9))
            for t in ax.texts if t.get_gid() != "nothing"]
    ax.set_xlim(0, max([ax.get_xlim()[1], *ends]))
    return fig
