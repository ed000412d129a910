"""The pictures answer their titles: what each one shows, read back from its figure."""

import copy
import os
import re

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from matplotlib.text import Text

from sim.report import forked
from sim.cli.payback import CONFIG_DIR
from sim.report.pictures import (
    PICTURES,
    draw_all,
    drivers_tornado,
    line_crossing,
    month1_volume,
    payback_probability,
    savings_cdf,
)
from sim.pipeline import run
from sim.io.netcdf import read_results


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("plots")
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=4000", "start=2026-12"])
    summary = run(cfg, directory, progress=False)
    return read_results(directory / "results.nc"), summary, directory


def texts(fig):
    """Every text of a figure once drawn: titles, labels, ticks, legends, annotations."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def squeezed(text):
    return re.sub(r"\s+", "", text)


def carries(fig, label):
    return any(squeezed(label) in squeezed(t) for t in texts(fig))


def test_every_picture_carries_the_run_label(small_run):
    results, summary, _ = small_run
    for name, draw in PICTURES.items():
        assert carries(draw(results, summary), summary["run"]["label"]), name


def test_a_long_label_stays_inside_the_figure(small_run):
    results, summary, _ = small_run
    label = " | ".join(["pricing=dedicated-lora-8b workload=support-bot"] * 6)
    fig = payback_probability(results, summary["confidence"], label)
    fig.canvas.draw()
    subtitle = next(t for t in fig.texts if t.get_gid() == "subtitle")
    extent = subtitle.get_window_extent()
    assert 0 <= extent.x0 and extent.x1 <= fig.bbox.width
    assert squeezed(subtitle.get_text()) == squeezed(label)
    # the axes begin below the subtitle
    assert fig.axes[0].get_window_extent().y1 < extent.y0


def laid_out(fig):
    """Every text and axes (with its labels, legends and texts) inside the figure,
    the axes below the subtitle and apart: what constrained layout used to ensure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = fig.bbox.padded(1)  # a pixel of rounding
    boxes = [t.get_window_extent(renderer) for t in fig.texts] + [ax.get_tightbbox(renderer) for ax in fig.axes]
    subtitle = next(t for t in fig.texts if t.get_gid() == "subtitle").get_window_extent(renderer)
    assert all(inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1) for box in boxes)
    axes = boxes[len(fig.texts):]
    assert all(box.y1 <= subtitle.y0 for box in axes)
    assert not any(box.overlaps(other) for i, box in enumerate(axes) for other in axes[i + 1:])
    return True


def test_each_picture_keeps_its_labels_inside_the_figure_below_the_heading_and_apart(small_run):
    results, summary, _ = small_run
    for name, draw in PICTURES.items():
        assert laid_out(draw(results, summary)), name


def test_an_effect_written_beside_a_dot_near_100_percent_stays_inside(small_run):
    _, summary, _ = small_run
    summary = copy.deepcopy(summary)
    row = summary["drivers"]["rag"]["ranked"][0]
    row.update(p_low=0.04, p_high=0.99, effect=0.95, ci95=[0.94, 0.96])
    assert laid_out(drivers_tornado(summary))


def _pictures(directory):
    return {path.name: path.read_bytes() for path in directory.iterdir()}


@pytest.mark.skipif(not forked.available(), reason="draws in one process here")
def test_a_forked_child_draws_the_same_pictures_as_one_process(small_run, tmp_path, monkeypatch):
    results, summary, _ = small_run
    assert draw_all(results, summary, tmp_path / "forked") == list(PICTURES)
    monkeypatch.setattr(forked, "available", lambda: False)
    draw_all(results, summary, tmp_path / "serial")
    assert _pictures(tmp_path / "forked") == _pictures(tmp_path / "serial")


@pytest.mark.skipif(not forked.available(), reason="draws in one process here")
def test_pictures_a_failed_child_did_not_send_are_drawn_here(small_run, tmp_path, monkeypatch):
    results, summary, _ = small_run
    draw_all(results, summary, tmp_path / "serial")
    parent = os.getpid()

    def failing_in_the_child(draw):
        def drawn(results, summary):
            if os.getpid() != parent:
                raise RuntimeError("the child fails")
            return draw(results, summary)
        return drawn

    for name, draw in list(PICTURES.items()):
        monkeypatch.setitem(PICTURES, name, failing_in_the_child(draw))
    draw_all(results, summary, tmp_path / "fallback")
    assert _pictures(tmp_path / "fallback") == _pictures(tmp_path / "serial")


def test_line_crossing_spans_the_break_even_volumes_and_the_configured_one(small_run):
    results, summary, _ = small_run
    fig = line_crossing(results, summary)
    low, high = fig.axes[0].get_xlim()
    break_even = summary["break_even_calls_per_month"]["finetune"]
    assert break_even["p10"] is not None and break_even["p90"] is not None
    assert low <= break_even["p10"] and break_even["p90"] <= high
    v05, v95 = np.quantile(month1_volume(results), [0.05, 0.95])
    assert low <= v05 and v95 <= high
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}
    for q in ("p10", "p50", "p90"):
        assert lines[f"break_even.finetune.{q}"].get_xdata()[0] == break_even[q]
    # the chance of winning rises through 50% inside the axis, at the median break-even volume
    p = lines["p_beats_prompt.finetune"].get_ydata()
    assert p[0] < 0.5 < p[-1]
    assert {f"p_cheapest.{k}" for k in ("prompt", "finetune", "rag")} <= set(lines)


def test_savings_cdf_says_how_likely_each_challenger_saves(small_run):
    results, summary, directory = small_run
    assert (directory / "plots" / "savings_cdf.png").stat().st_size > 20_000
    fig = savings_cdf(results, summary)
    written = texts(fig)
    for k, name in (("finetune", "fine-tuning"), ("rag", "RAG")):
        p = summary["p_beats_prompt"][k]["estimate"]
        assert f"{name}: P(savings > 0) = {p:.0%}" in written
    curves = {line.get_gid(): line for line in fig.axes[0].get_lines() if line.get_gid()}
    assert curves["cdf.finetune"].get_ydata()[-1] == 1.0


def test_drivers_show_both_challengers_in_plain_words_from_zero(small_run):
    results, summary, _ = small_run
    fig = drivers_tornado(summary)
    assert len(fig.axes) == 2 and all(ax.get_xlim()[0] == 0 for ax in fig.axes)
    written = texts(fig)
    top = summary["drivers"]["finetune"]["ranked"][0]
    assert any(t.startswith(top["description"].split(":")[0][:20]) and "lowest tenth ≤" in t for t in written)
    assert any("had no detectable effect" in t for t in written)

    skipped = copy.deepcopy(summary)
    skipped["drivers"]["rag"] = {"ranked": [], "no_detectable_effect": [],
                                 "skipped": "Too few scenarios per tenth to rank inputs."}
    assert any("Too few scenarios per tenth" in t for t in texts(drivers_tornado(skipped)))


EIGHT_ROUTES = ["routes=december-2026", "workload=support-assistant",
                "+routes.rag-azure.kind=rag", "+routes.rag-azure.pricing=azure-openai-gpt-4.1-mini",
                "+routes.ft-b.kind=finetune", "+routes.prompt-luna.kind=prompt",
                "+routes.prompt-luna.pricing=openai-gpt-6-luna"]


def test_eight_routes_draw_a_line_or_panel_each_in_its_own_colour_inside_the_figure(tmp_path):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "start=2026-12", "report=false",
                                                       *EIGHT_ROUTES])
    summary = run(cfg, tmp_path, progress=False)
    results = read_results(tmp_path / "results.nc")
    assert results.sizes["route"] == 8
    for name, draw in PICTURES.items():
        assert laid_out(draw(results, summary)), name
    # one line a route, each in a colour of its own, the same in both panels
    fig = line_crossing(results, summary)
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}
    colours = {k: lines[f"p_cheapest.{k}"].get_color() for k in results.route.values}
    assert len(set(colours.values())) == 8
    assert all(lines[f"p_beats_prompt.{k}"].get_color() == colours[k] for k in results.challenger.values)
    assert len(drivers_tornado(summary).axes) == 7


def test_a_run_of_the_baseline_alone_draws_no_picture_and_says_why(tmp_path):
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=["scenarios=2000", "~routes.finetune", "~routes.rag"])
    summary = run(cfg, tmp_path, progress=False)
    assert summary["evpi"] == 0.0  # one route: nothing to choose, nothing to learn
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == []
    report = (tmp_path / "report.md").read_text()
    assert "this run has only the baseline" in report and "plots/" not in report
