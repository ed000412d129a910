"""The routes of a sweep's jobs, aligned by name.

Each job's ``summary.json`` names its routes (``routes.<name>.kind``) and its baseline. A
sweep may vary them (``routes=default,december-2026``, ``~routes.rag`` in some jobs,
``baseline=...``): the aggregate then holds every route any job has, in the order they
first appear, and a job without a route has no number for it (NaN). A name that is of two
kinds in two jobs keeps its name, its ``kind`` reads ``varies``.
"""

from dataclasses import dataclass

from sim.inputs.routes import KIND, colours, route_label

# A summary.json written before routes (model 2026-11-29): the three default routes.
DEFAULT_ROUTES = {"prompt": "prompt", "finetune": "finetune", "rag": "rag"}
DEFAULT_BASELINE = "prompt"
VARIES = "varies"


def job_routes(summary):
    """A job's routes ``{name: kind}`` in its order, and its baseline."""
    if "routes" not in summary:
        return dict(DEFAULT_ROUTES), DEFAULT_BASELINE
    routes = {name: route["kind"] for name, route in summary["routes"].items()}
    return routes, summary.get("baseline") or next(iter(routes))


def routes_problem(summary):
    """What is wrong with a summary's ``routes`` and ``baseline``, in words; None if nothing."""
    if "routes" not in summary:
        return None
    routes = summary["routes"]
    if not (isinstance(routes, dict) and routes and all(
            isinstance(name, str) and isinstance(route, dict) and route.get("kind") in KIND
            for name, route in routes.items())):
        return f"routes is not a mapping of route names to their kind ({routes!r})"
    baseline = summary.get("baseline")
    if baseline is not None and not (isinstance(baseline, str) and baseline in routes):
        return f"the baseline {baseline!r} is not one of its routes"
    return None


@dataclass(frozen=True)
class SweepRoutes:
    """Every route of a sweep's finished jobs, by name.

    ``names`` in order (``sweep_routes``); ``kinds`` each one's kind (``varies`` for a
    name of two kinds); ``challengers`` the names that are not the baseline in some job;
    ``baseline`` the jobs' baseline (``varies`` if they have two).
    """

    names: tuple
    kinds: dict
    challengers: tuple
    baseline: str

    @property
    def labels(self):
        """How the pictures and tables name each route (``route_label``)."""
        return {name: name if kind == VARIES else route_label(name, kind) for name, kind in self.kinds.items()}


def sweep_routes(summaries):
    """The routes of the summaries of a sweep's finished jobs (``SweepRoutes``).

    The routes are in the order of the job that has the most (the first of them), then any
    other as it first appears: a route then has the colour it has in that job's own
    pictures (``route_colours``), and in every job's when they all have the same routes.
    """
    held = [job_routes(summary) for summary in summaries]
    kinds, baselines, challengers = {}, [baseline for _, baseline in held], []
    for routes, baseline in sorted(held, key=lambda pair: -len(pair[0])):  # stable: the first of the largest
        for name, kind in routes.items():
            kinds[name] = kind if kinds.get(name, kind) == kind else VARIES
            if name != baseline and name not in challengers:
                challengers.append(name)
    if not kinds:  # no job finished: the default's routes, for a Dataset of the usual shape
        kinds, baselines, challengers = dict(DEFAULT_ROUTES), [DEFAULT_BASELINE], ["finetune", "rag"]
    names = tuple(kinds)
    shared = set(baselines)
    return SweepRoutes(names=names, kinds=kinds, challengers=tuple(k for k in names if k in challengers),
                       baseline=baselines[0] if len(shared) == 1 else VARIES)


def route_colours(names, baseline):
    """One colour per route as in a run's own pictures (``sim.inputs.routes.colours``): the
    baseline grey (the first route's place when the jobs' baselines vary)."""
    names = list(names)
    return colours(names, names.index(baseline) if baseline in names else 0)


__all__ = ["DEFAULT_BASELINE", "DEFAULT_ROUTES", "SweepRoutes", "VARIES", "job_routes", "route_colours",
           "routes_problem", "sweep_routes"]
