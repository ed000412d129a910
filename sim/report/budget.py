"""report.md's "Budget" section: each route's nominal spend by fiscal year and in its first 12 months.

Read from the run's Dataset (``spend`` and ``fiscal_spend``, ``sim.results.cashflows``); a
``results.nc`` written before the budget existed gives no section.
"""


import calendar

from sim.report.formats import dollars, month_name
from sim.report.routes import route_view
from sim.results.cashflows import calendar_months, has_budget

FIRST_MONTHS = 12


def budget_section(results):
    """The "Budget" section as Markdown lines (none without the budget in ``results``)."""
    if not has_budget(results):
        return []
    view = route_view(results)
    spend = results["spend"]
    fiscal = results["fiscal_spend"]
    labels = calendar_months(results.attrs["start"], results.sizes["month"])
    start_month = int(fiscal.attrs.get("fiscal_year_start", 1))
    sample = int(spend.attrs.get("scenarios", 0))
    total = int(results.attrs.get("scenarios", sample))
    sampled = f"{sample:,} scenarios" if sample >= total else f"the first {sample:,} of the {total:,} scenarios"
    lines = [
        "## Budget",
        "",
        "What each route would spend, in nominal USD (not discounted): p50 is the typical year, p90 the budget"
        " to ask for (9 scenarios in 10 spend no more). Fiscal years are named by the calendar year in which they"
        f" end and begin in {calendar.month_name[start_month]}; a year the horizon covers only in part says which"
        f" months. From the monthly costs of {sampled}; cashflows.csv and cashflows_fiscal.csv hold"
        " every month and year with p10 and the mean.",
        "",
        "| fiscal year | months | route | p50 | p90 (budget to ask for) | mean |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    first, last = results["fiscal_first_month"].values, results["fiscal_last_month"].values
    for j, year in enumerate(results["fiscal_year"].values):
        count = int(results["fiscal_months"].values[j])
        covered = month_name(labels[first[j] - 1])
        covered += f" to {month_name(labels[last[j] - 1])}" if last[j] > first[j] else ""
        months = covered if count == 12 else f"{covered} (partial: {count} of 12)"
        for name in view.names:
            cell = fiscal.sel(route=name).isel(fiscal_year=j)
            lines.append(f"| {year} | {months} | {view.labels[name]} | {dollars(cell.sel(statistic='p50'))}"
                         f" | {dollars(cell.sel(statistic='p90'))} | {dollars(cell.sel(statistic='mean'))} |")
    shown = labels[:FIRST_MONTHS]
    lines += [
        "",
        f"The first {len(shown)} months, p50 / p90 of each month's spend:",
        "",
        "| month | " + " | ".join(view.labels[name] for name in view.names) + " |",
        "| --- |" + " --- |" * len(view.names),
    ]
    p50 = {name: spend.sel(route=name, statistic="p50").values for name in view.names}
    p90 = {name: spend.sel(route=name, statistic="p90").values for name in view.names}
    for i, label in enumerate(shown):
        lines.append(f"| {month_name(label)} | " + " | ".join(
            f"{dollars(p50[name][i])} / {dollars(p90[name][i])}" for name in view.names) + " |")
    return lines + [""]


__all__ = ["FIRST_MONTHS", "budget_section"]
