"""The resource estimate: its parts by hand, the refusal, the override, the thread cap."""

import os

import pytest

from sim.inputs.validation import ConfigError, validate
from sim.simulation.engine import BLOCK_SIZE, PATH_SAMPLE, worker_count
from sim.simulation.resources import BASE_BYTES, GIB, PATH_COPIES, PER_BLOCK, PER_KEPT_SCENARIO, check, estimate
from tests.conftest import configure


def test_the_estimate_adds_its_parts():
    settings = validate(configure(scenarios=50_000, horizon_months=36, kept_scenarios=20_000,
                                  workload={"calls_per_month": "lognormal(p05=1e4, p95=1e6)"}))
    found = estimate(settings, threads=2)
    n_blocks = -(-50_000 // BLOCK_SIZE)  # 7
    assert found.paths == int(PATH_COPIES * PATH_SAMPLE * 3 * 36 * 8)
    assert found.kept == 20_000 * (8 * 1 + PER_KEPT_SCENARIO)  # one drawn input
    replicates = n_blocks * 8  # of 1,024 scenarios, each with beats by month and 8 totals, twice
    assert found.blocks == n_blocks * (PER_BLOCK + 8 * (3 * 36 + 30)) + replicates * 8 * 2 * (2 * 36 + 8)
    workspaces = 2 * BLOCK_SIZE * (len(settings.inputs) + 36 + 20) * 8
    assert found.total == BASE_BYTES + found.paths + found.kept + found.blocks + workspaces
    assert found.scenario_months == 50_000 * 36


def test_a_run_above_the_limit_is_refused_naming_what_drives_it_and_the_override():
    huge = validate(configure(scenarios=10**10, kept_scenarios=None))
    with pytest.raises(ConfigError, match=r"^kept_scenarios: this run needs about \d+\.\d GiB of memory, above 90% of"
                                          r" the memory available now .*set memory_limit_gb to run it anyway$"):
        check(huge)
    paths = validate(configure(scenarios=2_000_000, horizon_months=120, save_paths=True, memory_limit_gb=1.0))
    with pytest.raises(ConfigError, match=r"^save_paths: .* above memory_limit_gb=1 \(1\.0 GiB\): turn save_paths off"):
        check(paths)
    knowingly = validate(configure(scenarios=2_000_000, horizon_months=120, save_paths=True, memory_limit_gb=1000))
    assert check(knowingly).total > 10 * GIB


def test_threads_are_capped_at_cores_and_blocks():
    cores = os.cpu_count() or 1
    assert worker_count(validate(configure(scenarios=10**6, threads=1024))) == cores
    assert worker_count(validate(configure(scenarios=100, threads=8))) == 1  # one block
    with pytest.raises(ConfigError, match=r"^memory_limit_gb: -1.0 is not null or a number of GiB >= 0.25 \("):
        validate(configure(memory_limit_gb=-1))


def test_a_memory_limit_below_what_payback_itself_takes_is_refused_naming_it():
    # memory_limit_gb=1e-9 was refused blaming horizon_months and save_paths
    from sim.inputs.validation import MIN_MEMORY_LIMIT_GB
    from sim.simulation.resources import BASE_BYTES

    assert MIN_MEMORY_LIMIT_GB * GIB >= BASE_BYTES
    with pytest.raises(ConfigError, match=r"^memory_limit_gb: 1e-09 is not null or a number of GiB >= 0.25 "
                                          r"\(payback itself takes about 0.23 GiB before its first scenario\)$"):
        validate(configure(memory_limit_gb=1e-9))
    check(validate(configure(memory_limit_gb=MIN_MEMORY_LIMIT_GB, scenarios=1)))
