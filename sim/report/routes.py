"""How a run's report names and colours its routes: one label and one colour per route,
the same in every picture and table.
"""

from typing import NamedTuple

from sim.inputs.routes import colours, route_label
from sim.results.summary import route_table


class RouteView(NamedTuple):
    """The routes of a run as the report shows them.

    ``names`` in the run's order; ``labels``, ``colours``, ``sheets`` and ``kinds`` by name; ``baseline`` the
    baseline's name; ``challengers`` every other route, in order; ``tuned`` the fine-tune
    routes (whose lifecycle the Dataset's ``finetune_route`` dim holds).
    """

    names: tuple
    labels: dict
    colours: dict
    baseline: str
    challengers: tuple
    tuned: tuple
    sheets: dict
    kinds: dict

    @property
    def against(self):
        """The baseline's label, as a comparison names it ("cheaper than prompting")."""
        return self.labels[self.baseline]


def route_view(results):
    """The ``RouteView`` of a Dataset of the routes' layout."""
    table = route_table(results)
    names = tuple(table)
    baseline = str(results.attrs.get("baseline") or "prompt")
    challengers = tuple(str(k) for k in results.challenger.values)
    tuned = tuple(str(k) for k in results.finetune_route.values) if "finetune_route" in results.dims else ()
    return RouteView(
        names=names,
        labels={name: route["label"] for name, route in table.items()},
        colours=colours(names, names.index(baseline)),
        baseline=baseline,
        challengers=challengers,
        tuned=tuned,
        sheets={name: route["sheet"] for name, route in table.items()},
        kinds={name: route["kind"] for name, route in table.items()},
    )


def summary_labels(summary):
    """Each route's label by name, and the baseline's, from a summary (``route_label``)."""
    routes = summary.get("routes") or {k: {"kind": k} for k in ("prompt", "finetune", "rag")}
    labels = {name: route_label(name, route["kind"]) for name, route in routes.items()}
    return labels, labels.get(summary.get("baseline", "prompt"), "prompting")


__all__ = ["RouteView", "route_view", "summary_labels"]
