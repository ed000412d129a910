"""The budget (issue #27 item 4): nominal spend by month and fiscal year, to the cent on a fixed case.

Every input fixed, from month 1 (tests/sim/simulation/test_quality.py's case, no cost of errors):
prompting (2,000 x 0.4 + 100 x 1.6) = 960 USD a month; the fine-tune 5,000 setup + 10 of
training in month 1 and (200 x 0.8 + 100 x 3.2) = 480 a month, so 5,490 then 480; RAG 4,200
setup + 50 of vector store + (800 x 0.4 + 100 x 1.6 + 20 x 0.02) = 480.40, so 4,730.40 then
530.40. Nominal: the same whatever the discount rate (0.10 here).
"""

import csv

import numpy as np
import pytest

from sim.cli.payback import sweep_job_settings
from sim.inputs.validation import ConfigError, validate
from sim.io.netcdf import read_results
from sim.pipeline import run
from sim.report.tables import CASHFLOWS_COLUMNS, SUMMARY_COLUMNS, write_tables
from sim.results.cashflows import SPEND_UNITS, fiscal_years, nominal_spend
from tests.conftest import configure, run_config
from tests.sim.simulation.test_quality import ISSUE_CASE

MONTHLY = {"prompt": [960.0] * 24, "finetune": [5490.0] + [480.0] * 23, "rag": [4730.40] + [530.40] * 23}


def fixed_case(**changes):
    case = {**ISSUE_CASE, "quality": {**ISSUE_CASE["quality"], "error_cost": 0.0}}
    return configure(**case, **{"start": "2026-12", "discount_rate": 0.10, "scenarios": 4, "report": False, **changes})


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


@pytest.fixture(scope="module")
def fixed_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("budget")
    summary = run(fixed_case(), run_dir, progress=False)
    return run_dir, summary


def test_cashflows_csv_is_nominal_to_the_cent_despite_the_discount_rate(fixed_run):
    run_dir, _ = fixed_run
    header, *rows = read_csv(run_dir / "cashflows.csv")
    assert tuple(header) == CASHFLOWS_COLUMNS == ("month", "calendar_month", "route", "p10", "p50", "p90", "mean")
    assert len(rows) == 24 * 3
    for month, calendar_month, route, *values in rows:
        expected = f"{MONTHLY[route][int(month) - 1]:.2f}"
        assert values == [expected] * 4, (month, route)
    assert rows[0][:3] == ["1", "2026-12", "prompt"] and rows[-1][:3] == ["24", "2028-11", "rag"]
    by_key = {(r[0], r[2]): r[3:] for r in rows}
    assert by_key["1", "finetune"][1] == "5490.00" and by_key["2", "finetune"][1] == "480.00"
    assert by_key["13", "prompt"] == ["960.00"] * 4  # month 13 is discounted by 1.1 in paths; not here


def test_fiscal_years_sum_the_months_to_the_cent(fixed_run):
    run_dir, _ = fixed_run
    header, *rows = read_csv(run_dir / "cashflows_fiscal.csv")
    assert header == ["fiscal_year", "months", "from", "to", "route", "p10", "p50", "p90", "mean"]
    got = {(r[0], r[4]): (r[1], r[2], r[3], r[6]) for r in rows}
    # start 2026-12, fiscal years from January: FY2026 is December alone, FY2028 stops at November
    assert got["FY2026", "prompt"] == ("1", "2026-12", "2026-12", "960.00")
    assert got["FY2027", "prompt"] == ("12", "2027-01", "2027-12", "11520.00")
    assert got["FY2028", "prompt"] == ("11", "2028-01", "2028-11", "10560.00")
    assert [got["FY2026", "finetune"][3], got["FY2027", "finetune"][3], got["FY2028", "finetune"][3]] == \
        ["5490.00", "5760.00", "5280.00"]
    assert [got[y, "rag"][3] for y in ("FY2026", "FY2027", "FY2028")] == ["4730.40", "6364.80", "5834.40"]
    assert len(rows) == 3 * 3


def test_summary_csv_has_a_row_per_route_from_summary_json(fixed_run):
    run_dir, summary = fixed_run
    header, *rows = read_csv(run_dir / "summary.csv")
    assert tuple(header) == SUMMARY_COLUMNS
    assert [r[0] for r in rows] == ["prompt", "finetune", "rag"]
    table = {r[0]: dict(zip(header, r)) for r in rows}
    for name, row in table.items():
        assert row["mean_cost"] == f"{summary['cost'][name]['mean']:.2f}"
        assert row["cost_p95"] == f"{summary['cost'][name]['p95']:.2f}"
        assert float(row["p_cheapest"]) == pytest.approx(summary["p_cheapest"][name], abs=1e-6)
    assert table["prompt"]["p_beats_baseline"] == "" and table["finetune"]["p_beats_baseline"] == "1.000000"
    assert table["finetune"]["kind"] == "finetune"


def test_results_nc_holds_the_budget_and_summary_json_is_still_last(fixed_run):
    run_dir, _ = fixed_run
    results = read_results(run_dir / "results.nc")
    assert results["spend"].attrs["units"] == SPEND_UNITS == "USD (nominal, undiscounted)"
    assert results["spend"].dims == ("route", "statistic", "month")
    np.testing.assert_allclose(results["spend"].sel(route="finetune", statistic="p90").values, MONTHLY["finetune"],
                               rtol=0, atol=0.005)
    assert list(results["fiscal_year"].values) == ["FY2026", "FY2027", "FY2028"]
    assert list(results["fiscal_months"].values) == [1, 12, 11]
    assert "end" in results["fiscal_spend"].attrs["description"]
    written = sorted(p for p in run_dir.iterdir() if p.is_file())
    assert max(written, key=lambda p: p.stat().st_mtime_ns).name == "summary.json"


def test_an_older_results_nc_without_the_budget_writes_only_summary_csv(fixed_run, tmp_path):
    run_dir, summary = fixed_run
    older = read_results(run_dir / "results.nc").drop_vars(["spend", "fiscal_spend"])
    write_tables(older, summary, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.csv"]


def test_a_july_fiscal_year_is_named_by_the_year_it_ends_in():
    # FY2027 with a July start: July 2026 to June 2027, whole
    assert fiscal_years("2026-07", 12, 7) == [{"label": "FY2027", "first": 1, "last": 12, "months": 12,
                                              "partial": False}]
    years = fiscal_years("2026-12", 24, 7)
    assert [(y["label"], y["months"], y["partial"]) for y in years] == \
        [("FY2027", 7, True), ("FY2028", 12, False), ("FY2029", 5, True)]
    assert [y["label"] for y in fiscal_years("2026-12", 24, 1)] == ["FY2026", "FY2027", "FY2028"]


def test_a_shut_down_use_case_spends_nothing_from_its_shutdown_month():
    cfg = fixed_case(scenarios=64, save_paths=True)
    cfg["workload"] = {**cfg["workload"], "shutdown_per_year": 0.9}
    settings, sim = run_config(cfg)
    spend = nominal_spend(sim.paths, settings.discount_rate)
    shut = sim.shutdown_month
    assert ((shut > 1) & (shut <= 24)).sum() >= 10  # the case at hand: several shut down inside the horizon
    months = np.arange(1, 25)
    for i in np.flatnonzero(shut > 0):
        after = months >= shut[i]
        assert np.all(spend[i][:, after] == 0.0)
        np.testing.assert_allclose(spend[i][1, ~after], np.array(MONTHLY["finetune"])[~after], atol=0.005)


@pytest.mark.parametrize("value", [0, 13, 7.5, "july", True])
def test_a_bad_fiscal_year_start_is_refused_in_one_line_naming_it(value):
    with pytest.raises(ConfigError, match=r"^fiscal_year_start: .* is not a whole number in \[1, 12\]$"):
        validate(fixed_case(fiscal_year_start=value))


def test_cashflows_false_writes_no_csv_and_a_sweep_job_writes_them_only_when_asked(tmp_path):
    run(fixed_case(cashflows=False, horizon_months=2), tmp_path, progress=False)
    assert not list(tmp_path.glob("*.csv")) and (tmp_path / "summary.json").exists()
    settings = validate(fixed_case())
    assert settings.cashflows and settings.fiscal_year_start == 1
    assert not sweep_job_settings(settings, ["scenarios=10"]).cashflows
    assert sweep_job_settings(settings, ["cashflows=true", "scenarios=10"]).cashflows
    with pytest.raises(ConfigError, match=r"^cashflows: 'yes' is not true or false$"):
        validate(fixed_case(cashflows="yes"))
