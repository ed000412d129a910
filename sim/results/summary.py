"""The run's summary: the numbers a reader wants first, computed from the Dataset alone
(so a saved ``results.nc`` reproduces it without simulating again)."""

import json
import math
import re

import numpy as np

from kernels.layout import TIE_USD

from sim.stats.analysis import (
    break_even_volume,
    distribution_summary,
    evpi,
    payback_quantiles,
    recommend,
    savings_statistics,
    wilson_interval,
)
from sim.inputs.provenance import recorded_sources
from sim.inputs.routes import route_label
from sim.results.recommendation import recommendation_action
from sim.inputs.stresses import label_note
from sim.inputs.schema import input_metadata
from sim.inputs.static import metadata_of
from sim.results.information import value_of_information as information
from sim.stats.drivers import irrelevant_inputs, rank, relevant
from sim.results.tornado import summary_rows
from sim.inputs.point import point_note
from sim.stats.intervals import cvar_interval, evpi_interval, mean_interval, quantile_intervals, replicate_interval
from sim.stats.precision import probability_interval, replicate_total_names, shortfall

STRATEGY_NAMES = {"prompt": "prompting", "finetune": "fine-tuning", "rag": "RAG"}
# The drivers split the first 250,000 kept scenarios into tenths: 25,000 a tenth tell P(win)
# apart to about half a point, and partitioning every input of a million scenarios took most
# of the analysis of a 10^6-scenario run (1.0 of 1.6 s on the 2-core development machine).
DRIVER_SCENARIOS = 250_000


def summarize(results):
    """Headline numbers of a run at its horizon.

    Parameters
    ----------
    results : xarray.Dataset
        A run's Dataset (see ``sim.results.dataset.to_dataset``).

    Returns
    -------
    dict
        JSON-ready, by route name (``routes.<name>.{kind, sheet}``; ``baseline`` names the
        route every other is compared with): ``p_beats_prompt``, ``cost`` (USD,
        discounted), ``savings_vs_prompt`` (USD, with CVaR at 5%), ``payback_month``
        (months; null where a percentile falls beyond the horizon),
        ``break_even_calls_per_month``, ``p_cheapest``, ``drivers``; ``evpi`` (USD),
        ``recommendation``, ``lifecycle`` (each fine-tune route's retrains, failures,
        platform exits and migrations), ``capacity`` (each route on a dedicated
        endpoint: the share of scenario-months beyond one replica), ``shutdown``,
        ``calendar`` (the dated events inside the horizon), run identity with ``start``
        (calendar month of month 1) and the price sheet's date and source. With routes
        named ``finetune`` and ``rag``, ``savings_finetune_vs_rag``; with a fine-tune
        route, ``retrains``, ``finetune_failed``, ``platform_exit`` and ``migrations`` of
        the one named ``finetune`` (else the first). Each estimate of ``cost``, the
        savings, ``break_even_calls_per_month`` and ``evpi`` has its 95% interval beside
        it (``KEY_ci95``, see ``sim.stats.intervals``; null where the sample is too
        small), ``p_cheapest`` in ``p_cheapest_ci95``; the quality keys of ``quality_summary``;
        ``value_of_information`` and ``thresholds`` (``sim.results.information``).
    """
    horizon = int(results.attrs["horizon_months"])
    last = results.sel(month=horizon)
    routes = route_table(results)
    names = list(routes)
    baseline = results.attrs.get("baseline", names[0])
    base = names.index(baseline)
    challengers = [str(c) for c in results.challenger.values]
    n = int(results.attrs["scenarios"])
    # Per-scenario variables hold the kept sample; means and probabilities count all n.
    cost = results.cost.transpose("scenario", "route").values
    mean_cost = results.mean_cost.sel(route=names).values
    p_cheaper = results.p_cheaper.sel(route=names, versus=names).values
    savings = {k: cost[:, base] - cost[:, names.index(k)] for k in challengers}
    mean_savings = {k: mean_cost[base] - mean_cost[names.index(k)] for k in challengers}
    drawn = {key: results[key].values for key in drawn_inputs(results)}
    metadata = {key: metadata_of(key, input_metadata()) for key in drawn}
    tails = {}  # each input partitioned once, whatever the number of challengers
    rows = slice(DRIVER_SCENARIOS)
    ranked = {k: rank({key: values[rows] for key, values in drawn.items()}, savings[k][rows] > TIE_USD,
                      savings[k][rows], _irrelevant(results, routes, k, baseline), metadata, tails)
              for k in challengers}
    for k in challengers:  # the tornado of the inputs given as numbers (sim.simulation.tornado)
        ranked[k]["fixed_inputs"], ranked[k]["fixed_inputs_basis"] = summary_rows(results, k)
    # one route: no choice, nothing to learn (under an integrated volume the two terms
    # are different estimators of one mean, and would differ by noise)
    value_of_information = evpi(mean_cost, float(results.expected_min_cost)) if len(names) > 1 else 0.0
    versus_rag = "finetune" in routes and "rag" in routes
    if versus_rag:
        finetune, rag = names.index("finetune"), names.index("rag")
        finetune_vs_rag = cost[:, rag] - cost[:, finetune]
    # Under any method but plain MC, mean-type statistics take their intervals from the
    # replicates' spread; None: CLT and Wilson intervals of independent scenarios.
    replicated = _replicate_intervals(results, names, challengers, base)
    if replicated is None:
        cheapest_count = np.rint(results.p_cheapest.sel(route=names).values * n)
        replicated = {
            "cost": dict.fromkeys(names, CLT),
            "savings_vs_prompt": dict.fromkeys(challengers, CLT),
            "savings_finetune_vs_rag": CLT,
            "p_cheapest": {k: [float(b) for b in wilson_interval(cheapest_count[i], n)]
                           for i, k in enumerate(names)},
            "evpi": evpi_interval(cost, mean_cost, value_of_information, n),
        }
    cost_fixed = results.cost_fixed.transpose("scenario", "route").values
    cost_slope = results.cost_slope.transpose("scenario", "route").values
    break_even = {
        k: _break_even(break_even_volume(cost_fixed, cost_slope, names.index(k), base)) for k in challengers
    }
    labels = [routes[k]["label"] for k in names]
    # the challenger closer to winning on average names the input that matters most
    leading = max(challengers, key=lambda k: mean_savings[k]) if challengers else None
    top_driver = ranked[leading]["ranked"][0] if leading and ranked[leading]["ranked"] else None
    summary = {
        "run": run_label(results),
        "start": results.attrs["start"],
        "scenarios": n,
        "kept_scenarios": int(results.attrs["kept_scenarios"]),
        "horizon_months": horizon,
        "seed": int(results.attrs["seed"]),
        "discount_rate": float(results.attrs["discount_rate"]),
        "confidence": float(results.attrs["confidence"]),
        "baseline": baseline,
        "routes": {k: {"kind": v["kind"], "sheet": v["sheet"]} for k, v in routes.items()},
        "p_beats_prompt": {
            k: {
                "estimate": float(last.p_beats_prompt.sel(challenger=k)),
                "ci95": [
                    float(last.p_beats_prompt_low.sel(challenger=k)),
                    float(last.p_beats_prompt_high.sel(challenger=k)),
                ],
            }
            for k in challengers
        },
        "cost": {
            k: with_intervals(distribution_summary(cost[:, i], mean_cost[i]), cost[:, i], n,
                              replicated["cost"][k])
            for i, k in enumerate(names)
        },
        "savings_vs_prompt": {
            k: with_intervals(savings_statistics(savings[k], mean=mean_savings[k]), savings[k], n,
                              replicated["savings_vs_prompt"][k])
            for k in challengers
        },
    }
    if versus_rag:
        summary["savings_finetune_vs_rag"] = with_intervals(
            savings_statistics(finetune_vs_rag, mean=mean_cost[rag] - mean_cost[finetune]), finetune_vs_rag, n,
            replicated["savings_finetune_vs_rag"],
        )
    summary.update({
        "payback_month": {
            k: _payback(results.paid_back_count.sel(challenger=k).values, n) for k in challengers
        },
        "p_cheapest": {k: float(results.p_cheapest.sel(route=k)) for k in names},
        "p_cheapest_ci95": replicated["p_cheapest"],
        "break_even_calls_per_month": break_even,
        "evpi": value_of_information,
        "evpi_ci95": replicated["evpi"] if len(names) > 1 else [0.0, 0.0],
        "drivers": ranked,
        "recommendation": recommend(
            mean_cost,
            p_cheaper,
            labels,
            float(results.attrs["confidence"]),
            top_driver={**top_driver, "strategy": routes[leading]["label"]} if top_driver else None,
            value_of_information=value_of_information,
            horizon=horizon,
            acceptable=results.p_acceptable.sel(route=names).values if "p_acceptable" in results else None,
            bar=float(results.attrs.get("quality_bar", 0.0)),
        ),
    })
    summary.update(quality_summary(results, names, n))
    summary.update(information(results, routes, drawn, summary["evpi"], summary["evpi_ci95"]))
    tuned = [str(k) for k in results.finetune_route.values] if "finetune_route" in results.dims else []
    lifecycle = {k: _lifecycle(results, k) for k in tuned}
    if lifecycle:
        # today's keys: the route named finetune, else the first fine-tune route
        first = "finetune" if "finetune" in lifecycle else next(iter(lifecycle))
        summary.update({
            "retrains": {"mean": lifecycle[first]["retrains_mean"]},
            "finetune_failed": {"fraction": lifecycle[first]["failed_fraction"]},
            "platform_exit": lifecycle[first]["platform_exit"],
            "migrations": {"mean": lifecycle[first]["migrated_fraction"]},
        })
    summary["lifecycle"] = lifecycle
    summary["capacity"] = _capacity(results, names)
    summary["shutdown"] = {"fraction": float(results.p_shutdown)}
    summary["calendar"] = {
        "on_platform_exit": results.attrs["on_platform_exit"],
        "successor": results.attrs["successor"] or None,
        "events": calendar_events(results),
    }
    summary["pricing"] = {
        "as_of": results.attrs["pricing_as_of"],
        "source": results.attrs["pricing_source"],
    }
    summary["sheets"] = sheet_sources(results)
    if recorded_sources(results) is not None:  # absent from a run written before sources were recorded
        summary["inputs"] = recorded_sources(results)
    summary["sampling"] = {
        "method": results.attrs.get("sampling", "mc"),
        "volume_integrated": bool(int(results.attrs.get("volume_integrated", 0))),
        "replicates": int(results.sizes.get("replicate", 0)),
        "note": results.attrs.get("sampling_note") or None,
    }
    precision = json.loads(results.attrs.get("precision", "{}") or "{}")
    if precision:
        precision["note"] = shortfall(precision)
    summary["precision"] = precision or None
    # worded last: it names what would settle the choice and the defaults behind it
    summary["recommendation"] = recommendation_action(summary, summary["recommendation"])
    summary["headline"] = headline(summary)
    summary["small_run"] = point_note(results) or small_run_note(summary)
    return summary


def quality_summary(results, names, n):
    """The quality keys of the summary (MODEL.md, "Quality and the cost of errors"); none for a
    run written before quality was modelled.

    ``p_acceptable`` and ``p_win`` (each route's, and ``none``: no route acceptable) with their
    95% intervals beside them (``p_acceptable_ci95``: Wilson's, whose binomial variance bounds
    every sampling method's; ``p_win_ci95`` as ``p_cheapest_ci95``), ``failed_calls.<route>.mean``
    (calls, not discounted), ``error_cost.<route>`` (USD, discounted: the mean, and its quantiles
    where the rows hold it), ``cost_per_resolved_call.<route>`` (USD, ``E[C_k(H)] / E[sum d_m V_m
    q_k(m)]``; null where nothing is resolved) and ``quality.{bar, error_cost}`` as configured.
    """
    if "p_win" not in results:
        return {}
    p_acceptable = results.p_acceptable.sel(route=names).values
    low, high = wilson_interval(np.rint(p_acceptable * n), n)
    counts = np.column_stack([results.replicate_win.sel(route=names).values, results.replicate_no_winner.values])
    sizes = results.replicate_totals.sel(total="scenarios").values
    estimate, win_low, win_high = probability_interval(counts, sizes, results.attrs.get("sampling", "mc"))
    winners = [*names, "none"]
    p_win = [*(float(p) for p in results.p_win.sel(route=names).values), float(results.p_no_winner)]
    mean_cost = results.mean_cost.sel(route=names).values
    resolved = results.mean_resolved_calls.sel(route=names).values
    error_cost = {}
    for i, k in enumerate(names):
        error_cost[k] = {"mean": float(results.mean_error_cost.sel(route=k))}
        if "error_cost" in results:
            values = results.error_cost.sel(route=k).values
            error_cost[k].update({q: float(v) for q, v in zip(("p05", "p50", "p95"),
                                                                 np.quantile(values, [0.05, 0.5, 0.95]))})
    return {
        "quality": {"bar": float(results.attrs.get("quality_bar", 0.0)),
                    "error_cost": str(results.attrs.get("quality_error_cost", "0"))},
        "p_acceptable": {k: float(p_acceptable[i]) for i, k in enumerate(names)},
        "p_acceptable_ci95": {k: [float(low[i]), float(high[i])] for i, k in enumerate(names)},
        "p_win": dict(zip(winners, p_win)),
        "p_win_ci95": {k: _pair(max(0.0, win_low[i]), min(1.0, win_high[i])) for i, k in enumerate(winners)},
        "failed_calls": {k: {"mean": float(results.mean_failed_calls.sel(route=k))} for k in names},
        "error_cost": error_cost,
        "cost_per_resolved_call": {k: float(mean_cost[i] / resolved[i]) if resolved[i] > 0 else None
                                   for i, k in enumerate(names)},
    }


def sheet_sources(results):
    """Every price sheet the routes read, ``{name: {as_of, source}}``; for a run written
    before routes, the pricing group's sheet alone."""
    recorded = json.loads(results.attrs.get("sheets") or "{}")
    if recorded:
        return recorded
    # the pricing group's choice, as the run recorded it
    presets = json.loads(results.attrs.get("run") or "{}").get("presets")
    chosen = presets.get("pricing") if isinstance(presets, dict) else None
    name = chosen if isinstance(chosen, str) and chosen else "pricing"
    return {name: {"as_of": results.attrs["pricing_as_of"], "source": results.attrs["pricing_source"]}}


def route_table(results):
    """Each route of a run by name, in order: ``{kind, sheet, label, inputs}`` (``inputs`` None
    for a run written before routes named their inputs)."""
    recorded = {entry["name"]: entry for entry in json.loads(results.attrs.get("routes", "[]") or "[]")}
    kinds = results["kind"].values if "kind" in results.coords else results.route.values
    sheets = results["sheet"].values if "sheet" in results.coords else [""] * results.sizes["route"]
    table = {}
    for name, kind, sheet in zip(results.route.values, kinds, sheets):
        name, kind = str(name), str(kind)
        table[name] = {"kind": kind, "sheet": str(sheet) or None, "label": route_label(name, kind),
                       "inputs": recorded.get(name, {}).get("inputs")}
    return table


def _irrelevant(results, routes, challenger, baseline):
    if all(route["inputs"] is not None for route in routes.values()):
        return irrelevant_inputs({k: v["inputs"] for k, v in routes.items()}, challenger, baseline)
    # a run of the three default routes written before routes named their inputs
    return {key for key in drawn_inputs(results) if not relevant(key, challenger)}


def _lifecycle(results, route):
    one = results.sel(finetune_route=route)
    return {
        "retrains_mean": float(one.mean_retrains),
        "attempts_mean": float(one.mean_attempts),
        "failed_fraction": float(one.p_finetune_failed),
        "platform_exit": {
            "fraction": float(one.p_platform_exit),
            "month_p50": _median_month(one.exit_count.values),
            "for_good": float(one.p_exited_for_good),
        },
        "migrated_fraction": float(one.p_migrated),
    }


def _capacity(results, names):
    # routes on a dedicated endpoint whose sheet states a replica's calls per month
    if "replica_calls_per_month" not in results:
        return {}
    found = {}
    for name in names:
        calls = float(results.replica_calls_per_month.sel(route=name))
        if math.isfinite(calls):
            found[name] = {"replica_calls_per_month": calls,
                           "share_over": float(results.p_over_capacity.sel(route=name))}
    return found


def _replicate_intervals(results, names, challengers, base):
    # Under Latin hypercube or Sobol sampling, or with volume integrated out, scenarios
    # are not independent: the mean-type statistics (means, P(cheapest), EVPI) take
    # their intervals from the spread of independently randomised replicates, keyed as
    # in the summary. None under plain MC. Quantiles, CVaR, break-even volumes and
    # drivers keep the independent-sample intervals, which the methods' stratification
    # makes conservative.
    method = results.attrs.get("sampling", "mc")
    if method == "mc":
        return None
    totals_names = replicate_total_names(names)
    totals = results.replicate_totals.sel(total=list(totals_names)).values
    sizes = totals[:, 0]
    column = {name: i for i, name in enumerate(totals_names)}
    costs = totals[:, [column[f"cost_{k}"] for k in names]]
    _, low, high = replicate_interval(costs, sizes)
    baseline = costs[:, base]
    savings = {k: replicate_interval(baseline - costs[:, names.index(k)], sizes) for k in challengers}
    if "finetune" in names and "rag" in names:
        _, lo, hi = replicate_interval(costs[:, names.index("rag")] - costs[:, names.index("finetune")], sizes)
    else:
        lo = hi = math.nan
    cheapest = totals[:, [column[f"cheapest_{k}"] for k in names]]
    _, p_low, p_high = probability_interval(cheapest, sizes, method)
    best = int(np.argmin(results.mean_cost.sel(route=names).values))
    _, e_lo, e_hi = replicate_interval(costs[:, best] - totals[:, column["cost_min"]], sizes)
    return {
        "cost": {k: _pair(low[i], high[i]) for i, k in enumerate(names)},
        "savings_vs_prompt": {k: _pair(savings[k][1], savings[k][2]) for k in challengers},
        "savings_finetune_vs_rag": _pair(lo, hi),
        "p_cheapest": {k: _pair(max(0.0, p_low[i]), min(1.0, p_high[i])) for i, k in enumerate(names)},
        "evpi": _pair(max(0.0, e_lo), e_hi),
    }


def _pair(low, high):
    low, high = float(low), float(high)
    return [low, high] if math.isfinite(low) and math.isfinite(high) else None


QUANTILE_KEYS = {"p05": 0.05, "p50": 0.5, "p95": 0.95}


CLT = object()  # a mean's interval from the kept sample's spread (sim.stats.intervals.mean_interval)


def with_intervals(stats, values, scenarios, mean_ci95=CLT):
    """``stats`` with a 95% interval beside each estimate (``KEY_ci95``, see ``sim.stats.intervals``).

    ``values`` are the kept sample the quantiles and CVaR come from; the mean counts
    every one of ``scenarios``. ``mean_ci95``: the mean's interval when it comes from
    elsewhere (replicates), ``CLT`` to compute it from ``values``.
    """
    quantiles = dict(zip(QUANTILE_KEYS, quantile_intervals(values, list(QUANTILE_KEYS.values()))))
    if mean_ci95 is CLT:
        mean_ci95 = mean_interval(values, stats["mean"], scenarios)
    intervals = {"mean": mean_ci95, **quantiles}
    if "cvar05" in stats:
        intervals["cvar05"] = cvar_interval(values, stats["cvar05"], 0.05)
    out = {}
    for key, value in stats.items():
        out[key] = value
        if key in intervals:
            out[f"{key}_ci95"] = intervals[key]
    return out


BREAK_EVEN_KEYS = {"p10": 0.1, "p50": 0.5, "p90": 0.9}


def _break_even(volume):
    # inverted-CDF quantiles: each is a scenario's volume (inf, shown as null: never)
    estimates = _finite_or_none(np.quantile(volume, list(BREAK_EVEN_KEYS.values()), method="inverted_cdf"))
    intervals = quantile_intervals(volume, list(BREAK_EVEN_KEYS.values()))
    out = {}
    for key, estimate, interval in zip(BREAK_EVEN_KEYS, estimates, intervals):
        out[key] = estimate
        out[f"{key}_ci95"] = None if estimate is None else interval
    return out


SMALL_RUN = 10_000  # below it a probability's 95% interval is wider than about +-1 point
ENOUGH = 100_000  # the scenarios a small run is told to run


def small_run_note(summary):
    """A sentence for runs below ``SMALL_RUN`` scenarios (None above): how wide, what to run."""
    n = summary["scenarios"]
    if n >= SMALL_RUN or not summary["p_beats_prompt"]:  # one route: no probability to be rough
        return None
    widest = max((p["ci95"][1] - p["ci95"][0] for p in summary["p_beats_prompt"].values()), default=0.0) / 2
    # at ENOUGH scenarios an interval is sqrt(n / ENOUGH) as wide, or narrower (LHS and
    # Sobol converge at least as fast as plain Monte Carlo): not a fixed ±0.3 that a run
    # already narrower would contradict
    then = widest * math.sqrt(n / ENOUGH)
    if widest < 0.0005:  # every probability 0 or 1 here: "±0.0 points" would say nothing
        return (f"Only {n:,} scenarios: quantiles, CVaR and drivers are rough. Run scenarios={ENOUGH} or more"
                " before you decide.")
    return (f"Only {n:,} scenarios: probabilities are known to about ±{100 * widest:.1f} points (95%) and"
            f" quantiles, CVaR and drivers are rough. Run scenarios={ENOUGH} or more (about ±{100 * then:.2g}"
            " points or better) before you decide.")


def run_label(results):
    """What the run is: its presets, overrides, command, start time and a one-line label.

    ``label`` is the line every picture and report.md carries, so that a shared
    chart says which configuration it shows.
    """
    info = json.loads(results.attrs.get("run", "{}"))
    presets = info.get("presets") or {}
    shown_apart = {*presets, "scenarios", "horizon_months", "start"}
    overrides = [o for o in info.get("overrides") or [] if o.split("=")[0].lstrip("+~") not in shown_apart]
    parts = [f"{int(results.attrs['scenarios']):,} scenarios, {int(results.attrs['horizon_months'])} months"
             f" from {results.attrs['start']}"]
    parts += [f"{group}={choice}{label_note(info.get('stress_overrides'), choice) if group == 'stress' else ''}"
              for group, choice in presets.items() if group in LABELLED_GROUPS]
    if overrides:
        # as the user means them: Hydra's escapes (pert\(low\=1\)) are for its parser
        parts.append(" ".join(re.sub(r"\\(.)", r"\1", o) for o in overrides))
    label = " | ".join(parts)
    return {
        "label": label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "…",
        "presets": presets,
        "overrides": info.get("overrides") or [],
        "command": info.get("command"),
        "start_time": info.get("start_time") or results.attrs.get("created"),
    }


LABELLED_GROUPS = ("pricing", "workload", "stress")
LABEL_LENGTH = 400  # a subtitle wraps rather than cut the overrides that follow the presets


def drawn_inputs(results):
    """Config keys of the inputs drawn per scenario (the uncertain static inputs)."""
    return [name for name in results.data_vars if "." in name and results[name].dims == ("scenario",)]


def headline(summary):
    """One sentence on the recommended route (below confidence, the lean; without one, the route
    most likely to be the cheapest at the horizon), with its interval.

    A challenger: P(it beats the baseline within the horizon). The baseline itself: P(it
    stays the cheapest of the routes). Ties go to the route first in the configuration.
    """
    labels = {name: route_label(name, entry["kind"]) for name, entry in summary.get("routes", {}).items()}
    baseline = summary.get("baseline", "prompt")
    against = labels.get(baseline, "prompting")
    beats = summary["p_beats_prompt"]
    if not beats:
        return f"Only {against} is configured: add a route to compare it with (routes=default gives three)"
    cheapest = summary["p_cheapest"]
    winner = (summary.get("recommendation") or {}).get("route")
    if winner not in cheapest:
        winner = max(cheapest, key=lambda k: cheapest[k])
    months = summary["horizon_months"]
    if winner == baseline:
        estimate, interval = cheapest[winner], summary.get("p_cheapest_ci95", {}).get(winner)
        sentence = f"P({against} stays the cheapest of {len(cheapest)} routes within {months} months)"
    else:
        estimate, interval = beats[winner]["estimate"], beats[winner]["ci95"]
        sentence = f"P({labels.get(winner, STRATEGY_NAMES.get(winner, winner))} beats {against} within {months} months)"
    # a percentage as every probability of the report, with as many decimals as its interval
    # needs to read apart
    return f"{sentence} = {_percent_interval(estimate, interval)}"


def _percent_interval(value, interval):
    # 78.2% [78.1%, 78.3%], with more decimals (up to four) until the three read apart, as
    # sim.report.formats.with_interval writes every probability of the report
    if interval is None:
        return f"{value:.1%}"
    digits = 1
    if interval[0] < value < interval[1]:
        digits = next((d for d in range(1, 7) if len({f"{x:.{d}%}" for x in (value, *interval)}) == 3), 1)
    low, high = interval
    return f"{value:.{digits}%} [{low:.{digits}%}, {high:.{digits}%}]"


def calendar_events(results):
    """The provider calendar's dated events inside the horizon, as recorded in a run.

    A list of ``{sheet, event, date, month}``; ``event`` is ``training cutoff`` (the
    last month a training can be made) or ``serving end`` (the last month its
    fine-tuned models serve).
    """
    return json.loads(results.attrs.get("calendar_events", "[]"))


def _median_month(count_by_month):
    # median of a histogram over months 1..H; None without a single count
    total = count_by_month.sum()
    if total == 0:
        return None
    return int(np.searchsorted(np.cumsum(count_by_month), 0.5 * total) + 1)


def _payback(paid_back_count, scenarios):
    p10, p50, p90 = payback_quantiles(paid_back_count, scenarios, [0.1, 0.5, 0.9])
    return {"p10": p10, "p50": p50, "p90": p90, "never": 1.0 - float(paid_back_count[-1]) / scenarios}


def _finite_or_none(values):
    return [float(v) if math.isfinite(v) else None for v in values]


__all__ = ["BREAK_EVEN_KEYS", "CLT", "LABELLED_GROUPS", "LABEL_LENGTH", "QUANTILE_KEYS", "SMALL_RUN",
           "STRATEGY_NAMES", "calendar_events", "quality_summary", "sheet_sources", "drawn_inputs", "headline", "route_table", "run_label", "small_run_note",
           "summarize", "with_intervals"]
