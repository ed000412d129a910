"""The tornado of the fixed inputs: each input given as a number, moved down and up by
``tornado_step`` (20% by default), re-simulated with the rest as drawn.

Each side is a re-run of the run's first ``TORNADO_SCENARIOS`` scenarios on the same
seed: block seeds are spawned from the run's seed whatever the block count
(``sim.simulation.sampling.block_seeds``), so those scenarios draw exactly what they drew
in the run, and the differences between the sides are free of sampling noise (common
random numbers). The savings at the input's own value are those of the same scenarios, so
the three numbers of a row compare. The Dataset keeps the answer (``sim.results.tornado``).

An input valued 0 is skipped (a step of a share of 0 moves nothing); a whole-number
input (months, attempts) is rounded half up after the step and skipped when neither side
moves it; a side beyond the input's valid range is clipped to it (a success rate of 1
cannot go up) and, when that leaves it at the value, takes the savings at the value. The
base models' lifetimes and the successor sheet's prices are left out: a route holds its
own copy of the first, and the second is paid only after a migration.
"""

import logging
from dataclasses import replace

from sim.simulation.engine import BLOCK_SIZE, simulate

log = logging.getLogger("payback")

TORNADO_SCENARIOS = 2 * BLOCK_SIZE  # two blocks: one per core of a small machine
# Inputs every route reads (the workload and the market) without naming them as its own.
SHARED_PREFIXES = ("workload.", "market.")
LEFT_OUT = ("finetune.base_lifetime_months", "successor.")


def sides(distribution, step):
    """The input's value moved down and up by ``step`` (a share of it), within its range.

    Returns
    -------
    tuple of float or None
        ``(value, low, high)`` in the input's unit; None when the input is not fixed,
        is 0, or neither side moves it (a whole number the step rounds back).
    """
    if not distribution.is_fixed:
        return None
    value = float(distribution.domain.clip(distribution.params[0]))
    if value == 0:
        return None
    # 12 significant digits: 0.1 x 0.8 is 0.08, not 0.08000000000000002
    low, high = (float(distribution.domain.clip(float(f"{value * (1 + s):.12g}"))) for s in (-step, step))
    if low == value and high == value:
        return None
    return value, low, high


def readers(settings):
    """Each fixed input that can move a route's savings, with the challengers that read it.

    Returns
    -------
    dict of str to list of str
        Config key to the challengers (route names) whose comparison with the baseline
        reads it: the route's own inputs, the baseline's, and the shared workload and
        market inputs.
    """
    baseline = settings.routes[settings.baseline]
    own = set().union(*(route.inputs for route in settings.routes))
    shared = {key for key in settings.inputs if key.startswith(SHARED_PREFIXES) and key not in own}
    found = {}
    for key, distribution in settings.inputs.items():
        if key.startswith(LEFT_OUT) or sides(distribution, settings.tornado_step) is None:
            continue
        names = [route.name for route in settings.routes if route is not baseline
                 and (key in shared or key in route.inputs or key in baseline.inputs)]
        if names:
            found[key] = names
    return found


def expected_savings(settings):
    """Each challenger's expected savings against the baseline, USD (discounted, at the
    horizon), by route name, from a simulation of ``settings`` without progress output."""
    simulation = simulate(settings, progress=False)
    mean = simulation.totals.cost_sum / simulation.scenarios
    base = mean[settings.baseline]
    return {route.name: float(base - mean[k]) for k, route in enumerate(settings.routes) if k != settings.baseline}


def tornado(settings, scenarios):
    """The tornado of a run's fixed inputs.

    Parameters
    ----------
    settings : sim.inputs.validation.Settings
        The run's settings; ``tornado_step`` 0 turns the tornado off.
    scenarios : int
        Scenarios the run simulated; the tornado re-runs the first
        ``min(scenarios, TORNADO_SCENARIOS)`` of them.

    Returns
    -------
    dict or None
        ``step``, ``scenarios`` (the subsample), ``savings`` (each challenger's expected
        savings in it with every input at its value, USD) and ``rows``: by challenger,
        ``{input, value, low, high, savings_low, savings_high}`` sorted by
        ``|savings_high - savings_low|``, largest first (savings USD, discounted, at the
        horizon). None when off.
    """
    step = settings.tornado_step
    if not step:
        return None
    n = min(scenarios, TORNADO_SCENARIOS)
    # one kept row: the tornado reads only the totals
    sub = replace(settings, scenarios=n, kept_scenarios=1, precision=None, save_paths=False)
    at_value = expected_savings(sub)
    rows = {name: [] for name in at_value}
    for key, names in readers(settings).items():
        value, low, high = sides(settings.inputs[key], step)
        moved = []
        for side in (low, high):
            if side == value:
                moved.append(at_value)
                continue
            inputs = {**settings.inputs, key: replace(settings.inputs[key], params=(side,))}
            moved.append(expected_savings(replace(sub, inputs=inputs)))
        for name in names:
            rows[name].append({"input": key, "value": value, "low": low, "high": high,
                               "savings_low": moved[0][name], "savings_high": moved[1][name]})
    for found in rows.values():
        found.sort(key=lambda row: (-abs(row["savings_high"] - row["savings_low"]), row["input"]))
    return {"step": step, "scenarios": n, "savings": at_value, "rows": rows}


__all__ = ["TORNADO_SCENARIOS", "expected_savings", "readers", "sides", "tornado"]
