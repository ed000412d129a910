"""Sweeps of 1 to 8 routes: the aggregate by route, jobs whose routes differ, the pictures."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sim.inputs.routes import colours
from sim.io.netcdf import read_results
from sim.sweep.aggregate import markdown_table, rows, summary_problem, to_dataset
from sim.sweep.pictures import (
    NOT_YET_COLOR,
    sweep_chart,
    sweep_cheapest,
    sweep_heatmap,
    sweep_profile,
    sweep_recommendation,
)
from tests.sim.sweep.test_pictures import texts

EIGHT = {"prompt": "prompt", "finetune": "finetune", "rag": "rag", "lora": "finetune", "azure-ft": "finetune",
         "luna": "prompt", "rag-mini": "rag", "fireworks": "finetune"}


def route_summary(routes, p, baseline="prompt", recommendation="not yet"):
    """A job's summary.json with ``routes`` ({name: kind}): route i beats the baseline with
    P = p + i / 100 and saves 1000 x that, costs 100 x (i + 1)."""
    names = list(routes)
    challengers = [k for k in names if k != baseline]
    beats = {k: p + i / 100 for i, k in enumerate(challengers)}
    return {
        "baseline": baseline,
        "routes": {k: {"kind": kind, "sheet": "s"} for k, kind in routes.items()},
        "p_beats_prompt": {k: {"estimate": v, "ci95": [v - 0.01, v + 0.01]} for k, v in beats.items()},
        "savings_vs_prompt": {k: {"mean": 1000.0 * v, "p05": -1.0, "cvar05": -2000.0 * v} for k, v in beats.items()},
        "payback_month": {k: {"p50": 7} for k in challengers},
        "p_cheapest": {k: 1 / len(names) for k in names},
        "p_cheapest_ci95": {k: [1 / len(names) - 0.05, 1 / len(names) + 0.05] for k in names},
        "cost": {k: {"mean": 100.0 * (i + 1), "p95": 200.0 * (i + 1)} for i, k in enumerate(names)},
        "evpi": 3.0,
        "horizon_months": 24,
        "confidence": 0.8,
        "recommendation": {"strategy": recommendation},
    }


def job(number, summary, **overrides):
    return {"job": number, "overrides": overrides, "summary": summary, "error": None}


def test_eight_routes_are_aggregated_along_route_and_challenger_with_their_kinds():
    sweep = to_dataset([job(0, route_summary(EIGHT, 0.1), v="1"), job(1, route_summary(EIGHT, 0.3), v="2")])

    assert sweep.route.values.tolist() == list(EIGHT) and sweep.kind.values.tolist() == list(EIGHT.values())
    assert sweep.challenger.values.tolist() == list(EIGHT)[1:] and sweep.attrs["baseline"] == "prompt"
    # route i of the challengers beats prompting with p + i/100
    assert float(sweep.p_beats_prompt.sel(challenger="fireworks", v=2.0)) == pytest.approx(0.36)
    assert float(sweep.savings_cvar05.sel(challenger="lora", v=1.0)) == pytest.approx(-2000 * 0.12)
    assert float(sweep.cost_mean.sel(route="luna", v=1.0)) == 600.0
    assert float(sweep.cost_p95.sel(route="prompt", v=2.0)) == 200.0
    assert (sweep.p_cheapest == 1 / 8).all() and (sweep.route_present == 1).all()
    assert sweep.job_baseline.values.tolist() == ["prompt", "prompt"]


def test_jobs_of_other_routes_are_aligned_by_name_and_lack_what_they_do_not_hold():
    three = {"prompt": "prompt", "finetune": "finetune", "rag": "rag"}
    five = {"prompt": "prompt", "lora": "finetune", "rag": "rag", "luna": "prompt", "finetune": "finetune"}
    # "rag" is a fine-tune in the third job: its kind varies, the name is kept
    other = {"prompt": "prompt", "rag": "finetune"}
    sweep = to_dataset([job(0, route_summary(three, 0.1), routes="three"),
                        job(1, route_summary(five, 0.2), routes="five"),
                        job(2, route_summary(other, 0.5), routes="other")])

    # in the order of the job of the most routes (its own pictures' colours), then the others'
    assert sweep.route.values.tolist() == ["prompt", "lora", "rag", "luna", "finetune"]
    assert sweep.kind.values.tolist() == ["prompt", "finetune", "varies", "prompt", "finetune"]
    assert sweep.route_present.sel(routes="three").values.tolist() == [1, 0, 1, 0, 1]
    assert np.isnan(float(sweep.p_beats_prompt.sel(challenger="lora", routes="three")))
    assert np.isnan(float(sweep.cost_mean.sel(route="luna", routes="other")))
    # five's challengers in its order: lora 0.20, rag 0.21, luna 0.22, finetune 0.23
    assert float(sweep.p_beats_prompt.sel(challenger="finetune", routes="five")) == pytest.approx(0.23)
    assert float(sweep.p_beats_prompt.sel(challenger="rag", routes="other")) == pytest.approx(0.5)
    table = rows([job(0, route_summary(three, 0.1), routes="three"), job(1, route_summary(five, 0.2), routes="five")])
    assert table[0]["p_beats_prompt.lora"] == "" and table[1]["p_beats_prompt.lora"] == pytest.approx(0.2)
    assert table[0]["cost_mean.luna"] == "" and table[1]["cost_mean.luna"] == 400.0


def test_jobs_of_two_baselines_say_so_and_keep_each_jobs():
    sweep = to_dataset([job(0, route_summary(EIGHT, 0.1), baseline="prompt"),
                        job(1, route_summary(EIGHT, 0.2, baseline="luna"), baseline="luna")])

    assert sweep.attrs["baseline"] == "varies" and sweep.job_baseline.values.tolist() == ["prompt", "luna"]
    assert "prompt" in sweep.challenger.values.tolist() and "luna" in sweep.challenger.values.tolist()
    # a baseline does not beat itself
    assert np.isnan(float(sweep.p_beats_prompt.sel(challenger="luna", baseline="luna")))
    assert float(sweep.p_beats_prompt.sel(challenger="prompt", baseline="luna")) == pytest.approx(0.2)
    assert "| baseline |" in markdown_table([job(0, route_summary(EIGHT, 0.1), baseline="prompt"),
                                             job(1, route_summary(EIGHT, 0.2, baseline="luna"), baseline="luna")])


def test_the_table_has_a_row_per_job_and_route_it_compares():
    jobs = [job(0, route_summary(EIGHT, 0.1, recommendation="luna"), v="1"),
            {"job": 1, "overrides": {"v": "2"}, "summary": None, "error": "boom", "status": "failed"}]
    lines = markdown_table(jobs).splitlines()
    assert lines[0] == ("| v | route | P(beats prompting) [95% CI] | E[savings] | CVaR 5% |"
                        " P(cheapest) [95% CI] | recommendation |")
    assert len(lines) == 2 + 7 + 1
    # every probability with its interval, as in the single run's report
    assert lines[2] == "| 1 | fine-tuning | 0.100 [0.090, 0.110] | $100 | -$200 | 0.125 [0.075, 0.175] | luna |"
    assert lines[5] == "| 1 | azure-ft | 0.130 [0.120, 0.140] | $130 | -$260 | 0.125 [0.075, 0.175] | luna |"
    assert lines[-1] == "| 2 | failed: boom |  |  |  |  |  |"


def test_a_sweep_of_the_baseline_alone_draws_its_cost(tmp_path):
    alone = {"prompt": "prompt"}
    jobs = [job(0, route_summary(alone, 0.1, recommendation="prompting"), v="1"),
            job(1, route_summary(alone, 0.1, recommendation="prompting"), v="2")]
    sweep = to_dataset(jobs)
    assert sweep.sizes["challenger"] == 0 and sweep.route.values.tolist() == ["prompt"]
    assert "| 1 | prompting | (the baseline alone) |  |  |  | prompting |" in markdown_table(jobs)
    assert sweep_chart(sweep, tmp_path) == ["sweep.png"]


@pytest.mark.parametrize("damage, reason", [
    (lambda s: s.update(routes=["prompt"]), "routes is not a mapping of route names to their kind (['prompt'])"),
    (lambda s: s["routes"]["lora"].update(kind="lora"), "routes is not a mapping of route names to their kind"),
    (lambda s: s.update(baseline="nope"), "the baseline 'nope' is not one of its routes"),
    (lambda s: s.update(baseline=[]), "the baseline [] is not one of its routes"),
    (lambda s: s["p_beats_prompt"].pop("luna"), "no p_beats_prompt of luna"),
    (lambda s: s["cost"]["rag"].update(mean="n/a"), "cost_mean of rag is not a number ('n/a')"),
], ids=["routes a list", "an unknown kind", "a baseline not a route", "a baseline a list",
        "a route without P(beats)", "text for a cost"])
def test_a_summary_whose_routes_do_not_hold_together_is_damaged(damage, reason):
    summary = route_summary(EIGHT, 0.2)
    assert summary_problem(summary) is None
    damage(summary)
    assert summary_problem(summary).startswith(reason)


def grid(routes=EIGHT):
    recommended = ["luna", "not yet", "fine-tuning", "lora"]
    return to_dataset([job(i, route_summary(routes, 0.2 * i, recommendation=recommended[i]), v=v, pricing=pricing)
                       for i, (v, pricing) in enumerate([("1e6", "a"), ("1e6", "b"), ("1e7", "a"), ("1e7", "b")])])


def _title_colours(fig):
    return {ax.get_title(): to_hex(ax.title.get_color()) for ax in fig.axes if ax.get_title()}


def test_eight_routes_get_a_panel_each_in_their_runs_colours():
    sweep = grid()
    palette = colours(list(EIGHT), 0)
    beats = sweep_heatmap(sweep, ["v", "pricing"], "label")
    titles = _title_colours(beats)
    labels = ["fine-tuning", "RAG", "lora", "azure-ft", "luna", "rag-mini", "fireworks"]
    assert list(titles) == labels  # seven panels: every route but the baseline
    assert titles["lora"] == palette["lora"].lower() and titles["fireworks"] == "#000000"
    assert any("Where does each route beat prompting within 24 months?" in t for t in texts(beats))
    assert "20%\n[19–21%]" in [t.get_text() for t in beats.axes[0].texts]  # job 1, fine-tuning
    cheapest = sweep_cheapest(sweep, ["v", "pricing"], "label")
    assert list(_title_colours(cheapest)) == ["prompting", *labels]
    assert any("the cheapest of the 8" in t for t in texts(cheapest))
    chosen = sweep_recommendation(sweep, ["v", "pricing"], "label")
    legend = {t.get_text(): to_hex(h.get_facecolor()) for t, h in
              zip(chosen.axes[0].get_legend().get_texts(), chosen.axes[0].get_legend().legend_handles)}
    assert legend == {"fine-tuning": palette["finetune"].lower(), "lora": palette["lora"].lower(),
                      "luna": palette["luna"].lower(), "not yet": NOT_YET_COLOR.lower()}


def test_a_stress_profile_of_many_routes_is_a_table_of_cells():
    jobs = [job(0, route_summary(EIGHT, 0.2), stress="drift-storm"), job(1, route_summary(EIGHT, 0.35), stress="none")]
    fig = sweep_profile(to_dataset(jobs), ["stress"], "stresses")
    left, right = fig.axes
    cells = [t.get_text() for t in left.texts]
    assert cells[:2] == ["35%", "36%"] and cells[7:9] == ["20%\n-15.0 pts", "21%\n-15.0 pts"]
    money = [t.get_text() for t in right.texts]
    assert money[7] == "\\$200 (-\\$150)\nCVaR -\\$400"  # expected savings 1000 x 0.2, its CVaR -2000 x 0.2
    assert [t.get_text() for t in left.get_xticklabels()][0] == "fine-tuning"


def test_a_profile_along_one_key_draws_each_measure_in_a_panel_of_its_own():
    jobs = [job(i, route_summary(EIGHT, 0.1 * i), v=v) for i, v in enumerate(["1e6", "3e6", "1e7"])]
    fig = sweep_profile(to_dataset(jobs), ["v"], "label")
    assert len(fig.axes) == 3 and all(len(ax.get_lines()) >= 7 for ax in fig.axes)
    assert [to_hex(line.get_color()) for line in fig.axes[1].get_lines()[:7]] == [
        colours(list(EIGHT), 0)[k].lower() for k in list(EIGHT)[1:]]


@pytest.mark.slow
def test_a_sweep_over_route_presets_aggregates_each_jobs_routes(tmp_path):
    conf = tmp_path / "conf" / "routes"
    conf.mkdir(parents=True)
    (conf / "two.yaml").write_text("# @package _global_\nroutes:\n  prompt: {kind: prompt}\n"
                                   "  lora: {kind: finetune, pricing: serverless-lora-8b}\n")
    (conf / "five.yaml").write_text("# @package _global_\nroutes:\n  prompt: {kind: prompt}\n  finetune: {kind: finetune}\n"
                                    "  rag: {kind: rag}\n  lora: {kind: finetune, pricing: serverless-lora-8b}\n"
                                    "  luna: {kind: prompt, pricing: openai-gpt-6-luna}\n")
    done = subprocess.run([sys.executable, "-m", "sim", "--config-dir", str(tmp_path / "conf"), "--multirun",
                           f"hydra.sweep.dir={tmp_path / 'sweep'}", "scenarios=2000", "report=false", "start=2026-12",
                           "routes=two,five"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sweep = read_results(tmp_path / "sweep" / "sweep.nc")
    assert sweep.route.values.tolist() == ["prompt", "finetune", "rag", "lora", "luna"]  # five's order
    for number, preset in enumerate(("two", "five")):
        summary = json.loads((tmp_path / "sweep" / str(number) / "summary.json").read_text())
        point = sweep.sel(routes=preset)
        for k in summary["p_beats_prompt"]:
            assert float(point.p_beats_prompt.sel(challenger=k)) == summary["p_beats_prompt"][k]["estimate"]
        for k in summary["routes"]:
            assert float(point.cost_mean.sel(route=k)) == summary["cost"][k]["mean"]
    # adding routes changes no other route's numbers: lora the same in both jobs
    lora = sweep.p_beats_prompt.sel(challenger="lora").values
    assert lora[0] == lora[1]
    assert np.isnan(float(sweep.p_beats_prompt.sel(challenger="luna", routes="two")))
    table = list(csv.DictReader((tmp_path / "sweep" / "sweep.csv").read_text().splitlines()))
    assert table[0]["cost_mean.luna"] == "" and float(table[1]["cost_mean.luna"]) > 0
    assert (tmp_path / "sweep" / "sweep.png").stat().st_size > 10_000
