"""Which uncertain inputs drive each strategy's chance of beating prompting.

For each challenger (fine-tuning, RAG) and each input that can enter its comparison
with prompting, the scenarios in the input's lowest and highest tenth are compared:
the effect is ``P(win | highest tenth) - P(win | lowest tenth)`` with a 95% interval
(Newcombe's hybrid score interval for a difference of two proportions). An effect
whose interval contains 0 is not ranked; an input that cannot change a comparison is
not listed for it; below ``MIN_PER_TENTH`` scenarios in a tenth no driver is given.
"""

import math

import numpy as np

from sim.stats.analysis import Z_975, wilson_interval

SHARE = 0.1  # each group is a tenth of the scenarios
MIN_PER_TENTH = 100  # below this a tenth's P(win) is too coarse to rank inputs by

# Inputs that cannot enter a challenger's comparison with prompting: the other
# challenger's own inputs (the model's formulas in MODEL.md read none of them).
_RAG_ONLY = ("rag.", "workload.rag_prompt_tokens", "workload.query_embedding_tokens", "pricing.embedding")
_FINETUNE_ONLY = (
    "finetune.",
    "successor.",
    "workload.finetuned_prompt_tokens",
    "pricing.finetuned_input",
    "pricing.finetuned_output",
    "pricing.training",
    "pricing.hosting_per_month",
)
IRRELEVANT = {"finetune": _RAG_ONLY, "rag": _FINETUNE_ONLY}


def relevant(key, challenger):
    """Whether input ``key`` can change ``challenger``'s costs against prompting, for a run of
    the three default routes written before routes named their inputs (``challenger`` is
    ``finetune`` or ``rag``)."""
    return not key.startswith(IRRELEVANT[challenger])


def irrelevant_inputs(route_inputs, route, baseline):
    """The inputs that cannot enter ``route``'s comparison with ``baseline``: those only
    other routes read.

    Parameters
    ----------
    route_inputs : mapping of str to collection of str
        Every route's static inputs by route name (config keys).
    route, baseline : str
        Route names.

    Returns
    -------
    set of str
    """
    read = set(route_inputs[route]) | set(route_inputs[baseline])
    others = set().union(*(keys for name, keys in route_inputs.items() if name not in (route, baseline)))
    return others - read


def difference_interval(p_high, p_low, n_high, n_low, z=Z_975):
    """Newcombe's hybrid score interval of ``p_high - p_low`` (independent groups).

    Built from each proportion's Wilson interval; unlike the Wald interval it keeps
    its coverage when a proportion is near 0 or 1.
    """
    low_h, high_h = (float(v) for v in wilson_interval(p_high * n_high, n_high, z))
    low_l, high_l = (float(v) for v in wilson_interval(p_low * n_low, n_low, z))
    d = p_high - p_low
    return (
        d - math.sqrt((p_high - low_h) ** 2 + (high_l - p_low) ** 2),
        d + math.sqrt((high_h - p_high) ** 2 + (p_low - low_l) ** 2),
    )


def rank(inputs, wins, savings, irrelevant, metadata, tails=None):
    """Drivers of one challenger against the baseline.

    Parameters
    ----------
    inputs : dict of str to float[n]
        Drawn inputs by config key (the kept scenarios).
    wins : bool[n]
        The challenger beat prompting at the horizon.
    savings : float[n]
        Its savings against prompting at the horizon, USD.
    irrelevant : collection of str
        Inputs left out: those that cannot change the challenger's comparison
        (``irrelevant_inputs``).
    metadata : dict
        Unit and description of each input of ``inputs`` by key.
    tails : dict, optional
        Each input's lowest and highest tenth (scenario indices) by key, filled as they are
        found: pass one dict to every challenger's call and each input is partitioned once.

    Returns
    -------
    dict
        ``ranked``: inputs whose effect's 95% interval excludes 0, largest first;
        ``no_detectable_effect``: the other relevant inputs (same rows);
        ``skipped``: None, or the sentence saying why no driver is given; ``scenarios``: how
        many were split into tenths. A row has
        ``input``, ``description``, ``unit``, ``low_tenth_up_to`` and
        ``high_tenth_from`` (the input's values bounding the two groups), ``effect``
        and its ``ci95`` (probability), ``p_low``, ``p_high``, ``savings_low``,
        ``savings_high`` (median USD in each group).
    """
    n = int(np.asarray(wins).size)
    per_tenth = int(n * SHARE)
    if per_tenth < MIN_PER_TENTH:
        return {
            "ranked": [],
            "no_detectable_effect": [],
            "skipped": (f"Drivers need at least {MIN_PER_TENTH} scenarios in each tenth "
                        f"({int(MIN_PER_TENTH / SHARE):,} kept scenarios); this run keeps {n:,}: "
                        f"run scenarios={int(100 * MIN_PER_TENTH / SHARE):,} or more to rank them."),
        }
    rows = []
    for key, values in inputs.items():
        if key in irrelevant:
            continue
        values = np.asarray(values)
        if tails is None or key not in tails:
            found = _tails(values, per_tenth)
            if tails is not None:
                tails[key] = found
        low, high = found if tails is None else tails[key]
        p_low, p_high = float(wins[low].mean()), float(wins[high].mean())
        ci = difference_interval(p_high, p_low, high.size, low.size)
        rows.append({
            "input": key,
            "description": metadata[key]["description"],
            "unit": metadata[key]["unit"],
            "low_tenth_up_to": float(values[low].max()),
            "high_tenth_from": float(values[high].min()),
            "effect": p_high - p_low,
            "ci95": [ci[0], ci[1]],
            "p_low": p_low,
            "p_high": p_high,
            "savings_low": float(np.median(savings[low])),
            "savings_high": float(np.median(savings[high])),
        })
    rows.sort(key=lambda r: (abs(r["effect"]), abs(r["savings_high"] - r["savings_low"])), reverse=True)
    detected = [r for r in rows if r["ci95"][0] > 0 or r["ci95"][1] < 0]
    return {
        "ranked": detected,
        "no_detectable_effect": [r for r in rows if r not in detected],
        "skipped": None,
        "scenarios": n,
    }


def _tails(values, k):
    """Indices of the ``k`` smallest and the ``k`` largest values, in linear time.

    One partition finds both boundaries. Ties at a boundary go by scenario order,
    exactly as a stable sort would cut them: the first tied scenarios join the
    lowest values, the last ones the highest (a stable sort's order, read from its end).
    """
    n = values.size
    partitioned = np.partition(values, (k - 1, n - k))
    low_boundary, high_boundary = partitioned[k - 1], partitioned[n - k]
    below, low_ties = np.flatnonzero(values < low_boundary), np.flatnonzero(values == low_boundary)
    above, high_ties = np.flatnonzero(values > high_boundary), np.flatnonzero(values == high_boundary)
    low = np.concatenate([below, low_ties[: k - below.size]])
    high = np.concatenate([high_ties[high_ties.size - (k - above.size):], above])
    return low, high


__all__ = ["IRRELEVANT", "MIN_PER_TENTH", "SHARE", "difference_interval", "irrelevant_inputs", "rank", "relevant"]
