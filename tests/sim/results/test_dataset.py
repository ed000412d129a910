"""What results.nc holds: the first saved rows in narrow types, every aggregate, the summary."""

import json

import numpy as np
import pytest
import xarray as xr
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.inputs.schema import SAVED_SCENARIOS
from sim.inputs.validation import validate
from sim.simulation.engine import simulate
from sim.results.dataset import saved_dataset, to_dataset
from sim.io.netcdf import read_results, write_dataset
from sim.results.summary import drawn_inputs, summarize

ROWS = 4096


@pytest.fixture(scope="module")
def default_run():
    """The default configuration at 4,096 scenarios: its whole Dataset and summary."""
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=[f"scenarios={ROWS}", "start=2026-12"])
    settings = validate(cfg)
    results = to_dataset(settings, simulate(settings, progress=False))
    return results, summarize(results)


@pytest.mark.parametrize("rows, expected", [(0, 0), (1000, 1000), (ROWS, ROWS), (10**6, ROWS), (None, ROWS)])
def test_the_first_min_saved_kept_rows_are_saved_and_the_attrs_say_how_many(default_run, rows, expected):
    results, summary = default_run
    saved = saved_dataset(results, summary, rows)
    assert saved.sizes["scenario"] == expected
    assert (saved.attrs["saved_scenarios"], saved.attrs["kept_scenarios"], saved.attrs["scenarios"]) == (
        expected, ROWS, ROWS)
    assert f"the first {expected:,} of the {ROWS:,} kept of {ROWS:,} scenarios" in saved.scenario.attrs["description"]
    # the leading rows, unchanged: cost is float64 as computed
    np.testing.assert_array_equal(saved.cost.values, results.cost.values[:expected])
    # every aggregate whole, and the summary as computed from every kept row
    for name, variable in results.data_vars.items():
        if "scenario" not in variable.dims:
            xr.testing.assert_identical(saved[name], variable)
    assert json.loads(saved.attrs["summary"]) == summary
    assert "summary" not in results.attrs  # the run's Dataset itself is not changed


def test_on_disk_types_are_as_narrow_as_their_precision_allows_and_read_back_as_before(default_run, tmp_path):
    results, summary = default_run
    path = tmp_path / "results.nc"
    write_dataset(saved_dataset(results, summary), path)
    with xr.open_dataset(path, engine="scipy", mask_and_scale=False) as raw:
        for name in (*drawn_inputs(results), "cost_fixed", "cost_slope"):
            assert raw[name].dtype == np.float32 and "6e-8" in raw[name].attrs["precision"], name
        assert raw.cost.dtype == np.float64
        for name in ("payback_month", "shutdown_month", "retrains", "attempts", "exit_month"):
            assert raw[name].dtype == np.int16, name
        assert raw.payback_month.attrs["_FillValue"] == -1 == raw.shutdown_month.attrs["_FillValue"]
    back = read_results(path)
    # NaN (never) where it was, whole months elsewhere, as xarray gave before
    for name in ("payback_month", "shutdown_month"):
        np.testing.assert_array_equal(back[name].values, results[name].values)
        assert np.isnan(back[name].values).any() and back[name].dtype.kind == "f", name
    for name in ("retrains", "attempts", "exit_month", "finetune_failed", "migrated", "exited_for_good"):
        np.testing.assert_array_equal(back[name].values, results[name].values)
    # float32: each value within half a unit in the last place, 2^-24 of itself
    for name in (*drawn_inputs(results), "cost_fixed", "cost_slope"):
        np.testing.assert_allclose(back[name].values, results[name].values, rtol=2.0**-24, atol=0)
    np.testing.assert_array_equal(back.cost.values, results.cost.values)


def test_a_saved_row_costs_at_most_what_its_types_hold(default_run, tmp_path):
    results, summary = default_run
    drawn = len(drawn_inputs(results))
    # bytes a row: drawn inputs 4 each; cost 3 x 8; cost_fixed and cost_slope 3 x 4 each;
    # payback_month 2 x 2; shutdown_month, and the fine-tune route's exit_month, retrains and
    # attempts 2 each; its three booleans 1 each; the scenario index 4 (int32 in NetCDF3)
    bound = 4 * drawn + 24 + 24 + 4 + 8 + 3 + 4
    sizes = {}
    for rows in (0, ROWS):
        write_dataset(saved_dataset(results, summary, rows), tmp_path / f"{rows}.nc")
        sizes[rows] = (tmp_path / f"{rows}.nc").stat().st_size
    assert bound == 127  # the default configuration draws 15 inputs
    # (the header's text names the row count: "4,096" is a few bytes longer than "0")
    assert sizes[ROWS] - sizes[0] <= bound * ROWS + 16
    per_row = (sizes[ROWS] - sizes[0]) / ROWS
    # a default run of 100,000 scenarios: its saved rows, plus its aggregates and attrs
    # (about 80 KB, measured; 250 KB allowed), stay within 5 MB
    assert SAVED_SCENARIOS * per_row + 250_000 <= 5_000_000
