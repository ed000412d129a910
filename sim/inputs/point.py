"""A point run (``point=true``): every uncertain static input at its median, one scenario,
a spreadsheet-style check of the model's arithmetic.

Only the static inputs are set to their medians. The random event processes keep their
laws and still draw from the seed: the price cuts (``market.cuts_per_year`` at its median
is a rate, the cut times still Poisson), the retrain intervals, the fine-tune's attempts
(success drawn with ``finetune.success_probability``), the use case's shutdown and the
volume's monthly volatility. Fix those inputs too (e.g. ``market.cuts_per_year=0``,
``finetune.success_probability=1``) for a run with no event at all, which the closed forms
of MODEL.md then give to the cent.
"""

from dataclasses import replace

import yaml

from sim.inputs.distributions import Distribution


def median(distribution):
    """The median of an input as the simulation draws it (clipped to its range, rounded if
    whole), in its unit."""
    if distribution.is_fixed:
        value = distribution.params[0]
    else:
        value = distribution.frozen().median()
    return float(distribution.domain.clip(value))


def at_median(distribution):
    """The input fixed at its median (``median``)."""
    if distribution is None or distribution.is_fixed:
        return distribution
    return Distribution("fixed", (median(distribution),), distribution.domain)


def at_medians(inputs, routes):
    """Every input and every route's base-model lifetime at its median.

    Parameters
    ----------
    inputs : dict of str to Distribution
        A run's inputs by config key.
    routes : tuple of sim.inputs.routes.Route

    Returns
    -------
    (dict, tuple)
        The inputs and the routes, every distribution fixed at its median.
    """
    fixed = {key: at_median(distribution) for key, distribution in inputs.items()}
    return fixed, tuple(replace(route, lifetime=at_median(route.lifetime)) for route in routes)


POINT_NOTE = ("Point run (point=true): every distribution at its median, one scenario: a check of the arithmetic,"
              " not a decision under uncertainty; its probabilities and intervals say nothing.")


def point_note(results):
    """``POINT_NOTE`` for a point run's Dataset (its recorded configuration says ``point: true``),
    else None."""
    config = yaml.safe_load(results.attrs.get("config") or "{}") or {}
    return POINT_NOTE if config.get("point") is True else None


__all__ = ["POINT_NOTE", "at_median", "at_medians", "median", "point_note"]
