"""Compare two runs: ``python -m sim.compare RUN_A RUN_B`` (also ``payback-compare``).

Which inputs differ, and for each strategy the change from A to B in P(beats
prompting), mean cost, the 5% quantile and CVaR of savings, and the recommendation,
each with a 95% interval. Writes ``compare.md``, ``compare.html`` (self-contained)
and ``compare.png`` into ``--out`` (the current directory by default).

Two runs share their scenarios (common random numbers) when scenario i of each is
drawn from the same random numbers: the same seed and sampling method, the same
correlations, and under a Sobol net the same drawn inputs (the net's dimensions).
Then the comparison is paired: each strategy's cost is compared scenario by scenario
on the rows both ``results.nc`` hold, and the changes of means and probabilities get
the interval of the per-scenario differences. Otherwise (or for quantiles and CVaR)
each run's own intervals are combined as for independent estimates
(``sim.stats.intervals.independent_difference_interval``).
"""


import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from kernels.layout import TIE_USD
from sim.report.formats import usd, usd_change
from sim.stats.intervals import independent_difference_interval, mean_interval, replicate_interval
from sim.stats.precision import probability_interval
from sim.report.html import code, literal, render_html
from sim.io.signals import pause_point
from sim.io.files import UnreadableRun, WriteError, atomic_path, publishing, read_run
from sim.results.summary import STRATEGY_NAMES, drawn_inputs
from sim.io.text import shown

STRATEGIES = ("prompt", "finetune", "rag")
CHALLENGERS = ("finetune", "rag")
OUTPUTS = ("compare.md", "compare.html", "compare.png")
# Keys that change how a run is made, not its numbers.
NO_EFFECT = ("report", "threads", "overwrite", "memory_limit_gb")


class CompareError(Exception):
    """Two runs that cannot be compared, or files that cannot be written; one line."""


@dataclass
class Run:
    """A run read back: its directory, ``results.nc`` and the summary embedded in it."""

    path: Path
    results: object  # xarray.Dataset
    summary: dict

    @property
    def scenarios(self):
        return int(self.results.attrs["scenarios"])

    @property
    def rows(self):
        return int(self.results.sizes.get("scenario", 0))


def load(run_dir):
    """Read a run directory's ``results.nc`` and summary.

    Raises
    ------
    CompareError
        When ``run_dir`` holds no ``results.nc`` or one that is not a readable
        payback results file (truncated, empty, another program's).
    """
    try:
        results, summary = read_run(run_dir)
    except UnreadableRun as error:
        raise CompareError(str(error)) from None
    return Run(Path(run_dir), results, summary)


def check_comparable(a, b):
    """Refuse runs of different horizons or models (``CompareError``, one line)."""
    ha, hb = int(a.results.attrs["horizon_months"]), int(b.results.attrs["horizon_months"])
    if ha != hb:
        raise CompareError(f"horizons differ: A runs {ha} months, B {hb}; compare runs of one horizon")
    va, vb = (r.results.attrs.get("model_version") for r in (a, b))
    if va != vb:
        shown = [f"version {v}" if v else "no version (written before versions were recorded)" for v in (va, vb)]
        raise CompareError(f"models differ: A records model {shown[0]}, B {shown[1]}; rerun the older one")


def _flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _shown(value):
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(", ", ": "))
    return str(value)


def config_differences(a, b):
    """The resolved configurations' keys whose values differ: ``[(key, A, B), ...]``, text."""
    flat = [_flatten(OmegaConf.to_container(OmegaConf.create(r.results.attrs["config"]))) for r in (a, b)]
    keys = list(flat[0]) + [k for k in flat[1] if k not in flat[0]]
    missing = object()
    return [(k, _shown(flat[0].get(k)) if k in flat[0] else "(absent)",
             _shown(flat[1].get(k)) if k in flat[1] else "(absent)")
            for k in keys if flat[0].get(k, missing) != flat[1].get(k, missing)]


def pairing(a, b):
    """Whether scenario i of A and of B come from the same random numbers.

    Scenarios run in blocks of 8,192 whose streams are children of the seed, one
    stream per random component (``sim.simulation.sampling``): scenario i's draws depend on
    the seed, the sampling method, the correlations (their shuffles) and, under a
    Sobol net, on which inputs are drawn (the net's dimensions). A Latin hypercube's
    last replicate depends on its size too (its strata); a Sobol run's last replicate
    is the first points of the whole replicate's net, the same in a longer run.

    Returns
    -------
    (int, str)
        The leading rows both runs hold that pair, and why none do (0 rows) or what
        limits them.
    """
    attrs = a.results.attrs, b.results.attrs
    if int(attrs[0]["seed"]) != int(attrs[1]["seed"]):
        return 0, f"the seeds differ ({attrs[0]['seed']} and {attrs[1]['seed']}): no scenario is shared"
    methods = [x.get("sampling", "mc") for x in attrs]
    if methods[0] != methods[1]:
        return 0, f"the sampling methods differ ({methods[0]} and {methods[1]}): no scenario is shared"
    configs = [OmegaConf.create(x["config"]) for x in attrs]
    if OmegaConf.select(configs[0], "correlations") != OmegaConf.select(configs[1], "correlations"):
        return 0, "the correlations differ: the inputs' draws are paired differently in each run"
    drawn = [drawn_inputs(r.results) for r in (a, b)]
    if methods[0] == "sobol" and drawn[0] != drawn[1]:
        only = sorted(set(drawn[0]) ^ set(drawn[1]))
        return 0, (f"the drawn inputs differ ({', '.join(only)}): the Sobol nets have other dimensions,"
                   " so no scenario is shared")
    rows = min(a.rows, b.rows)
    if rows < 2:
        return 0, "a run saved fewer than two per-scenario rows (saved_scenarios)"
    note = f"the first {rows:,} scenarios, the rows both results.nc hold"
    if methods[0] == "lhs" and a.scenarios != b.scenarios:
        # a hypercube cut short by the run's end has other strata: keep whole replicates
        whole = min(a.scenarios, b.scenarios) // _replicate_size(a) * _replicate_size(a)
        if whole < rows:
            rows, note = whole, f"the first {whole:,} scenarios (whole replicates of both runs)"
    return rows, note


def _costs(run, rows):
    """float[rows, 3]: the first ``rows`` scenarios' horizon costs (USD), in ``STRATEGIES`` order."""
    return run.results.cost.transpose("scenario", "strategy").sel(strategy=list(STRATEGIES)).values[:rows]


def _replicate_size(run):
    # the run's replicate (sim.simulation.sampling.REPLICATE, read from its totals: importing
    # sim.simulation.sampling would load the kernels)
    return int(run.results.replicate_totals.sel(total="scenarios").values.max())


def _replicate_groups(run, rows):
    """Replicate index of each of the first ``rows`` scenarios, and how many groups."""
    sizes = run.results.replicate_totals.sel(total="scenarios").values
    ends = np.cumsum(sizes)
    group = np.searchsorted(ends, np.arange(rows), side="right")
    return group, int(group[-1]) + 1


def _ratio_interval(values, group, groups):
    # a mean over scenarios as a ratio of replicate totals (sim.stats.intervals.replicate_interval)
    sums = np.bincount(group, weights=values, minlength=groups)
    sizes = np.bincount(group, minlength=groups).astype(float)
    estimate, low, high = replicate_interval(sums, sizes)
    return float(estimate), [float(low), float(high)]


def per_scenario(a, b, rows):
    """Per-scenario differences B - A of each strategy's cost on the first ``rows`` scenarios.

    Under plain Monte Carlo the differences are independent: the mean's interval is
    the CLT's (``sim.stats.intervals.mean_interval``) and P(B cheaper)'s Wilson's. Under
    Latin hypercube or Sobol sampling (``auto`` included) scenarios within a
    replicate are not independent: both are ratios of replicate totals with
    Student's t (``sim.stats.intervals.replicate_interval``), the project's rule for those
    methods; with fewer than two replicates, CLT and Wilson as for one replicate.
    A scenario's cost is at its own drawn month-1 volume under every method.

    Returns
    -------
    dict
        ``rule`` (text), ``rows`` and per strategy ``mean``, ``mean_ci95`` (USD),
        ``p_b_cheaper``, ``p_b_cheaper_ci95``, ``p_b_dearer``, ``p_unchanged``,
        ``min``, ``max`` (USD), ``differences`` (float[rows], USD).
    """
    difference = _costs(b, rows) - _costs(a, rows)
    method = a.results.attrs.get("sampling", "mc")
    group, groups = _replicate_groups(a, rows) if method != "mc" else (None, 0)
    replicated = groups >= 2
    if method == "mc":
        rule = ("plain Monte Carlo: scenarios are independent, so the mean difference takes the CLT interval"
                " (mean ± 1.96 s/√k) and P(B cheaper) Wilson's score interval")
    elif replicated:
        rule = (f"{_method_name(a)}: the {rows:,} scenarios form {groups} independently randomised replicates;"
                " the mean difference and P(B cheaper) are ratios of replicate totals with Student's t on"
                f" {groups - 1} degrees of freedom (the project's rule for randomised QMC)")
    else:
        rule = (f"{_method_name(a)} with one replicate among these rows: the CLT interval and Wilson's,"
                " as for a run of one replicate")
    out = {"rule": rule, "rows": rows, "strategies": {}}
    for i, k in enumerate(STRATEGIES):
        d = difference[:, i]
        cheaper = (d < -TIE_USD).astype(float)
        if replicated:
            mean, mean_ci = _ratio_interval(d, group, groups)
        else:
            mean, mean_ci = float(d.mean()), mean_interval(d)
        # the project's one rule for probabilities: Wilson, or the replicates' spread
        counts, sizes = ((np.bincount(group, weights=cheaper, minlength=groups),
                          np.bincount(group, minlength=groups)) if replicated else ([cheaper.sum()], [rows]))
        p, low, high = probability_interval(counts, sizes, method)
        p, p_ci = float(p), [max(0.0, float(low)), min(1.0, float(high))]
        out["strategies"][k] = {
            "mean": mean, "mean_ci95": mean_ci, "p_b_cheaper": p, "p_b_cheaper_ci95": p_ci,
            "p_b_dearer": float(np.mean(d > TIE_USD)), "p_unchanged": float(np.mean(np.abs(d) <= TIE_USD)),
            "min": float(d.min()), "max": float(d.max()), "differences": d,
        }
    return out


def _method_name(run):
    method = run.results.attrs.get("sampling", "mc")
    name = {"mc": "plain Monte Carlo", "lhs": "Latin hypercube", "sobol": "scrambled Sobol"}[method]
    if int(run.results.attrs.get("volume_integrated", 0)):
        name += " with month-1 volume integrated out (sampling=auto)"
    return name


def _paired_all(a, b, rows):
    """Paired intervals of the change of each mean cost and P(beats prompting), over every scenario.

    For runs of the same scenarios whose streams coincide: under plain Monte Carlo the
    CLT on the saved rows' per-scenario differences with n all scenarios (as a run's
    own means); otherwise the replicate totals' differences, replicate by replicate.
    """
    n = a.scenarios
    method = a.results.attrs.get("sampling", "mc")
    out = {}
    if method == "mc":
        cost = [_costs(r, rows) for r in (a, b)]
        for i, k in enumerate(STRATEGIES):
            out[("mean_cost", k)] = lambda delta, d=cost[1][:, i] - cost[0][:, i]: mean_interval(d, delta, n)
        for k in CHALLENGERS:
            i = STRATEGIES.index(k)
            beats = [(c[:, i] < c[:, 0] - TIE_USD).astype(float) for c in cost]
            out[("p_beats", k)] = lambda delta, d=beats[1] - beats[0]: mean_interval(d, delta, n)
        return out
    totals = [r.results.replicate_totals for r in (a, b)]
    sizes = totals[0].sel(total="scenarios").values
    for k in STRATEGIES:
        diff = totals[1].sel(total=f"cost_{k}").values - totals[0].sel(total=f"cost_{k}").values
        _, low, high = replicate_interval(diff, sizes)
        out[("mean_cost", k)] = lambda delta, bounds=(float(low), float(high)): _finite(bounds)
    for k in CHALLENGERS:
        beats = [r.results.replicate_beats.sel(challenger=k).isel(month=-1).values for r in (a, b)]
        _, low, high = replicate_interval(beats[1] - beats[0], sizes)
        out[("p_beats", k)] = lambda delta, bounds=(float(low), float(high)): _finite(bounds)
    return out


def _finite(bounds):
    return list(bounds) if all(math.isfinite(v) for v in bounds) else None


def compare(a, b):
    """Everything the comparison reports, JSON-ready but for the per-scenario arrays.

    Returns
    -------
    dict
        ``inputs`` (differing keys), ``paired`` (bool), ``pairing`` (why or why not),
        ``changes`` (rows of statistic, strategy, A, B, change and its interval and
        how that interval was made), ``recommendation`` (A's, B's), ``per_scenario``
        (``per_scenario``'s dict, or None) and ``verdict`` (one sentence).
    """
    check_comparable(a, b)
    rows, why = pairing(a, b)
    scenarios_match = a.scenarios == b.scenarios
    paired_all = _paired_all(a, b, rows) if rows and scenarios_match else {}
    sa, sb = a.summary, b.summary
    changes = []

    # Every kept scenario's savings the same in both runs (rows hold all of them):
    # quantiles and CVaR of savings are then equal exactly, with no sampling error.
    identical = set()
    if paired_all and rows == int(a.results.attrs["kept_scenarios"]) == int(b.results.attrs["kept_scenarios"]):
        savings = [_costs(r, rows) for r in (a, b)]
        identical = {k for k in CHALLENGERS if np.array_equal(savings[0][:, 0] - savings[0][:, STRATEGIES.index(k)],
                                                              savings[1][:, 0] - savings[1][:, STRATEGIES.index(k)])}

    def add(statistic, strategy, est_a, ci_a, est_b, ci_b):
        delta = est_b - est_a
        paired = paired_all.get((statistic, strategy))
        if statistic.startswith("savings_") and strategy in identical:
            interval, how = [0.0, 0.0], "paired (savings identical in every scenario)"
        elif paired is not None:
            interval, how = paired(delta), "paired"
        else:
            interval, how = independent_difference_interval(est_a, ci_a, est_b, ci_b), "independent"
        changes.append({"statistic": statistic, "strategy": strategy, "a": est_a, "b": est_b,
                        "ci95_a": ci_a, "ci95_b": ci_b, "change": delta, "ci95": interval, "interval": how})

    for k in CHALLENGERS:
        pa, pb = sa["p_beats_prompt"][k], sb["p_beats_prompt"][k]
        add("p_beats", k, pa["estimate"], pa["ci95"], pb["estimate"], pb["ci95"])
    for k in STRATEGIES:
        ca, cb = sa["cost"][k], sb["cost"][k]
        add("mean_cost", k, ca["mean"], ca.get("mean_ci95"), cb["mean"], cb.get("mean_ci95"))
    for statistic in ("p05", "cvar05"):
        for k in CHALLENGERS:
            va, vb = sa["savings_vs_prompt"][k], sb["savings_vs_prompt"][k]
            add(f"savings_{statistic}", k, va[statistic], va.get(f"{statistic}_ci95"),
                vb[statistic], vb.get(f"{statistic}_ci95"))
    comparison = {
        "a": {"path": str(a.path), "label": sa["run"]["label"], "scenarios": a.scenarios},
        "b": {"path": str(b.path), "label": sb["run"]["label"], "scenarios": b.scenarios},
        "horizon_months": int(a.results.attrs["horizon_months"]),
        "inputs": config_differences(a, b),
        "paired": bool(rows),
        "pairing": why,
        "paired_all": bool(paired_all),
        "changes": changes,
        "recommendation": {"a": sa["recommendation"], "b": sb["recommendation"]},
        "per_scenario": per_scenario(a, b, rows) if rows else None,
    }
    comparison["verdict"] = verdict(comparison)
    return comparison


def _excludes_zero(interval):
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def verdict(comparison):
    """One sentence: which strategies' costs B changes, and the recommendations."""
    changed = []
    for row in comparison["changes"]:
        if row["statistic"] != "mean_cost":
            continue
        if _excludes_zero(row["ci95"]):
            word = "less" if row["change"] < 0 else "more"
            changed.append(f"{STRATEGY_NAMES[row['strategy']]} costs {word} in B ({usd_change(row['change'])}"
                           " on average)")
    rec = comparison["recommendation"]
    ra, rb = rec["a"]["strategy"], rec["b"]["strategy"]
    recommendation = (f"the recommendation stays “{ra}”" if ra == rb
                      else f"the recommendation changes from “{ra}” to “{rb}”")
    per = comparison["per_scenario"]
    if per is not None and all(s["p_unchanged"] == 1.0 for s in per["strategies"].values()):
        return (f"No difference: every strategy costs the same in B as in A in each of the {per['rows']:,}"
                f" scenarios compared; {recommendation}.")
    if not changed:
        return f"No detectable change in any strategy's mean cost; {recommendation}."
    sentence = "; ".join(changed) + f"; {recommendation}."
    return sentence[0].upper() + sentence[1:]


# ---------------------------------------------------------------- text and HTML

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
    from sim.cli.payback import LockRefused, lock_directory  # Hydra loads only once there is something to write

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


def run_comparison(run_a, run_b):
    """Load, check and compare two run directories (``CompareError`` if they cannot be)."""
    return compare(load(run_a), load(run_b))


def main(argv=None):
    """``python -m sim.compare RUN_A RUN_B``: what changes from run A to run B."""
    parser = argparse.ArgumentParser(prog="payback-compare", description=main.__doc__)
    parser.add_argument("run_a", type=Path, help="the first run directory (A)")
    parser.add_argument("run_b", type=Path, help="the second run directory (B)")
    parser.add_argument("--out", type=Path, default=Path("."),
                        help="directory for compare.md, compare.html and compare.png (default: here)")
    parser.add_argument("--overwrite", action="store_true", help="replace those files if they exist")
    parser.error = lambda message: _refuse(message)
    args = parser.parse_args(argv)
    try:
        comparison = run_comparison(args.run_a, args.run_b)
        pause_point("compute")
        replaced = write(comparison, args.out, overwrite=args.overwrite)
    except CompareError as error:
        _refuse(error)
    items = blocks(comparison, {"name": "compare.png", "alt": ""})
    print(markdown([item for item in items if item[0] != "img"]).rstrip())
    print()
    if replaced:
        print(f"replaced {', '.join(str(p) for p in replaced)} (--overwrite)")
    print(f"wrote {', '.join(str(args.out / name) for name in OUTPUTS)}")


def _refuse(message):
    print(f"payback: error: {shown(str(message))}", file=sys.stderr)  # one line, nothing a terminal acts on
    sys.exit(2)
