"""The library's entry points: ``sim.run``, ``sim.validate``, ``sim.read_run``, ``sim.compare_runs``."""

import subprocess
import sys

import sim


def test_the_entry_points_are_the_functions_they_name():
    from sim.compare.comparison import run_comparison
    from sim.inputs.validation import validate
    from sim.pipeline import run
    from sim.results.runs import read_run

    assert (sim.run, sim.validate, sim.read_run, sim.compare_runs) == (run, validate, read_run, run_comparison)
    assert set(sim.__all__) <= set(dir(sim))


def test_importing_sim_loads_no_library():
    # a command line imports the package before it installs its signal handler
    loaded = subprocess.run([sys.executable, "-c", "import sys, sim; print(sorted(m for m in ('numpy', 'hydra',"
                             " 'omegaconf', 'matplotlib', 'numba', 'xarray') if m in sys.modules))"],
                            capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
