"""The run's summary: the numbers a reader wants first, computed from the Dataset."""

import numpy as np

from sim.analysis import quantiles_beyond_horizon

STRATEGY_NAMES = {"prompt": "prompting", "finetune": "fine-tuning", "rag": "RAG"}


def summarize(results):
    """Headline numbers of a run at its horizon.

    Parameters
    ----------
    results : xarray.Dataset
        A run's Dataset (see ``sim.results.to_dataset``).

    Returns
    -------
    dict
        JSON-ready: ``p_beats_prompt``, ``cost`` (USD, discounted), ``payback_month``
        (months; null where a percentile falls beyond the horizon), ``retrains``,
        ``finetune_failed``, ``shutdown``, run identity and the price sheet's date.
    """
    horizon = int(results.attrs["horizon_months"])
    last = results.sel(month=horizon)
    summary = {
        "scenarios": int(results.attrs["scenarios"]),
        "horizon_months": horizon,
        "seed": int(results.attrs["seed"]),
        "discount_rate": float(results.attrs["discount_rate"]),
        "p_beats_prompt": {
            k: {
                "estimate": float(last.p_beats_prompt.sel(challenger=k)),
                "ci95": [
                    float(last.p_beats_prompt_low.sel(challenger=k)),
                    float(last.p_beats_prompt_high.sel(challenger=k)),
                ],
            }
            for k in results.challenger.values
        },
        "cost": {
            k: _distribution(results.cost.sel(strategy=k).values)
            for k in results.strategy.values
        },
        "payback_month": {
            k: _payback(results.payback_month.sel(challenger=k).values)
            for k in results.challenger.values
        },
        "retrains": {"mean": float(results.retrains.mean())},
        "finetune_failed": {"fraction": float(results.finetune_failed.mean())},
        "shutdown": {"fraction": float(results.shutdown_month.notnull().mean())},
        "pricing": {
            "as_of": results.attrs["pricing_as_of"],
            "source": results.attrs["pricing_source"],
        },
    }
    summary["headline"] = headline(summary)
    return summary


def headline(summary, strategy="finetune"):
    """One sentence: P(strategy beats prompting within the horizon) with its interval."""
    p = summary["p_beats_prompt"][strategy]
    low, high = p["ci95"]
    return (
        f"P({STRATEGY_NAMES[strategy]} beats prompting within {summary['horizon_months']} months)"
        f" = {p['estimate']:.3f} [{low:.3f}, {high:.3f}]"
    )


def _distribution(values):
    p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
    return {"mean": float(values.mean()), "p05": float(p05), "p50": float(p50), "p95": float(p95)}


def _payback(months):
    p10, p50, p90 = quantiles_beyond_horizon(months, [0.1, 0.5, 0.9])
    return {"p10": p10, "p50": p50, "p90": p90, "never": float(np.isnan(months).mean())}
