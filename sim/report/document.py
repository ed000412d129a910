"""``report.md`` of a run (and from it ``report.html``, see ``sim.report.html``), and
``python -m sim.report RUN_DIR`` to redraw pictures and reports from a saved
``results.nc`` without simulating again.

Both are drawn from what ``results.nc`` holds (its saved rows and the summary in its
attrs), so that the redrawn report and pictures are the run's own.
"""


import json
from pathlib import Path

from omegaconf import OmegaConf

from sim.inputs.schema import SUCCESSOR_PRICES, input_metadata
from sim.inputs.distributions import parse
from sim.report.budget import budget_section
from sim.report.formats import PERCENT, calls, usd, usd_with_interval, with_interval
from sim.report.formats import share as shown_share
from sim.report.figures import plots_directory
from sim.report.pictures import ROW_PICTURES, draw_all, drawable
from sim.report.tornado import fixed_inputs_section
from sim.io.progress import phase
from sim.report.html import code, literal, write_html
from sim.report.information import information_section
from sim.io.files import atomic_path, publishing
from sim.inputs.static import metadata_of
from sim.report.memo import memo_lines
from sim.report.routes import route_view
from sim.report.sources import source_column, source_legend
from sim.results.summary import sheet_sources

PLOTS = "plots"


def _precision_section(results, summary):
    sampling = summary.get("sampling")
    if not sampling:
        return []
    method = {
        "mc": "plain Monte Carlo (independent scenarios)",
        "lhs": "a Latin hypercube on the static inputs",
        "sobol": "a scrambled Sobol net on the static inputs",
    }[sampling["method"]]
    if sampling["volume_integrated"]:
        method += ", with month-1 volume integrated out in closed form (probabilities and expected costs)"
    # the largest replicate (sim.simulation.sampling.REPLICATE scenarios, unless the run is
    # smaller) read from the run's totals: importing sim.simulation.sampling for the constant
    # would load the simulation's kernels into `python -m sim.report`
    size = ""
    if "replicate_totals" in results:
        size = f" of up to {int(results.replicate_totals.sel(total='scenarios').max()):,} scenarios"
    lines = [
        "## Precision",
        "",
        f"Sampling: {method}; {sampling['replicates']} independently randomised replicates{size}"
        " give the intervals of probabilities, expected costs and EVPI"
        + (" (Wilson intervals for the probabilities)" if sampling["method"] == "mc" else "")
        + ". Quantiles, CVaR, break-even volumes and drivers take distribution-free or asymptotic intervals"
        " of independent scenarios.",
        "",
    ]
    if sampling.get("note"):
        lines += [f"Month-1 volume is not integrated out: {sampling['note']}.", ""]
    precision = summary.get("precision")
    if precision:
        labels = route_view(results).labels
        targets = ", ".join(f"`precision.{k}={v:g}`" for k, v in precision["targets"].items() if v is not None)
        achieved = "; ".join(
            f"{name} " + ", ".join(f"{labels.get(k, k)} {v:.2g}" for k, v in values.items())
            for name, values in precision["achieved"].items()
        )
        verdict = "met" if precision["met"] else "**not met**"
        lines += [f"Targets {targets}: {verdict} after {precision['scenarios_used']:,} scenarios"
                  f" (half-widths achieved: {achieved}).", ""]
        if precision.get("note"):
            lines += [f"> {precision['note']}", ""]
    if "convergence.png" in drawable(results):
        lines += [f"![Convergence]({PLOTS}/convergence.png)", ""]
    return lines


# What each picture shows, in the order the report lists them (convergence is shown
# under "Precision").
PICTURE_TEXT = {
    "payback_probability.png": "Chance of being cheaper than the baseline, by month",
    "savings_fan.png": "Cumulative savings by month",
    "savings_histogram.png": "Savings at the horizon",
    "savings_cdf.png": "Cumulative distribution of savings at the horizon",
    "drivers.png": "Drivers",
    "line_crossing.png": "Line crossing",
}


def _pictures(results):
    if results.sizes.get("challenger", 0) == 0:
        return ["No picture: every one compares a route with the baseline, and this run has only the baseline.", ""]
    drawn = drawable(results)
    lines = []
    for name, text in PICTURE_TEXT.items():
        if name in drawn:
            lines += [f"![{text}]({PLOTS}/{name})", ""]
    if any(name not in drawn for name in ROW_PICTURES):
        lines += ["results.nc holds no per-scenario rows (`saved_scenarios=0`, a sweep job's default), from which"
                  " the savings histogram, its cumulative distribution and the line crossing are drawn: rerun with"
                  " `saved_scenarios` set to draw them.", ""]
    return lines


def render(results, summary):
    """The report as Markdown text: headline, routes, key numbers, pictures, assumptions."""
    h = summary["horizon_months"]
    rec = summary["recommendation"]
    view = route_view(results)
    labels, against = view.labels, view.against
    # the answer first, for the reader who stops there; then which run gave it
    lines = [
        "# payback report",
        "",
        *(memo_lines(summary, labels) if "action" in rec else []),
        f"**{summary['headline']}**",
        "",
        *([f"> **Small run.** {summary['small_run']}", ""] if summary.get("small_run") else []),
        f"Why: {rec['reason']}" if "action" in rec else f"Recommendation: **{rec['strategy']}**. {rec['reason']}",
        "",
        *_calendar_lead(summary, view),
        f"Run: {literal(summary['run']['label'])}",  # a user's text, shown as typed
        "",
        f"Command: {code(summary['run']['command'] or '(run from Python)')}, started {summary['run']['start_time']}.",
        "",
        f"{summary['scenarios']:,} scenarios over {h} months, seed {summary['seed']}, "
        f"discounted at {summary['discount_rate']:.1%} a year. Money is USD, discounted to month 1."
        + _sample_note(summary, results.sizes.get("scenario", 0)),
        "",
        *_routes_section(summary, view),
        *_quality_section(summary, view),
    ]
    if view.challengers:
        lines += _key_numbers(summary, view)
    lines += [
        "- Expected value of perfect information on the choice (EVPI) [95% CI]: "
        f"{usd(summary['evpi'])}{_interval(summary.get('evpi_ci95'), usd)}: what knowing each scenario's outcome"
        " before choosing would save on average.",
        f"- The use case shuts down within the horizon in {summary['shutdown']['fraction']:.1%} of scenarios.",
        *_capacity_lines(summary, labels),
        "",
        *budget_section(results),
        *_lifecycle_section(summary, view),
        *_calendar_section(summary, view),
        *information_section(results, summary, PLOTS, drawable(results)),
        "## Pictures",
        "",
        *_pictures(results),
        *_precision_section(results, summary),
    ]
    if view.challengers:
        lines += [
            "## Drivers",
            "",
            "Each uncertain input that can enter a comparison splits the scenarios"
            f"{_driver_rows(summary)} into its lowest and "
            f"highest tenth; the effect is how far P(the route beats {against}) moves between the two, "
            "with its 95% interval. Inputs whose interval contains 0 are not ranked.",
            "",
        ]
        for k in view.challengers:
            lines += _drivers_table(labels[k], summary["drivers"][k], against)
        lines += ["", *fixed_inputs_section(summary, labels, against, PLOTS)]
    lines += ["", *_assumptions(results, summary, view)]
    return "\n".join(lines)


def _driver_rows(summary):
    # a large run ranks its drivers on its first rows (sim.results.summary.DRIVER_SCENARIOS)
    split = max((d.get("scenarios") or 0 for d in summary["drivers"].values()), default=0)
    return f" (the first {split:,})" if 0 < split < summary["kept_scenarios"] else ""


def _routes_section(summary, view):
    """Every route in one table: what it is, which sheet prices it, what it costs, how often it wins."""
    lines = ["## Routes", "",
             f"The baseline, what the team runs today, is **{view.against}**; every other route is compared with it.",
             "",
             "| route | kind | price sheet | expected cost [95% CI] | 90% of scenarios | P(cheapest) [95% CI] |",
             "| --- | --- | --- | --- | --- | --- |"]
    for k in view.names:
        cost = summary["cost"][k]
        cheapest = with_interval(summary["p_cheapest"][k], summary.get("p_cheapest_ci95", {}).get(k),
                                 lambda x, d: f"{x:.{d}%}", digits=1)
        name = f"**{view.labels[k]}** (baseline)" if k == view.baseline else view.labels[k]
        sheet = code(view.sheets[k]) if view.sheets.get(k) else ""
        lines.append(f"| {name} | {view.kinds[k]} | {sheet} | {usd_with_interval(cost, 'mean')} | {usd(cost['p05'])} to {usd(cost['p95'])} | {cheapest} |")
    return lines + [""]


def _quality_section(summary, view):
    """Each route's quality (MODEL.md, "Quality and the cost of errors"): how often it meets the
    bar, how often it wins, what its failed calls cost; nothing for a run without quality."""
    quality = summary.get("quality")
    if not quality or (quality["bar"] == 0 and quality["error_cost"] == "0"
                       and not any(v["mean"] for v in summary["failed_calls"].values())):
        return []
    percent = lambda x, d: f"{x:.{d}%}"  # noqa: E731
    lines = ["## Quality", "",
             f"A route is acceptable in a scenario when its own task success rate is at least the bar,"
             f" {quality['bar']:.0%} (`quality.bar`); the winner of a scenario is the cheapest acceptable route."
             f" A failed call costs {code(quality['error_cost'])} USD (`quality.error_cost`), part of each route's"
             " cost above; a fine-tune or RAG route serving by prompting fails at the baseline's rate.", "",
             "| route | P(acceptable) [95% CI] | P(wins) [95% CI] | expected failed calls | expected cost of"
             " errors (share of its cost) | cost per resolved call |",
             "| --- | --- | --- | --- | --- | --- |"]
    for k in view.names:
        error = summary["error_cost"][k]["mean"]
        cost = summary["cost"][k]["mean"]
        share = f" ({error / cost:.0%})" if cost > 0 else ""
        per_call = summary["cost_per_resolved_call"][k]
        lines.append(
            f"| {view.labels[k]} | {with_interval(summary['p_acceptable'][k], summary['p_acceptable_ci95'][k], percent, digits=1)}"
            f" | {with_interval(summary['p_win'][k], summary['p_win_ci95'][k], percent, digits=1)}"
            f" | {summary['failed_calls'][k]['mean']:,.0f} | {usd(error)}{share}"
            f" | {'n/a' if per_call is None else f'{per_call:.4g} USD'} |")
    lines += ["", f"- No route is acceptable in {summary['p_win']['none']:.1%} of scenarios."]
    cheapest = max(view.names, key=lambda k: summary["p_cheapest"][k])
    winner = max(view.names, key=lambda k: summary["p_win"][k])
    if winner != cheapest and summary["p_win"][winner] > 0:
        lines.append(
            f"- The bar, not the cost, decides: {view.labels[cheapest]} is the cheapest route in"
            f" {summary['p_cheapest'][cheapest]:.0%} of scenarios but meets the bar in"
            f" {summary['p_acceptable'][cheapest]:.0%}; among the acceptable routes {view.labels[winner]} wins in"
            f" {summary['p_win'][winner]:.0%}.")
    return lines + [""]


def _key_numbers(summary, view):
    """Each challenger against the baseline: a column each."""
    h, against = summary["horizon_months"], view.against
    p = summary["p_beats_prompt"]
    sv = summary["savings_vs_prompt"]
    pb = summary["payback_month"]
    be = summary["break_even_calls_per_month"]
    rows = [
        (f"P(cheaper than {against} at month {h}) [95% CI]",
         lambda k: with_interval(p[k]["estimate"], p[k]["ci95"], PERCENT, digits=1)),
        (f"expected savings vs {against} [95% CI]", lambda k: usd_with_interval(sv[k], "mean")),
        ("median savings [95% CI]", lambda k: usd_with_interval(sv[k], "p50")),
        ("5% quantile of savings [95% CI]", lambda k: usd_with_interval(sv[k], "p05")),
        ("CVaR 5% of savings (mean of the worst 5%) [95% CI]", lambda k: usd_with_interval(sv[k], "cvar05")),
        ("payback month p10 / p50 / p90", lambda k: " / ".join(_month(pb[k][q]) for q in ("p10", "p50", "p90"))),
        ("never pays back within the horizon", lambda k: f"{pb[k]['never']:.1%}"),
        ("break-even month-1 volume p50 (calls/month) [95% CI]",
         lambda k: f"{_calls(be[k]['p50'])}{_interval(be[k].get('p50_ci95'), _calls)}"),
    ]
    lines = [f"## Against {against}", "",
             "| | " + " | ".join(view.labels[k] for k in view.challengers) + " |",
             "| --- |" + " --- |" * len(view.challengers)]
    lines += [f"| {label} | " + " | ".join(cell(k) for k in view.challengers) + " |" for label, cell in rows]
    lines += ["", f"P(cheaper at month {h}) counts the scenarios in which the route costs less than {against} at the"
              " horizon; a route that never pays back never had spent less than it by any month. The two need not"
              " add to 100%: a route can pay back and fall behind again (a platform exit, a retrain), and a tie"
              " to the cent pays back without being cheaper.", ""]
    lines += [f"- Break-even month-1 volume for {view.labels[k]} (calls/month) [95% CI]: "
              + ", ".join(f"{q} {_calls(be[k][q])}{_interval(be[k].get(f'{q}_ci95'), _calls)}"
                          for q in ("p10", "p50", "p90")) + "." for k in view.challengers]
    ft_rag = summary.get("savings_finetune_vs_rag")
    if ft_rag:
        lines.append(f"- Fine-tuning against RAG: expected savings {usd_with_interval(ft_rag, 'mean')}, "
                     f"CVaR 5% {usd_with_interval(ft_rag, 'cvar05')}.")
    return lines


def _capacity_lines(summary, labels):
    # a dedicated endpoint bills one replica: where the volume outgrows it, the bill is low
    lines = []
    for k, capacity in (summary.get("capacity") or {}).items():
        share = capacity["share_over"]
        replica = f"{capacity['replica_calls_per_month']:,.0f} calls/month"
        if share > 0:
            lines.append(f"- **Capacity of {labels.get(k, k)}:** in {shown_share(share)} of scenario-months the volume"
                         f" exceeds one replica ({replica}); the model bills one replica, so its cost there is"
                         " understated.")
        else:
            lines.append(f"- Capacity of {labels.get(k, k)}: the volume stays within one replica ({replica})"
                         " in every scenario-month.")
    return lines


def _lifecycle_section(summary, view):
    """What happens to each fine-tune route: attempts, failures, retrains, leaving its platform."""
    lifecycle = summary.get("lifecycle") or {}
    if not lifecycle:
        return []
    lines = ["## Fine-tune lifecycle", "",
             "| fine-tune route | training attempts (mean) | never ships | retrains (mean) |"
             " leaves its platform (median month) | migrates | prompts for good |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for k, one in lifecycle.items():
        exit_ = one["platform_exit"]
        when = f" (month {exit_['month_p50']})" if exit_["month_p50"] is not None else ""
        lines.append(f"| {view.labels.get(k, k)} | {one['attempts_mean']:.2f} | {one['failed_fraction']:.1%} |"
                     f" {one['retrains_mean']:.2f} | {exit_['fraction']:.1%}{when} | {one['migrated_fraction']:.1%} |"
                     f" {exit_['for_good']:.1%} |")
    lines += ["", "Shares are of all scenarios. A route that leaves its platform serves by prompting from then on,"
              " its spending sunk, unless it migrates to a successor's sheet.", ""]
    return lines


def _assumptions(results, summary, view):
    """Every input the run read, what it was, and which routes read it; then each sheet's provenance."""
    lines = ["## Assumptions", ""]
    read_by = _readers(results)
    if read_by is None:  # a run written before routes named their inputs: the configuration's groups
        lines += _group_assumptions(results, summary)
    else:
        source = source_column(summary)  # "" for a run that did not record its inputs' sources
        lines += source_legend(summary)
        lines += [f"| input | value | unit | read by |{source('header')}", f"| --- | --- | --- | --- |{source('rule')}"]
        every = set(view.names)
        for key, (value, unit) in _inputs(results).items():
            readers = read_by.get(key)
            if readers is None:
                if key.split(".")[0] not in ("workload", "market"):
                    continue  # a price or setting no route reads (another sheet's, a successor's unset)
                shown = "every route"
            else:
                shown = "every route" if set(readers) == every else ", ".join(view.labels[k] for k in readers)
            lines.append(f"| `{key}` | {literal(value)} | {unit} | {shown} |{source(key)}")
        config = OmegaConf.to_container(OmegaConf.create(results.attrs["config"]))
        if view.tuned:
            finetune = config["finetune"]
            lines.append(f"| `finetune.base_lifetime_months` | {literal(str(finetune['base_lifetime_months']))} |"
                         f" months | fine-tune routes without their own |{source('finetune.base_lifetime_months')}")
            for key in ("reprice_on_retrain", "on_platform_exit", "successor"):
                lines.append(f"| `finetune.{key}` | {finetune[key] if finetune[key] is not None else 'none'} | |"
                             f" fine-tune routes |{source(f'finetune.{key}')}")
        for name, route in (config.get("routes") or {}).items():
            for section, values in route.items():
                if isinstance(values, dict):
                    for key, value in values.items():
                        full = f"routes.{name}.{section}.{key}"
                        if full not in read_by:
                            lines.append(f"| `{full}` | {literal(str(value))} | | {view.labels.get(name, name)} |"
                                         f"{source(full)}")
        lines.append(f"| `start` | {summary['start']} | month 1 | |{source('start')}")
    lines += ["", "Price sheets (check them before you commit budget: prices drift):", ""]
    for name, sheet in (summary.get("sheets") or sheet_sources(results)).items():
        users = [view.labels[k] for k in view.names if view.sheets.get(k) == name]
        role = f" (routes {', '.join(users)})" if users else " (a successor)"
        lines.append(f"- {code(name)}{role}: as of **{literal(str(sheet['as_of']))}**; source:"
                     f" {literal(str(sheet['source']))}.")
    return lines + [""]


def _readers(results):
    """Each input key and the routes that read it, in order; None for a run that did not record them."""
    recorded = json.loads(results.attrs.get("routes") or "[]")
    if not recorded or any(not isinstance(route.get("inputs"), list) for route in recorded):
        return None
    readers = {}
    for route in recorded:
        for key in route["inputs"]:
            readers.setdefault(key, []).append(route["name"])
    return readers


def _inputs(results):
    """Every static input of the run as ``{key: (value as configured, unit)}``: drawn ones
    from their variable's ``distribution``, fixed ones from ``fixed_inputs``."""
    found = {}
    for name in results.data_vars:
        variable = results[name]
        if variable.dims == ("scenario",) and "distribution" in variable.attrs:
            found[str(name)] = (variable.attrs["distribution"], variable.attrs.get("units", ""))
    for item in (results.attrs.get("fixed_inputs") or "").split(", "):
        key, _, value = item.partition("=")
        if key and key not in found:
            found[key] = (value, metadata_of(key, input_metadata())["unit"])
    return dict(sorted(found.items(), key=lambda item: _input_order(item[0])))


def _input_order(key):
    # the workload, then each sheet's prices, each route's own inputs, the rest by section
    section = key.split(".")[0]
    order = ("workload", "pricing", "sheets", "prompt", "finetune", "routes", "rag", "market")
    return (order.index(section) if section in order else len(order), key)


def _group_assumptions(results, summary):
    lines = ["| input | value | unit |", "| --- | --- | --- |"]
    config = OmegaConf.to_container(OmegaConf.create(results.attrs["config"]))
    for key, meta in input_metadata().items():
        section, name = key.split(".")
        if section == "successor":  # prices of another sheet, named in the calendar section
            continue
        if config[section].get(name) is None:  # a cached price the sheet does not give: the uncached one
            continue
        shown = parse(key, config[section][name], meta["domain"]).describe()
        lines.append(f"| `{key}` | {shown} | {meta['unit']} |")
    lines.append(f"| `finetune.reprice_on_retrain` | {config['finetune']['reprice_on_retrain']} | |")
    lines.append(f"| `finetune.on_platform_exit` | {config['finetune']['on_platform_exit']} | |")
    lines.append(f"| `finetune.successor` | {config['finetune']['successor'] or 'none'} | |")
    for key in ("finetune_training_until", "finetune_serving_until"):
        lines.append(f"| `pricing.{key}` | {config['pricing'].get(key) or 'none announced'} | date |")
    lines.append(f"| `start` | {summary['start']} | month 1 |")
    successor = OmegaConf.create(results.attrs.get("successor_sheet") or "{}")
    for name in SUCCESSOR_PRICES if successor else ():
        meta = input_metadata()[f"pricing.{name}"]
        shown = parse(f"successor.{name}", successor[name], meta["domain"]).describe()
        lines.append(f"| `successor.{name}` ({config['finetune']['successor']}) | {shown} | {meta['unit']} |")
    return lines


def _calendar_lead(summary, view):
    # one sentence under the recommendation when the calendar changes the answer
    sentences = _exit_sentences(summary, view)
    retirements = [e for e in summary["calendar"]["events"] if e["event"] == "base retirement"]
    if not (sentences or retirements):
        return []
    said = [_retirement_sentence(e, view) for e in retirements] + sentences
    return [f"**Provider calendar:** {' '.join(said)} See [Provider calendar](#provider-calendar).", ""]


def _retirement_sentence(event, view):
    routes = _and([view.labels.get(k, k) for k in event.get("routes") or []])
    successor = event.get("successor")
    moves = f"moves to `{successor}`'s prices" if successor else "moves on"
    return (f"`{event['sheet']}`'s base model retires {event['date']} (month {event['month']}): from month"
            f" {event['month'] + 1} {routes} {moves}, paying `prompt.migration_cost` once.")


def _and(names):
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _exit_sentences(summary, view):
    lifecycle, calendar = summary.get("lifecycle") or {}, summary["calendar"]
    sentences = []
    for k, one in lifecycle.items():
        exits = one["platform_exit"]
        if exits["fraction"] == 0:
            continue
        sentence = (f"{view.labels.get(k, k)} leaves its platform in {exits['fraction']:.1%} of scenarios"
                    f" (median month {exits['month_p50']})")
        if one["migrated_fraction"] > 0:
            sentence += (f"; it migrates to `{calendar['successor']}` in {one['migrated_fraction']:.1%}, and by the"
                         f" horizon serves by prompting for good in {exits['for_good']:.1%}, its spending sunk.")
        else:
            sentence += "; from then on it serves by prompting, its spending sunk."
        sentences.append(sentence)
    return sentences


def _calendar_section(summary, view):
    """What the provider calendar's dated events inside the horizon do to the answer."""
    calendar = summary["calendar"]
    lines = ["## Provider calendar", "", f"Month 1 is {summary['start']}."]
    if not calendar["events"]:
        lines += ["No announced end of fine-tuning or of a base model falls within the horizon: the calendar does"
                  " not change this answer.", ""]
        return lines
    lines.append("")
    for event in calendar["events"]:
        month, day, sheet = event["month"], event["date"], event["sheet"]
        routes = event.get("routes")
        bound = f" ({', '.join(view.labels.get(k, k) for k in routes)})" if routes else ""
        if event["event"] == "training cutoff" and month == 0:
            lines.append(f"- `{sheet}`{bound}: last training jobs {day}, before month 1: the route can never ship;"
                         " it serves by prompting throughout and costs what the baseline costs.")
        elif event["event"] == "training cutoff":
            lines.append(
                f"- `{sheet}`{bound}: last training jobs {day} (month {month}). A repeat attempt, drift retrain or"
                f" deprecation retrain due after month {month} cannot be made: the route leaves the platform then."
            )
        elif event["event"] == "base retirement":
            successor = f"`{event['successor']}`'s prices" if event.get("successor") else "their successor's prices"
            lines.append(f"- `{sheet}`{bound}: the base model serves until {day} (month {month}); from month"
                         f" {month + 1} these routes pay {successor} and, once, `prompt.migration_cost`.")
        else:
            lines.append(
                f"- `{sheet}`{bound}: fine-tuned models stop serving after {day} (month {month}): the route"
                f" leaves the platform in month {month + 1} at the latest."
            )
    sentences = _exit_sentences(summary, view)
    if sentences:
        lines += ["", f"In this run: {' '.join(sentences)}"]
    return lines + [""]


def _drivers_table(name, drivers, against="prompting"):
    lines = [f"### {name} against {against}", ""]
    if drivers["skipped"]:
        return lines + [drivers["skipped"], ""]
    lines += [
        "| input | lowest 10% (up to) | highest 10% (from) | P(win), lowest / highest 10% | effect [95% CI] |"
        " median savings, lowest / highest 10% |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {d['description']} (`{d['input']}`) | {_amount(d['low_tenth_up_to'], d['unit'])} |"
        f" {_amount(d['high_tenth_from'], d['unit'])} | {d['p_low']:.1%} / {d['p_high']:.1%} |"
        f" {d['effect']:+.1%} [{d['ci95'][0]:+.1%}, {d['ci95'][1]:+.1%}] |"
        f" {usd(d['savings_low'])} / {usd(d['savings_high'])} |"
        for d in drivers["ranked"]
    ]
    if not drivers["ranked"]:
        lines.append("| no input has a detectable effect | | | | | |")
    if drivers["no_detectable_effect"]:
        quiet = ", ".join(f"`{d['input']}`" for d in drivers["no_detectable_effect"])
        lines += ["", f"No detectable effect (95% interval contains 0): {quiet}."]
    return lines + [""]


def _interval(bounds, fmt):
    # nothing where a small run gives no interval; an open end (never) as "never"
    if bounds is None:
        return ""
    form = fmt.format if isinstance(fmt, str) else fmt
    low, high = ("never" if b is None else form(b) for b in bounds)
    return f" [{low}, {high}]"


def _month(value):
    return "beyond horizon" if value is None else str(value)


def _calls(value):
    # three significant digits: a break-even volume is not known to the call
    return "never" if value is None else calls(value)


def _amount(value, unit):
    """A driver's boundary in its unit: money as money, counts without false precision."""
    if unit == "USD" or unit.startswith("USD/"):
        return usd(value)
    shown = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    return f"{shown} {unit}"


def _sample_note(summary, rows):
    """Which scenarios each kind of number counts: all, the kept ones, the saved ``rows``."""
    kept, n = summary["kept_scenarios"], summary["scenarios"]
    if rows >= kept:
        if kept == n:
            return ""
        return (f" Probabilities, means and EVPI count all {n:,} scenarios; quantiles, CVaR,"
                f" break-even volumes, drivers and the pictures of distributions use the first {kept:,}.")
    counted = (f" Quantiles, CVaR, break-even volumes and drivers count all {n:,} scenarios" if kept == n else
               f" Probabilities, means and EVPI count all {n:,} scenarios; quantiles, CVaR, break-even volumes"
               f" and drivers the first {kept:,}")
    if rows == 0:
        return counted + "; no per-scenario row is saved in results.nc (`saved_scenarios=0`)."
    return (counted + f"; the pictures of distributions the first {rows:,}, those saved in results.nc"
            " (`saved_scenarios`).")


def write_report(results, summary, run_dir):
    """Draw the pictures into ``run_dir/plots``, write ``run_dir/report.md`` and, from the
    same text and pictures, the self-contained ``run_dir/report.html``.

    All of them are published together (``sim.io.files.publishing``): a redraw that
    is interrupted or fails leaves the earlier report and pictures as they were.
    """
    run_dir = Path(run_dir)
    plots, created = plots_directory(run_dir / PLOTS)
    what = f"{run_dir / 'report.md'}, report.html and {PLOTS}/"
    with phase("report", f"drawing {len(drawable(results))} pictures into {PLOTS}/, report.md and report.html"):
        try:
            with publishing(what):
                draw_all(results, summary, plots)
                markdown = render(results, summary)
                with atomic_path(run_dir / "report.md") as temporary:
                    temporary.write_text(markdown)
                write_html(markdown, run_dir, f"payback report: {summary['run']['label']}")
        except BaseException:
            if created:  # ours, and empty: nothing of this report was published
                _remove_if_empty(plots)
            raise


def _remove_if_empty(directory):
    try:
        directory.rmdir()
    except OSError:  # not empty, or gone: nothing of ours to take back
        pass


__all__ = ["PICTURE_TEXT", "PLOTS", "render", "write_report"]
