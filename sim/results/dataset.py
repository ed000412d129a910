"""The results Dataset: every output of a run with named dims, units and meanings.

``to_dataset`` assembles the run's whole Dataset in memory (every kept row, float64),
from which the summary is computed; ``saved_dataset`` is what ``results.nc`` holds:
every aggregate, the first ``saved_scenarios`` per-scenario rows in types no wider
than their precision needs, and the summary itself.

A reader of ``results.nc`` needs no code of ours: each variable says in its attrs
what it is and in which unit, and the resolved configuration is in the Dataset's.
"""

import json
from datetime import datetime, timezone

import numpy as np
import xarray as xr
from omegaconf import OmegaConf

from sim.stats.analysis import SAVINGS_QUANTILES, savings_quantiles
from sim.inputs.schema import input_metadata
from sim.stats.precision import probability_interval, replicate_total_names
from sim.simulation.sampling import REPLICATE
from sim.results.summary import drawn_inputs
from sim.inputs.static import metadata_of
from sim.inputs.provenance import input_sources
from sim.results.cashflows import cashflow_variables
MODEL_REFERENCE = "payback decision model (MODEL.md): prompting vs fine-tuning vs RAG"
# The version of MODEL.md a run computes: the day it last changed what is computed
# (issue #26: quality and the cost of errors, the same day as issue #25's routes, prompt caching and
# the baseline's own calendar, hence a letter). Bump it with every such change to MODEL.md;
# ``python -m sim.compare`` refuses to compare runs of two versions.
MODEL_VERSION = "2026-12-06b"


def _var(dims, data, units, description, **attrs):
    return xr.Variable(dims, data, attrs={"units": units, "description": description, **attrs})


def _integer_attribute(value):
    # NetCDF3 attributes hold no 64-bit integer: a seed or a count beyond int32 is
    # written in decimal, which int() reads back exactly (every reader here uses it).
    return value if -(2**31) <= value < 2**31 else str(value)


def to_dataset(settings, simulation, run_info=None):
    """Assemble a run's Dataset.

    Parameters
    ----------
    settings : sim.inputs.validation.Settings
        The validated configuration of the run.
    simulation : sim.simulation.engine.Simulation
        The run's raw outputs.
    run_info : dict, optional
        What the run is: ``presets`` (config group choices), ``overrides``,
        ``command``, ``start_time`` (and from the command line ``choices``, ``preset_keys``,
        ``stress_overrides``); stored as JSON in the attrs, with ``input_sources``
        (``sim.inputs.provenance``) beside it.

    Returns
    -------
    xarray.Dataset
        Dims ``scenario``, ``route`` (with coordinates ``kind`` and ``sheet``), ``versus``
        (the routes again), ``challenger`` (every route but the baseline),
        ``finetune_route`` (the fine-tune routes' lifecycle; absent without one), ``month``.
    """
    n, horizon = simulation.scenarios, settings.horizon_months
    kept = len(simulation.cost)
    totals = simulation.totals
    routes = settings.routes
    names = [route.name for route in routes]
    challengers = [i for i in range(len(names)) if i != settings.baseline]
    baseline = names[settings.baseline]
    metadata = input_metadata()
    variables = {}
    for column, key in enumerate(simulation.drawn_keys):
        meta = metadata_of(key, metadata)
        variables[key] = _var(
            "scenario", simulation.drawn[:, column], meta["unit"],
            f"drawn input: {meta['description']}",
            distribution=settings.inputs[key].describe(),
        )

    discounted = f"discounted at {settings.discount_rate:g}/year to month 1"
    versus = f"the baseline route ({baseline})"
    payback = np.where(simulation.payback > 0, simulation.payback, np.nan)[:, challengers]
    shutdown = np.where(simulation.shutdown_month > 0, simulation.shutdown_month, np.nan)
    sizes = simulation.replicate_totals[:, 0]
    replicate_beats = simulation.replicate_beats[:, challengers]
    _, low, high = probability_interval(replicate_beats, sizes, simulation.sampling)
    low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
    interval_method = ("Wilson score interval (independent scenarios)"
                       if simulation.sampling == "mc" or len(sizes) < 2
                       else f"t interval over {len(sizes)} independently randomised replicates")
    paid_back_by_month = np.cumsum(totals.paid_back[challengers], axis=1)
    tuned = [i for i, route in enumerate(routes) if route.kind == "finetune"]
    alive_months = totals.over_capacity[-1]
    capacity = np.array([route.capacity for route in routes])
    over_capacity = np.where(np.isfinite(capacity), totals.over_capacity[:-1] / max(alive_months, 1.0), np.nan)
    variables.update(
        cost=_var(
            ("scenario", "route"), simulation.cost, "USD",
            f"cumulative cost at the horizon, {discounted}",
        ),
        cost_fixed=_var(
            ("scenario", "route"), simulation.cost_fixed, "USD",
            "part of cost that does not scale with volume (A in cost = A + V_1 * B)",
        ),
        cost_slope=_var(
            ("scenario", "route"), simulation.cost_slope, "USD per (call/month)",
            "cost per call/month of month-1 volume (B in cost = A + V_1 * B)",
        ),
        payback_month=_var(
            ("scenario", "challenger"), payback, "month",
            f"first month m with C_k(m) <= C_baseline(m), against {versus}; NaN: not within the horizon",
        ),
        paid_back_count=_var(
            ("challenger", "month"), paid_back_by_month, "scenarios",
            "scenarios whose payback month is <= m",
        ),
        p_paid_back=_var(
            ("challenger", "month"), paid_back_by_month / n, "probability",
            f"P(payback month <= m): the route's cumulative cost has reached {versus}'s by m",
        ),
        mean_cost=_var("route", totals.cost_sum / n, "USD", f"mean cost at the horizon, {discounted}"),
        expected_min_cost=_var(
            (), totals.min_cost_sum / n, "USD",
            "mean over scenarios of the cheapest route's cost at the horizon (E[min_k C_k], for EVPI)",
        ),
        p_cheaper=_var(
            ("route", "versus"), totals.cheaper_count / n, "probability",
            "P(C_route < C_versus) at the horizon",
        ),
        p_cheapest=_var(
            "route", totals.cheapest_count / n, "probability",
            "P(the route is cheaper than every other at the horizon); ties count for none",
        ),
        p_shutdown=_var((), totals.shutdown / n, "probability", "P(the use case ended within the horizon)"),
        shutdown_month=_var(
            "scenario", shutdown, "month", "month the use case ended; NaN: it did not"
        ),
        replica_calls_per_month=_var(
            "route", capacity, "calls/month",
            "calls a month one replica of the route's dedicated endpoint serves (its sheet's"
            " replica_calls_per_month); inf: billed per token, no replica",
        ),
        p_over_capacity=_var(
            "route", over_capacity, "fraction",
            "share of scenario-months (while the use case runs) whose volume exceeds one replica:"
            " where the flat hosting fee stops being true; NaN: the route has no replica",
        ),
        beats_prompt_count=_var(
            ("challenger", "month"), simulation.beats[challengers], "scenarios",
            "scenarios with C_k(m) < C_baseline(m)",
        ),
        p_beats_prompt=_var(
            ("challenger", "month"), simulation.beats[challengers] / n, "probability",
            f"P(route is cheaper than {versus} by month m), cumulative discounted cost",
        ),
        p_beats_prompt_low=_var(
            ("challenger", "month"), low, "probability",
            f"lower bound of the 95% interval of p_beats_prompt: {interval_method}",
        ),
        p_beats_prompt_high=_var(
            ("challenger", "month"), high, "probability",
            f"upper bound of the 95% interval of p_beats_prompt: {interval_method}",
        ),
        replicate_beats=_var(
            ("replicate", "challenger", "month"), replicate_beats, "scenarios",
            "beats_prompt_count of each replicate (a probability summed over its scenarios"
            " when month-1 volume is integrated out)",
        ),
        replicate_totals=_var(
            ("replicate", "total"), simulation.replicate_totals, "scenarios, or USD summed over scenarios",
            "each replicate's totals: its scenarios, each route's summed cost and the cheapest's,"
            " and its scenarios in which each route is cheapest; replicates are independently"
            " randomised, so their spread gives the intervals",
        ),
    )
    variables.update(quality_variables(settings, simulation, discounted))
    if tuned:  # each fine-tune route's lifecycle (a run without one has none)
        variables.update(
            mean_retrains=_var("finetune_route", totals.retrains[tuned] / n, "count",
                               "mean drift- or deprecation-triggered retrains"),
            mean_attempts=_var("finetune_route", totals.attempts[tuned] / n, "count", "mean training attempts paid"),
            p_finetune_failed=_var("finetune_route", totals.failed[tuned] / n, "probability",
                                   "P(every training attempt failed)"),
            retrains=_var(
                ("scenario", "finetune_route"), simulation.retrains[:, tuned], "count",
                "drift- or deprecation-triggered retrains paid within the horizon",
            ),
            attempts=_var(("scenario", "finetune_route"), simulation.attempts[:, tuned], "count",
                          "training attempts paid"),
            finetune_failed=_var(
                ("scenario", "finetune_route"), simulation.failed[:, tuned], "1",
                "every training attempt failed the quality bar; served by prompting",
            ),
            exit_month=_var(
                ("scenario", "finetune_route"), simulation.exit_month[:, tuned], "month",
                "month the fine-tune route first left its platform (a training or serving end"
                " of the provider calendar); -1: it did not",
            ),
            migrated=_var(
                ("scenario", "finetune_route"), simulation.migrated[:, tuned], "1",
                "the fine-tune route moved to its successor's sheet",
            ),
            exited_for_good=_var(
                ("scenario", "finetune_route"), simulation.exited[:, tuned], "1",
                "at the horizon the fine-tune route serves by prompting for good after a platform exit"
                " (without migration, or the successor's own exit)",
            ),
            exit_count=_var(
                ("finetune_route", "month"), totals.exited[tuned], "scenarios",
                "scenarios whose fine-tune route left its platform in month m",
            ),
            p_platform_exit=_var(
                "finetune_route", totals.exited[tuned].sum(axis=1) / n, "probability",
                "P(the fine-tune route left its platform within the horizon)",
            ),
            p_migrated=_var("finetune_route", totals.migrated[tuned] / n, "probability",
                            "P(the fine-tune route migrated to its successor)"),
            p_exited_for_good=_var(
                "finetune_route", totals.exited_for_good[tuned] / n, "probability",
                "P(at the horizon the calendar has left the fine-tune route prompting for good)",
            ),
        )
    band_sample = len(simulation.paths)
    variables["savings_quantile"] = _var(
        ("challenger", "quantile", "month"), savings_quantiles(simulation.paths, settings.baseline), "USD",
        f"quantiles of cumulative savings C_baseline(m) - C_k(m) against {versus}, {discounted}"
        f" (positive: cheaper than the baseline), over the first {band_sample} scenarios",
        scenarios=band_sample,
    )
    if settings.save_paths:
        variables["cumulative_cost"] = _var(
            ("scenario", "route", "month"), simulation.paths, "USD",
            f"cumulative cost by month, {discounted}",
        )

    coords = {
        "scenario": _var(
            "scenario", np.arange(kept), "1",
            f"scenario index; per-scenario variables keep the first {kept:,} of {n:,} scenarios"
            " (a uniform sample: scenarios are independent); variables without this dim count all",
        ),
        "route": _var("route", names, "1", "a way to serve the task (MODEL.md, Routes), named in the configuration"),
        "kind": _var("route", [route.kind for route in routes], "1", "the route's kind: prompt, finetune or rag"),
        "sheet": _var("route", [route.sheet for route in routes], "1", "the route's price sheet (conf/pricing/)"),
        "versus": _var("versus", names, "1", "the route compared with"),
        "challenger": _var("challenger", [names[i] for i in challengers], "1",
                           f"routes compared with {versus}"),
        "month": _var(
            "month", np.arange(1, horizon + 1), "month",
            f"month 1 is the first of the decision, calendar month {settings.start}",
        ),
        "quantile": _var("quantile", list(SAVINGS_QUANTILES), "1", "quantile level"),
        "replicate": _var(
            "replicate", np.arange(len(sizes)), "1",
            f"replicate index: consecutive groups of up to {REPLICATE} scenarios, in order",
        ),
        "total": _var("total", list(replicate_total_names(names)), "1", "a replicate's total"),
    }
    # the budget (issue #27): nominal spend by month and fiscal year, from the same path sample
    budget, budget_coords = cashflow_variables(simulation.paths, discount_rate=settings.discount_rate,
                                               start=settings.start, fiscal_year_start=settings.fiscal_year_start)
    variables.update(budget)
    coords.update(budget_coords)
    if tuned:
        coords["finetune_route"] = _var("finetune_route", [names[i] for i in tuned], "1",
                                        "the fine-tune routes, whose lifecycle the variables of this dim describe")
    pricing = settings.resolved["pricing"]
    attrs = {
        "start": settings.start,
        "run": json.dumps(run_info or {}),
        # JSON: every input the run read, its value as configured and its source (sim.inputs.provenance)
        "input_sources": json.dumps(input_sources(settings, run_info)),
        "baseline": baseline,
        # JSON: each route's name, kind, sheet and the static inputs it reads (config keys)
        "routes": json.dumps([{"name": route.name, "kind": route.kind, "sheet": route.sheet,
                               "inputs": list(route.inputs)} for route in routes]),
        "on_platform_exit": settings.resolved["finetune"]["on_platform_exit"],
        "successor": settings.resolved["finetune"]["successor"] or "",
        # JSON: the dated events inside the horizon, each with its month and the routes it binds
        "calendar_events": json.dumps(route_events(routes)),
        "title": "payback: Monte Carlo costs of prompting, fine-tuning and RAG routes",
        "model": MODEL_REFERENCE,
        "model_version": MODEL_VERSION,
        "seed": _integer_attribute(settings.seed),
        "scenarios": _integer_attribute(n),
        "kept_scenarios": _integer_attribute(kept),
        "horizon_months": horizon,
        "discount_rate": settings.discount_rate,
        "confidence": settings.confidence,
        "pricing_as_of": pricing["as_of"],
        "pricing_source": pricing["source"],
        "fixed_inputs": ", ".join(
            f"{k}={d.params[0]:g}" for k, d in settings.inputs.items() if d.is_fixed
        ),
        "config": OmegaConf.to_yaml(settings.resolved),
        "successor_sheet": OmegaConf.to_yaml(settings.successor_sheet) if settings.successor_sheet else "",
        # JSON: every price sheet the routes read, with the day it was read and its source
        "sheets": json.dumps(sheet_provenance(routes, settings.route_sheets or {}, pricing)),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sampling": simulation.sampling,
        "volume_integrated": int(simulation.integrated),
        "sampling_note": settings.sampling_note or "",
        # JSON: precision targets, the half-widths achieved, met, scenarios used ({} without targets)
        "precision": json.dumps(simulation.precision or {}),
        "scenarios_cap": _integer_attribute(settings.scenarios),
        # MODEL.md, "Quality and the cost of errors": the bar and the cost of a failed call as configured
        "quality_bar": float(settings.quality_bar),
        "quality_error_cost": settings.inputs["quality.error_cost"].describe(),
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def quality_variables(settings, simulation, discounted):
    """The quality outputs (MODEL.md, "Quality and the cost of errors") as Dataset variables.

    Means and probabilities count every scenario (conditional means over month-1 volume
    when it is integrated out, as ``mean_cost``); ``error_cost`` per scenario only where a
    failed call costs something in some scenario.
    """
    n = simulation.scenarios
    totals = simulation.totals
    bar = f"quality.bar = {settings.quality_bar:g}"
    variables = dict(
        p_acceptable=_var("route", totals.acceptable_count / n, "probability",
                          f"P(the route's own task success rate meets the bar), {bar}"),
        p_win=_var("route", totals.win_count[:-1] / n, "probability",
                   "P(the route is the cheapest of the acceptable routes at the horizon); ties count for none"),
        p_no_winner=_var((), totals.win_count[-1] / n, "probability", f"P(no route is acceptable), {bar}"),
        replicate_win=_var(("replicate", "route"), simulation.replicate_win[:, :-1], "scenarios",
                           "each replicate's scenarios in which the route wins (a probability summed over its"
                           " scenarios when month-1 volume is integrated out)"),
        replicate_no_winner=_var("replicate", simulation.replicate_win[:, -1], "scenarios",
                                 "each replicate's scenarios in which no route is acceptable"),
        mean_failed_calls=_var("route", totals.failed_calls / n, "calls",
                               "mean calls that fail (need human follow-up) within the horizon, not discounted"),
        mean_error_cost=_var("route", totals.error_cost / n, "USD",
                             f"mean cost of the failed calls at the horizon (part of mean_cost), {discounted}"),
        mean_resolved_calls=_var("route", totals.resolved_calls / n, "calls",
                                 f"mean calls resolved within the horizon, {discounted} as costs are"
                                 " (the denominator of the cost per resolved call)"),
    )
    if simulation.error_cost.any():
        variables["error_cost"] = _var(("scenario", "route"), simulation.error_cost, "USD",
                                       f"cost of the failed calls at the horizon (part of cost), {discounted}")
    return variables


def sheet_provenance(routes, sheets, pricing):
    """Each price sheet the routes read (their own, a fine-tune's successor, a base model's
    successors) as ``{name: {as_of, source}}``, in the order first read.

    ``sheets`` holds every sheet read, by name; ``pricing`` the pricing group's sheet, for
    a run that read no other.
    """
    used = []
    for route in routes:
        used += [route.sheet, route.successor]
        used += [event.successor for event in route.events if event.event == "base retirement"]
    found = {}
    for name in dict.fromkeys(name for name in used if name):
        sheet = sheets.get(name) or (pricing if pricing.get("sheet") in (name, None) else None)
        if sheet is not None:
            found[name] = {"as_of": sheet["as_of"], "source": sheet["source"]}
    return found


def route_events(routes):
    """The dated events inside the horizon that the routes meet, each once, in month order.

    Returns
    -------
    list of dict
        ``{sheet, event, date, month, successor, routes}``: ``event`` is ``training cutoff``,
        ``serving end`` or ``base retirement``; ``month`` the last model month before it
        bites; ``routes`` the names of the routes it binds.
    """
    found = {}
    for route in routes:
        for event in route.events:
            entry = found.setdefault(tuple(event), {**event._asdict(), "routes": []})
            entry["routes"].append(route.name)
    return sorted(found.values(), key=lambda e: (e["month"], e["date"], e["sheet"], e["event"]))


# On disk, drawn inputs and the cost lines' A and B are float32: rounding moves a value
# by at most 2^-24 (6e-8) of itself, far below any interval of the run and any pixel of
# its pictures. ``cost`` stays float64: tests check it to the cent in closed form, and
# it is the savings every reader subtracts.
FLOAT32_NOTE = "stored as float32: within 6e-8 of the computed value (relative), far below any interval of the run"
NARROWED_COSTS = ("cost_fixed", "cost_slope")
# Months with NaN for "never" are whole numbers up to horizon_months + 1 (at most 1201):
# int16 on disk with the CF _FillValue -1, which xarray and netCDF readers turn back
# into NaN (as float32, exact for whole months).
MONTHS_WITH_NEVER = ("payback_month", "shutdown_month")
MONTH_FILL = np.int16(-1)
# Counts and exit_month (-1: no exit, as in memory): int16 where every value fits.
SMALL_INTEGERS = ("retrains", "attempts", "exit_month")
_INT16 = np.iinfo(np.int16)


def saved_dataset(results, summary, rows=None):
    """The Dataset ``results.nc`` holds: a run's aggregates, its first rows, its summary.

    Parameters
    ----------
    results : xarray.Dataset
        The run's whole Dataset (``to_dataset``), every kept row.
    summary : dict
        The summary computed from ``results`` (``sim.results.summary.summarize``), embedded as
        JSON in the attr ``summary``: the file reproduces it, and the report, without
        the rows it leaves out.
    rows : int, optional
        Per-scenario rows to keep, the first ones (a uniform sample, as the kept rows
        are of all scenarios); None keeps every kept row.

    Returns
    -------
    xarray.Dataset
        Every variable without the ``scenario`` dim as in ``results``; per-scenario
        variables cut to ``min(rows, kept)`` rows, drawn inputs, ``cost_fixed`` and
        ``cost_slope`` as float32, ``payback_month`` and ``shutdown_month`` as float32
        encoded int16 with ``_FillValue`` -1 (NaN: never), ``retrains``, ``attempts`` and
        ``exit_month`` as int16 where they fit. Attrs ``saved_scenarios`` (rows),
        ``kept_scenarios``, ``scenarios`` and ``summary`` (JSON).
    """
    kept = results.sizes["scenario"]
    rows = kept if rows is None else min(rows, kept)
    n = int(results.attrs["scenarios"])
    saved = results.isel(scenario=slice(0, rows))
    narrowed = {}
    for name in (*drawn_inputs(results), *NARROWED_COSTS, *(["error_cost"] if "error_cost" in saved else [])):
        narrowed[name] = saved[name].variable.astype(np.float32)
        narrowed[name].attrs["precision"] = FLOAT32_NOTE
    for name in MONTHS_WITH_NEVER:
        narrowed[name] = saved[name].variable.astype(np.float32)
        narrowed[name].encoding = {"dtype": "int16", "_FillValue": MONTH_FILL}
    for name in (name for name in SMALL_INTEGERS if name in saved):  # none without a fine-tune route
        values = saved[name].values
        if not values.size or (_INT16.min <= values.min() and values.max() <= _INT16.max):
            narrowed[name] = saved[name].variable.astype(np.int16)
    scenario = saved["scenario"].variable.copy()
    scenario.attrs["description"] = (
        f"scenario index; per-scenario variables hold the first {rows:,} of the {kept:,} kept"
        f" of {n:,} scenarios (a uniform sample: scenarios are independent), saved_scenarios;"
        " the summary (attr summary) was computed from every kept one; variables without this dim count all"
    )
    saved = saved.assign(narrowed).assign_coords(scenario=scenario)
    saved.attrs = {
        **results.attrs,
        "saved_scenarios": _integer_attribute(rows),
        # JSON: summary.json's numbers, from every kept row; sim.report.document reads them from here
        "summary": json.dumps(summary, allow_nan=False),
    }
    return saved


__all__ = ["FLOAT32_NOTE", "MODEL_REFERENCE", "MODEL_VERSION", "MONTHS_WITH_NEVER", "MONTH_FILL",
           "NARROWED_COSTS", "SMALL_INTEGERS", "quality_variables", "route_events", "saved_dataset", "to_dataset"]
