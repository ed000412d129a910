"""The routes of a run: the one registry from which every shape, name, colour and label derives.

A route is one way to serve the task (MODEL.md, "Routes"): a kind — ``prompt``,
``finetune`` or ``rag`` — and the inputs it reads. The kernel knows routes by kind
and by the static column of each field it reads (``kernels.layout.ROUTE_FIELDS``);
everything else (the results' ``strategy`` coordinate, the pictures' colours and the
report's words) comes from here. Adding a kind is a change to ``KINDS``, its fields in
``FIELD_KEYS``, the kernel's cost rule and the schema.
"""

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
    STATIC_FIELDS,
)


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

# The config key each kind reads for each route field (kernels.layout.ROUTE_FIELDS).
_SHARED = {"output_tokens": "workload.output_tokens"}
_BASE_PRICES = {"base_input": "pricing.base_input", "base_output": "pricing.base_output"}
FIELD_KEYS = {
    "prompt": {**_SHARED, **_BASE_PRICES, "input_tokens": "workload.prompt_tokens"},
    "finetune": {
        **_SHARED,
        "input_tokens": "workload.finetuned_prompt_tokens",
        "finetuned_input": "pricing.finetuned_input",
        "finetuned_output": "pricing.finetuned_output",
        "training": "pricing.training",
        "hosting_per_month": "pricing.hosting_per_month",
        **{name: f"finetune.{name}" for name in (
            "training_tokens", "setup_cost", "months_to_ship", "success_probability", "max_attempts",
            "mean_months_between_retrains", "retrain_interval_cv", "retrain_cost", "retrain_months",
            "maintenance_per_month", "migration_cost")},
        **{f"successor_{name}": f"successor.{name}" for name in (
            "finetuned_input", "finetuned_output", "training", "hosting_per_month")},
    },
    "rag": {
        **_SHARED,
        **_BASE_PRICES,
        "input_tokens": "workload.rag_prompt_tokens",
        "embedding": "pricing.embedding",
        "query_embedding_tokens": "workload.query_embedding_tokens",
        **{name: f"rag.{name}" for name in (
            "corpus_tokens", "setup_cost", "months_to_ship", "vector_store_per_month",
            "reindex_fraction_per_month")},
    },
}
assert all(set(keys) <= set(ROUTE_FIELDS) for keys in FIELD_KEYS.values())


@dataclass(frozen=True)
class Route:
    """One route of a run: its name (as in results and summary keys) and its kind."""

    name: str
    kind: str

    @property
    def label(self):
        """How the report names the route: its kind's noun for the default routes, else its name."""
        return KIND[self.kind].label if self.name == self.kind else self.name


# The default run: one route of each kind on one sheet, the first the baseline (MODEL.md).
DEFAULT_ROUTES = (Route("prompt", "prompt"), Route("finetune", "finetune"), Route("rag", "rag"))
BASELINE = 0

# One colour per route, everywhere: the baseline grey, then the others in order.
BASELINE_COLOUR = "#555555"
CHALLENGER_COLOURS = ("#1f77b4", "#d62728")


def colours(names, baseline):
    """A colour per route name: the baseline's grey, the others in order."""
    others = iter(CHALLENGER_COLOURS)
    return {name: BASELINE_COLOUR if i == baseline else next(others) for i, name in enumerate(names)}


class KernelRoutes(NamedTuple):
    """The routes as ``kernels.scenarios.simulate_block`` takes them (see its docstring)."""

    kind: np.ndarray
    columns: np.ndarray
    calendar: np.ndarray
    base_lifetime: np.ndarray
    reprice_on_retrain: np.ndarray
    migrate_on_exit: np.ndarray
    baseline: int


def kernel_routes(routes, baseline, *, calendar, base_lifetime, reprice_on_retrain, migrate_on_exit):
    """The kernel's view of ``routes``.

    Parameters
    ----------
    routes : sequence of Route
    baseline : int
        Position of the baseline route (a prompt route).
    calendar : int64[CALENDAR_LEN]
        The fine-tune's last training and serving months on its sheet, then on its
        successor's (see ``kernels.layout.TRAINING_UNTIL``).
    base_lifetime : float64[DRAW_SPEC_LEN]
        The fine-tune's base model's lifetime per generation, months (a kernel spec).
    reprice_on_retrain, migrate_on_exit : bool
        The fine-tune's pricing and platform-exit choices.
    """
    n = len(routes)
    columns = np.full((n, N_ROUTE_FIELDS), -1, dtype=np.int64)
    for r, route in enumerate(routes):
        for field_name, key in FIELD_KEYS[route.kind].items():
            columns[r, ROUTE_FIELDS.index(field_name)] = STATIC_FIELDS.index(key)
    if routes[baseline].kind != "prompt":
        raise ValueError(f"the baseline route {routes[baseline].name!r} is not a prompt route")
    finetune = np.array([route.kind == "finetune" for route in routes])
    dates = np.zeros((n, CALENDAR_LEN), dtype=np.int64)
    dates[:] = calendar
    lifetimes = np.zeros((n, DRAW_SPEC_LEN))
    lifetimes[:] = base_lifetime
    return KernelRoutes(
        kind=np.array([KIND[route.kind].code for route in routes], dtype=np.int64),
        columns=columns,
        calendar=dates,
        base_lifetime=lifetimes,
        reprice_on_retrain=finetune & bool(reprice_on_retrain),
        migrate_on_exit=finetune & bool(migrate_on_exit),
        baseline=int(baseline),
    )


__all__ = [
    "BASELINE",
    "DEFAULT_ROUTES",
    "FIELD_KEYS",
    "KIND",
    "KernelRoutes",
    "Route",
    "colours",
    "kernel_routes",
]
