"""Sweeps through Hydra's multirun: the aggregate, its launchers, stresses, failures."""

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR
from sim.pipeline import run
from sim.io.netcdf import read_results
from sim.sweep.aggregate import to_dataset
from tests.conftest import fake_summary

GRID = ["workload.calls_per_month=1e6,3e6", "pricing=dedicated-lora-8b,serverless-lora-8b"]
# start pinned: the price sheets' calendars are dated, and the default start is the month of the run
COMMON = ["scenarios=3000", "report=false", "start=2026-12"]


def multirun(sweep_dir, *overrides):
    return subprocess.run(
        [sys.executable, "-m", "sim", "--multirun", f"hydra.sweep.dir={sweep_dir}", *COMMON, *overrides],
        capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory):
    sweep_dir = tmp_path_factory.mktemp("basic")
    done = multirun(sweep_dir, *GRID)
    assert done.returncode == 0, done.stderr
    (sweep_dir.parent / "basic.stdout").write_text(done.stdout)
    return sweep_dir


PROGRESS = re.compile(r"sweep: (\d) of 4 jobs done \(job (\d) ok\), [^,]+ elapsed(, ETA .+ s)?$")


def sweep_progress(lines):
    """(k, job, has an ETA) of each ``sweep: k of 4 jobs done`` line."""
    found = [PROGRESS.search(line) for line in lines if "jobs done" in line]
    assert all(found), lines
    return [(int(m[1]), int(m[2]), m[3] is not None) for m in found]


@pytest.mark.slow
def test_a_sweep_logs_its_plan_and_each_job_done_with_an_eta(basic_sweep):
    plan = json.loads((basic_sweep / "sweep_plan.json").read_text())
    assert [job["job"] for job in plan["jobs"]] == [0, 1, 2, 3]
    for job in plan["jobs"]:  # Hydra's own expansion, recorded before the first job ran
        assert yaml.safe_load((basic_sweep / str(job["job"]) / ".hydra" / "overrides.yaml").read_text()) == \
            job["overrides"]
    expected = [(1, 0, True), (2, 1, True), (3, 2, True), (4, 3, False)]  # the last: done, no ETA
    console = (basic_sweep.parent / "basic.stdout").read_text().splitlines()
    assert sweep_progress(console) == expected
    assert sweep_progress((basic_sweep / "sweep.log").read_text().splitlines()) == expected


@pytest.mark.slow
def test_a_grid_sweep_has_the_swept_keys_as_dims_and_equals_single_runs(basic_sweep, tmp_path):
    sweep = read_results(basic_sweep / "sweep.nc")
    assert dict(sweep.sizes) == {"challenger": 2, "route": 3, "workload.calls_per_month": 2, "pricing": 2}
    assert sweep.attrs["layout"] == "grid" and (sweep.status == "ok").all()
    for volume in (1e6, 3e6):
        for pricing in ("dedicated-lora-8b", "serverless-lora-8b"):
            with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
                cfg = compose(config_name="config", overrides=[
                    *COMMON, f"workload.calls_per_month={volume}", f"pricing={pricing}"])
            single = run(cfg, tmp_path / f"{volume}-{pricing}", progress=False)
            point = sweep.sel({"workload.calls_per_month": volume, "pricing": pricing})
            for k in ("finetune", "rag"):
                assert point.p_beats_prompt.sel(challenger=k) == single["p_beats_prompt"][k]["estimate"]
                assert point.savings_cvar05.sel(challenger=k) == single["savings_vs_prompt"][k]["cvar05"]
            for k in ("prompt", "finetune", "rag"):
                assert point.p_cheapest.sel(route=k) == single["p_cheapest"][k]
                assert point.cost_mean.sel(route=k) == single["cost"][k]["mean"]
    # more volume, more often worth fine-tuning: the grid is not noise
    p = sweep.p_beats_prompt.sel(challenger="finetune", pricing="dedicated-lora-8b")
    assert float(p.sel({"workload.calls_per_month": 3e6})) > float(p.sel({"workload.calls_per_month": 1e6}))
    for picture in ("sweep.png", "sweep_cheapest.png", "sweep_recommendation.png"):
        assert (basic_sweep / picture).stat().st_size > 10_000, picture
    # what every job shares, for the pictures' titles and subtitles
    assert sweep.attrs["horizon_months"] == 24 and sweep.attrs["confidence"] == 0.8
    assert "scenarios=3000" in sweep.attrs["fixed_overrides"] and "start=2026-12" in sweep.attrs["fixed_overrides"]
    assert len(list(csv.DictReader((basic_sweep / "sweep.csv").read_text().splitlines()))) == 4
    # sweep.md: every probability (a number in [0, 1] with three decimals or more) has its interval
    table = (basic_sweep / "sweep.md").read_text()
    cells = [c.strip() for line in table.splitlines()[2:] for c in line.strip("|").split("|")]
    probabilities = [c for c in cells if re.match(r"^[01]\.\d{3}", c)]
    assert len(probabilities) == 4 * (2 + 2)  # per job: P(beats) and P(cheapest) of its two challengers
    assert all(re.fullmatch(r"[01]\.\d{3,} \[[01]\.\d{3,}, [01]\.\d{3,}\]", c) for c in probabilities), table


@pytest.mark.slow
def test_sweep_jobs_save_no_per_scenario_row_unless_saved_scenarios_is_given(basic_sweep, tmp_path):
    for job in sorted(basic_sweep.glob("[0-9]*")):
        results = read_results(job / "results.nc")
        assert results.sizes["scenario"] == 0 and results.attrs["saved_scenarios"] == 0
        assert results.attrs["kept_scenarios"] == 3000  # the summary still counts every kept row
        assert json.loads(results.attrs["summary"]) == json.loads((job / "summary.json").read_text())
        assert OmegaConf.load(job / ".hydra" / "config.yaml").saved_scenarios == 0  # as the job ran
    done = multirun(tmp_path / "asked", "saved_scenarios=25", "seed=0,1")
    assert done.returncode == 0, done.stderr
    for job in ("0", "1"):
        results = read_results(tmp_path / "asked" / job / "results.nc")
        assert results.sizes["scenario"] == 25 and results.attrs["saved_scenarios"] == 25


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_parallel_launchers_give_the_numbers_of_the_basic_one(basic_sweep, tmp_path, launcher):
    done = multirun(tmp_path / launcher, *GRID, f"hydra/launcher={launcher}")
    assert done.returncode == 0, done.stderr
    # each worker counts the jobs done from the sweep directory: 1 to 4, whatever the order
    lines = sweep_progress((tmp_path / launcher / "sweep.log").read_text().splitlines())
    assert sorted(k for k, _, _ in lines) == [1, 2, 3, 4] and sorted(j for _, j, _ in lines) == [0, 1, 2, 3]
    if launcher == "joblib":  # its workers write to this console; submitit's to their own files
        assert sorted(k for k, _, _ in sweep_progress(done.stdout.splitlines())) == [1, 2, 3, 4]
    basic = read_results(basic_sweep / "sweep.nc")
    parallel = read_results(tmp_path / launcher / "sweep.nc")
    xr.testing.assert_equal(basic.drop_vars("job_number"), parallel.drop_vars("job_number"))


@pytest.mark.slow
def test_every_stress_moves_fine_tuning_the_way_its_story_says(tmp_path):
    sweep_dir = tmp_path / "stress"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--multirun", f"hydra.sweep.dir={sweep_dir}", "scenarios=20000",
         "report=false", "start=2026-12", "stress=glob(*)", "saved_scenarios=null",  # rows compared below
         # a volume at which a working fine-tune pays for its dedicated endpoint: at the
         # default volume it rarely does, and a flop that saves the fee would look good
         "workload.calls_per_month={dist:lognormal,p05:2e6,p95:2e7}"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    sweep = read_results(sweep_dir / "sweep.nc")
    stresses = [str(s) for s in sweep.stress.values]
    assert sorted(stresses) == ["drift-storm", "finetune-flop", "none", "platform-exit",
                                "price-war", "short-base-lifetime", "volume-collapse", "volume-slump"]
    runs = {str(s): read_results(sweep_dir / str(int(sweep.job_number.sel(stress=s))) / "results.nc")
            for s in stresses}

    def savings(results):
        cost = results.cost
        return (cost.sel(route="prompt") - cost.sel(route="finetune")).values

    base = savings(runs["none"])
    p_none = float(sweep.p_beats_prompt.sel(challenger="finetune", stress="none"))
    for stress in set(stresses) - {"none"}:
        # common random numbers: the same scenarios under the stress, compared pair by pair
        difference = savings(runs[stress]) - base
        z = difference.mean() / (difference.std(ddof=1) / np.sqrt(difference.size))
        assert z < -4, (stress, z)
        assert float(sweep.p_beats_prompt.sel(challenger="finetune", stress=stress)) < p_none, stress


@pytest.mark.slow
def test_a_failing_job_is_listed_and_the_others_aggregated(tmp_path):
    sweep_dir = tmp_path / "failing"
    done = multirun(sweep_dir, "finetune.success_probability=0.5,1.5")
    assert done.returncode == 1
    assert "1 sweep job(s) failed (1)" in done.stderr
    table = list(csv.DictReader((sweep_dir / "sweep.csv").read_text().splitlines()))
    assert [row["status"] for row in table] == ["ok", "failed"]
    assert "finetune.success_probability: 1.5 is not a number in [0, 1]" in table[1]["error"]
    assert float(table[0]["p_beats_prompt.finetune"]) == json.loads(
        (sweep_dir / "0" / "summary.json").read_text())["p_beats_prompt"]["finetune"]["estimate"]

    before = (sweep_dir / "sweep.csv").read_text()
    for name in ("sweep.csv", "sweep.nc", "sweep.md", "sweep.png"):
        (sweep_dir / name).unlink()
    rebuilt = subprocess.run([sys.executable, "-m", "sim.sweep", str(sweep_dir)], capture_output=True, text=True)
    assert rebuilt.returncode == 1 and "job 1 failed" in rebuilt.stderr
    assert (sweep_dir / "sweep.csv").read_text() == before
    assert (sweep_dir / "sweep.png").exists()


def job(number, p, **overrides):
    return {"job": number, "overrides": overrides, "summary": fake_summary(p), "error": None}


def test_full_grid_gets_dims_and_a_partial_one_a_job_list():
    grid = to_dataset([job(0, 0.1, a="1", b="x"), job(1, 0.2, a="1", b="y"),
                       job(2, 0.3, a="2", b="x"), job(3, 0.4, a="2", b="y")])
    assert grid.attrs["layout"] == "grid" and grid.a.values.tolist() == [1.0, 2.0]
    assert float(grid.p_beats_prompt.sel(challenger="finetune", a=2.0, b="y")) == 0.4
    assert np.isnan(float(grid.payback_month_p50.sel(challenger="finetune", a=1.0, b="x")))
    assert grid.p_cheapest.dims == ("route", "a", "b") and grid.route.values.tolist() == [
        "prompt", "finetune", "rag"]
    assert grid.kind.values.tolist() == ["prompt", "finetune", "rag"] and grid.attrs["baseline"] == "prompt"
    assert float(grid.p_cheapest.sel(route="prompt", a=2.0, b="y")) == pytest.approx(0.6)

    partial = to_dataset([job(0, 0.1, a="1", b="x"), job(1, 0.2, a="2", b="y"), job(2, 0.3, a="3", b="y")])
    assert partial.attrs["layout"] == "job list" and list(partial.p_beats_prompt.dims) == ["challenger", "job"]
    assert partial.a.values.tolist() == ["1", "2", "3"] and partial.b.values.tolist() == ["x", "y", "y"]


def test_the_aggregate_carries_p_win_and_p_acceptable_and_nan_for_a_job_without_quality():
    with_quality = job(1, 0.2, v="2")
    with_quality["summary"].update(p_win={"prompt": 0.1, "finetune": 0.7, "rag": 0.0, "none": 0.2},
                                   p_acceptable={"prompt": 0.3, "finetune": 0.9, "rag": 0.0})
    sweep = to_dataset([job(0, 0.1, v="1"), with_quality])
    assert sweep.p_win.dims == ("route", "v") and float(sweep.p_win.sel(route="finetune", v=2.0)) == 0.7
    assert float(sweep.p_acceptable.sel(route="prompt", v=2.0)) == 0.3
    assert np.isnan(sweep.p_win.sel(v=1.0)).all()  # a summary of a model without quality


def test_numeric_levels_are_sorted_and_a_failed_point_is_nan():
    failed = {"job": 1, "overrides": {"v": "10"}, "summary": None, "error": "boom"}
    sweep = to_dataset([job(0, 0.5, v="100"), failed, job(2, 0.1, v="1")])
    assert sweep.v.values.tolist() == [1.0, 10.0, 100.0]
    assert sweep.status.values.tolist() == ["ok", "failed", "ok"]
    assert np.isnan(sweep.p_beats_prompt.sel(challenger="rag", v=10.0))
    assert np.isnan(sweep.p_cheapest.sel(route="rag", v=10.0)).all()
    assert sweep.error.sel(v=10.0) == "boom"


@pytest.mark.slow
def test_a_damaged_job_is_listed_and_the_good_ones_aggregated(tmp_path):
    sweep_dir = tmp_path / "damaged"
    assert multirun(sweep_dir, "seed=1,2,3").returncode == 0
    summary = sweep_dir / "1" / "summary.json"
    summary.write_text(summary.read_text()[:100])  # cut short, as by a full disk or a copy
    (sweep_dir / ".sweep.csv.999999999.partial").write_text("left by kill -9")
    done = subprocess.run([sys.executable, "-m", "sim.sweep", str(sweep_dir)], capture_output=True, text=True)
    assert done.returncode == 1
    assert [line for line in done.stderr.splitlines() if line.startswith("job ")] == [
        line for line in done.stderr.splitlines() if "damaged: summary.json: not JSON" in line]
    assert done.stderr.count("job 1 damaged: summary.json: not JSON") == 1 and "Traceback" not in done.stderr
    table = list(csv.DictReader((sweep_dir / "sweep.csv").read_text().splitlines()))
    assert [(row["seed"], row["status"]) for row in table] == [("1", "ok"), ("2", "damaged"), ("3", "ok")]
    assert table[1]["error"].startswith("summary.json: not JSON")
    assert "| 2 | damaged: summary.json: not JSON" in (sweep_dir / "sweep.md").read_text()
    assert read_results(sweep_dir / "sweep.nc").status.values.tolist() == ["ok", "damaged", "ok"]
    assert not list(sweep_dir.glob(".*.partial"))

    again = multirun(sweep_dir, "seed=1,2")
    assert again.returncode == 2 and again.stderr.strip().endswith("name another directory")


def test_a_running_sweep_is_not_aggregated_under_it(tmp_path, capsys):
    # its running job was listed as failed ("the job did not finish"), exit 1
    from sim.sweep.plan import PLAN_FILE
    from tests.conftest import holding_the_lock
    from tests.sim.sweep.test_resume import refused, write_plan

    write_plan(tmp_path)
    with holding_the_lock(tmp_path, pid=4242):
        line = refused([str(tmp_path)], capsys)
    assert line == (f"payback: error: sweep_dir: {tmp_path} is in use by a running sweep (process 4242); it aggregates"
                    " when it ends, and sweep.log says how far it is")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".payback.lock", PLAN_FILE]


@pytest.mark.parametrize("damage, reason", [
    (lambda s: s["p_beats_prompt"]["finetune"].update(estimate="n/a"), "p_beats_prompt of finetune is not a number ('n/a')"),
    (lambda s: s.update(evpi=[1, 2]), "evpi is not a number ([1, 2])"),
    (lambda s: s["recommendation"].pop("strategy"), "no recommended strategy (recommendation.strategy)"),
], ids=["text for a number", "a list for a number", "no recommendation"])
def test_a_job_summary_with_a_value_of_the_wrong_kind_is_listed_as_damaged(tmp_path, capsys, damage, reason):
    # a summary.json whose numbers were not numbers ended the aggregate in a traceback
    from sim.cli.sweep import main
    from tests.sim.sweep.test_resume import write_plan

    write_plan(tmp_path)
    for job in (0, 1):
        summary = fake_summary(0.5)
        if job == 1:
            damage(summary)
        (tmp_path / str(job) / ".hydra").mkdir(parents=True)
        (tmp_path / str(job) / ".hydra" / "overrides.yaml").write_text(f"- seed={job + 1}\n")
        (tmp_path / str(job) / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path)])
    assert stop.value.code == 1
    assert capsys.readouterr().err == f"job 1 damaged: summary.json: {reason}\n"
    table = list(csv.DictReader((tmp_path / "sweep.csv").read_text().splitlines()))
    assert [(row["seed"], row["status"]) for row in table] == [("1", "ok"), ("2", "damaged")]
