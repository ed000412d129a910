"""A stress stays what it says: the command line's overrides of what a stress sets, said aloud.

A shell override is applied after the chosen stress (``stress=volume-collapse
workload.growth_per_month=0.04`` runs with growth 0.04), so the run is no longer the stress
as shipped. Each override that replaces a key the stress sets is logged as a warning naming
both, and the run's label says ``stress=volume-collapse (growth_per_month overridden)``.

A stress's rank correlation whose input the command line fixed to a number
(``stress=volume-slump workload.growth_per_month=0.04``) cannot be imposed: a fixed input
has no ranks. It is dropped with a warning, and the rest of the stress applies, as a FinOps
user who fixes one of its inputs expects. A correlation the user wrote on the command line
is left to validation, which refuses a fixed input in one line.
"""

import copy

from sim.inputs.provenance import flatten, option_values, overlaps, override_keys
from sim.inputs.schema import CONF_DIR

GROUP = "stress"


def _stresses(choices):
    chosen = choices.get(GROUP)
    return [str(o) for o in (chosen if isinstance(chosen, (list, tuple)) else [chosen]) if o not in (None, "none")]


def _fixed(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _shown(value):
    return value if isinstance(value, str) else repr(value)


def reconcile(task, choices, overrides, conf_dirs=(CONF_DIR,)):
    """The configuration to validate and what the command line changed of the chosen stress.

    Parameters
    ----------
    task : dict
        The composed configuration as plain containers (without ``hydra``).
    choices : dict
        Each config group's option (``hydra.runtime.choices``).
    overrides : list of str
        The command line's overrides, as the user gave them.
    conf_dirs : sequence of path
        Where the stress's file is looked up, in Hydra's order.

    Returns
    -------
    (dict, dict)
        ``task`` without the stress's correlations whose input the command line fixed, and
        ``{"replaced": [{override, key, stress, stress_key, stress_value}],
        "dropped": [{stress, inputs, rank, fixed}]}``.
    """
    set_keys = override_keys(overrides, set(choices))
    replaced, dropped = [], []
    correlations_from = {}
    for stress in _stresses(choices):
        values = option_values(GROUP, stress, conf_dirs) or {}
        for stress_key, stress_value in flatten(values).items():
            for key, override in set_keys.items():
                named = min(key, stress_key, key=len)  # a distribution's mapping counts once
                if overlaps(key, stress_key) and not any(r["override"] == override and r["stress_key"] == named
                                                         and r["stress"] == stress for r in replaced):
                    shown = _select(values, named)
                    replaced.append({"override": override, "key": key, "stress": stress, "stress_key": named,
                                     "stress_value": _shown(shown if shown is not None else stress_value)})
        for entry in values.get("correlations") or []:
            correlations_from[repr(entry)] = stress
    entries = task.get("correlations")
    if correlations_from and isinstance(entries, list) and not any(overlaps("correlations", k) for k in set_keys):
        kept = []
        for entry in entries:
            stress = correlations_from.get(repr(entry))
            inputs = entry.get("inputs") if isinstance(entry, dict) else None
            fixed = [k for k in inputs or [] if isinstance(k, str) and any(overlaps(k, s) for s in set_keys)
                     and _fixed(_select(task, k))] if stress else []
            if fixed:
                dropped.append({"stress": stress, "inputs": list(inputs), "rank": entry.get("rank"),
                                "fixed": fixed[0], "override": set_keys[next(s for s in set_keys if overlaps(fixed[0], s))]})
            else:
                kept.append(entry)
        if dropped:
            task = {**copy.deepcopy(task), "correlations": kept}
    return task, {"replaced": replaced, "dropped": dropped}


def _select(mapping, key):
    for part in key.split("."):
        if not isinstance(mapping, dict) or part not in mapping:
            return None
        mapping = mapping[part]
    return mapping


def warnings(record):
    """The warning lines of ``record`` (``reconcile``'s), one per replaced key and dropped correlation."""
    lines = [f"{r['override']} replaces what stress={r['stress']} sets ({r['stress_key']}: {r['stress_value']}):"
             f" this run is not stress={r['stress']} as shipped, and its label says so" for r in record.get("replaced", [])]
    lines += [f"stress={d['stress']}'s rank correlation {d['rank']} of {' with '.join(d['inputs'])} is dropped:"
              f" {d['override']} fixes {d['fixed']}, and only a distribution can be correlated; the rest of the"
              " stress applies" for d in record.get("dropped", [])]
    return lines


def label_note(record, stress):
    """What the label adds after ``stress=NAME`` (or ``stress=[A,B]``): ``" (growth_per_month overridden)"``, or ``""``."""
    if not record:
        return ""
    names = {name.strip(" '\"") for name in str(stress).strip("[]").split(",")}
    leaves = dict.fromkeys(r["stress_key"].split(".")[-1] for r in record.get("replaced", []) if r["stress"] in names)
    said = [f"{', '.join(leaves)} overridden"] if leaves else []
    if any(d["stress"] in names for d in record.get("dropped", [])):
        said.append("its correlation dropped")
    return f" ({'; '.join(said)})" if said else ""


__all__ = ["label_note", "reconcile", "warnings"]
