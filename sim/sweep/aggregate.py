"""Aggregate a Hydra multirun: one answer across the grid, rebuilt from what is on disk.

``sim.sweep.callbacks.AggregateSweep`` calls ``aggregate`` when a multirun ends; it walks the
sweep directory, so a job that failed or never finished is listed, not lost.
``python -m sim.sweep SWEEP_DIR`` does the same by hand.
"""


import csv
import io
import itertools
import json
import logging
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

from sim.sweep.plan import FAILURE_FILE, NUMBERED, read_plan
from sim.report.formats import usd, with_interval
from sim.io.signals import pause_point
from sim.io.files import atomic_path, error_reason, publishing
from sim.io.netcdf import write_dataset
from sim.sweep.pictures import SWEEP_PICTURES, sweep_chart
from sim.sweep.routes import VARIES, job_routes, routes_problem, sweep_routes
from sim.inputs.routes import route_label

log = logging.getLogger("payback")

# (variable, unit, description, reader of one challenger's numbers in summary.json); each
# against the job's baseline route
METRICS = (
    ("p_beats_prompt", "probability", "P(cheaper than the baseline at the horizon)",
     lambda s, k: s["p_beats_prompt"][k]["estimate"]),
    ("p_beats_prompt_low", "probability", "lower bound of its 95% interval",
     lambda s, k: s["p_beats_prompt"][k]["ci95"][0]),
    ("p_beats_prompt_high", "probability", "upper bound of its 95% interval",
     lambda s, k: s["p_beats_prompt"][k]["ci95"][1]),
    ("savings_mean", "USD", "expected savings against the baseline at the horizon, discounted",
     lambda s, k: s["savings_vs_prompt"][k]["mean"]),
    ("savings_mean_low", "USD", "lower bound of the expected savings' 95% interval (NaN for a small run)",
     lambda s, k: (s["savings_vs_prompt"][k].get("mean_ci95") or [None, None])[0]),
    ("savings_mean_high", "USD", "upper bound of the expected savings' 95% interval (NaN for a small run)",
     lambda s, k: (s["savings_vs_prompt"][k].get("mean_ci95") or [None, None])[1]),
    ("savings_p05", "USD", "5% quantile of savings against the baseline",
     lambda s, k: s["savings_vs_prompt"][k]["p05"]),
    ("savings_cvar05", "USD", "mean of the worst 5% of savings against the baseline (CVaR)",
     lambda s, k: s["savings_vs_prompt"][k]["cvar05"]),
    ("payback_month_p50", "month", "median payback month; NaN beyond the horizon",
     lambda s, k: s["payback_month"][k]["p50"]),
)
# (variable, unit, description, reader of one route's number in summary.json)
ROUTE_METRICS = (
    ("p_cheapest", "probability", "P(cheapest of the job's routes at the horizon)",
     lambda s, k: s.get("p_cheapest", {}).get(k)),
    ("cost_mean", "USD", "expected cost at the horizon, discounted",
     lambda s, k: s.get("cost", {}).get(k, {}).get("mean")),
    ("cost_p95", "USD", "95% quantile of the cost at the horizon, discounted",
     lambda s, k: s.get("cost", {}).get(k, {}).get("p95")),
    # quality (MODEL.md, "Quality and the cost of errors"); NaN for a job of a model without it
    ("p_win", "probability", "P(cheapest of the job's acceptable routes at the horizon)",
     lambda s, k: s.get("p_win", {}).get(k)),
    ("p_acceptable", "probability", "P(the route's own task success rate meets the job's quality.bar)",
     lambda s, k: s.get("p_acceptable", {}).get(k)),
)

def read_jobs(sweep_dir, plan=None):
    """Every job under a sweep directory, in job order, and every planned one not started.

    Parameters
    ----------
    sweep_dir : str or Path
    plan : dict, optional
        The sweep's plan (``sim.sweep.plan.read_plan``): a planned job without a directory
        holding ``.hydra/overrides.yaml`` is listed as ``not started``, with its
        planned overrides.

    Returns
    -------
    list of dict
        ``job`` (int), ``dir``, ``overrides`` (dict of key to the value as typed),
        ``summary`` (dict or None), ``error`` (str or None) and ``status``: ``ok``,
        ``failed`` (it failed or did not finish), ``damaged`` (a file of it cannot
        be read: truncated, not JSON, not a summary) or ``not started``.
    """
    jobs = []
    for job_dir in sorted(p for p in Path(sweep_dir).iterdir() if p.is_symlink() and p.name.isdigit()):
        # a link in a job's place is not read through, out of the sweep directory
        jobs.append({"job": int(job_dir.name), "dir": job_dir, "overrides": {}, "summary": None,
                     "status": "damaged", "error": f"{job_dir.name} is a symbolic link, not a job directory"})
    for overrides_file in Path(sweep_dir).glob("*/.hydra/overrides.yaml"):
        job_dir = overrides_file.parent.parent
        if job_dir.is_symlink():
            continue
        job = {"job": _job_number(job_dir.name), "dir": job_dir, "overrides": {}, "summary": None}
        try:
            job["overrides"] = _read_overrides(overrides_file)
            job.update(_read_job(job_dir))
        except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as error:
            # a file cut short or not ours: the job is listed as damaged, the rest aggregated
            job.update(status="damaged", summary=None, error=_damage(error))
        jobs.append(job)
    if plan is not None and plan.get("subdir") == NUMBERED:
        seen = {job["job"] for job in jobs}
        jobs += [{"job": planned["job"], "dir": None, "overrides": _overrides(planned["overrides"]),
                  "summary": None, "status": NOT_STARTED, "error": "never started"}
                 for planned in plan["jobs"] if planned["job"] not in seen]
    return sorted(jobs, key=lambda j: j["job"])


NOT_STARTED = "not started"


def _overrides(items):
    overrides = {}
    for item in items:
        key, _, value = item.partition("=")
        overrides[key.lstrip("+~")] = value
    return overrides


def _read_overrides(overrides_file):
    items = yaml.safe_load(overrides_file.read_text()) or []
    if not (isinstance(items, list) and all(isinstance(item, str) for item in items)):
        raise ValueError(".hydra/overrides.yaml: not a list of overrides")
    return _overrides(items)


def _read_job(job_dir):
    summary_file, failure_file = job_dir / "summary.json", job_dir / FAILURE_FILE
    if failure_file.is_file():
        error = _load_json(failure_file)["error"]
        return {"summary": None, "error": error, "status": "failed"}
    if not summary_file.is_file():
        return {"summary": None, "status": "failed",
                "error": "no summary.json: the job did not finish"}
    summary = _load_json(summary_file)
    problem = summary_problem(summary)
    if problem is not None:
        raise ValueError(f"summary.json: {problem}")
    return {"summary": summary, "error": None, "status": "ok"}


# Numbers of a job's summary.json that may be null: a median payback beyond the horizon,
# the interval of a run too small for one.
NULLABLE = ("payback_month_p50", "savings_mean_low", "savings_mean_high")


def summary_problem(summary):
    """What a job's summary.json lacks of what the aggregate reads, in words; None if nothing.

    Its routes (``sim.sweep.routes.routes_problem``; the three default ones if it names
    none), every number of ``METRICS`` for each route but its baseline, ``evpi`` and the
    recommended route must be there and be of its kind; ``ROUTE_METRICS``,
    ``horizon_months`` and ``confidence`` where present.
    """
    def number(value, nullable=False):
        return (value is None and nullable) or (isinstance(value, (int, float)) and not isinstance(value, bool))

    if not isinstance(summary, dict):
        return "not a mapping of keys to values"
    problem = routes_problem(summary)
    if problem is not None:
        return problem
    routes, baseline = job_routes(summary)
    for name, _, _, read in METRICS:
        for challenger in (k for k in routes if k != baseline):
            try:
                value = read(summary, challenger)
            except (KeyError, IndexError, TypeError):
                return f"no {name} of {challenger}"
            if not number(value, name in NULLABLE):
                return f"{name} of {challenger} is not a number ({value!r})"
    if not number(summary.get("evpi")):
        return f"evpi is not a number ({summary.get('evpi')!r})" if "evpi" in summary else "no 'evpi'"
    recommendation = summary.get("recommendation")
    if not (isinstance(recommendation, dict) and isinstance(recommendation.get("strategy"), str)):
        return "no recommended strategy (recommendation.strategy)"
    for name, _, _, read in ROUTE_METRICS:
        for route in routes:
            try:
                value = read(summary, route)
            except (AttributeError, TypeError):  # a list or a number where a mapping belongs
                return f"{name} of {route} is not a number"
            if not number(value, True):
                return f"{name} of {route} is not a number ({value!r})"
    for key in ("horizon_months", "confidence"):
        if key in summary and not number(summary[key]):
            return f"{key} is not a number ({summary[key]!r})"
    return None


def _load_json(path):
    try:
        return json.loads(path.read_text())
    except ValueError as error:
        raise ValueError(f"{path.name}: not JSON ({error})") from None


def _damage(error):
    reason = error_reason(error)
    return f"summary.json: {reason}" if isinstance(error, KeyError) else reason


def status_of(job):
    """``ok``, ``failed``, ``damaged`` or ``not started``."""
    return job.get("status") or ("ok" if job["summary"] is not None else "failed")


def _job_number(name):
    return int(name) if name.isdigit() else -1


def swept_keys(jobs):
    """Keys whose value differs between jobs, in the order they were given."""
    keys = []
    for job in jobs:
        keys += [k for k in job["overrides"] if k not in keys]
    return [k for k in keys if len({job["overrides"].get(k) for job in jobs}) > 1]


def _coordinate(values):
    """Numbers when every value reads as one, otherwise the strings as typed."""
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return list(values)


def to_dataset(jobs):
    """The sweep as a Dataset: dims are the swept keys for a full grid, else ``job``."""
    keys = swept_keys(jobs)
    levels = {}
    for key in keys:
        seen = list(dict.fromkeys(job["overrides"].get(key) for job in jobs))
        coordinate = _coordinate(seen)
        order = np.argsort(coordinate, kind="stable") if isinstance(coordinate[0], float) else range(len(seen))
        levels[key] = [seen[i] for i in order]
    points = [tuple(job["overrides"].get(k) for k in keys) for job in jobs]
    grid = (
        bool(keys)
        and len(set(points)) == len(points) == int(np.prod([len(v) for v in levels.values()]))
        and set(points) == set(itertools.product(*levels.values()))
    )
    if grid:
        dims = keys
        shape = [len(levels[k]) for k in keys]
        position = {p: np.unravel_index(i, shape) for i, p in enumerate(itertools.product(*levels.values()))}
        coords = {k: _coordinate(levels[k]) for k in keys}
    else:
        dims = ["job"]
        shape = [len(jobs)]
        position = {p: (i,) for i, p in enumerate(points)}
        coords = {"job": [job["job"] for job in jobs]}
        coords.update({k: ("job", [str(p[i]) for p in points]) for i, k in enumerate(keys)})

    def empty(dtype=float, fill=np.nan):
        return np.full(shape, fill, dtype=dtype)

    routes = sweep_routes(job["summary"] for job in jobs if job["summary"] is not None)
    names, challengers = list(routes.names), list(routes.challengers)
    metrics = {name: np.full([len(challengers), *shape], np.nan) for name, *_ in METRICS}
    per_route = {name: np.full([len(names), *shape], np.nan) for name, *_ in ROUTE_METRICS}
    present = np.zeros([len(names), *shape], dtype=np.int8)
    evpi, job_number = empty(), empty(int, -1)
    status, error, recommendation, baseline, action, lean = (empty(object, "") for _ in range(6))
    confident = empty(np.int8, -1)
    for job, point in zip(jobs, points, strict=True):
        at = position[point]
        job_number[at] = job["job"]
        if job["summary"] is None:
            status[at], error[at] = status_of(job), job["error"]
            continue
        summary = job["summary"]
        held, baseline[at] = job_routes(summary)
        status[at] = "ok"
        evpi[at] = summary["evpi"]
        recommendation[at] = summary["recommendation"]["strategy"]
        action[at], lean[at], confident[at] = recommended(summary)
        for name, _, _, read in METRICS:
            for c, challenger in enumerate(challengers):
                value = read(summary, challenger) if challenger in held and challenger != baseline[at] else None
                metrics[name][(c, *at)] = np.nan if value is None else value
        for i, route in enumerate(names):
            present[(i, *at)] = route in held
            for name, _, _, read in ROUTE_METRICS:
                value = read(summary, route) if route in held else None
                per_route[name][(i, *at)] = np.nan if value is None else value

    variables = {
        name: (("challenger", *dims), metrics[name], {"units": unit, "description": text})
        for name, unit, text, _ in METRICS
    }
    variables.update({
        name: (("route", *dims), per_route[name], {"units": unit, "description": text})
        for name, unit, text, _ in ROUTE_METRICS
    })
    variables.update(
        route_present=(("route", *dims), present, {"units": "1", "description": "1 where the job has the route"}),
        evpi=(dims, evpi, {"units": "USD", "description": "expected value of perfect information"}),
        recommendation=(dims, recommendation.astype(str),
                        {"description": "recommended route (its label), or not yet"}),
        recommended_action=(dims, action.astype(str),
                            {"description": "the recommendation as an action (Keep prompting, Build RAG, ...)"}),
        recommended_route=(dims, lean.astype(str),
                           {"description": "the recommended route's label; below confidence the lean (the route"
                                           " of lowest expected cost); empty where none is"}),
        confident=(dims, confident, {"units": "1", "description": "1 where the recommended route reached"
                                                                  " `confidence`, 0 where it is a lean, -1 unknown"}),
        # not "baseline": a sweep over baseline=... has a coordinate of that name
        job_baseline=(dims, baseline.astype(str), {"description": "the route the job compares every other with"}),
        status=(dims, status.astype(str),
                {"description": "ok, failed, damaged (a file cannot be read) or not started"}),
        error=(dims, error.astype(str), {"description": "why the job failed, empty if it did not"}),
        job_number=(dims, job_number, {"description": "Hydra job number (subdirectory)"}),
    )
    coords["challenger"] = challengers
    coords["route"] = names
    coords["kind"] = ("route", [routes.kinds[k] for k in names],
                      {"description": f"the route's kind: prompt, finetune, rag ({VARIES}: two in two jobs)"})
    return xr.Dataset(variables, coords=coords, attrs={
        "title": "payback sweep: one row of summary numbers per job",
        "swept_keys": ", ".join(keys),
        "fixed_overrides": " ".join(f"{k}={v}" for k, v in fixed_overrides(jobs).items()),
        "layout": "grid" if grid else "job list",
        "jobs": len(jobs),
        "failed_jobs": int(sum(status_of(job) == "failed" for job in jobs)),
        "damaged_jobs": int(sum(status_of(job) == "damaged" for job in jobs)),
        "not_started_jobs": int(sum(status_of(job) == NOT_STARTED for job in jobs)),
        "baseline": routes.baseline,
        **_shared(jobs, "horizon_months", int),
        **_shared(jobs, "confidence", float),
    })


def fixed_overrides(jobs):
    """Overrides every job was given with the same value, in the order given."""
    keys = []
    for job in jobs:
        keys += [k for k in job["overrides"] if k not in keys]
    values = {k: {job["overrides"].get(k) for job in jobs} for k in keys}
    return {k: next(iter(v)) for k, v in values.items() if len(v) == 1 and None not in v}


def _shared(jobs, key, kind):
    # a run setting every finished job shares, for the pictures' titles; "varies" if not
    seen = {job["summary"][key] for job in jobs if job["summary"] and key in job["summary"]}
    if not seen:
        return {}
    return {key: kind(seen.pop()) if len(seen) == 1 else "varies"}


def rows(jobs):
    """One flat row per job for ``sweep.csv``: a column per metric and route of any job
    (``p_beats_prompt.lora``), empty where the job has no such route."""
    keys = swept_keys(jobs)
    routes = sweep_routes(job["summary"] for job in jobs if job["summary"] is not None)
    table = []
    for job in jobs:
        summary = job["summary"]
        held, baseline = job_routes(summary) if summary else ({}, "")
        row = {"job": job["job"], "status": status_of(job)}
        row.update({k: job["overrides"].get(k, "") for k in keys})
        for name, _, _, read in METRICS:
            for challenger in routes.challengers:
                value = read(summary, challenger) if challenger in held and challenger != baseline else None
                row[f"{name}.{challenger}"] = "" if value is None else value
        for name, _, _, read in ROUTE_METRICS:
            for route in routes.names:
                value = read(summary, route) if route in held else None
                row[f"{name}.{route}"] = "" if value is None else value
        row["baseline"] = baseline
        row["evpi"] = summary["evpi"] if summary else ""
        row["recommendation"] = summary["recommendation"]["strategy"] if summary else ""
        row["recommended_action"] = recommended(summary)[0] if summary else ""
        row["error"] = job["error"] or ""
        table.append(row)
    return table


def aggregate(sweep_dir):
    """Write ``sweep.nc``, ``sweep.csv``, ``sweep.md`` and the pictures of a sweep.

    ``sweep.png`` always; for a grid over two keys also ``sweep_cheapest.png`` and
    ``sweep_recommendation.png`` (see ``sim.sweep.pictures.sweep_chart``).

    Returns
    -------
    list of dict
        The jobs that failed, are damaged or never started (``job``, ``status``,
        ``error``); empty when every job ran.

    Raises
    ------
    sim.sweep.plan.PlanError
        If the sweep's ``sweep_plan.json`` cannot be read.
    """
    sweep_dir = Path(sweep_dir)
    jobs = read_jobs(sweep_dir, read_plan(sweep_dir))
    if not jobs:
        raise FileNotFoundError(f"no job directories with .hydra/overrides.yaml in {sweep_dir}")
    dataset = to_dataset(jobs)
    pause_point("compute")
    table = rows(jobs)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    # published together: an interrupt leaves the earlier aggregate whole, never a new
    # sweep.nc beside an old sweep.csv, nor an old picture removed and no new one
    with publishing(f"the aggregate of {sweep_dir} (sweep.nc, sweep.csv, sweep.md and its pictures)") as files:
        write_dataset(dataset, sweep_dir / "sweep.nc")
        with atomic_path(sweep_dir / "sweep.csv") as temporary:
            temporary.write_text(buffer.getvalue())
        with atomic_path(sweep_dir / "sweep.md") as temporary:
            temporary.write_text(markdown_table(jobs))
        for stale in SWEEP_PICTURES:  # those this sweep does not draw again
            files.remove(sweep_dir / stale)
        sweep_chart(dataset, sweep_dir)
    failed = [{"job": j["job"], "status": status_of(j), "error": j["error"]} for j in jobs if j["summary"] is None]
    log.info("sweep of %d jobs aggregated in %s (%d failed, damaged or not started)", len(jobs), sweep_dir,
             len(failed))
    return failed


def recommended(summary):
    """A job's recommendation as ``(action, route label, confident)``: 1 where it reached
    ``confidence``, 0 for a lean; a summary written before actions gives its strategy, and -1."""
    rec = summary["recommendation"]
    if "action" not in rec:
        return rec["strategy"], "" if rec["strategy"] == "not yet" else rec["strategy"], -1
    route = rec.get("route")
    kind = summary.get("routes", {}).get(route, {}).get("kind", route)
    return rec["action"], "" if route is None else route_label(route, kind), int(bool(rec["confident"]))


def markdown_table(jobs):
    """P(beats the baseline), expected savings, CVaR and P(cheapest), each probability with
    its 95% interval (as the single run's report), per job and route, as a
    Markdown table: a row per job and route it compares with its baseline, whatever their
    number, and the job's recommendation on each."""
    keys = swept_keys(jobs)
    routes = sweep_routes(job["summary"] for job in jobs if job["summary"] is not None)
    labels = routes.labels
    against = labels.get(routes.baseline, "the baseline") if routes.baseline != VARIES else "the baseline"
    header = [*keys, "route", f"P(beats {against}) [95% CI]", "E[savings]", "CVaR 5%",
              "P(cheapest) [95% CI]",
              "recommendation"]
    if routes.baseline == VARIES:
        header.insert(len(keys), "baseline")
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for job in jobs:
        cells = [str(job["overrides"].get(k, "")) for k in keys]
        s = job["summary"]
        if s is None:
            lines.append(_cells(cells + [""] * (routes.baseline == VARIES)
                                + [f"{status_of(job)}: {job['error']}"] + [""] * 5))
            continue
        held, baseline = job_routes(s)
        cells += [labels.get(baseline, baseline)] if routes.baseline == VARIES else []
        others = [k for k in held if k != baseline] or [baseline]
        for k in others:
            if k == baseline:  # a job of its baseline alone: nothing to beat
                numbers = ["(the baseline alone)", "", "", ""]
            else:
                p, sv = s["p_beats_prompt"][k], s["savings_vs_prompt"][k]
                numbers = [with_interval(p["estimate"], p["ci95"], _probability), usd(sv["mean"]),
                           usd(sv["cvar05"])]
                numbers.append("" if s.get("p_cheapest", {}).get(k) is None else with_interval(
                    s["p_cheapest"][k], s.get("p_cheapest_ci95", {}).get(k), _probability))
            lines.append(_cells(cells + [labels.get(k, k)] + numbers + [recommended(s)[0]]))
    return "\n".join(lines) + "\n"


def _probability(value, digits):
    return f"{value:.{digits}f}"


def _cells(cells):
    return "| " + " | ".join(cells) + " |"


__all__ = ["METRICS", "NOT_STARTED", "NULLABLE", "ROUTE_METRICS",
           "aggregate", "fixed_overrides", "log", "markdown_table", "read_jobs", "recommended", "rows", "status_of",
           "summary_problem", "swept_keys", "to_dataset"]
