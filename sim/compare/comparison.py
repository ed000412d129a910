"""Compare two runs: which inputs differ, and for each strategy the change from A to B
in P(beats prompting), mean cost, the 5% quantile and CVaR of savings, and the
recommendation, each with a 95% interval (``sim.compare.document`` writes it out).

Two runs share their scenarios (common random numbers) when scenario i of each is
drawn from the same random numbers: the same seed and sampling method, the same
correlations, and under a Sobol net the same drawn inputs (the net's dimensions).
Then the comparison is paired: each strategy's cost is compared scenario by scenario
on the rows both ``results.nc`` hold, and the changes of means and probabilities get
the interval of the per-scenario differences. Otherwise (or for quantiles and CVaR)
each run's own intervals are combined as for independent estimates
(``sim.stats.intervals.independent_difference_interval``).
"""


import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from kernels.layout import TIE_USD
from sim.report.formats import usd_change
from sim.stats.intervals import independent_difference_interval, mean_interval, replicate_interval
from sim.stats.precision import probability_interval
from sim.results.runs import UnreadableRun, read_run
from sim.results.summary import STRATEGY_NAMES, drawn_inputs

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


def run_comparison(run_a, run_b):
    """Load, check and compare two run directories (``CompareError`` if they cannot be)."""
    return compare(load(run_a), load(run_b))


__all__ = ["CHALLENGERS", "CompareError", "NO_EFFECT", "OUTPUTS", "Run", "STRATEGIES", "check_comparable",
           "compare", "config_differences", "load", "pairing", "per_scenario", "run_comparison", "verdict"]
