"""A results.nc of model 2026-11-29 or earlier, read as the routes' layout.

Those runs had exactly three strategies, ``prompt``, ``finetune`` and ``rag``, on one
sheet, along a dim ``strategy``, with the fine-tune's lifecycle as variables without a
route dim. Read as routes they are the default routes: the dim is ``route``, each route's
kind is its name, prompting is the baseline, and each lifecycle variable is the fine-tune
route's, along a dim ``finetune_route`` of one.
"""

import numpy as np
import yaml

# the fine-tune's lifecycle, per scenario, per month or in all
LIFECYCLE = ("retrains", "attempts", "finetune_failed", "exit_month", "migrated", "exited_for_good", "exit_count",
             "mean_retrains", "mean_attempts", "p_finetune_failed", "p_platform_exit", "p_migrated",
             "p_exited_for_good")


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
    lifecycle = {name: upgraded[name].expand_dims(finetune_route=["finetune"], axis=-1 if name != "exit_count" else 0)
                 for name in LIFECYCLE if name in upgraded}
    upgraded = upgraded.drop_vars(list(lifecycle)).assign(lifecycle)
    try:
        sheet = yaml.safe_load(results.attrs.get("config", "")).get("pricing", {}).get("sheet") or ""
    except (yaml.YAMLError, AttributeError):
        sheet = ""
    upgraded = upgraded.assign_coords(kind=("route", np.array(names, dtype=object)),
                                      sheet=("route", np.array([sheet] * len(names), dtype=object)))
    upgraded.attrs = {**results.attrs, "baseline": "prompt"}
    return upgraded


__all__ = ["LIFECYCLE", "as_routes", "is_legacy"]
