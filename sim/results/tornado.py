"""The tornado of the fixed inputs (``sim.simulation.tornado``) kept in a run's Dataset and
read back for the summary's ``drivers.<route>.fixed_inputs``."""

import json

ATTR = "tornado"  # the Dataset attr holding the tornado as JSON (not "fixed_inputs": their values)


def store(results, found):
    """Keep ``tornado``'s answer in the run's Dataset (attr ``tornado``, JSON), for
    ``summary_rows``; nothing when it is None."""
    if found is not None:
        results.attrs[ATTR] = json.dumps(found)
    return results


def summary_rows(results, route):
    """``drivers.<route>.fixed_inputs`` (the rows) and ``fixed_inputs_basis`` (``step``,
    ``scenarios`` and ``savings``, USD, at every input's value) from a run's Dataset; an
    empty list and None for a run without a tornado."""
    found = json.loads(results.attrs.get(ATTR, "null") or "null")
    if not found or route not in found["rows"]:
        return [], None
    basis = {"step": found["step"], "scenarios": found["scenarios"], "savings": found["savings"][route]}
    return found["rows"][route], basis


__all__ = ["ATTR", "store", "summary_rows"]
