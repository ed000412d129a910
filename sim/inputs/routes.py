"""The routes of a run: the one registry from which every shape, name, colour and label derives.

A route is one way to serve the task (MODEL.md, "Routes"): a kind — ``prompt``,
``finetune`` or ``rag`` — with its own price sheet and the inputs it reads. The kernel
knows routes by kind and by the static column of each field it reads
(``kernels.layout.ROUTE_FIELDS``); everything else (the results' ``route`` coordinate, the
pictures' colours and the report's words) comes from here. Adding a kind is a change to
``KIND``, its fields in ``FIELD_KEYS``, the kernel's cost rule and the schema.
"""

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from kernels.layout import (
    CALENDAR_LEN,
    DRAW_SPEC_LEN,
    FINETUNE,
    KINDS,
    N_ROUTE_FIELDS,
    PROMPT,
    RAG,
    ROUTE_FIELDS,
)
from sim.inputs.schema import MAX_GENERATIONS



@dataclass(frozen=True)
class Kind:
    """A kind of route: its kernel code and how the report speaks of it."""

    name: str
    code: int
    label: str  # "prompting": the noun for what a route of this kind does


KIND = {
    "prompt": Kind("prompt", PROMPT, "prompting"),
    "finetune": Kind("finetune", FINETUNE, "fine-tuning"),
    "rag": Kind("rag", RAG, "RAG"),
}
assert tuple(KIND) == KINDS

# The shared input each kind reads for each route field (kernels.layout.ROUTE_FIELDS);
# a route's own value or another sheet's price takes its place (sim.inputs.routing).
_SHARED = {"output_tokens": "workload.output_tokens", "cache_hit_rate": "workload.cache_hit_rate",
           "error_cost": "quality.error_cost"}
_BASE = {"base_input": "pricing.base_input", "base_output": "pricing.base_output",
         "base_cached_input": "pricing.base_cached_input", "prompt_migration_cost": "prompt.migration_cost"}
FIELD_KEYS = {
    "prompt": {**_SHARED, **_BASE, "input_tokens": "workload.prompt_tokens",
               "prefix_tokens": "workload.prompt_prefix_tokens", "quality": "quality.prompt"},
    "finetune": {
        **_SHARED,
        "quality": "quality.finetune",
        "input_tokens": "workload.finetuned_prompt_tokens",
        "prefix_tokens": "workload.finetuned_prefix_tokens",
        "finetuned_input": "pricing.finetuned_input",
        "finetuned_output": "pricing.finetuned_output",
        "finetuned_cached_input": "pricing.finetuned_cached_input",
        "training": "pricing.training",
        "hosting_per_month": "pricing.hosting_per_month",
        **{name: f"finetune.{name}" for name in (
            "training_tokens", "setup_cost", "months_to_ship", "success_probability", "max_attempts",
            "mean_months_between_retrains", "retrain_interval_cv", "retrain_cost", "retrain_months",
            "maintenance_per_month", "migration_cost")},
    },
    "rag": {
        **_SHARED,
        **_BASE,
        "quality": "quality.rag",
        "input_tokens": "workload.rag_prompt_tokens",
        "prefix_tokens": "workload.rag_prefix_tokens",
        "embedding": "pricing.embedding",
        "query_embedding_tokens": "workload.query_embedding_tokens",
        **{name: f"rag.{name}" for name in (
            "corpus_tokens", "setup_cost", "months_to_ship", "vector_store_per_month",
            "reindex_fraction_per_month")},
    },
}
assert all(set(keys) <= set(ROUTE_FIELDS) for keys in FIELD_KEYS.values())


class Event(NamedTuple):
    """A dated end inside the horizon that a route meets: ``event`` is ``training cutoff``,
    ``serving end`` (a fine-tune's sheet) or ``base retirement`` (a prompt or RAG route's base
    model, then ``successor``'s); ``date`` ISO; ``month`` the last model month before it bites
    (0: before month 1)."""

    sheet: str
    event: str
    date: str
    month: int
    successor: object = None


@dataclass(frozen=True)
class Route:
    """One route of a run, resolved (``sim.inputs.routing``).

    ``keys`` pairs each route field the kernel reads with the static input it reads
    (a shared key, ``routes.NAME.SECTION.KEY`` or ``sheets.SHEET.KEY``); ``generations``
    are a prompt or RAG route's base models, ``(first_month, base_input, base_output,
    base_cached_input)`` keys each; ``calendar`` a fine-tune's last training and serving
    months on its sheet and its successor's; ``lifetime`` its base model's lifetime per
    generation (a Distribution, months); ``capacity`` the calls a month one replica of
    its dedicated endpoint serves (inf: billed per token).
    """

    name: str
    kind: str
    sheet: str
    keys: tuple = ()
    generations: tuple = ()
    calendar: tuple = None
    successor: str = None
    migrate: bool = False
    reprice: bool = True
    lifetime: object = None
    capacity: float = math.inf
    events: tuple = ()

    @property
    def label(self):
        """How the report names the route (``route_label``)."""
        return route_label(self.name, self.kind)

    def key(self, field_name):
        """The static input the route reads for ``field_name`` (None if it reads none)."""
        return dict(self.keys).get(field_name)

    @property
    def inputs(self):
        """Every static input the route reads, in a stable order (its generations' prices included)."""
        found = [key for _, key in self.keys]
        for generation in self.generations:
            found += generation[1:]
        return tuple(dict.fromkeys(found))


def route_label(name, kind):
    """How the report names a route: its kind's noun ("fine-tuning") for a route named after its
    kind, else its name."""
    return KIND[kind].label if name == kind and kind in KIND else name


# The routes of a configuration that names none (conf/routes/default.yaml gives the same
# to a composed one): one of each kind on the pricing group's sheet, prompting the baseline.
DEFAULT_ROUTES = {"prompt": {"kind": "prompt"}, "finetune": {"kind": "finetune"}, "rag": {"kind": "rag"}}

MAX_ROUTES = 8  # one colour-blind-safe colour each (PALETTE)

# One colour per route, everywhere (Okabe & Ito's palette, readable with any colour
# vision): the baseline grey, the others in the configuration's order.
BASELINE_COLOUR = "#555555"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def colours(names, baseline):
    """A colour per route name: the baseline's grey, the others in order."""
    others = iter(PALETTE)
    return {name: BASELINE_COLOUR if i == baseline else next(others) for i, name in enumerate(names)}


class KernelRoutes(NamedTuple):
    """The routes as ``kernels.scenarios.simulate_block`` takes them (see its docstring)."""

    kind: np.ndarray
    columns: np.ndarray
    calendar: np.ndarray
    base_lifetime: np.ndarray
    reprice_on_retrain: np.ndarray
    migrate_on_exit: np.ndarray
    generations: np.ndarray
    capacity: np.ndarray
    baseline: int


def kernel_routes(routes, baseline, column_of, horizon):
    """The kernel's view of ``routes``.

    Parameters
    ----------
    routes : sequence of Route
    baseline : int
        Position of the baseline route (a prompt route).
    column_of : mapping of str to int
        The static column of every input key.
    horizon : int
        Months; ``horizon + 1`` marks an end beyond it.
    """
    n = len(routes)
    if routes[baseline].kind != "prompt":
        raise ValueError(f"the baseline route {routes[baseline].name!r} is not a prompt route")
    columns = np.full((n, N_ROUTE_FIELDS), -1, dtype=np.int64)
    calendar = np.full((n, CALENDAR_LEN), horizon + 1, dtype=np.int64)
    lifetimes = np.zeros((n, DRAW_SPEC_LEN))
    # a generation: the month it starts and the columns of its base input, output and cached input
    generations = np.full((n, MAX_GENERATIONS, 4), -1, dtype=np.int64)
    generations[:, :, 0] = horizon + 1
    for r, route in enumerate(routes):
        for field_name, key in route.keys:
            columns[r, ROUTE_FIELDS.index(field_name)] = column_of[key]
        if route.calendar is not None:
            calendar[r] = route.calendar
        if route.lifetime is not None:
            lifetimes[r] = route.lifetime.spec()
        for j, (first, base_input, base_output, base_cached) in enumerate(route.generations):
            generations[r, j] = (first, column_of[base_input], column_of[base_output], column_of[base_cached])
    return KernelRoutes(
        kind=np.array([KIND[route.kind].code for route in routes], dtype=np.int64),
        columns=columns,
        calendar=calendar,
        base_lifetime=lifetimes,
        reprice_on_retrain=np.array([route.kind == "finetune" and route.reprice for route in routes]),
        migrate_on_exit=np.array([route.kind == "finetune" and route.migrate for route in routes]),
        generations=generations,
        capacity=np.array([route.capacity for route in routes], dtype=np.float64),
        baseline=int(baseline),
    )


__all__ = ["BASELINE_COLOUR", "DEFAULT_ROUTES", "Event", "FIELD_KEYS", "KIND", "KernelRoutes", "MAX_GENERATIONS", "MAX_ROUTES", "PALETTE", "Route",
           "colours", "kernel_routes", "route_label"]
