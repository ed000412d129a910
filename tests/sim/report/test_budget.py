"""report.md's Budget section on the fixed case of tests/sim/results/test_cashflows.py: nominal
USD by fiscal year (p50, p90) and in the first 12 months, to the dollar with separators."""

import pytest

from sim.report.budget import budget_section
from sim.report.document import render
from sim.report.formats import dollars
from sim.results.dataset import saved_dataset, to_dataset
from sim.results.summary import summarize
from tests.conftest import run_config
from tests.sim.results.test_cashflows import fixed_case


@pytest.fixture(scope="module")
def fixed():
    settings, simulation = run_config(fixed_case(fiscal_year_start=7))
    results = to_dataset(settings, simulation)
    summary = summarize(results)
    return saved_dataset(results, summary), summary


def test_the_budget_table_by_fiscal_year_and_the_first_months(fixed):
    results, _ = fixed
    text = "\n".join(budget_section(results))
    assert text.startswith("## Budget") and "not discounted" in text and "begin in July" in text
    # start 2026-12, July fiscal years: FY2027 = Dec 2026 to Jun 2027 (7 months), FY2029 Jul to Nov 2028
    assert "| FY2027 | Dec 2026 to Jun 2027 (partial: 7 of 12) | fine-tuning | $8,370 | $8,370 | $8,370 |" in text
    assert "| FY2028 | Jul 2027 to Jun 2028 | prompting | $11,520 | $11,520 | $11,520 |" in text
    assert "| FY2029 | Jul 2028 to Nov 2028 (partial: 5 of 12) | RAG | $2,652 | $2,652 | $2,652 |" in text
    assert "| month | prompting | fine-tuning | RAG |" in text
    assert "| Dec 2026 | $960 / $960 | $5,490 / $5,490 | $4,730 / $4,730 |" in text
    assert "| Nov 2027 | $960 / $960 | $480 / $480 | $530 / $530 |" in text and "| Dec 2027 |" not in text


def test_render_places_the_budget_after_the_key_numbers_and_an_older_run_has_none(fixed):
    results, summary = fixed
    report = render(results, summary)
    assert report.index("## Routes") < report.index("## Budget") < report.index("## Pictures")
    older = results.drop_vars(["spend", "fiscal_spend"])
    assert budget_section(older) == [] and "## Budget" not in render(older, summary)


def test_dollars_writes_thousands_separators_to_the_dollar():
    assert [dollars(x) for x in (5490.0, 1234567.49, 480.4, -480.0, -0.2)] == \
        ["$5,490", "$1,234,567", "$480", "-$480", "$0"]
