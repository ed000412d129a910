"""Compare two runs: which inputs differ, which routes both hold, and for each route they
share the change from A to B in P(beats the baseline), mean cost, the 5% quantile and CVaR
of savings, and the recommendation, each with a 95% interval (``sim.compare.document``
writes it out).

Routes are matched by name. Two runs are compared on the routes they share (the same name
and kind); a route only one run holds, or one name of two kinds, is listed and not compared.
Both must compare with the same baseline, since P(beats) and savings are against it:
runs of two baselines are refused in one line.

Two runs share their scenarios (common random numbers) when scenario i of each is
drawn from the same random numbers: the same seed and sampling method, the same
correlations, and under a Sobol net the same drawn shared inputs (the net's dimensions;
a route's own inputs and another sheet's prices have nets of their own).
Then the comparison is paired: each route's cost is compared scenario by scenario
on the rows both ``results.nc`` hold, and the changes of means and probabilities get
the interval of the per-scenario differences. Otherwise (or for quantiles and CVaR)
each run's own intervals are combined as for independent estimates
(``sim.stats.intervals.independent_difference_interval``).
"""


import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from kernels.layout import STATIC_FIELDS, TIE_USD
from sim.inputs.routes import KIND, colours, route_label
from sim.report.formats import usd_change
from sim.stats.intervals import independent_difference_interval, mean_interval, replicate_interval
from sim.stats.precision import probability_interval
from sim.results.runs import UnreadableRun, read_run
from sim.results.summary import drawn_inputs, route_table

OUTPUTS = ("compare.md", "compare.html", "compare.png")
# Keys that change how a run is made, not its numbers.
NO_EFFECT = ("report", "threads", "overwrite", "memory_limit_gb")
# Above this many routes whose mean cost changes, the verdict counts them rather than
# naming each (the table names them all).
NAMED_IN_VERDICT = 3
KIND_NOUNS = {kind.label for kind in KIND.values()}


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

    @cached_property
    def routes(self):
        """Each route by name, in the run's order: ``{kind, sheet, label, inputs}``."""
        return route_table(self.results)

    @property
    def baseline(self):
        """The route every other is compared with (a prompt route)."""
        return self.summary.get("baseline") or self.results.attrs.get("baseline") or next(iter(self.routes))


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
    """Refuse runs of different horizons, models or baselines (``CompareError``, one line)."""
    ha, hb = int(a.results.attrs["horizon_months"]), int(b.results.attrs["horizon_months"])
    if ha != hb:
        raise CompareError(f"horizons differ: A runs {ha} months, B {hb}; compare runs of one horizon")
    va, vb = (r.results.attrs.get("model_version") for r in (a, b))
    if va != vb:
        shown = [f"version {v}" if v else "no version (written before versions were recorded)" for v in (va, vb)]
        raise CompareError(f"models differ: A records model {shown[0]}, B {shown[1]}; rerun the older one")
    if a.baseline != b.baseline:
        # P(beats) and savings are against the baseline: two baselines, two questions
        raise CompareError(f"baselines differ: A compares every route with {a.baseline}, B with {b.baseline};"
                           f" rerun B with baseline={a.baseline} (or A with baseline={b.baseline})")


def route_sets(a, b):
    """Which routes the two runs share, by name, and which they do not.

    Returns
    -------
    dict
        ``shared`` (names in A's order, the baseline among them: the same name and kind in
        both), ``only_a``, ``only_b`` (names), ``other_kind`` (``[(name, kind in A, kind in
        B), ...]``: one name, two kinds, not compared), ``routes``: each shared route's
        ``kind``, ``label``, ``colour`` (as in A's own pictures) and its sheet in A and B, and
        ``unmatched``: each other route's ``kind_a``, ``sheet_a``, ``kind_b``, ``sheet_b``
        (None in the run without it).
    """
    ra, rb = a.routes, b.routes
    names = list(ra)
    palette = colours(names, names.index(a.baseline))
    shared = [k for k in names if k in rb and rb[k]["kind"] == ra[k]["kind"]]
    return {
        "shared": shared,
        "only_a": [k for k in names if k not in rb],
        "only_b": [k for k in rb if k not in ra],
        "other_kind": [(k, ra[k]["kind"], rb[k]["kind"]) for k in names if k in rb and k not in shared],
        "routes": {k: {"kind": ra[k]["kind"], "label": ra[k]["label"], "colour": palette[k],
                       "sheet_a": ra[k]["sheet"], "sheet_b": rb[k]["sheet"]} for k in shared},
        "unmatched": {k: {f"{field}_{run}": (r[k][field] if k in r else None)
                          for run, r in (("a", ra), ("b", rb)) for field in ("kind", "sheet")}
                      for k in [*names, *rb] if k not in shared},
    }


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


def sheet_differences(a, b):
    """Prices of the other sheets the routes read that differ: ``[(key, A, B), ...]``, text.

    A route on a sheet other than the ``pricing`` group's reads ``sheets.SHEET.KEY``, whose
    values the resolved configuration does not hold (it names the sheet only): a fixed one
    is in ``results.nc``'s ``fixed_inputs``, a drawn one is a variable with its
    distribution. Keys both runs read are compared; a sheet only one run reads belongs to
    a route only it holds, or shows as that route's ``pricing``.
    """
    def prices(run):
        found = {}
        for item in (run.results.attrs.get("fixed_inputs") or "").split(", "):
            key, _, value = item.partition("=")
            if key.startswith("sheets."):
                found[key] = value
        for key in drawn_inputs(run.results):
            if key.startswith("sheets."):
                found[key] = str(run.results[key].attrs.get("distribution", "drawn"))
        return found

    pa, pb = prices(a), prices(b)
    return [(key, pa[key], pb[key]) for key in pa if key in pb and pa[key] != pb[key]]


def _net(key):
    # the Sobol net an input's uniforms come from (sim.inputs.routing names the groups):
    # the shared one, the newer shared inputs', a sheet's or a route's own
    parts = key.split(".")
    if key in STATIC_FIELDS:
        return "shared"
    if parts[0] in ("sheets", "routes") and len(parts) >= 3:
        return f"{parts[0][:-1]} {parts[1]}"
    return "inputs"


def _nets(run):
    nets = {}
    for key in drawn_inputs(run.results):
        nets.setdefault(_net(key), []).append(key)
    return nets


def pairing(a, b):
    """Whether scenario i of A and of B come from the same random numbers.

    Scenarios run in blocks of 8,192 whose streams are children of the seed, one
    stream per random component (``sim.simulation.sampling``): scenario i's draws depend on
    the seed, the sampling method, the correlations (their shuffles) and, under a
    Sobol net, on which inputs each net draws (its dimensions): the shared inputs' net,
    the newer shared inputs', and one for each sheet's prices and each route's own
    inputs, so that a route added or removed moves no other net. A Latin hypercube's
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
    other_nets = []
    if methods[0] == "sobol":
        nets = [_nets(r) for r in (a, b)]
        for net in ("shared", "inputs"):
            keys = [n.get(net, []) for n in nets]
            if keys[0] != keys[1]:
                only = sorted(set(keys[0]) ^ set(keys[1]))
                return 0, (f"the drawn inputs differ ({', '.join(only)}): the Sobol nets have other dimensions,"
                           " so no scenario is shared")
        other_nets = sorted(net for net in set(nets[0]) & set(nets[1]) - {"shared", "inputs"}
                            if nets[0][net] != nets[1][net])
    rows = min(a.rows, b.rows)
    if rows < 2:
        return 0, "a run saved fewer than two per-scenario rows (saved_scenarios)"
    note = f"the first {rows:,} scenarios, the rows both results.nc hold"
    if methods[0] == "lhs" and a.scenarios != b.scenarios:
        # a hypercube cut short by the run's end has other strata: keep whole replicates
        whole = min(a.scenarios, b.scenarios) // _replicate_size(a) * _replicate_size(a)
        if whole < rows:
            rows, note = whole, f"the first {whole:,} scenarios (whole replicates of both runs)"
    if other_nets:
        note += (f" (the {', '.join(other_nets)} draw other inputs in each run, from a Sobol net of other"
                 " dimensions: the routes that read them are paired on the rest, less alike)")
    return rows, note


def _costs(run, rows, names):
    """float[rows, len(names)]: the first ``rows`` scenarios' horizon costs (USD) of the routes ``names``."""
    return run.results.cost.transpose("scenario", "route").sel(route=list(names)).values[:rows]


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


def per_scenario(a, b, rows, names=None):
    """Per-scenario differences B - A of each route's cost on the first ``rows`` scenarios.

    Under plain Monte Carlo the differences are independent: the mean's interval is
    the CLT's (``sim.stats.intervals.mean_interval``) and P(B cheaper)'s Wilson's. Under
    Latin hypercube or Sobol sampling (``auto`` included) scenarios within a
    replicate are not independent: both are ratios of replicate totals with
    Student's t (``sim.stats.intervals.replicate_interval``), the project's rule for those
    methods; with fewer than two replicates, CLT and Wilson as for one replicate.
    A scenario's cost is at its own drawn month-1 volume under every method.

    Parameters
    ----------
    names : sequence of str, optional
        The routes compared (default: those both runs share, ``route_sets``).

    Returns
    -------
    dict
        ``rule`` (text), ``rows`` and per route (``routes``) ``mean``, ``mean_ci95`` (USD),
        ``p_b_cheaper``, ``p_b_cheaper_ci95``, ``p_b_dearer``, ``p_unchanged``,
        ``min``, ``max`` (USD), ``differences`` (float[rows], USD).
    """
    names = route_sets(a, b)["shared"] if names is None else list(names)
    difference = _costs(b, rows, names) - _costs(a, rows, names)
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
    out = {"rule": rule, "rows": rows, "routes": {}}
    for i, k in enumerate(names):
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
        out["routes"][k] = {
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


def _paired_all(a, b, rows, names, baseline):
    """Paired intervals of the change of each mean cost and P(beats the baseline), over every scenario.

    For runs of the same scenarios whose streams coincide: under plain Monte Carlo the
    CLT on the saved rows' per-scenario differences with n all scenarios (as a run's
    own means); otherwise the replicate totals' differences, replicate by replicate.
    ``names`` are the routes compared, ``baseline`` among them.
    """
    n = a.scenarios
    method = a.results.attrs.get("sampling", "mc")
    challengers = [k for k in names if k != baseline]
    out = {}
    if method == "mc":
        cost = [_costs(r, rows, names) for r in (a, b)]
        base = names.index(baseline)
        for i, k in enumerate(names):
            out[("mean_cost", k)] = lambda delta, d=cost[1][:, i] - cost[0][:, i]: mean_interval(d, delta, n)
        for k in challengers:
            i = names.index(k)
            beats = [(c[:, i] < c[:, base] - TIE_USD).astype(float) for c in cost]
            out[("p_beats", k)] = lambda delta, d=beats[1] - beats[0]: mean_interval(d, delta, n)
        return out
    totals = [r.results.replicate_totals for r in (a, b)]
    sizes = totals[0].sel(total="scenarios").values
    for k in names:
        diff = totals[1].sel(total=f"cost_{k}").values - totals[0].sel(total=f"cost_{k}").values
        _, low, high = replicate_interval(diff, sizes)
        out[("mean_cost", k)] = lambda delta, bounds=(float(low), float(high)): _finite(bounds)
    for k in challengers:
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
        ``inputs`` (differing keys, other sheets' prices among them), ``baseline`` (its name), ``routes`` (each shared route:
        kind, label, colour, sheet in A and B), ``only_a``, ``only_b``, ``other_kind`` (see
        ``route_sets``), ``paired`` (bool), ``pairing`` (why or why not), ``changes`` (rows
        of statistic, route, A, B, change and its interval and how that interval was made),
        ``recommendation`` (A's, B's), ``per_scenario`` (``per_scenario``'s dict, or None)
        and ``verdict`` (one sentence).
    """
    check_comparable(a, b)
    sets = route_sets(a, b)
    names, baseline = sets["shared"], a.baseline
    challengers = [k for k in names if k != baseline]
    rows, why = pairing(a, b)
    scenarios_match = a.scenarios == b.scenarios
    paired_all = _paired_all(a, b, rows, names, baseline) if rows and scenarios_match else {}
    sa, sb = a.summary, b.summary
    changes = []

    # Every kept scenario's savings the same in both runs (rows hold all of them):
    # quantiles and CVaR of savings are then equal exactly, with no sampling error.
    identical = set()
    if paired_all and rows == int(a.results.attrs["kept_scenarios"]) == int(b.results.attrs["kept_scenarios"]):
        cost = [_costs(r, rows, names) for r in (a, b)]
        base = names.index(baseline)
        identical = {k for k in challengers
                     if np.array_equal(cost[0][:, base] - cost[0][:, names.index(k)],
                                       cost[1][:, base] - cost[1][:, names.index(k)])}

    def add(statistic, route, est_a, ci_a, est_b, ci_b):
        delta = est_b - est_a
        paired = paired_all.get((statistic, route))
        if statistic.startswith("savings_") and route in identical:
            interval, how = [0.0, 0.0], "paired (savings identical in every scenario)"
        elif paired is not None:
            interval, how = paired(delta), "paired"
        else:
            interval, how = independent_difference_interval(est_a, ci_a, est_b, ci_b), "independent"
        changes.append({"statistic": statistic, "route": route, "a": est_a, "b": est_b,
                        "ci95_a": ci_a, "ci95_b": ci_b, "change": delta, "ci95": interval, "interval": how})

    for k in challengers:
        pa, pb = sa["p_beats_prompt"][k], sb["p_beats_prompt"][k]
        add("p_beats", k, pa["estimate"], pa["ci95"], pb["estimate"], pb["ci95"])
    for k in names:
        ca, cb = sa["cost"][k], sb["cost"][k]
        add("mean_cost", k, ca["mean"], ca.get("mean_ci95"), cb["mean"], cb.get("mean_ci95"))
    for statistic in ("p05", "cvar05"):
        for k in challengers:
            va, vb = sa["savings_vs_prompt"][k], sb["savings_vs_prompt"][k]
            add(f"savings_{statistic}", k, va[statistic], va.get(f"{statistic}_ci95"),
                vb[statistic], vb.get(f"{statistic}_ci95"))
    comparison = {
        "a": {"path": str(a.path), "label": sa["run"]["label"], "scenarios": a.scenarios},
        "b": {"path": str(b.path), "label": sb["run"]["label"], "scenarios": b.scenarios},
        "horizon_months": int(a.results.attrs["horizon_months"]),
        "inputs": config_differences(a, b) + sheet_differences(a, b),
        "baseline": baseline,
        **sets,
        "paired": bool(rows),
        "pairing": why,
        "paired_all": bool(paired_all),
        "changes": changes,
        "recommendation": {"a": sa["recommendation"], "b": sb["recommendation"]},
        "per_scenario": per_scenario(a, b, rows, names) if rows else None,
    }
    del comparison["shared"]  # the keys of routes
    comparison["verdict"] = verdict(comparison)
    return comparison


def _excludes_zero(interval):
    return interval is not None and (interval[0] > 0 or interval[1] < 0)


def label_of(comparison, route):
    """How the text names a route (``sim.inputs.routes.route_label``)."""
    return comparison.get("routes", {}).get(route, {}).get("label", route)


def _clauses(moved, word):
    # "fine-tuning costs less in B (-$10,904 on average)", or for many routes their count
    # and the two ends
    if len(moved) <= NAMED_IN_VERDICT:
        return [f"{label} costs {word} in B ({usd_change(change)} on average)" for label, change in moved]
    ends = sorted(moved, key=lambda m: abs(m[1]))
    return [f"{len(moved)} routes cost {word} in B, from {usd_change(ends[0][1])} ({ends[0][0]}) to"
            f" {usd_change(ends[-1][1])} ({ends[-1][0]}) on average"]


def verdict(comparison):
    """One sentence: which routes' costs B changes, and the recommendations."""
    less, more = [], []
    for row in comparison["changes"]:
        if row["statistic"] == "mean_cost" and _excludes_zero(row["ci95"]):
            (less if row["change"] < 0 else more).append((label_of(comparison, row["route"]), row["change"]))
    rec = comparison["recommendation"]
    ra, rb = rec["a"]["strategy"], rec["b"]["strategy"]
    alone = {run: {route_label(name, route[f"kind_{run}"]) for name, route in comparison.get("unmatched", {}).items()
                   if route[f"kind_{run}"] and not route[f"kind_{'b' if run == 'a' else 'a'}"]} for run in ("a", "b")}
    ra_shown = f"“{ra}”" + (" (only in A)" if ra in alone["a"] else "")
    rb_shown = f"“{rb}”" + (" (only in B)" if rb in alone["b"] else "")
    recommendation = (f"the recommendation stays “{ra}”" if ra == rb
                      else f"the recommendation changes from {ra_shown} to {rb_shown}")
    every = "every route" if not (comparison.get("only_a") or comparison.get("only_b")
                                  or comparison.get("other_kind")) else "every route both runs hold"
    per = comparison["per_scenario"]
    if per is not None and all(s["p_unchanged"] == 1.0 for s in per["routes"].values()):
        return (f"No difference: {every} costs the same in B as in A in each of the {per['rows']:,}"
                f" scenarios compared; {recommendation}.")
    if not (less or more):
        return f"No detectable change in any route's mean cost; {recommendation}."
    sentence = "; ".join(_clauses(less, "less") + _clauses(more, "more")) + f"; {recommendation}."
    # a kind's noun opens the sentence capitalised ("Fine-tuning costs less"); a route's own
    # name stays as typed ("lora costs less")
    opening = (less + more)[0][0]
    return sentence[0].upper() + sentence[1:] if opening in KIND_NOUNS else sentence


def run_comparison(run_a, run_b):
    """Load, check and compare two run directories.

    Parameters
    ----------
    run_a, run_b : str or Path
        Run directories, each holding a ``results.nc``; B is compared with A (changes are
        B − A, in USD for costs and in probability for P(beats the baseline)).

    Returns
    -------
    dict
        ``compare``'s dict: the inputs that differ, the routes both runs hold, each
        change with its 95% interval, the recommendations and the verdict.

    Raises
    ------
    CompareError
        When the two runs cannot be compared (other horizons, baselines or model
        versions; a directory that is not a readable run).
    """
    return compare(load(run_a), load(run_b))


__all__ = ["CompareError", "NAMED_IN_VERDICT", "NO_EFFECT", "OUTPUTS", "Run", "check_comparable", "compare",
           "config_differences", "label_of", "load", "pairing", "per_scenario", "route_sets", "run_comparison",
           "sheet_differences", "verdict"]
