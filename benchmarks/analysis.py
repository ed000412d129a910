"""The analysis of a large run against its simulation (issue #27's speed goal).

    python -m benchmarks.run --analysis

At 10^6 kept scenarios x 36 months, plain Monte Carlo, one thread per core: the time to
simulate them, then each step of the analysis a run does before writing (the Dataset, the
summary with its drivers, EVPPI and thresholds, the saved Dataset), each the fastest of
``repeats``, taken in turns so that a drift of the shared host's speed reaches both. The goal:
the whole analysis, EVPPI included, takes no longer than the simulation.
"""

import time

from benchmarks.run import settings_for
from sim.results.dataset import saved_dataset, to_dataset
from sim.results.summary import summarize
from sim.simulation.engine import simulate


def analysis_against_simulation(scenarios=10**6, horizon=36, repeats=3):
    """Seconds of the simulation and of each analysis step (the fastest of ``repeats``).

    Returns
    -------
    dict
        ``simulate``, ``dataset``, ``summary``, ``saved`` and ``analysis`` (the three
        summed), in seconds of wall time.
    """
    settings = settings_for(scenarios, horizon, "sampling=mc")
    simulate(settings_for(1000, 12), progress=False)  # Numba's cache first
    best = dict.fromkeys(("simulate", "dataset", "summary", "saved"), float("inf"))
    for _ in range(repeats):
        start = time.perf_counter()
        simulation = simulate(settings, progress=False)
        after_simulation = time.perf_counter()
        results = to_dataset(settings, simulation, None)
        after_dataset = time.perf_counter()
        summary = summarize(results)
        after_summary = time.perf_counter()
        saved_dataset(results, summary, settings.saved_scenarios)
        done = time.perf_counter()
        for step, seconds in (("simulate", after_simulation - start), ("dataset", after_dataset - after_simulation),
                              ("summary", after_summary - after_dataset), ("saved", done - after_summary)):
            best[step] = min(best[step], seconds)
        del simulation, results
    best["analysis"] = best["dataset"] + best["summary"] + best["saved"]
    print(f"\n{scenarios:,} scenarios x {horizon} months, sampling=mc, fastest of {repeats}:\n")
    print("| step | wall s |")
    print("| --- | ---: |")
    for step in ("simulate", "dataset", "summary", "saved", "analysis"):
        print(f"| {step} | {best[step]:.2f} |")
    verdict = "met" if best["analysis"] <= best["simulate"] else "NOT met"
    print(f"\nanalysis / simulation = {best['analysis'] / best['simulate']:.2f} (goal: at most 1): {verdict}")
    return best


__all__ = ["analysis_against_simulation"]
