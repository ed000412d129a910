"""Pictures of a sweep: each answers its question and names the sweep it shows."""

import re

from matplotlib.text import Text

from sim.sweep.aggregate import to_dataset
from sim.sweep.pictures import (
    sweep_chart,
    sweep_cheapest,
    sweep_heatmap,
    sweep_label,
    sweep_profile,
    sweep_recommendation,
)
from tests.conftest import fake_summary


def texts(fig):
    """Every text of a figure once drawn: titles, labels, ticks, legends, annotations."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def carries(fig, label):
    return any(re.sub(r"\s+", "", label) in re.sub(r"\s+", "", t) for t in texts(fig))


def job(number, p, recommendation="not yet", **overrides):
    return {"job": number, "overrides": {**overrides, "scenarios": "5000"},
            "summary": fake_summary(p, recommendation), "error": None}


def grid():
    return to_dataset([job(0, 0.37, "prompting", v="1e6", pricing="a"), job(1, 0.5, v="1e6", pricing="b"),
                       job(2, 0.81, "RAG", v="1e7", pricing="a"), job(3, 0.9, "fine-tuning", v="1e7", pricing="b")])


def test_the_sweep_heatmap_writes_each_cell_in_percent_with_the_horizon(tmp_path):
    sweep = grid()
    fig = sweep_heatmap(sweep, ["v", "pricing"], "the label")
    cells = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "cell"]
    assert len(cells) == 4 and all(re.match(r"^\d+%\n\[\d+–\d+%\]$", c) for c in cells)
    assert "37%\n[36–38%]" in cells
    assert any("within 24 months" in t for t in texts(fig))
    assert "%" in fig.axes[-1].get_yticklabels()[-1].get_text()  # the colour bar
    cheapest = sweep_cheapest(sweep, ["v", "pricing"], "the label")
    assert "63%" in [t.get_text() for t in cheapest.axes[0].texts]  # P(prompting cheapest) = 1 - 0.37
    chosen = sweep_recommendation(sweep, ["v", "pricing"], "the label")
    assert {"prompting", "not yet", "RAG", "fine-tuning"} <= set(texts(chosen))


def test_a_narrow_interval_in_a_heatmap_cell_takes_the_digits_to_read_apart():
    # 0.372 [0.368, 0.376] reads 37% [37-38%] in whole percents: one decimal then;
    # the others' intervals (one point each side) read apart in whole percents
    narrow = fake_summary(0.372)
    narrow["p_beats_prompt"]["finetune"]["ci95"] = [0.368, 0.376]
    jobs = [{**job(0, 0.372, v="1e6", pricing="a"), "summary": narrow}, job(1, 0.5, v="1e6", pricing="b"),
            job(2, 0.81, v="1e7", pricing="a"), job(3, 0.9, v="1e7", pricing="b")]
    cells = [t.get_text() for t in sweep_heatmap(to_dataset(jobs), ["v", "pricing"]).axes[0].texts
             if t.get_gid() == "cell"]
    assert cells == ["37.2%\n[36.8–37.6%]", "50%\n[49–51%]", "81%\n[80–82%]", "90%\n[89–91%]"]


def test_every_sweep_picture_names_the_sweep(tmp_path):
    sweep = grid()
    label = sweep_label(sweep, tmp_path / "my-sweep")
    assert "my-sweep" in label and "scenarios=5000" in label
    for draw in (sweep_heatmap, sweep_cheapest, sweep_recommendation):
        assert carries(draw(sweep, ["v", "pricing"], label), label), draw.__name__
    assert sweep_chart(sweep, tmp_path) == ["sweep.png", "sweep_cheapest.png", "sweep_recommendation.png"]
    assert all((tmp_path / name).stat().st_size > 10_000 for name in sweep_chart(sweep, tmp_path))


def test_the_stress_profile_reads_every_stress_against_none_first():
    sweep = to_dataset([job(0, 0.2, stress="drift-storm"), job(1, 0.35, stress="none"),
                        job(2, 0.3, stress="price-war")])
    fig = sweep_profile(sweep, ["stress"], "stresses")
    rows = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "driver"] or [
        t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows[0].startswith("none") and rows[1:] == ["drift-storm", "price-war"]
    changes = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "change.finetune"]
    assert changes == ["-15.0 ± 1.4 pts", "-5.0 ± 1.4 pts"]  # each P ± 0.01: hypot(1, 1) = 1.4 points
    assert "-$150" in texts(fig)  # expected savings 200 against 350
    assert carries(fig, "stresses")


def stress_job(number, p, stress):
    """A job of a stress sweep: P(beats) p ± 0.01, expected savings 1000 p ± 400 USD."""
    summary = fake_summary(p)
    for k in ("finetune", "rag"):
        summary["savings_vs_prompt"][k] = {**summary["savings_vs_prompt"][k], "mean_ci95": [1000 * p - 400,
                                                                                             1000 * p + 400]}
    return {"job": number, "overrides": {"stress": stress}, "summary": summary, "error": None}


def test_the_stress_chart_labels_a_failed_stress_and_gives_each_change_its_interval():
    sweep = to_dataset([stress_job(0, 0.30, "none"), stress_job(1, 0.31, "price-war"),
                        stress_job(2, 0.55, "volume-collapse"),
                        {"job": 3, "overrides": {"stress": "volume-slump"}, "summary": None, "status": "failed",
                         "error": "ValueError: the correlation matrix is not positive definite\nmore"}])
    fig = sweep_profile(sweep, ["stress"])
    shown = texts(fig)
    # the failed stress: its row says so in one line, not a blank row
    assert "failed: ValueError: the correlation matrix is not positive definite" in shown
    # changes against none with the 95% half-widths in quadrature: hypot(1, 1) = 1.4 points,
    # hypot(400, 400) = $566; +1 point and +$10 are within them, +25 points is not
    assert shown.count("+1.0 ± 1.4 pts, within noise") == 2 and shown.count("+25.0 ± 1.4 pts") == 2
    assert shown.count(r"+\$10 ± \$566, within noise") == 2
    assert shown.count(r"+\$250 ± \$566, within noise") == 2
