"""A run's pictures and report, and their reproduction from a saved run."""

import json
import re
import shutil
import subprocess
import sys

import pytest
from hydra import compose, initialize_config_dir

from sim.cli.payback import CONFIG_DIR
from sim.report.pictures import PICTURES, ROW_PICTURES, payback_probability, usd
from sim.report.document import render
from sim.pipeline import run
from sim.io.netcdf import read_results
from sim.results.summary import summarize


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    # 2,000 of the 6,000 kept rows saved: the report must come from what results.nc holds
    directory = tmp_path_factory.mktemp("run")
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=6000", "saved_scenarios=2000"])
    run(cfg, directory, progress=False)
    return directory


def test_every_picture_is_drawn(run_dir):
    for name in PICTURES:
        picture = run_dir / "plots" / name
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000


def test_headline_curve_is_the_summary(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    results = read_results(run_dir / "results.nc")
    figure = payback_probability(results, summary["confidence"])
    lines = {line.get_gid(): line for line in figure.axes[0].get_lines() if line.get_gid()}
    for strategy in ("finetune", "rag"):
        curve = lines[f"p_beats_prompt.{strategy}"]
        assert curve.get_xdata()[-1] == summary["horizon_months"]
        assert curve.get_ydata()[-1] == summary["p_beats_prompt"][strategy]["estimate"]


def test_summary_gains_the_analysis(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    for strategy in ("finetune", "rag"):
        stats = summary["savings_vs_prompt"][strategy]
        assert stats["cvar05"] <= stats["p05"] <= stats["p50"] <= stats["p95"]
    assert summary["evpi"] >= 0
    assert {k: set(v) for k, v in summary["break_even_calls_per_month"].items()} == {
        "finetune": {"p10", "p50", "p90", "p10_ci95", "p50_ci95", "p90_ci95"},
        "rag": {"p10", "p50", "p90", "p10_ci95", "p50_ci95", "p90_ci95"}}
    for k in ("finetune", "rag"):
        ranked = summary["drivers"][k]["ranked"]
        effects = [abs(d["effect"]) for d in ranked]
        assert effects == sorted(effects, reverse=True) and len(effects) >= 1
        assert all(d["ci95"][0] > 0 or d["ci95"][1] < 0 for d in ranked)
    assert set(summary["p_cheapest"]) == {"prompt", "finetune", "rag"} and sum(summary["p_cheapest"].values()) <= 1
    assert summary["recommendation"]["strategy"] in {"prompting", "fine-tuning", "RAG", "not yet"}
    report = (run_dir / "report.md").read_text()
    assert summary["headline"] in report and f"as of **{summary['pricing']['as_of']}**" in report
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", summary["pricing"]["as_of"])


def test_sim_report_redraws_the_same_report_from_results_nc(run_dir, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(run_dir / "results.nc", copy / "results.nc")
    done = subprocess.run([sys.executable, "-m", "sim.report", str(copy)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (copy / "report.md").read_bytes() == (run_dir / "report.md").read_bytes()
    assert (copy / "report.html").read_bytes() == (run_dir / "report.html").read_bytes()
    assert sorted(p.name for p in (copy / "plots").iterdir()) == sorted(PICTURES)
    for name in PICTURES:  # byte for byte: drawn from the same rows and summary
        assert (copy / "plots" / name).read_bytes() == (run_dir / "plots" / name).read_bytes(), name


def test_results_nc_holds_the_saved_rows_and_the_summary_of_every_kept_one(run_dir):
    results = read_results(run_dir / "results.nc")
    assert results.sizes["scenario"] == 2000
    assert (results.attrs["saved_scenarios"], results.attrs["kept_scenarios"], results.attrs["scenarios"]) == (
        2000, 6000, 6000)
    assert json.loads(results.attrs["summary"]) == json.loads((run_dir / "summary.json").read_text())
    # the summary's quantiles are those of all 6,000 rows, not of the 2,000 saved
    assert summarize(results)["cost"]["prompt"]["p50"] != json.loads(results.attrs["summary"])["cost"]["prompt"]["p50"]
    assert ("the pictures of distributions the first 2,000, those saved in results.nc"
            in (run_dir / "report.md").read_text())


def test_a_run_saving_no_row_reports_without_the_pictures_of_distributions(tmp_path):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "saved_scenarios=0"])
    run(cfg, tmp_path / "run", progress=False)
    drawn = sorted(p.name for p in (tmp_path / "run" / "plots").iterdir())
    assert drawn == sorted(set(PICTURES) - set(ROW_PICTURES))
    report = (tmp_path / "run" / "report.md").read_text()
    assert all(name not in report for name in ROW_PICTURES) and "`saved_scenarios=0`" in report
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(tmp_path / "run" / "results.nc", copy / "results.nc")
    done = subprocess.run([sys.executable, "-m", "sim.report", str(copy)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (copy / "report.md").read_bytes() == (tmp_path / "run" / "report.md").read_bytes()
    assert (copy / "report.html").read_bytes() == (tmp_path / "run" / "report.html").read_bytes()
    assert (copy / "report.html").read_text(encoding="utf-8").count("<img ") == len(drawn)


def test_sim_report_summarizes_a_results_nc_written_before_the_summary_was_in_it(run_dir, tmp_path):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "report=false"])
    summary = run(cfg, tmp_path / "run", progress=False)  # every kept row saved, as before
    older = read_results(tmp_path / "run" / "results.nc")
    del older.attrs["summary"], older.attrs["saved_scenarios"]
    (tmp_path / "older").mkdir()
    older.to_netcdf(tmp_path / "older" / "results.nc", engine="scipy", format="NETCDF3_64BIT")
    done = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path / "older")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert summary["headline"] in (tmp_path / "older" / "report.md").read_text()


def test_sim_report_refuses_a_directory_without_results(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and "no results.nc" in done.stderr and "Traceback" not in done.stderr


def test_a_run_keeping_a_sixth_reports_every_scenarios_probabilities(tmp_path):
    def summary(kept_scenarios, directory):
        with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
            cfg = compose(config_name="config",
                          overrides=["scenarios=6000", "report=false", f"kept_scenarios={kept_scenarios}"])
        return run(cfg, directory, progress=False)

    kept = summary(1000, tmp_path)
    every = summary("null", tmp_path / "every")

    assert (kept["scenarios"], kept["kept_scenarios"], every["kept_scenarios"]) == (6000, 1000, 6000)
    saved = read_results(tmp_path / "results.nc")
    assert saved.sizes["scenario"] == 1000
    assert "count all 6,000 scenarios" in render(saved, kept) and "use the first 1,000" in render(saved, kept)
    # what counts scenarios or averages them is the same with a sixth kept or all of
    # them: both sum the same per-block totals
    for key in ("p_beats_prompt", "payback_month", "retrains", "finetune_failed", "shutdown", "evpi"):
        assert kept[key] == every[key], key
    for strategy in ("prompt", "finetune", "rag"):
        assert kept["cost"][strategy]["mean"] == every["cost"][strategy]["mean"]
    assert kept["recommendation"]["probability"] == every["recommendation"]["probability"]
    # quantiles come from the kept sixth: close to, not equal to, those of every scenario
    assert kept["cost"]["prompt"]["p50"] != every["cost"]["prompt"]["p50"]


@pytest.mark.parametrize("damage", ["truncated", "empty", "foreign"])
def test_sim_report_refuses_a_results_file_it_cannot_read_in_one_line(run_dir, tmp_path, damage):
    import xarray as xr

    target = tmp_path / "results.nc"
    if damage == "truncated":
        target.write_bytes((run_dir / "results.nc").read_bytes()[:4000])
    elif damage == "empty":
        target.write_bytes(b"")
    else:
        xr.Dataset({"a": ("x", [1, 2])}).to_netcdf(target, engine="scipy")
    done = subprocess.run([sys.executable, "-m", "sim.report", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"payback: error: {target}: not a readable payback results file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]


def test_every_estimate_has_its_interval_in_summary_and_report(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    report = (run_dir / "report.md").read_text()
    for stats in [*summary["cost"].values(), *summary["savings_vs_prompt"].values(),
                  summary["savings_finetune_vs_rag"]]:
        for key in ("mean", "p05", "p50", "p95", "cvar05"):
            if key in stats:
                low, high = stats[f"{key}_ci95"]
                # a quantile's interval brackets its estimate; the CVaR's is centred on it
                assert low <= stats[key] <= high
    low, high = summary["evpi_ci95"]
    assert 0 <= low <= summary["evpi"] <= high
    for k, (p_low, p_high) in summary["p_cheapest_ci95"].items():
        assert p_low <= summary["p_cheapest"][k] <= p_high
    sv = summary["savings_vs_prompt"]["finetune"]
    assert f"{usd(sv['mean'])} [{usd(sv['mean_ci95'][0])}, {usd(sv['mean_ci95'][1])}]" in report
    assert f"{usd(summary['evpi'])} [{usd(low)}, {usd(high)}]" in report


def test_sim_report_refuses_a_plots_file_and_bad_arguments_in_one_line(run_dir, tmp_path, capsys):
    # a file named plots ended in a FileExistsError traceback; argparse's refusals took two lines
    from sim.cli.report import main

    shutil.copy(run_dir / "results.nc", tmp_path / "results.nc")
    (tmp_path / "plots").write_text("my notes\n")
    for argv, message in [([str(tmp_path)], f"{tmp_path / 'plots'}: a file, not a directory; move it away to draw"
                                             " the pictures"),
                          ([], "the following arguments are required: run_dir"),
                          ([str(tmp_path), "extra"], "unrecognized arguments: extra")]:
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2
        assert capsys.readouterr().err == f"payback: error: {message}\n"
    assert (tmp_path / "plots").read_text() == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots", "results.nc"]


def test_sim_report_draws_nothing_through_a_plots_link(run_dir, tmp_path, capsys):
    # the pictures went through the link into the user's directory
    from sim.cli.report import main

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine\n")
    (tmp_path / "run").mkdir()
    shutil.copy(run_dir / "results.nc", tmp_path / "run" / "results.nc")
    (tmp_path / "run" / "plots").symlink_to(mine, target_is_directory=True)
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path / "run")])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"payback: error: {tmp_path / 'run' / 'plots'}: a symbolic link; payback draws"
                                       " nothing through a link out of the run directory: remove it (its target is"
                                       " not touched) to draw the pictures\n")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["plots", "results.nc"]


def _without_evpi(results):
    summary = json.loads(results.attrs["summary"])
    del summary["evpi"]
    results.attrs["summary"] = json.dumps(summary)
    return results


@pytest.mark.parametrize("damage, reason", [
    (lambda r: r.drop_vars("cost_slope"), "no variable 'cost_slope'"),
    (lambda r: r.assign(p_beats_prompt=r.p_beats_prompt.isel(challenger=0, drop=True)),
     "variable 'p_beats_prompt' has dims (month), not (challenger, month)"),
    (lambda r: r.drop_attrs().assign_attrs({k: v for k, v in r.attrs.items() if k != "config"}),
     "no attribute 'config'"),
    (_without_evpi, "the summary has no 'evpi'"),
], ids=["no cost_slope", "other dims", "no config", "summary without evpi"])
def test_sim_report_names_what_a_damaged_results_file_lacks_in_one_line(run_dir, tmp_path, capsys, damage, reason):
    # a results.nc without cost_slope ended in a 26-line AttributeError traceback
    from sim.cli.report import main
    from sim.io.netcdf import write_dataset

    write_dataset(damage(read_results(run_dir / "results.nc")), tmp_path / "results.nc")
    with pytest.raises(SystemExit) as stop:
        main([str(tmp_path)])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (f"payback: error: {tmp_path / 'results.nc'}: not a readable payback results"
                                       f" file ({reason})\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]


def test_a_report_of_many_routes_names_each_route_its_sheet_its_lifecycle_and_who_reads_each_input(tmp_path):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "start=2026-12", "report=false",
                                                       "routes=december-2026", "workload=support-assistant"])
    summary = run(cfg, tmp_path, progress=False)
    results = read_results(tmp_path / "results.nc")
    text = render(results, summary)
    for name, route in summary["routes"].items():
        label = "**prompting** (baseline)" if name == "prompt" else ("RAG" if name == "rag" else name)
        assert f"| {label} | {route['kind']} | `{route['sheet']}` |" in text, name
    # each sheet with its own date and source, the successor's too: not the pricing group's for all
    assert set(summary["sheets"]) == {"openai-gpt-4.1-mini", "openai-gpt-6-luna", "azure-openai-gpt-4.1-mini",
                                      "dedicated-lora-8b"}
    for name, sheet in summary["sheets"].items():
        assert f"`{name}`" in text and sheet["source"] in text
    for name, lifecycle in summary["lifecycle"].items():
        exits = lifecycle["platform_exit"]
        assert f"| {name} | {lifecycle['attempts_mean']:.2f} | {lifecycle['failed_fraction']:.1%} |" in text
        assert f"{exits['fraction']:.1%}" in text
    assert "from month 3 these routes pay `openai-gpt-6-luna`'s prices" in text  # gpt-4.1-mini retires in month 2
    assert "| `routes.lora-8b.finetune.setup_cost` | pert(low=15000, mode=30000, high=80000) | USD | lora-8b |" in text
    assert "| `sheets.azure-openai-gpt-4.1-mini.hosting_per_month` | 1241 | USD/month | ft-azure |" in text
    # a column a challenger against the baseline
    assert "| | ft-openai | ft-azure | lora-8b | RAG |" in text


@pytest.mark.parametrize("damage, problem", [
    (lambda ds: ds.attrs.update(routes=json.dumps([{"name": "zzz"}])),
     "attribute 'routes' does not list the Dataset's routes, in order"),
    (lambda ds: ds.attrs.update(calendar_events=json.dumps(
        [{"sheet": "s", "event": "serving end", "date": "2027-01-14", "month": 99999}])),
     "a calendar event in month 99999, outside the horizon (0 to 24)"),
    (lambda ds: ds["cost"].values.__setitem__((0, 0), float("inf")),
     "variable 'cost' holds a value that is not a finite number"),
    (lambda ds: ds.__setitem__("route", ["prompt", "finetune", "a|b"]),
     "a route's name is not letters, digits, '_' and '-'"),
])
def test_a_damaged_routes_record_is_named_in_one_line(run_dir, damage, problem):
    # each ended in a traceback of sim.report (hostile pass of 2026-12-06)
    from sim.results.contents import results_problem

    results = read_results(run_dir / "results.nc").copy(deep=True)
    damage(results)
    assert results_problem(results, with_summary=True) == problem


def test_sim_report_removes_what_a_killed_run_left_half_written(run_dir, tmp_path):
    # kill -9 while drawing left plots/.NAME.PID.partial: a redraw removed none of them
    from sim.cli.report import main

    shutil.copytree(run_dir, tmp_path / "run")
    (tmp_path / "run" / "plots" / ".line_crossing.png.999999999.partial").write_bytes(b"half")
    (tmp_path / "run" / ".report.md.999999999.partial").write_text("half")
    main([str(tmp_path / "run")])
    assert not list((tmp_path / "run").rglob("*.partial"))


def test_a_fine_tune_whose_platform_closed_before_month_1_is_said_to_never_ship(tmp_path, caplog):
    # from 2027-02 OpenAI takes no more fine-tuning jobs of gpt-4.1-mini (2027-01-06): the route
    # costs what prompting costs, and the baseline, taking the tie, stays the cheapest
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=1000", "start=2027-02", "report=false",
                                                       "routes=december-2026", "workload=support-assistant"])
    summary = run(cfg, tmp_path, progress=False)
    assert summary["p_cheapest"]["prompt"] == 1.0
    assert summary["cost"]["ft-openai"]["mean"] == pytest.approx(summary["cost"]["prompt"]["mean"], abs=0.01)
    assert "ft-openai: openai-gpt-4.1-mini takes no training after 2027-01-06, before month 1 (2027-02)" in caplog.text
    text = render(read_results(tmp_path / "results.nc"), summary)
    assert "(ft-openai): last training jobs 2027-01-06, before month 1: the route can never ship" in text
