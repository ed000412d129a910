"""What a run's ``results.nc`` must hold for what reads it, checked before any use.

The readers are ``python -m sim.report`` (report.md, report.html and every picture of
``sim.report.pictures``), ``python -m sim.compare`` and, for a results.nc written before the
summary was kept in it, ``sim.results.summary.summarize``. ``sim.results.runs.read_run`` checks a
file against these lists before it hands it on, so that a damaged, edited or
foreign file is one line naming what it lacks (``no variable 'cost_slope'``), not a
traceback wherever it is first read. A reader that starts to read something new
adds it here.
"""

import json
import math

import numpy as np
import yaml

# Variables with their dims (in any order).
VARIABLES = {
    "cost": ("scenario", "route"),  # the savings histogram and CDF; compare, scenario by scenario
    "cost_fixed": ("scenario", "route"),  # the line crossing
    "cost_slope": ("scenario", "route"),
    "p_beats_prompt": ("challenger", "month"),  # the payback picture
    "p_beats_prompt_low": ("challenger", "month"),
    "p_beats_prompt_high": ("challenger", "month"),
    "savings_quantile": ("challenger", "quantile", "month"),  # the savings fan
}
# Read only where present (an older results.nc has none of them), then with the others
# of their group: the replicates (the convergence picture; compare under Sobol or a
# hypercube, which needs them) and the provider calendar's note under the savings fan.
GROUPS_IF_PRESENT = {
    "replicate_totals": {"replicate_totals": ("replicate", "total"),
                         "replicate_beats": ("replicate", "challenger", "month")},
    "p_platform_exit": {"p_platform_exit": ("finetune_route",), "p_migrated": ("finetune_route",)},
    "p_exited_for_good": {"p_exited_for_good": ("finetune_route",)},
    "p_over_capacity": {"p_over_capacity": ("route",), "replica_calls_per_month": ("route",)},
    # quality: the errors' cost per scenario (the line crossing's dotted medians) and the
    # report's quality section
    "error_cost": {"error_cost": ("scenario", "route")},
    "p_win": {"p_win": ("route",), "p_acceptable": ("route",), "p_no_winner": (), "replicate_win": ("replicate", "route"),
              "replicate_no_winner": ("replicate",), "mean_failed_calls": ("route",), "mean_error_cost": ("route",),
              "mean_resolved_calls": ("route",)},
}
# What summarize reads besides, when the summary is not in the attrs.
SUMMARY_SOURCE_VARIABLES = {
    "mean_cost": ("route",), "p_cheaper": ("route", "versus"), "p_cheapest": ("route",),
    "expected_min_cost": (), "paid_back_count": ("challenger", "month"), "p_shutdown": (),
}
# ... and, with a fine-tune route (a dim finetune_route), each one's lifecycle
SUMMARY_SOURCE_LIFECYCLE = {
    "exit_count": ("finetune_route", "month"), "mean_retrains": ("finetune_route",),
    "mean_attempts": ("finetune_route",), "p_finetune_failed": ("finetune_route",),
    "p_platform_exit": ("finetune_route",), "p_migrated": ("finetune_route",), "p_exited_for_good": ("finetune_route",),
}

# Kinds of values, as the messages name them (see KINDS).
NUMBER, NUMBER_OR_NULL, WHOLE = "a number", "a number or null", "a whole number"
TEXT, TEXT_OR_NULL = "text", "text or null"
INTERVAL, INTERVAL_OR_NULL = "an interval [low, high]", "an interval [low, high] or null"
DRIVER_ROWS, EVENTS = "a list of driver rows", "a list of calendar events"

# Attributes and their kinds; those of ATTRS_IF_PRESENT only where present.
ATTRS = {"config": "a YAML mapping", "horizon_months": WHOLE, "scenarios": WHOLE, "seed": WHOLE,
         "kept_scenarios": WHOLE}
ATTRS_IF_PRESENT = {"summary": "a JSON mapping", "start": TEXT, "sampling": "mc, lhs or sobol",
                    "volume_integrated": WHOLE, "successor_sheet": "a YAML mapping or empty",
                    "calendar_events": "a JSON list of calendar events", "run": "a JSON mapping",
                    "model_version": TEXT, "precision": "a JSON mapping or empty", "baseline": TEXT,
                    "routes": "a JSON list", "sheets": "a JSON mapping of price sheets",
                    "input_sources": "a JSON mapping"}
SUMMARY_SOURCE_ATTRS = {"start": TEXT, "discount_rate": NUMBER, "confidence": NUMBER, "on_platform_exit": TEXT,
                        "successor": TEXT, "pricing_as_of": TEXT, "pricing_source": TEXT}

# The summary (summary.json, and the copy in results.nc's attrs): dotted keys and their
# kinds; K stands for each route, C for each challenger (every route but the baseline); a
# key after "?" only where present (read with .get): the fine-tune keys only with a
# fine-tune route, the comparison of fine-tuning with RAG only with routes of those names,
# the routes' own keys not in a summary of model 2026-11-29.
SUMMARY = {
    "headline": TEXT, "?small_run": TEXT_OR_NULL, "horizon_months": WHOLE, "scenarios": WHOLE,
    "kept_scenarios": WHOLE, "seed": WHOLE, "discount_rate": NUMBER, "confidence": NUMBER, "start": TEXT,
    "evpi": NUMBER, "?evpi_ci95": INTERVAL_OR_NULL, "p_cheapest.K": NUMBER, "?p_cheapest_ci95.K": INTERVAL_OR_NULL,
    "run.label": TEXT, "run.command": TEXT_OR_NULL, "run.start_time": TEXT_OR_NULL,
    "recommendation.strategy": TEXT, "recommendation.reason": TEXT, "recommendation": "a recommendation",
    "?value_of_information": "a value-of-information record", "?thresholds": "a mapping of thresholds",
    "?drivers.C.fixed_inputs": "fixed-input rows", "?drivers.C.fixed_inputs_basis": "a mapping or null", "pricing.as_of": TEXT, "pricing.source": TEXT,
    "?retrains.mean": NUMBER, "?finetune_failed.fraction": NUMBER, "shutdown.fraction": NUMBER,
    "?platform_exit.fraction": NUMBER, "?platform_exit.month_p50": NUMBER_OR_NULL, "?platform_exit.for_good": NUMBER,
    "?migrations.mean": NUMBER, "calendar.on_platform_exit": TEXT, "calendar.successor": TEXT_OR_NULL,
    "calendar.events": EVENTS, "?baseline": TEXT, "?routes.K.kind": TEXT, "?routes.K.sheet": TEXT_OR_NULL,
    "?capacity": "a mapping", "?lifecycle": "a mapping", "?sheets": "a mapping of price sheets", "?inputs": "a mapping",
    **{f"?savings_finetune_vs_rag.{q}": NUMBER for q in ("mean", "cvar05")},
    **{f"?savings_finetune_vs_rag.{q}_ci95": INTERVAL_OR_NULL for q in ("mean", "cvar05")},
    **{f"cost.K.{q}": NUMBER for q in ("mean", "p05", "p95")}, "?cost.K.mean_ci95": INTERVAL_OR_NULL,
    "p_beats_prompt.C.estimate": NUMBER, "p_beats_prompt.C.ci95": INTERVAL,
    **{f"savings_vs_prompt.C.{q}": NUMBER for q in ("mean", "p05", "p50", "cvar05")},
    **{f"?savings_vs_prompt.C.{q}_ci95": INTERVAL_OR_NULL for q in ("mean", "p05", "p50", "cvar05")},
    **{f"payback_month.C.{q}": NUMBER_OR_NULL for q in ("p10", "p50", "p90")}, "payback_month.C.never": NUMBER,
    **{f"break_even_calls_per_month.C.{q}": NUMBER_OR_NULL for q in ("p10", "p50", "p90")},
    **{f"?break_even_calls_per_month.C.{q}_ci95": INTERVAL_OR_NULL for q in ("p10", "p50", "p90")},
    "drivers.C.ranked": DRIVER_ROWS, "drivers.C.no_detectable_effect": DRIVER_ROWS, "drivers.C.skipped": TEXT_OR_NULL,
    "?sampling": "a sampling record", "?precision": "a precision record or null",
    # quality (model 2026-12-06b): absent from the summary of an earlier run
    "?quality.bar": NUMBER, "?quality.error_cost": TEXT, "?p_acceptable.K": NUMBER,
    "?p_acceptable_ci95.K": INTERVAL_OR_NULL, "?p_win.K": NUMBER, "?p_win.none": NUMBER,
    "?p_win_ci95.K": INTERVAL_OR_NULL, "?p_win_ci95.none": INTERVAL_OR_NULL, "?failed_calls.K.mean": NUMBER,
    "?error_cost.K.mean": NUMBER, "?cost_per_resolved_call.K": NUMBER_OR_NULL,
}
DRIVER_ROW = {"input": TEXT, "description": TEXT, "unit": TEXT, "low_tenth_up_to": NUMBER, "high_tenth_from": NUMBER,
              "effect": NUMBER, "ci95": INTERVAL, "p_low": NUMBER, "p_high": NUMBER, "savings_low": NUMBER,
              "savings_high": NUMBER}
EVENT = {"sheet": TEXT, "event": TEXT, "date": TEXT, "month": WHOLE}
SAMPLING_METHODS = ("mc", "lhs", "sobol")


def _number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _whole(value):
    # a seed or scenario count beyond int32 is kept as a decimal string (NetCDF3)
    if isinstance(value, str):
        return value.isdigit()
    return _number(value) and math.isfinite(value) and value == int(value)


def _interval(value):
    return isinstance(value, list) and len(value) == 2 and all(b is None or _number(b) for b in value)


def _rows(value, fields):
    return isinstance(value, list) and all(
        isinstance(row, dict) and all(k in row and KINDS[kind](row[k]) for k, kind in fields.items()) for row in value)


def _loads(text, loader, kind):
    try:
        value = loader(text) if isinstance(text, str) else None
    except (ValueError, yaml.YAMLError):
        return False
    return isinstance(value, kind)


def _sheets(value):
    # each sheet's name, and the day and source its prices were read from, as text
    return isinstance(value, dict) and all(
        isinstance(name, str) and isinstance(sheet, dict)
        and all(isinstance(sheet.get(k), str) for k in ("as_of", "source")) for name, sheet in value.items())


def _recommendation(value):
    # a summary written before actions holds strategy, probability and reason only; one with an
    # action holds every key the memo reads
    if not isinstance(value, dict) or "action" not in value:
        return isinstance(value, dict)
    stakes = value.get("stakes")
    runner = stakes.get("runner_up") if isinstance(stakes, dict) else None
    settle = value.get("settle")
    return (isinstance(value["action"], str) and (value.get("route") is None or isinstance(value["route"], str))
            and isinstance(value.get("confident"), bool) and _number(value.get("probability"))
            and KINDS[INTERVAL_OR_NULL](value.get("probability_ci95"))
            and isinstance(stakes, dict) and all(_number(stakes.get(k)) for k in ("baseline_cost", "savings",
                                                                                    "savings_p05"))
            and (runner is None or (isinstance(runner, dict) and isinstance(runner.get("route"), str)
                                    and _number(runner.get("savings")) and _number(runner.get("savings_p95"))))
            and (settle is None or (isinstance(settle, dict) and isinstance(settle.get("input"), str)
                                    and _number(settle.get("evppi")) and KINDS[INTERVAL_OR_NULL](settle.get("ci95"))
                                    and all(isinstance(k, str) for k in settle.get("inputs") or [])))
            and isinstance(value.get("warnings"), list) and all(isinstance(w, str) for w in value["warnings"]))


def _information(value):
    def entry(v):
        return isinstance(v, dict) and _number(v.get("evppi")) and KINDS[INTERVAL_OR_NULL](v.get("ci95"))
    return (isinstance(value, dict) and _number(value.get("evpi"))
            and KINDS[INTERVAL_OR_NULL](value.get("evpi_ci95"))
            and isinstance(value.get("inputs"), dict) and all(entry(v) for v in value["inputs"].values())
            and isinstance(value.get("groups"), dict)
            and all(entry(v) and isinstance(v.get("inputs"), list) for v in value["groups"].values()))


def _thresholds(value):
    return isinstance(value, dict) and all(
        isinstance(rows, list) and all(isinstance(r, dict) and _number(r.get("value")) and isinstance(r.get("from"), str)
                                       and isinstance(r.get("to"), str) for r in rows) for rows in value.values())


FIXED_INPUT_ROW = {"input": TEXT, "value": NUMBER, "low": NUMBER, "high": NUMBER, "savings_low": NUMBER,
                   "savings_high": NUMBER}


KINDS = {
    NUMBER: _number,
    NUMBER_OR_NULL: lambda v: v is None or _number(v),
    WHOLE: _whole,
    TEXT: lambda v: isinstance(v, str),
    TEXT_OR_NULL: lambda v: v is None or isinstance(v, str),
    INTERVAL: _interval,
    INTERVAL_OR_NULL: lambda v: v is None or _interval(v),
    DRIVER_ROWS: lambda v: _rows(v, DRIVER_ROW),
    EVENTS: lambda v: _rows(v, EVENT),
    "mc, lhs or sobol": lambda v: v in SAMPLING_METHODS,
    "a sampling record": lambda v: (isinstance(v, dict) and v.get("method") in SAMPLING_METHODS
                                    and _whole(v.get("replicates")) and KINDS[TEXT_OR_NULL](v.get("note"))),
    "a precision record or null": lambda v: v is None or (
        isinstance(v, dict) and isinstance(v.get("targets"), dict)
        and all(KINDS[NUMBER_OR_NULL](t) for t in v["targets"].values())
        and isinstance(v.get("achieved"), dict)
        and all(isinstance(a, dict) and all(_number(x) for x in a.values()) for a in v["achieved"].values())
        and _whole(v.get("scenarios_used")) and KINDS[TEXT_OR_NULL](v.get("note"))),
    "a YAML mapping": lambda v: _loads(v, yaml.safe_load, dict),
    "a YAML mapping or empty": lambda v: v == "" or _loads(v, yaml.safe_load, dict),
    "a JSON mapping": lambda v: _loads(v, json.loads, dict),
    "a JSON mapping or empty": lambda v: v == "" or _loads(v, json.loads, dict),
    "a mapping": lambda v: isinstance(v, dict),
    "a mapping or null": lambda v: v is None or isinstance(v, dict),
    "a recommendation": _recommendation,
    "a value-of-information record": _information,
    "a mapping of thresholds": _thresholds,
    "fixed-input rows": lambda v: _rows(v, FIXED_INPUT_ROW),
    "a JSON list": lambda v: _loads(v, json.loads, list),
    "a mapping of price sheets": lambda v: _sheets(v),
    "a JSON mapping of price sheets": lambda v: _loads(v, json.loads, dict) and _sheets(json.loads(v)),
    "a JSON list of calendar events": lambda v: _loads(v, json.loads, list) and KINDS[EVENTS](json.loads(v)),
}


def results_problem(results, *, with_summary):
    """What ``results`` (a run's Dataset) lacks of what its readers use, in words; None if nothing.

    Parameters
    ----------
    results : xarray.Dataset
    with_summary : bool
        The summary is in its attrs; otherwise what ``summarize`` reads is needed too.
    """
    variables = dict(VARIABLES)
    for trigger, group in GROUPS_IF_PRESENT.items():
        if trigger in results.variables:
            variables.update(group)
    if results.attrs.get("sampling", "mc") != "mc":  # its intervals come from the replicates
        variables.update(GROUPS_IF_PRESENT["replicate_totals"])
    attrs = {**ATTRS, **{k: v for k, v in ATTRS_IF_PRESENT.items() if k in results.attrs}}
    if not with_summary:
        variables.update(SUMMARY_SOURCE_VARIABLES)
        if "finetune_route" in results.dims:
            variables.update(SUMMARY_SOURCE_LIFECYCLE)
        attrs.update(SUMMARY_SOURCE_ATTRS)
    for name, dims in variables.items():
        if name not in results.variables:
            return f"no variable {name!r}"
        if set(results[name].dims) != set(dims):
            return f"variable {name!r} has dims ({', '.join(results[name].dims)}), not ({', '.join(dims)})"
    for coordinate in ("route", "challenger", "kind"):
        if coordinate not in results.coords:
            return f"no coordinate {coordinate!r}"
    from sim.inputs.routing import ROUTE_NAME

    names = [str(name) for name in results.route.values]
    if not all(ROUTE_NAME.fullmatch(name) for name in names):  # names go into tables and keys as they are
        return "a route's name is not letters, digits, '_' and '-'"
    baseline = results.attrs.get("baseline", names[0] if names else None)
    if baseline not in names:
        return f"the baseline {baseline!r} is not a route"
    challengers = [str(name) for name in results.challenger.values]
    if challengers != [name for name in names if name != baseline]:
        return "the challengers are not the routes besides the baseline"
    if any(str(kind) not in ("prompt", "finetune", "rag") for kind in results.kind.values):
        return "a route's kind is not prompt, finetune or rag"
    for name, kind in attrs.items():
        if name not in results.attrs:
            return f"no attribute {name!r}"
        if not KINDS[kind](results.attrs[name]):
            return f"attribute {name!r} is not {kind}"
    problem = _routes_problem(results, names) or _months_problem(results)
    if problem:
        return problem
    successor = results.attrs.get("successor_sheet")
    config = yaml.safe_load(results.attrs["config"])
    return _config_problem(config) or _volume_problem(results, config) or (
        _successor_problem(yaml.safe_load(successor)) if successor else None)


def _routes_problem(results, names):
    # the routes as recorded (each route's inputs, for the report's assumptions) are the
    # Dataset's routes, in order
    if "routes" not in results.attrs:
        return None
    recorded = json.loads(results.attrs["routes"])
    if not all(isinstance(route, dict) and isinstance(route.get("name"), str) for route in recorded) or \
            [route["name"] for route in recorded] != names:
        return "attribute 'routes' does not list the Dataset's routes, in order"
    if not all(route.get("inputs") is None or (isinstance(route["inputs"], list)
                                                and all(isinstance(key, str) for key in route["inputs"]))
               for route in recorded):
        return "attribute 'routes' holds a route's inputs that are not a list of keys"
    return None


def _months_problem(results):
    # the pictures span the months 1..H; a calendar event outside them, or a cost that is
    # not a number, has no place on an axis
    horizon = results.attrs["horizon_months"]
    if _whole(horizon) and results.sizes.get("month", 0) != int(horizon):
        return f"{results.sizes.get('month', 0)} months, not horizon_months ({horizon})"
    for event in json.loads(results.attrs.get("calendar_events") or "[]"):
        if not 0 <= event["month"] <= int(horizon):
            return f"a calendar event in month {event['month']}, outside the horizon (0 to {horizon})"
    for name in ("cost", "cost_fixed", "cost_slope"):
        if name in results.variables and not np.isfinite(results[name].values).all():
            return f"variable {name!r} holds a value that is not a finite number"
    return None


VOLUME = "workload.calls_per_month"
# The inputs model 2026-12-06 added (routes, prompt caching, the baseline's calendar), and
# model 2026-12-06b's quality inputs
NEWER_INPUTS = ("workload.prompt_prefix_tokens", "workload.finetuned_prefix_tokens", "workload.rag_prefix_tokens",
                "workload.cache_hit_rate", "pricing.base_cached_input", "pricing.finetuned_cached_input",
                "prompt.migration_cost", "quality.prompt", "quality.finetune", "quality.rag", "quality.error_cost")


def _volume_problem(results, config):
    # the line crossing reads each saved scenario's month-1 volume: its variable when it
    # is drawn, the configured number when fixed
    if results.sizes.get("scenario", 0) and VOLUME not in results.variables and not isinstance(
            config["workload"]["calls_per_month"], (int, float)):
        return f"no variable {VOLUME!r} (month-1 volume is uncertain in the configuration, so each row drew one)"
    return None


def _config_problem(config):
    # the report's assumptions: every uncertain input as configured, and the calendar keys
    from sim.inputs.schema import input_metadata
    from sim.inputs.distributions import InputError, parse

    for key, meta in input_metadata().items():
        section, name = key.split(".")
        if section == "successor":
            continue
        if key in NEWER_INPUTS and name not in (config.get(section) or {}):
            continue  # a run of model 2026-11-29 had none: its default, the model as it was
        if not isinstance(config.get(section), dict) or name not in config[section]:
            return f"the configuration (attribute 'config') has no {key!r}"
        if config[section][name] is None and section == "pricing":  # a cached price not given
            continue
        try:
            parse(key, config[section][name], meta["domain"])
        except InputError as error:
            return f"the configuration (attribute 'config'): {error}"
    for key in ("finetune.reprice_on_retrain", "finetune.on_platform_exit", "finetune.successor"):
        section, name = key.split(".")
        if name not in config[section]:
            return f"the configuration (attribute 'config') has no {key!r}"
    return None


def _successor_problem(sheet):
    # the successor's prices, as_of and source, shown in the report's assumptions
    from sim.inputs.schema import SUCCESSOR_PRICES, input_metadata
    from sim.inputs.distributions import InputError, parse

    for name in SUCCESSOR_PRICES:
        if name not in sheet:
            return f"the successor's sheet (attribute 'successor_sheet') has no {name!r}"
        try:
            parse(f"successor.{name}", sheet[name], input_metadata()[f"pricing.{name}"]["domain"])
        except InputError as error:
            return f"the successor's sheet (attribute 'successor_sheet'): {error}"
    for name in ("as_of", "source"):
        if not isinstance(sheet.get(name), str):
            return f"the successor's sheet (attribute 'successor_sheet') has no text {name!r}"
    return None


def summary_problem(summary, routes, challengers):
    """The first key of ``SUMMARY`` that ``summary`` lacks or holds as another kind, in words; None if none.

    ``routes`` are the run's route names, ``challengers`` those besides the baseline."""
    if not isinstance(summary, dict):
        return "the summary is not a mapping"
    for pattern, kind in SUMMARY.items():
        optional = pattern.startswith("?")
        for key in _expand(pattern.lstrip("?"), routes, challengers):
            node, found = summary, True
            for part in key.split("."):
                if not isinstance(node, dict) or part not in node:
                    found = False
                    break
                node = node[part]
            if not found and not optional:
                return f"the summary has no {key!r}"
            if found and not KINDS[kind](node):
                return f"the summary's {key!r} is not {kind}"
    return None


def _expand(pattern, routes, challengers):
    parts = pattern.split(".")
    keys = [[]]
    for part in parts:
        options = {"K": routes, "C": challengers}.get(part, [part])
        keys = [[*key, option] for key in keys for option in options]
    return [".".join(key) for key in keys]


__all__ = ["ATTRS", "ATTRS_IF_PRESENT", "DRIVER_ROW", "DRIVER_ROWS", "EVENT", "EVENTS", "GROUPS_IF_PRESENT",
           "INTERVAL", "INTERVAL_OR_NULL", "KINDS", "NEWER_INPUTS", "NUMBER", "NUMBER_OR_NULL", "SAMPLING_METHODS",
           "SUMMARY", "SUMMARY_SOURCE_ATTRS", "SUMMARY_SOURCE_LIFECYCLE", "SUMMARY_SOURCE_VARIABLES", "TEXT", "TEXT_OR_NULL",
           "VARIABLES", "VOLUME", "WHOLE", "results_problem", "summary_problem"]
