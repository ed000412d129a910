"""A portfolio's ``report.md`` and ``report.html`` and their two pictures in ``plots/``,
drawn from its summary (``sim.portfolio.outputs.write_portfolio``) and published as one
set, as a run's report is (``sim.report.document.write_report``).

The report leads with what a budget holder asks: the headline, the monthly budget and
the totals, then which route each workload takes and why.
"""

from pathlib import Path
from urllib.parse import quote

from sim.io.files import atomic_path, publishing
from sim.io.progress import phase
from sim.portfolio.pictures import BUDGET_PICTURE, PICTURES, SAVINGS_PICTURE
from sim.report.figures import plots_directory, png_bytes, write_png
from sim.report.formats import PERCENT, dollars, month_name, usd, usd_with_interval, with_interval
from sim.report.document import PLOTS
from sim.report.html import literal, write_html
from sim.report.routes import summary_labels

PICTURE_TEXT = {
    BUDGET_PICTURE: "How much to budget each month",
    SAVINGS_PICTURE: "Savings by workload",
}


def shown_months(horizon):
    """The months the budget and probability tables show: 1, 2, 3, 6, 9, 12, every 6th to
    24, every 12th after, and the horizon."""
    months = [1, 2, 3, 6, 9, 12, 18, 24, *range(36, horizon + 1, 12), horizon]
    return sorted({m for m in months if m <= horizon})


def _cell(text):
    # a table cell as typed: Markdown escaped, and a pipe would end the cell
    return literal(text).replace("|", "\\|")


def _budget_lines(summary):
    """The budget table: nominal spend by month, routed and baseline, p50 and p95 (USD)."""
    numbers = summary["portfolio"]
    spend = numbers["monthly_spend"]
    lines = ["| month | | routed p50 | routed p95 (budget to ask for) | baseline p50 | baseline p95 |",
             "| --- | --- | --- | --- | --- | --- |"]
    for month in shown_months(numbers["horizon_months"]):
        i = month - 1
        lines.append(f"| {month} | {month_name(spend['calendar_month'][i])} | {dollars(spend['p50'][i])}"
                     f" | {dollars(spend['p95'][i])} | {dollars(spend['baseline_p50'][i])}"
                     f" | {dollars(spend['baseline_p95'][i])} |")
    return lines + [
        "",
        "Spend in each month in nominal USD (not discounted) over"
        f" {numbers['scenarios']:,} scenarios: routed is every workload on its route, baseline every workload on"
        " its baseline; p95 is the budget to ask for (19 scenarios in 20 spend no more). Each month's quantile is"
        " of that month's spend: they do not add up to a year's.",
        "",
    ]


def _totals_lines(summary):
    """Cost, baseline cost and savings at the horizon: mean, quantiles and CVaR (USD, discounted)."""
    numbers = summary["portfolio"]
    h = numbers["horizon_months"]
    lines = [f"| within {h} months (USD, discounted to month 1) | mean [95% CI] | p05 | p50 | p95 |"
             " CVaR 5% (mean of the worst 5%) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, key in (("routed portfolio's cost", "cost"), ("baseline portfolio's cost", "baseline_cost"),
                       ("**savings**", "savings")):
        stats = numbers[key]
        tail = usd_with_interval(stats, "cvar05") if "cvar05" in stats else ""
        lines.append(f"| {label} | {usd_with_interval(stats, 'mean')} | {usd_with_interval(stats, 'p05')} | {usd_with_interval(stats, 'p50')}"
                     f" | {usd_with_interval(stats, 'p95')} | {tail} |")
    return lines + [""]


def _routing_lines(summary):
    """Which route each workload takes, why, and what it saves against its baseline."""
    numbers = summary["portfolio"]
    lines = [
        "## Routing",
        "",
        "Each workload takes its cheapest acceptable route (MODEL.md, \"A portfolio of workloads\"); its savings"
        " are against its own baseline within the horizon (USD, discounted), and its share is of the portfolio's"
        " expected savings.",
        "",
        "| workload | route | why | expected savings | 90% of scenarios | share | P(its route the cheapest acceptable) [95% CI]"
        " | its own recommendation |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in numbers["workloads"]:
        workload = summary["workloads"][name]
        route = workload["route"]
        labels, _ = summary_labels(workload)
        savings = workload["savings"]
        # of the acceptable routes (p_win) where the run has a quality bar's answer, as its recommendation
        key = "p_win" if "p_win" in workload else "p_cheapest"
        cheapest = workload.get(key, {}).get(route)
        p = "" if cheapest is None else with_interval(
            cheapest, workload.get(f"{key}_ci95", {}).get(route), PERCENT, digits=1)
        action = workload.get("recommendation", {}).get("action", "")
        lines.append(f"| {_cell(name)} | {_cell(labels.get(route, route))} | {_cell(workload['reason'])}"
                     f" | {usd(savings['mean'])} | {usd(savings['p05'])} to {usd(savings['p95'])}"
                     f" | {_share(workload['share'])} | {p} | {_cell(action)} |")
    total = numbers["savings"]
    lines.append(f"| **portfolio** | | | **{usd(total['mean'])}** | {usd(total['p05'])} to {usd(total['p95'])}"
                 " | 100% | | |")
    return lines + ["", "The portfolio's 90% range is of the sum in each scenario, not the sum of the"
                    " workloads' ranges.", ""]


def _probability_lines(summary):
    """P(routed portfolio's cumulative cost below the baseline's) by month, with its 95% interval."""
    numbers = summary["portfolio"]
    cheaper = numbers["p_cheaper"]
    lines = ["## Chance the routed portfolio is cheaper, by month", "",
             "| month | | P(routed portfolio cheaper than the baselines) [95% CI] |", "| --- | --- | --- |"]
    for month in shown_months(numbers["horizon_months"]):
        i = month - 1
        bounds = cheaper["ci95"][i] if cheaper.get("ci95") else None
        if bounds is not None:  # a replicate interval can reach past 0% or 100%: a probability cannot
            bounds = [min(max(b, 0.0), 1.0) for b in bounds]
        lines.append(f"| {month} | {month_name(numbers['monthly_spend']['calendar_month'][i])}"
                     f" | {with_interval(cheaper['p'][i], bounds, PERCENT, digits=1)} |")
    return lines + ["", "Cumulative costs, discounted: the routed portfolio has cost less than every workload on"
                    " its baseline by that month.", ""]


def _evpi_lines(summary):
    return ["## Value of perfect information", "",
            f"Portfolio EVPI: {usd(summary['portfolio']['evpi'])}, what routing each workload with hindsight would"
            " be worth: each workload's expected cost on its route less its expected cost on the route that turns"
            " out cheapest in each scenario, added up (USD, discounted).", ""]


def _workload_links(summary, output_dir, workload_dirs):
    """A line per workload: its own headline, and a link to its report where ``workload_dirs`` gives its directory."""
    lines = ["## Workloads", ""]
    for name in summary["portfolio"]["workloads"]:
        workload = summary["workloads"][name]
        # its headline as its own report.md shows it (sim.report.document.render)
        own = f": {workload['headline']}" if workload.get("headline") else ""
        relative = (workload_dirs or {}).get(name)
        if relative is None:
            lines.append(f"- {_cell(name)}{own}")
            continue
        relative = Path(relative)
        if (Path(output_dir) / relative / "report.md").exists():
            lines.append(f"- [{_cell(name)}]({quote((relative / 'report.md').as_posix())}){own}")
        else:  # run without its report: its directory holds its summary and results
            lines.append(f"- [{_cell(name)}]({quote(relative.as_posix())}/) (its run directory; no report"
                         f" drawn){own}")
    return lines + [""]


def _run_lines(summary):
    numbers = summary["portfolio"]
    seeds = sorted({w["seed"] for w in summary["workloads"].values() if "seed" in w})
    seed = f", seed {', '.join(map(str, seeds))}" if seeds else ""
    small = next((w["small_run"] for w in summary["workloads"].values() if w.get("small_run")), None)
    return ["## Run", "",
            *([f"> **Small run.** {small}", ""] if small else []),
            f"{numbers['scenarios']:,} scenarios over {numbers['horizon_months']} months from {numbers['start']}"
            f"{seed}, discounted at {numbers['discount_rate']:.1%} a year, every workload on one shared market path"
            " per scenario. Money is USD, discounted to month 1, except the budget (nominal).", ""]


def _headline(summary):
    # the portfolio's name as typed (a user's text), the rest as written by
    # sim.portfolio.outputs.headline (ours: its intervals' brackets left unescaped)
    headline, prefix = summary["headline"], f"portfolio {summary['name']}"
    if headline.startswith(prefix):
        return f"portfolio {literal(summary['name'])}{headline[len(prefix):]}"
    return literal(headline)


def render(summary, output_dir=".", workload_dirs=None):
    """The portfolio's report as Markdown text, the headline and budget first."""
    name = summary["name"]
    return "\n".join([
        f"# payback portfolio: {literal(name)}",
        "",
        f"**{_headline(summary)}**",
        "",
        *_budget_lines(summary),
        *_totals_lines(summary),
        *_routing_lines(summary),
        "## Pictures",
        "",
        *(line for picture, text in PICTURE_TEXT.items() for line in (f"![{text}]({PLOTS}/{picture})", "")),
        *_probability_lines(summary),
        *_evpi_lines(summary),
        *_workload_links(summary, output_dir, workload_dirs),
        *_run_lines(summary),
    ])


def _share(value):
    # no share where the portfolio saves nothing to share
    return "-" if value is None else f"{value:.1%}"


def write_report(summary, output_dir, workload_dirs=None):
    """Draw the two pictures into ``output_dir/plots``, write ``output_dir/report.md`` and,
    from the same text and pictures, ``output_dir/report.html``, all published together
    (``sim.io.files.publishing``): a failure leaves an earlier report as it was.

    Parameters
    ----------
    summary : dict
        The portfolio's summary (``sim.portfolio.outputs.write_portfolio``).
    output_dir : path
        The portfolio's directory.
    workload_dirs : dict of str to path, optional
        Each workload's run directory relative to ``output_dir``, by name, to link its own
        report; without it the workloads are listed unlinked.
    """
    output_dir = Path(output_dir)
    plots, created = plots_directory(output_dir / PLOTS)  # as a run's report: never through a link, never onto a file
    what = f"{output_dir / 'report.md'}, report.html and {PLOTS}/"
    with phase("report", f"drawing {len(PICTURES)} pictures into {PLOTS}/, report.md and report.html"):
        try:
            with publishing(what):
                for picture, draw in PICTURES.items():
                    write_png(png_bytes(draw(summary)), plots / picture)
                markdown = render(summary, output_dir, workload_dirs)
                with atomic_path(output_dir / "report.md") as temporary:
                    temporary.write_text(markdown)
                write_html(markdown, output_dir, f"payback portfolio: {summary['name']}")
        except BaseException:
            if created:  # ours, and empty: nothing of this report was published
                try:
                    plots.rmdir()
                except OSError:  # not empty, or gone
                    pass
            raise


__all__ = ["PICTURE_TEXT", "PLOTS", "render", "shown_months", "write_report"]
