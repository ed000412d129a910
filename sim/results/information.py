"""The summary's value of information: what knowing each drawn input (or a group of them)
before choosing is worth, and where the cheapest route on average changes as it moves."""

import numpy as np
import yaml

from sim.stats.evppi import Costs, line_thresholds

VOLUME = "workload.calls_per_month"
PILOT = "fine-tune pilot"


def value_of_information(results, routes, drawn, evpi, evpi_ci95):
    """``value_of_information`` and ``thresholds`` of a run's summary, from its Dataset.

    Parameters
    ----------
    results : xarray.Dataset
        The run (kept scenarios' ``cost``, ``cost_fixed``, ``cost_slope``).
    routes : dict
        ``sim.results.summary.route_table(results)``.
    drawn : dict
        Each drawn input's key and its per-scenario draws.
    evpi : float
        The run's EVPI (USD), and ``evpi_ci95`` its interval, as the summary states them.

    Returns
    -------
    dict
        ``value_of_information: {evpi, evpi_ci95, inputs: {KEY: {evppi, ci95}},
        groups: {NAME: {inputs, evppi, ci95}}}`` (USD, discounted at the horizon; the
        estimate and its interval from ``sim.stats.evppi``, over at most its first
        ``LIMIT`` kept scenarios) and ``thresholds: {KEY: [{value, from, to}]}``, only
        for inputs whose EVPPI's interval excludes 0 (elsewhere a crossing of fitted
        lines is noise) and that have one. For month-1 volume the thresholds are the
        crossings of the routes' mean cost lines (``sim.stats.evppi.line_thresholds``)
        unless ``correlations`` ties volume to another input. With one route all is 0.
    """
    names = list(routes)
    costs = Costs(results.cost.transpose("scenario", "route").sel(route=names).values)
    inputs, thresholds = {}, {}
    for key, values in drawn.items():
        inputs[key], found = costs.analyse(values, names)
        if key == VOLUME and not _correlated(results, key):
            found = line_thresholds(results.cost_fixed.transpose("scenario", "route").sel(route=names).values,
                                    results.cost_slope.transpose("scenario", "route").sel(route=names).values,
                                    values, names)
        interval = inputs[key]["ci95"]
        if found and interval is not None and interval[0] > 0.0:
            thresholds[key] = found
    groups = {}
    for name, keys in default_groups(routes, drawn).items():
        groups[name] = {"inputs": keys, **costs.evppi(np.column_stack([drawn[k] for k in keys]))}
    return {
        "value_of_information": {"evpi": evpi, "evpi_ci95": evpi_ci95, "inputs": inputs, "groups": groups},
        "thresholds": thresholds,
    }


def default_groups(routes, drawn):
    """Named groups of drawn inputs: ``fine-tune pilot``, what a pilot fine-tune would
    measure: each fine-tune route's success probability and, where quality is
    uncertain, its success rate (``quality.finetune`` or a route's own)."""
    candidates = []
    for route in routes.values():
        if route["kind"] != "finetune":
            continue
        keys = route["inputs"] if route["inputs"] is not None else list(drawn)
        candidates += [k for k in keys if k.rsplit(".", 1)[-1] == "success_probability"
                       or k.endswith("quality.finetune")]
    pilot = [k for k in dict.fromkeys(candidates) if k in drawn]
    return {PILOT: pilot} if pilot else {}


def _correlated(results, key):
    config = yaml.safe_load(results.attrs.get("config") or "") or {}
    pairs = config.get("correlations") or [] if isinstance(config, dict) else []
    return any(isinstance(p, dict) and key in (p.get("inputs") or []) for p in pairs)
