"""What a run will cost in memory and work, estimated before any work starts.

The estimate adds the parts that grow with the run (see sim/engine.py): the kept
per-scenario outputs and their copies in the analysis, the monthly paths and the
savings bands computed from them, the per-block totals and seeds, and one workspace
per thread, on top of the interpreter with its libraries. It was calibrated against
measured peak resident memory (benchmarks/run.py measures it); it
errs on the high side by 5-20%.
"""

import os
from dataclasses import dataclass

from sim.inputs.validation import ConfigError
from sim.simulation.engine import BLOCK_SIZE, PATH_SAMPLE, worker_count

BASE_BYTES = 240 * 2**20  # Python, NumPy, Numba, xarray, Hydra and the compiled kernel
PER_KEPT_SCENARIO = 220  # bytes beside its drawn inputs: outputs, Dataset and analysis copies
PATH_COPIES = 2.3  # the paths, the savings derived from them, and the quantiles' working copy
PER_BLOCK = 400  # bytes: the block's SeedSequence
GIB = 2**30


@dataclass(frozen=True)
class Estimate:
    """Peak memory (bytes) of a run, its parts, and its scenario-months."""

    total: int
    paths: int
    kept: int
    blocks: int
    scenario_months: int


def estimate(settings, threads):
    """Estimate a validated run's peak memory and its size in scenario-months.

    Parameters
    ----------
    settings : sim.inputs.validation.Settings
    threads : int
        Worker threads the engine will use.
    """
    n, horizon = settings.scenarios, settings.horizon_months
    kept = n if settings.kept_scenarios is None else min(n, settings.kept_scenarios)
    drawn = sum(not d.is_fixed for d in settings.inputs.values())
    n_blocks = -(-n // BLOCK_SIZE)
    path_rows = n if settings.keeps_every_path else min(n, PATH_SAMPLE)
    paths = int(PATH_COPIES * path_rows * 3 * horizon * 8)
    kept_bytes = kept * (8 * drawn + PER_KEPT_SCENARIO)
    # per block: paid-back counts and exits by month, sums and counts; per replicate (8
    # a block): beats by month and its totals, kept twice (the run's and the Dataset's)
    blocks = n_blocks * (PER_BLOCK + 8 * (3 * horizon + 30)) + n_blocks * 8 * 2 * 8 * (2 * horizon + 8)
    workspaces = threads * min(n, BLOCK_SIZE) * (len(settings.inputs) + horizon + 20) * 8
    total = BASE_BYTES + paths + kept_bytes + blocks + workspaces
    return Estimate(total=int(total), paths=paths, kept=int(kept_bytes), blocks=int(blocks),
                    scenario_months=n * horizon)


def available_memory():
    """Memory this machine can give a new process now (bytes): MemAvailable on Linux."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def check(settings):
    """Refuse a run whose estimated peak memory exceeds the limit, in one line.

    The limit is ``memory_limit_gb`` when set (to run a large job knowingly), else 90%
    of the memory available now.

    Returns
    -------
    Estimate

    Raises
    ------
    sim.inputs.validation.ConfigError
        Naming the key that drives the estimate and what to change.
    """
    found = estimate(settings, worker_count(settings))
    limit_gb = settings.resolved.get("memory_limit_gb")
    limit = limit_gb * GIB if limit_gb is not None else 0.9 * available_memory()
    if found.total <= limit:
        return found
    if found.paths >= max(found.kept, found.blocks):
        key, advice = ("save_paths" if settings.save_paths else "horizon_months"), "turn save_paths off or shorten the horizon"
    elif found.kept >= found.blocks:
        key, advice = "kept_scenarios", "lower kept_scenarios (every probability and mean still counts all scenarios)"
    else:
        key, advice = "scenarios", "lower scenarios"
    where = f"memory_limit_gb={limit_gb:g}" if limit_gb is not None else "90% of the memory available now"
    raise ConfigError(
        f"{key}: this run needs about {found.total / GIB:.1f} GiB of memory, above {where}"
        f" ({limit / GIB:.1f} GiB): {advice}, or set memory_limit_gb to run it anyway"
    )


__all__ = ["BASE_BYTES", "Estimate", "GIB", "PATH_COPIES", "PER_BLOCK", "PER_KEPT_SCENARIO",
           "available_memory", "check", "estimate"]
