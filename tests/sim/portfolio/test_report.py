"""A portfolio's report: report.md led by the headline and the budget, the routing table,
the two pictures and report.html, on a portfolio whose numbers are known in closed form."""

import base64
import re

import pytest

from sim.io.files import WriteError
from sim.portfolio import pictures as portfolio_pictures
from sim.portfolio.pictures import BUDGET_PICTURE, SAVINGS_PICTURE, budget_fan, savings_bars
from sim.portfolio.report import render, shown_months, write_report
from sim.portfolio.runs import run_portfolio
from tests.conftest import configure
from tests.sim.simulation.test_tornado import CASE

PNG = b"\x89PNG\r\n\x1a\n"

# CASE at 1M calls a month: prompting 2,000 input tokens at $0.4/M and 100 output at $1.6/M,
# $0.00096 a call, $960 a month; the fine-tune 200 at $0.8/M and 100 at $3.2/M, $480 a
# month, after $5,000 setup and 2M training tokens at $5/M ($10) in month 1. "small" is
# the same at 100k calls: $96 a month prompting, where the fine-tune's setup never pays back.
BIG_PROMPT, BIG_TUNED, SMALL_PROMPT, SET_UP = 960.0, 480.0, 96.0, 5_010.0
HORIZON = 24


def workload(calls):
    cfg = configure(**CASE, report=False, cashflows=False, tornado_step=0)
    cfg["workload"]["calls_per_month"] = calls
    return cfg


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory):
    directory = tmp_path_factory.mktemp("portfolio")
    summary = run_portfolio({"big": workload(1_000_000), "small": workload(100_000)}, directory, report=False)
    write_report(summary, directory, workload_dirs={"big": "workloads/big", "small": "workloads/small"})
    return directory, summary


def table_rows(markdown, first_cell):
    """The cells of every table row of ``markdown`` whose first cell is ``first_cell``."""
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in markdown.splitlines()
            if line.startswith(f"| {first_cell} |")]


def test_the_closed_form_portfolio_is_the_one_reported(portfolio):
    _, summary = portfolio
    assert summary["portfolio"]["routes"] == {"big": "finetune", "small": "prompt"}
    assert summary["portfolio"]["savings"]["mean"] == pytest.approx(HORIZON * (BIG_PROMPT - BIG_TUNED) - SET_UP)


def test_the_report_leads_with_the_headline_then_the_budget(portfolio):
    directory, summary = portfolio
    lines = (directory / "report.md").read_text().splitlines()
    assert lines[0] == "# payback portfolio: portfolio"
    assert lines[2] == f"**{summary['headline']}**"
    assert lines[4].startswith("| month | | routed p50 | routed p95")
    # month 1: the fine-tune's setup on top of both workloads' month; after it, the tuned
    # big workload and the prompted small one against both prompting
    month_1 = ["1", "Dec 2026", "$5,586", "$5,586", "$1,056", "$1,056"]
    month_2 = ["2", "Jan 2027", "$576", "$576", "$1,056", "$1,056"]
    assert lines[6].strip("| ").split(" | ") == month_1
    assert lines[7].strip("| ").split(" | ") == month_2
    assert [row[0] for row in (line.strip("| ").split(" | ") for line in lines[6:14])] == \
        [str(m) for m in shown_months(HORIZON)]
    assert BIG_PROMPT + SMALL_PROMPT == 1_056 and SET_UP + BIG_TUNED + SMALL_PROMPT == 5_586


def test_the_totals_follow_the_budget(portfolio):
    markdown = (portfolio[0] / "report.md").read_text()
    # 24 x ($960 + $96) = $25,344 on the baselines; $25,344 - $6,510 = $18,834 routed
    assert table_rows(markdown, "routed portfolio's cost")[0][1:5] == ["$18.8k"] * 4
    assert table_rows(markdown, "baseline portfolio's cost")[0][1:5] == ["$25.3k"] * 4
    assert table_rows(markdown, "**savings**")[0][1:6] == ["$6.51k"] * 5  # mean, p05, p50, p95, CVaR
    assert markdown.index("| **savings** |") < markdown.index("## Routing")


def test_each_workload_reads_its_route_and_savings(portfolio):
    markdown = (portfolio[0] / "report.md").read_text()
    (big,), (small,) = table_rows(markdown, "big"), table_rows(markdown, "small")
    assert big[1] == "fine-tuning" and big[3] == "$6.51k" and big[5] == "100.0%"
    assert big[2] == "its recommendation: Fine-tune on pricing" and big[7] == "Fine-tune on pricing"
    assert small[1] == "prompting" and small[3] == "$0" and small[5] == "0.0%"
    assert small[7] == "Keep prompting"
    (total,) = table_rows(markdown, "**portfolio**")
    assert total[3] == "**$6.51k**"


def test_the_pictures_are_drawn_and_linked(portfolio):
    directory, _ = portfolio
    markdown = (directory / "report.md").read_text()
    for name in (BUDGET_PICTURE, SAVINGS_PICTURE):
        assert (directory / "plots" / name).read_bytes()[:8] == PNG
        assert f"](plots/{name})" in markdown
    # after the routing table, before the probabilities
    assert markdown.index("## Routing") < markdown.index(f"plots/{BUDGET_PICTURE}") < markdown.index("## Chance")


def test_the_html_page_inlines_the_pictures(portfolio):
    directory, _ = portfolio
    page = (directory / "report.html").read_text()
    assert "<title>payback portfolio: portfolio</title>" in page
    assert 'src="plots/' not in page
    inlined = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(png) for png in inlined] == [
        (directory / "plots" / name).read_bytes() for name in (BUDGET_PICTURE, SAVINGS_PICTURE)]


def test_probability_evpi_and_links(portfolio):
    markdown = (portfolio[0] / "report.md").read_text()
    # cheaper from month 2 on: month 1 carries the $5,010 setup, a $4,530 lead over prompting
    assert table_rows(markdown, "1")[-1][2].startswith("0.0%")
    assert table_rows(markdown, "24")[-1][2].startswith("100.0%")
    assert "Portfolio EVPI: $0," in markdown  # no uncertainty: hindsight changes nothing
    # the workloads ran without their reports: each links its run directory
    assert "- [big](workloads/big/)" in markdown and "- [small](workloads/small/)" in markdown


def test_without_workload_dirs_nothing_is_linked(portfolio):
    _, summary = portfolio
    markdown = render(summary)
    assert "- big: " in markdown and "](workloads/" not in markdown


def test_a_workload_report_is_linked_where_it_exists(portfolio, tmp_path):
    _, summary = portfolio
    (tmp_path / "runs" / "big").mkdir(parents=True)
    (tmp_path / "runs" / "big" / "report.md").write_text("# big\n")
    markdown = render(summary, tmp_path, {"big": "runs/big", "small": "runs/small"})
    assert "- [big](runs/big/report.md)" in markdown and "- [small](runs/small/)" in markdown


def test_the_budget_fan_is_the_summary(portfolio):
    _, summary = portfolio
    spend = summary["portfolio"]["monthly_spend"]
    lines = {line.get_gid(): line for line in budget_fan(summary).axes[0].get_lines() if line.get_gid()}
    # a step a month, from its start to its end: the last month's value closes the line
    assert list(lines["routed.p50"].get_xdata()) == [m - 0.5 for m in range(1, HORIZON + 2)]
    assert list(lines["routed.p50"].get_ydata()[:-1]) == spend["p50"]
    assert list(lines["baseline.p50"].get_ydata()[:-1]) == spend["baseline_p50"]
    assert lines["routed.p50"].get_ydata()[0] == pytest.approx(SET_UP + BIG_TUNED + SMALL_PROMPT)


def test_the_savings_bars_are_each_workloads_savings(portfolio):
    _, summary = portfolio
    ax = savings_bars(summary).axes[0]
    bars = {patch.get_gid(): patch for patch in ax.patches if patch.get_gid()}
    assert bars["savings.big"].get_width() == pytest.approx(HORIZON * (BIG_PROMPT - BIG_TUNED) - SET_UP)
    assert bars["savings.small"].get_width() == 0
    # largest on top; each label names the route and share, inside the axes
    assert bars["savings.big"].get_y() > bars["savings.small"].get_y()
    labels = {text.get_gid(): text.get_text() for text in ax.texts}
    assert labels == {"label.big": "fine-tuning: $6.51k, share 100%",
                      "label.small": "prompting: $0, share 0%"}
    renderer = ax.figure.canvas.get_renderer()
    right = ax.get_window_extent(renderer).x1
    assert all(text.get_window_extent(renderer).x1 <= right for text in ax.texts)


def test_a_failed_drawing_leaves_the_earlier_report(portfolio, tmp_path, monkeypatch):
    _, summary = portfolio
    write_report(summary, tmp_path)
    before = {path.name: path.read_bytes() for path in [tmp_path / "report.md", tmp_path / "report.html",
                                                        *(tmp_path / "plots").iterdir()]}

    def fails(summary):
        raise WriteError("disk full")

    monkeypatch.setitem(portfolio_pictures.PICTURES, SAVINGS_PICTURE, fails)
    changed = {**summary, "name": "another"}  # in every picture's subtitle: the budget fan drawn first differs
    with pytest.raises(WriteError):
        write_report(changed, tmp_path)
    after = {path.name: path.read_bytes() for path in [tmp_path / "report.md", tmp_path / "report.html",
                                                       *(tmp_path / "plots").iterdir()]}
    assert after == before  # nothing new published, no temporary left behind


def test_a_failed_first_report_leaves_no_plots_directory(portfolio, tmp_path, monkeypatch):
    _, summary = portfolio

    def fails(summary):
        raise WriteError("disk full")

    monkeypatch.setitem(portfolio_pictures.PICTURES, SAVINGS_PICTURE, fails)
    with pytest.raises(WriteError):
        write_report(summary, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("horizon, months", [
    (1, [1]), (5, [1, 2, 3, 5]), (24, [1, 2, 3, 6, 9, 12, 18, 24]),
    (40, [1, 2, 3, 6, 9, 12, 18, 24, 36, 40]),
])
def test_the_months_shown(horizon, months):
    assert shown_months(horizon) == months


def test_a_pipe_in_a_workload_name_stays_in_its_cell(portfolio):
    _, summary = portfolio
    workloads = {("a|b" if name == "big" else name): w for name, w in summary["workloads"].items()}
    renamed = {**summary, "workloads": workloads,
               "portfolio": {**summary["portfolio"], "workloads": ["a|b", "small"]}}
    (row,) = [line for line in render(renamed).splitlines() if line.startswith("| a")]
    assert row.startswith("| a\\|b | fine-tuning |")
    assert len(re.split(r"(?<!\\)\|", row)) == 10  # 8 cells between 9 unescaped pipes


def test_a_route_fixed_at_a_loss_reads_as_one(tmp_path):
    # small on fine-tuning: $96 a month of prompting against $5,010 setup and $48 a month
    summary = run_portfolio({"big": workload(1_000_000), "small": workload(100_000)}, tmp_path,
                            routes={"small": "finetune"}, report=True)
    loss = HORIZON * (SMALL_PROMPT - BIG_TUNED / 10) - SET_UP
    assert summary["workloads"]["small"]["savings"]["mean"] == pytest.approx(loss)
    (small,) = table_rows((tmp_path / "report.md").read_text(), "small")
    assert small[1:4] == ["fine-tuning", "fixed by the portfolio", "-$3.86k"]
    ax = savings_bars(summary).axes[0]
    bars = {patch.get_gid(): patch for patch in ax.patches if patch.get_gid()}
    assert bars["savings.small"].get_width() == pytest.approx(loss)
    assert ax.get_xlim()[0] < loss  # the loss is inside the axes, and so is every label
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    assert all(box.x0 <= text.get_window_extent(renderer).x0 and text.get_window_extent(renderer).x1 <= box.x1
               for text in ax.texts)
