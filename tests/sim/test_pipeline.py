"""A run's tornado and a point run through the whole pipeline: summary, results.nc, report."""

import json

import pytest
from matplotlib.patches import Rectangle

from sim.inputs.point import POINT_NOTE
from sim.io.netcdf import read_results
from sim.pipeline import run
from sim.report.tornado import fixed_inputs_tornado
from sim.results.summary import summarize
from tests.conftest import configure
from tests.sim.inputs.test_point import UNCERTAIN
from tests.sim.simulation.test_tornado import CENT, SAVINGS


@pytest.fixture(scope="module")
def point_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("point") / "run"
    summary = run(configure(**UNCERTAIN, point=True, saved_scenarios=None), directory, progress=False)
    return directory, summary


def test_a_point_run_gives_the_medians_closed_form_and_its_tornado(point_run, caplog):
    directory, summary = point_run
    assert summary["scenarios"] == 1
    assert summary["small_run"] == POINT_NOTE  # not "only 1 scenario": a point run is one by design
    assert summary["cost"]["prompt"]["mean"] == pytest.approx(23_040.0, abs=CENT)
    assert summary["savings_vs_prompt"]["finetune"]["mean"] == pytest.approx(SAVINGS, abs=CENT)
    drivers = summary["drivers"]["finetune"]
    assert drivers["fixed_inputs_basis"] == {"step": 0.2, "scenarios": 1, "savings": pytest.approx(SAVINGS, abs=CENT)}
    # at the medians every input is fixed: the setup cost is the tornado's too
    setup = next(row for row in drivers["fixed_inputs"] if row["input"] == "finetune.setup_cost")
    assert (setup["savings_low"], setup["savings_high"]) == (pytest.approx(SAVINGS + 1000, abs=CENT),
                                                            pytest.approx(SAVINGS - 1000, abs=CENT))
    # what the summary says is what results.nc gives back
    assert summarize(read_results(directory / "results.nc"))["drivers"] == json.loads(
        (directory / "summary.json").read_text())["drivers"]
    report = (directory / "report.md").read_text()
    assert "## Fixed inputs" in report and "![Fixed inputs](plots/fixed_inputs.png)" in report
    assert "| `finetune.setup_cost` | $5k | $4k | +$1,000 | $6k | -$1,000 |" in report
    assert (directory / "plots" / "fixed_inputs.png").stat().st_size > 0


def test_the_log_says_a_point_run_is_one(tmp_path, caplog):
    caplog.set_level("INFO", logger="payback")
    run(configure(**UNCERTAIN, point=True, report=False, tornado_step=0), tmp_path / "run", progress=False)
    assert any(message.startswith("point run: every distribution at its median") for message in caplog.messages)
    # no tornado asked: none run, none in the summary
    assert not any(message.startswith("tornado:") for message in caplog.messages)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["drivers"]["finetune"]["fixed_inputs"] == []
    assert summary["drivers"]["finetune"]["fixed_inputs_basis"] is None


def test_the_picture_draws_each_bar_from_the_point_to_its_side(point_run):
    _, summary = point_run
    fig = fixed_inputs_tornado(summary)
    titles = [t.get_text() for t in fig.texts]
    assert "Which fixed inputs move each route's savings most?" in titles
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    rows = summary["drivers"]["finetune"]["fixed_inputs"][:8]
    # one bar a side and row, from the point (6,510) to the side's savings
    ends = sorted(round(bar.get_x() + bar.get_width(), 2) for bar in bars)
    assert all(round(bar.get_x(), 2) == round(SAVINGS, 2) for bar in bars)
    assert ends == sorted(round(row[side], 2) for row in rows for side in ("savings_low", "savings_high"))
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "fixed_input"]
    assert "finetune.setup_cost\n$5k (-20%: $4k, +20%: $6k)" in labels
