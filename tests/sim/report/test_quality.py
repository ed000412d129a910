"""The report's quality section (MODEL.md, "Quality and the cost of errors"): P(acceptable), P(win)
and the cost of errors per route, and a line when the bar, not the cost, decides."""

import pytest

from sim.report.document import render
from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from tests.conftest import configure, run_config
from tests.sim.simulation.test_quality import issue_case


def report_of(cfg):
    settings, simulation = run_config(cfg)
    results = to_dataset(settings, simulation)
    return render(results, summarize(results))


def test_a_run_without_quality_has_no_quality_section():
    assert "## Quality" not in report_of(configure())


def test_the_quality_section_gives_each_routes_chances_and_errors():
    text = report_of(issue_case(bar=0.93))
    section = text[text.index("## Quality"):text.index("## Against")]
    assert "the bar, 93% (`quality.bar`)" in section and "A failed call costs `0.5` USD" in section
    # the fine-tune: acceptable and winning in every scenario, 1.2M failed calls costing 600,000 USD
    # of its 616,530 (97%), 616,530 / (24 x 0.95e6) = 0.02704 USD a resolved call
    assert "| fine-tuning | 100.0% [" in section and "| 1,200,000 | $600k (97%) | 0.02704 USD |" in section
    assert "- No route is acceptable in 0.0% of scenarios." in section
    assert "not the cost, decides" not in section  # the fine-tune is the cheapest too


def test_a_line_says_when_the_bar_not_the_cost_decides():
    cfg = issue_case(bar=0.96, rag=0.97)
    cfg["rag"]["setup_cost"] = 2_000_000.0  # RAG meets the bar and is the dearest
    text = report_of(cfg)
    assert ("- The bar, not the cost, decides: fine-tuning is the cheapest route in 100% of scenarios but meets the"
            " bar in 0%; among the acceptable routes RAG wins in 100%.") in text


def test_the_line_crossing_shows_each_routes_cost_without_its_failed_calls():
    from sim.report.pictures import line_crossing

    settings, simulation = run_config(issue_case(bar=0.93))
    results = to_dataset(settings, simulation)
    fig = line_crossing(results, summarize(results))
    lines = {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}
    # at 1e6 calls a month the fine-tune's 616,530 USD less its 600,000 of failed calls
    without = lines["cost_without_errors.finetune"]
    x, y = without.get_xdata(), without.get_ydata()
    at = abs(x - 1e6).argmin()
    assert y[at] == pytest.approx(5_010.0 + 24 * 480.0 * x[at] / 1e6, rel=1e-9)
    # a run without error costs draws none
    plain = to_dataset(*run_config(configure()))
    assert not [line for ax in line_crossing(plain, summarize(plain)).axes for line in ax.get_lines()
                if (line.get_gid() or "").startswith("cost_without_errors")]
