"""A results.nc written by payback at 1d7c803 (model 2026-11-29, three strategies) read as routes.

``data/model-2026-11-29/`` holds the run directory of ``payback scenarios=2000
saved_scenarios=300 report=false start=2026-12 seed=3`` at that commit.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.results.legacy import as_routes, is_legacy
from sim.results.runs import read_run
from sim.results.summary import summarize
from sim.io.netcdf import read_results

OLD_RUN = Path(__file__).with_name("data") / "model-2026-11-29"


def test_an_old_run_reads_as_the_three_default_routes(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(OLD_RUN, run)
    results, summary = read_run(run)
    assert not is_legacy(results)
    assert list(results.route.values) == ["prompt", "finetune", "rag"] == list(results.kind.values)
    assert results.attrs["baseline"] == "prompt" and list(results.challenger.values) == ["finetune", "rag"]
    assert list(results.finetune_route.values) == ["finetune"]
    assert results.retrains.dims == ("scenario", "finetune_route") and results.exit_count.dims[0] == "finetune_route"
    assert summary == json.loads((OLD_RUN / "summary.json").read_text())


def test_its_summary_computed_again_from_the_upgraded_file_is_the_one_it_holds():
    old = read_results(OLD_RUN / "results.nc")
    held = json.loads(old.attrs["summary"])
    # the file keeps 300 of 2000 rows: quantiles differ, but what counts every scenario does not
    again = summarize(as_routes(old).assign_attrs(kept_scenarios=old.sizes["scenario"]))
    for route in ("prompt", "finetune", "rag"):
        assert again["cost"][route]["mean"] == pytest.approx(held["cost"][route]["mean"], rel=1e-12)
        assert again["p_cheapest"][route] == held["p_cheapest"][route]
    for route in ("finetune", "rag"):
        assert again["p_beats_prompt"][route] == held["p_beats_prompt"][route]
        assert again["payback_month"][route] == held["payback_month"][route]
    assert again["retrains"] == held["retrains"] and again["platform_exit"] == held["platform_exit"]
    assert again["savings_finetune_vs_rag"]["mean"] == pytest.approx(held["savings_finetune_vs_rag"]["mean"])
    np.testing.assert_array_equal(as_routes(old).cost.values, old.cost.values)
