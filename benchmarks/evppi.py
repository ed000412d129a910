"""Benchmark: the value of information (EVPPI of every drawn input and of the groups, and the
thresholds) on the default run, against issue #27's goal of at most 1 s at 10^5 scenarios.

    python -m benchmarks.run --evppi
"""

import os
import statistics
import time

import numpy as np

from sim.results.dataset import to_dataset
from sim.results.information import value_of_information
from sim.results.summary import drawn_inputs, route_table
from sim.simulation.engine import simulate
from sim.stats.evppi import LIMIT


def evppi_speed(cases=((10**5, 24), (10**6, 36)), repeats=5):
    """Seconds of ``sim.results.information.value_of_information`` on default runs (medians of ``repeats``).

    Prints a Markdown table; returns ``{scenarios: seconds}``.
    """
    from benchmarks.run import settings_for  # here: run.py imports this module

    print(f"\nEVPPI of every drawn input, the groups and the thresholds (the summary's value of information),"
          f" default run, medians of {repeats}; load average {os.getloadavg()[0]:.2f} at the start\n")
    print("| scenarios x months | routes | drawn inputs | scenarios used | goal | wall | CPU (every thread) |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    measured = {}
    for scenarios, horizon in cases:
        settings = settings_for(scenarios, horizon)
        results = to_dataset(settings, simulate(settings, progress=False))
        routes = route_table(results)
        drawn = {key: results[key].values for key in drawn_inputs(results)}
        times, cpu = [], []
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            value_of_information(results, routes, drawn, 0.0, [0.0, 0.0])
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        measured[scenarios] = statistics.median(times)
        goal = "<= 1 s" if scenarios <= 10**5 else "within the analysis"
        used = min(int(results.sizes["scenario"]), LIMIT)
        print(f"| {scenarios:,} x {horizon} | {len(routes)} | {len(drawn)} | {used:,} | {goal} "
              f"| {measured[scenarios]:.2f} s (fastest {np.min(times):.2f}) | {statistics.median(cpu):.2f} s |",
              flush=True)
    return measured
