"""python -m sim.compare: two runs that differ in one price, identical runs, refusals.

Runs B lower the fine-tuned input price by a fifth (serverless LoRA, 0.20 -> 0.16 USD
per 1M tokens). With the same seed every scenario draws the same numbers, and the
price enters only the months a fine-tune serves at fine-tuned prices: B's fine-tuning
costs less wherever a fine-tune went live, exactly the same where none did (every
attempt failed), and prompting and RAG cost exactly the same everywhere.
"""

import subprocess
import sys

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR
from sim.compare.comparison import CompareError, compare, load, run_comparison
from sim.inputs.routes import route_label
from sim.cli.compare import main
from sim.pipeline import run
from sim.io.files import atomic_path
from sim.io.netcdf import read_results, write_dataset

BASE = ["pricing=serverless-lora-8b", "report=false", "start=2026-12"]
ROUTE_KINDS = {"prompt": "prompt", "finetune": "finetune", "rag": "rag", "lora": "finetune",
               "azure-ft": "finetune", "luna": "prompt"}
CHEAPER = ["pricing.finetuned_input=0.16"]


def _run(directory, overrides, scenarios=3000, routes=None):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=[*BASE, f"scenarios={scenarios}", *overrides])
    if routes is not None:  # routes added to the preset's, as '+routes.NAME={...}' does
        cfg = OmegaConf.to_container(cfg)
        cfg["routes"].update(routes)
    run(cfg, directory, progress=False)
    return directory


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return {
        "mc_a": _run(root / "mc_a", ["sampling=mc"]),
        "mc_b": _run(root / "mc_b", ["sampling=mc", *CHEAPER]),
        "mc_again": _run(root / "mc_again", ["sampling=mc"]),
        "auto_a": _run(root / "auto_a", []),
        "auto_b": _run(root / "auto_b", CHEAPER),
        "auto_longer": _run(root / "auto_longer", [], scenarios=5000),
    }


def _change(comparison, statistic, route):
    return next(r for r in comparison["changes"] if (r["statistic"], r["route"]) == (statistic, route))


def _of_route(results, name, route):
    # a lifecycle variable of one route, along whichever route dim it has
    variable = results[name]
    return variable.sel({next(d for d in variable.dims if d != "scenario"): route}).values


@pytest.mark.parametrize("method", ["mc", "auto"])
def test_a_cheaper_fine_tuned_price_lowers_fine_tuning_in_every_scenario_where_it_went_live(runs, method):
    a, b = load(runs[f"{method}_a"]), load(runs[f"{method}_b"])
    comparison = compare(a, b)

    assert comparison["inputs"] == [("pricing.finetuned_input", "0.2", "0.16")]
    assert comparison["paired"] and comparison["paired_all"]
    per = comparison["per_scenario"]
    assert per["rows"] == 3000
    assert per["rule"].startswith("plain Monte Carlo" if method == "mc" else "scrambled Sobol with month-1 volume")
    d = per["routes"]["finetune"]["differences"]
    failed = _of_route(a.results, "finetune_failed", "finetune").astype(bool)
    shut_down = ~np.isnan(a.results.shutdown_month.values)
    assert (d <= 0).all() and (d[failed] == 0).all() and (d[~failed & ~shut_down] < 0).all()
    for k in ("prompt", "rag"):
        assert (per["routes"][k]["differences"] == 0).all()
        assert per["routes"][k]["p_b_cheaper"] == 0 and per["routes"][k]["p_unchanged"] == 1
    finetune = per["routes"]["finetune"]
    assert finetune["mean_ci95"][1] < 0 and finetune["mean_ci95"][0] < finetune["mean"] < finetune["mean_ci95"][1]
    assert finetune["p_b_cheaper"] == pytest.approx(np.mean(d < -1e-3)) and finetune["p_b_cheaper"] > 0.9
    assert finetune["p_b_dearer"] == 0
    # over every scenario: fine-tuning's mean cost falls, its P(beats prompting) cannot fall
    cost = _change(comparison, "mean_cost", "finetune")
    assert cost["interval"] == "paired" and cost["ci95"][1] < 0
    assert _change(comparison, "p_beats", "finetune")["change"] >= 0
    for k in ("prompt", "rag"):
        assert _change(comparison, "mean_cost", k)["change"] == 0 and _change(comparison, "mean_cost", k)["ci95"] == [0, 0]
    assert comparison["verdict"].startswith("Fine-tuning costs less in B")


def test_identical_runs_differ_in_nothing(runs):
    comparison = compare(load(runs["mc_a"]), load(runs["mc_again"]))

    assert comparison["inputs"] == []
    for row in comparison["changes"]:
        assert row["change"] == 0 and row["ci95"] == [0, 0], row
    for s in comparison["per_scenario"]["routes"].values():
        assert (s["differences"] == 0).all() and s["mean"] == 0 and s["p_b_cheaper"] == 0 and s["p_b_dearer"] == 0
    assert comparison["recommendation"]["a"] == comparison["recommendation"]["b"]
    assert comparison["verdict"].startswith("No difference")


# a fine-tune route on a sheet of its own, with an uncertain setup cost of its own: its
# draws come from streams (and under auto a Sobol net) named after it
LORA = {"lora": {"kind": "finetune", "pricing": "dedicated-lora-8b",
                 "finetune": {"setup_cost": {"dist": "uniform", "low": 1000, "high": 9000}}}}


@pytest.mark.parametrize("method", ["mc", "auto"])
def test_a_route_added_leaves_every_other_route_the_same_in_each_scenario(runs, tmp_path, method):
    added = _run(tmp_path / "lora", [] if method == "auto" else ["sampling=mc"], routes=LORA)
    comparison = compare(load(runs[f"{method}_a"]), load(added))

    assert comparison["paired"] and comparison["paired_all"]
    assert list(comparison["routes"]) == ["prompt", "finetune", "rag"] and comparison["only_b"] == ["lora"]
    for k, s in comparison["per_scenario"]["routes"].items():
        assert (s["differences"] == 0).all(), k
    for row in comparison["changes"]:
        assert row["change"] == 0 and row["ci95"] == [0, 0], row
    assert comparison["verdict"].startswith("No difference: every route both runs hold costs the same in B")
    assert ("routes.lora.finetune.setup_cost.high", "(absent)", "9000") in comparison["inputs"]


def test_under_sobol_a_shared_input_fixed_in_one_run_unpairs_them(runs, tmp_path):
    # the shared inputs' net has one dimension fewer: no scenario is drawn alike
    fixed = _run(tmp_path / "fixed", ["finetune.setup_cost=5000"])
    comparison = compare(load(runs["auto_a"]), load(fixed))
    assert not comparison["paired"] and comparison["pairing"] == (
        "the drawn inputs differ (finetune.setup_cost): the Sobol nets have other dimensions, so no scenario is shared")


def test_runs_of_other_sampling_are_compared_unpaired_and_say_why(runs):
    comparison = compare(load(runs["mc_a"]), load(runs["auto_b"]))

    assert not comparison["paired"] and comparison["per_scenario"] is None
    assert "sampling methods differ" in comparison["pairing"]
    assert {r["interval"] for r in comparison["changes"]} == {"independent"}
    assert ("sampling", "mc", "auto") in comparison["inputs"]


def test_a_longer_run_shares_its_first_scenarios_but_compares_its_totals_unpaired(runs):
    # 3,000 scenarios end in a replicate of 952: the first points of the 1,024 that
    # the longer run draws with the same scramble
    comparison = compare(load(runs["auto_a"]), load(runs["auto_longer"]))

    assert comparison["paired"] and not comparison["paired_all"]
    assert comparison["per_scenario"]["rows"] == 3000
    for s in comparison["per_scenario"]["routes"].values():
        assert (s["differences"] == 0).all()
    assert {r["interval"] for r in comparison["changes"]} == {"independent"}
    assert comparison["inputs"] == [("scenarios", "3000", "5000")]


def test_refuses_other_horizons_in_one_line(runs, tmp_path, capsys):
    other = _run(tmp_path / "h12", ["horizon_months=12"], scenarios=1000)
    with pytest.raises(SystemExit) as stop:
        main([str(runs["mc_a"]), str(other), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert err == "payback: error: horizons differ: A runs 24 months, B 12; compare runs of one horizon\n"
    assert not (tmp_path / "out").exists()


def test_refuses_other_models_a_missing_run_and_a_damaged_file(runs, tmp_path):
    older = read_results(runs["mc_a"] / "results.nc")
    older.attrs["model_version"] = "2026-01-01"
    (tmp_path / "older").mkdir()
    write_dataset(older, tmp_path / "older" / "results.nc")
    with pytest.raises(CompareError, match="^models differ: A records model version 2026-01-01, B version"):
        run_comparison(tmp_path / "older", runs["mc_a"])
    with pytest.raises(CompareError, match="not a run directory"):
        run_comparison(tmp_path, runs["mc_a"])
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "results.nc").write_bytes((runs["mc_a"] / "results.nc").read_bytes()[:4000])
    with pytest.raises(CompareError, match="not a readable payback results file"):
        run_comparison(runs["mc_a"], tmp_path / "damaged")


def test_command_line_writes_the_three_files_and_never_overwrites_unasked(runs, tmp_path):
    command = [sys.executable, "-m", "sim.compare", str(runs["mc_a"]), str(runs["mc_b"]), "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "| `pricing.finetuned_input` | 0.2 | 0.16 |" in done.stdout
    assert "P(B cheaper than A)" in done.stdout and "Traceback" not in done.stderr
    page = (tmp_path / "compare.html").read_text()
    assert 'src="data:image/png;base64,' in page and "<script" not in page and "<link" not in page
    assert (tmp_path / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![" in (tmp_path / "compare.md").read_text()
    before = (tmp_path / "compare.md").read_bytes()
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1 and "--overwrite" in again.stderr
    assert (tmp_path / "compare.md").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".payback.lock", "compare.html", "compare.md", "compare.png"]


def test_the_verdict_names_each_route_as_the_report_does():
    # str.capitalize() wrote "Rag costs less in B" and capitalised every clause
    from sim.compare.comparison import verdict

    def comparison(changes, b="prompting"):
        return {"changes": [{"statistic": "mean_cost", "route": k, "change": v, "ci95": [v - 1, v + 1]}
                            for k, v in changes],
                "routes": {k: {"label": route_label(k, kind)} for k, kind in ROUTE_KINDS.items()},
                "per_scenario": None, "recommendation": {"a": {"strategy": "not yet"}, "b": {"strategy": b}}}

    assert verdict(comparison([("prompt", -15725), ("rag", -4371)])) == (
        "Prompting costs less in B (-$15,725 on average); RAG costs less in B"
        " (-$4,371 on average); the recommendation changes from “not yet” to “prompting”.")
    # a route's own name is kept as typed; past three routes moved the same way, their count and ends
    assert verdict(comparison([("lora", -10), ("azure-ft", -30), ("rag", -20), ("finetune", -25), ("luna", 5)],
                              b="not yet")) == (
        "4 routes cost less in B, from -$10 (lora) to -$30 (azure-ft) on average; luna costs more in B (+$5.00 on"
        " average); the recommendation stays “not yet”.")


def test_a_comparison_cut_short_while_writing_leaves_none_of_its_files(runs, tmp_path, monkeypatch):
    # compare.png stayed alone, and the next try was refused over it (--overwrite)
    import sim.compare.document
    from sim.compare.document import write

    comparison = run_comparison(runs["mc_a"], runs["mc_b"])

    calls = []

    def interrupted(path):  # Ctrl-C once compare.png is written, before compare.md
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return atomic_path(path)

    with monkeypatch.context() as patch:
        patch.setattr(sim.compare.document, "atomic_path", interrupted)
        with pytest.raises(KeyboardInterrupt):
            write(comparison, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [".payback.lock"]  # held while this process lives
    (tmp_path / "compare.md").mkdir()  # the user's, in the way of the second file
    with pytest.raises(CompareError, match=r"compare\.md: cannot write \(Is a directory\)$"):
        write(comparison, tmp_path, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".payback.lock", "compare.md"]
    assert (tmp_path / "compare.md").is_dir()


def test_a_full_disk_while_overwriting_leaves_the_earlier_comparison_whole(runs, tmp_path, monkeypatch):
    # compare.png was replaced before compare.html failed: a new picture beside the old text
    import errno
    import os
    from pathlib import Path

    from sim.compare.document import write

    write(run_comparison(runs["mc_a"], runs["mc_b"]), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    write_bytes = Path.write_bytes

    def full_at_the_page(path, data):
        if ".compare.html." in path.name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", full_at_the_page)
    with pytest.raises(CompareError, match=r"compare\.html: cannot write \(No space left on device\)$"):
        write(run_comparison(runs["mc_a"], runs["mc_a"]), tmp_path, overwrite=True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_results_file_without_what_compare_reads_is_one_line_naming_it(runs, tmp_path):
    # a results.nc without cost ended in an AttributeError traceback
    damaged = read_results(runs["mc_a"] / "results.nc").drop_vars("cost")
    (tmp_path / "b").mkdir()
    write_dataset(damaged, tmp_path / "b" / "results.nc")
    with pytest.raises(CompareError) as refused:
        run_comparison(runs["mc_a"], tmp_path / "b")
    assert str(refused.value) == f"{tmp_path / 'b' / 'results.nc'}: not a readable payback results file (no variable 'cost')"


def test_an_out_directory_the_file_system_cannot_name_is_one_line(runs, capsys):
    # a name longer than 255 bytes ended in an OSError traceback
    with pytest.raises(SystemExit) as stop:
        main([str(runs["mc_a"]), str(runs["mc_b"]), "--out", "x" * 300])
    assert stop.value.code == 2
    assert capsys.readouterr().err == f"payback: error: --out: cannot use {'x' * 300} (File name too long)\n"
