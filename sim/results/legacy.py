"""A results.nc of model 2026-11-29 or earlier, read as the routes' layout.

Those runs had exactly three strategies, ``prompt``, ``finetune`` and ``rag``, on one
sheet, along a dim ``strategy``, with the fine-tune's lifecycle as variables without a
route dim. Read as routes they are the default routes: the dim is ``route``, each route's
kind is its name, prompting is the baseline, and each lifecycle variable is the fine-tune
route's (0 for the other two, as a new run writes).
"""

import numpy as np
import xarray as xr
import yaml

# per-scenario (or per-month) variables of the fine-tune alone, and what the others hold
LIFECYCLE = {"retrains": 0, "attempts": 0, "finetune_failed": False, "exit_month": -1, "migrated": False,
             "exited_for_good": False, "exit_count": 0, "mean_retrains": 0.0, "mean_attempts": 0.0,
             "p_finetune_failed": 0.0, "p_platform_exit": 0.0, "p_migrated": 0.0, "p_exited_for_good": 0.0}


def is_legacy(results):
    """Whether ``results`` has the strategy layout of model 2026-11-29 and before."""
    return "strategy" in results.dims


def as_routes(results):
    """``results`` in the routes' layout (``sim.results.dataset.to_dataset``); a Dataset of
    the routes' layout is returned as it is.

    Parameters
    ----------
    results : xarray.Dataset

    Returns
    -------
    xarray.Dataset
    """
    if not is_legacy(results):
        return results
    names = [str(name) for name in results.strategy.values]
    upgraded = results.rename({"strategy": "route"})
    expanded = {}
    for name, other in LIFECYCLE.items():
        if name not in upgraded or "route" in upgraded[name].dims:
            continue
        variable = upgraded[name]
        columns = [variable if route == "finetune" else xr.full_like(variable, other) for route in names]
        stacked = xr.concat(columns, dim="route").assign_coords(route=names)
        expanded[name] = stacked.transpose(*(["scenario"] if "scenario" in variable.dims else []), "route",
                                           *[d for d in variable.dims if d != "scenario"])
        expanded[name].attrs = variable.attrs
    upgraded = upgraded.drop_vars(list(expanded)).assign(expanded)
    try:
        sheet = yaml.safe_load(results.attrs.get("config", "")).get("pricing", {}).get("sheet") or ""
    except (yaml.YAMLError, AttributeError):
        sheet = ""
    upgraded = upgraded.assign_coords(kind=("route", np.array(names, dtype=object)),
                                      sheet=("route", np.array([sheet] * len(names), dtype=object)))
    upgraded.attrs = {**results.attrs, "baseline": "prompt"}
    return upgraded


__all__ = ["LIFECYCLE", "as_routes", "is_legacy"]
