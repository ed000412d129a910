"""python -m sim.compare with 1 to 8 routes, and with runs whose routes differ.

Every input fixed (tests.conftest.BASE, no discounting, 24 months): each scenario costs
the same, so every change follows by hand. Prompting pays 150 USD a month
(100,000 calls x (2000 x 0.5 + 250 x 2.0) / 1e6); a fine-tune ships in month 1 and serves
months 2 to 24 at 100,000 x (200 x finetuned_input + 250 x 2.0) / 1e6 a month.
"""

import numpy as np
import pytest

from sim.cli.compare import main
from sim.compare.comparison import CompareError, compare, load
from sim.compare.document import blocks, markdown, picture
from sim.inputs.routes import colours
from sim.inputs.validation import validate
from sim.pipeline import run
from tests.conftest import configure, write_sheet

# eight routes, prompting the baseline: "lora" on a sheet of its own, "short" prompting with a
# shorter prompt, "luna" prompting on a cheaper sheet, routes with their own setup costs
EIGHT = {
    "prompt": {"kind": "prompt"},
    "finetune": {"kind": "finetune"},
    "rag": {"kind": "rag"},
    "lora": {"kind": "finetune", "pricing": "lora-sheet"},
    "short": {"kind": "prompt", "workload": {"prompt_tokens": 1000}},
    "rag-2": {"kind": "rag", "rag": {"setup_cost": 100.0}},
    "big": {"kind": "finetune", "finetune": {"setup_cost": 5000.0}},
    "luna": {"kind": "prompt", "pricing": "luna-sheet"},
}
SIX = {name: EIGHT[name] for name in ("prompt", "finetune", "rag", "lora", "short", "rag-2")}


def _run(root, name, routes, lora_input=0.5, **changes):
    conf = root / f"conf-{name}"
    write_sheet(conf, "lora-sheet", finetuned_input=lora_input)
    write_sheet(conf, "luna-sheet", base_input=0.1, base_output=0.5)
    cfg = {**configure(report=False, scenarios=40, start="2026-12", sampling="mc", saved_scenarios=None, **changes),
           "routes": routes}
    run(validate(cfg, conf_dir=conf), root / name, progress=False)
    return load(root / name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("routes")
    return {
        "six": _run(root, "six", SIX),
        "six_again": _run(root, "six_again", SIX),
        "six_cheaper_lora": _run(root, "six_cheaper_lora", SIX, lora_input=0.3),
        "eight": _run(root, "eight", EIGHT),
        "eight_cheaper_lora": _run(root, "eight_cheaper_lora", EIGHT, lora_input=0.3),
        "one": _run(root, "one", {"prompt": {"kind": "prompt"}}),
        "one_dearer": _run(root, "one_dearer", {"prompt": {"kind": "prompt"}}, pricing={"base_input": 0.6}),
    }


def _rows(comparison, statistic):
    return {r["route"]: r for r in comparison["changes"] if r["statistic"] == statistic}


def test_a_price_changed_on_one_routes_sheet_moves_that_route_alone(runs):
    comparison = compare(runs["six"], runs["six_cheaper_lora"])

    # the sheet's price is not in the resolved configuration: read from the run's fixed inputs
    assert comparison["inputs"] == [("sheets.lora-sheet.finetuned_input", "0.5", "0.3")]
    cost = _rows(comparison, "mean_cost")
    # 100,000 calls x 200 tokens x (0.3 - 0.5) USD/1M = -4 USD a month, served months 2 to 24
    assert cost["lora"]["change"] == pytest.approx(-92.0) and cost["lora"]["ci95"] == pytest.approx([-92, -92])
    for k in set(SIX) - {"lora"}:
        assert cost[k]["change"] == 0 and cost[k]["ci95"] == [0, 0]
        assert (comparison["per_scenario"]["routes"][k]["differences"] == 0).all()
    assert (comparison["per_scenario"]["routes"]["lora"]["differences"] == pytest.approx(-92.0))
    assert all(r["change"] == 0 for r in _rows(comparison, "p_beats").values())
    assert _rows(comparison, "savings_p05")["lora"]["change"] == pytest.approx(92.0)
    assert comparison["verdict"] == "lora costs less in B (-$92 on average); the recommendation stays “short”."


def test_identical_runs_of_six_routes_differ_in_nothing(runs):
    comparison = compare(runs["six"], runs["six_again"])

    assert comparison["inputs"] == [] and list(comparison["routes"]) == list(SIX)
    assert len(comparison["changes"]) == 5 + 6 + 5 + 5  # P(beats), mean cost, p05, CVaR
    for row in comparison["changes"]:
        assert row["change"] == 0 and row["ci95"] == [0, 0], row
    assert comparison["verdict"] == ("No difference: every route costs the same in B as in A in each of the 40"
                                     " scenarios compared; the recommendation stays “short”.")


def test_runs_of_other_route_sets_compare_the_routes_they_share_and_name_the_others(runs):
    # B: six's routes but rag-2 now a fine-tune, and two more (big, luna)
    six, eight = runs["six"], runs["eight"]
    b = {**EIGHT, "rag-2": {"kind": "finetune"}}
    other = _run(six.path.parent, "other", b)
    comparison = compare(six, other)

    assert list(comparison["routes"]) == ["prompt", "finetune", "rag", "lora", "short"]
    assert comparison["only_a"] == [] and comparison["only_b"] == ["big", "luna"]
    assert comparison["other_kind"] == [("rag-2", "rag", "finetune")]
    for row in comparison["changes"]:  # adding routes changes no other route's numbers
        assert row["change"] == 0 and row["route"] in comparison["routes"]
    assert comparison["verdict"].startswith("No difference: every route both runs hold costs the same")
    text = markdown(blocks(comparison, {"name": "compare.png", "alt": ""}))
    assert ("The runs hold other routes: only in B, not compared: big, luna; rag-2 is a rag route in A and a"
            " finetune route in B, not compared.") in text
    assert "| `luna` | prompt | — | luna-sheet | no: only in B |" in text
    assert "| `rag-2` | rag in A, finetune in B |" in text
    # the other way round, the eight routes' extra ones are only in A
    back = compare(eight, six)
    assert back["only_a"] == ["big", "luna"] and back["only_b"] == []


def test_runs_of_two_baselines_are_refused_in_one_line(runs, tmp_path, capsys):
    six = runs["six"]
    other = _run(six.path.parent, "baseline-short", SIX, baseline="short")
    with pytest.raises(CompareError, match="^baselines differ: A compares every route with prompt, B with short;"
                                           " rerun B with baseline=prompt"):
        compare(six, other)
    with pytest.raises(SystemExit) as stop:
        main([str(six.path), str(other.path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1 and err.startswith("payback: error: baselines differ")
    assert not (tmp_path / "out").exists()


def test_a_run_of_the_baseline_alone_compares_its_cost(runs, monkeypatch):
    comparison = compare(runs["one"], runs["one_dearer"])

    # 100,000 calls x 2000 tokens x 0.1 USD/1M more = 20 USD a month, 24 months
    assert [(r["statistic"], r["route"]) for r in comparison["changes"]] == [("mean_cost", "prompt")]
    assert comparison["changes"][0]["change"] == pytest.approx(480.0)
    assert comparison["inputs"] == [("pricing.base_input", "0.5", "0.6")]
    assert comparison["verdict"] == "Prompting costs more in B (+$480 on average); the recommendation stays “prompting”."
    figure = _drawn(comparison, monkeypatch)
    assert len(figure.axes) == 1  # no other route: no P(beats) panel


def _drawn(comparison, monkeypatch):
    # the figure the picture is drawn on, before it becomes PNG bytes
    import sim.report.figures

    drawn = []
    monkeypatch.setattr(sim.report.figures, "png_bytes", lambda fig: drawn.append(fig) or b"")
    picture(comparison)
    drawn[0].canvas.draw()
    return drawn[0]


def test_eight_routes_are_one_row_each_in_their_runs_colours(runs, monkeypatch):
    comparison = compare(runs["eight"], runs["eight_cheaper_lora"])

    figure = _drawn(comparison, monkeypatch)
    left, right = figure.axes
    names = list(EIGHT)
    palette = colours(names, 0)
    labels = [t.get_text() for t in left.get_yticklabels()]
    assert labels == ["prompting\n(baseline)", "fine-tuning", "RAG", "lora", "short", "rag-2", "big", "luna"]
    assert [t.get_color() for t in left.get_yticklabels()] == [palette[k] for k in names]
    assert len(set(palette.values())) == 8
    texts = {t.get_gid(): t.get_text() for t in right.texts}
    assert texts["mean_cost.lora"] == "-$92 [-$92, -$92]\nB cheaper in 100%, dearer in 0% of scenarios"
    assert all(texts[f"mean_cost.{k}"] == "the same in every scenario" for k in names if k != "lora")
    assert {t.get_gid() for t in left.texts if t.get_gid()} == {f"p_beats.{k}.{run}" for k in names[1:]
                                                               for run in "ab"}
    # each text of a row stays within the figure
    width = figure.get_figwidth() * figure.dpi
    renderer = figure.canvas.get_renderer()
    assert all(0 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= width
               for ax in figure.axes for t in ax.texts)
    assert np.isclose(_rows(comparison, "mean_cost")["lora"]["change"], -92.0)
