"""The recommendation as an action a budget committee can take: what to do, how likely it is to
be the cheapest acceptable route, what is at stake in money, and what would settle it.

``sim.stats.analysis.recommend`` decides (the cheapest acceptable route on average, if it beats
each other acceptable one in at least ``confidence`` of scenarios); this module words the
decision for the run's summary, the log, report.md and the sweep's recommendation map.
"""

import math

from sim.inputs.provenance import defaults_among
from sim.inputs.routes import route_label

# The value of knowing an input below which it is not worth naming as the way to settle a
# choice: a cent on the dollar of the baseline's own spend.
WORTH_NAMING = 0.01


def action_phrase(name, kind, sheet, baseline):
    """An imperative for taking a route: "Keep prompting", "Build RAG", "Fine-tune on
    dedicated-lora-8b", "Fine-tune on azure-openai-gpt-4.1-mini (route ft-azure)", "Switch to prompting on openai-gpt-4o-mini
    (route cheap-prompt)"."""
    named = "" if name == kind else f" (route {name})"
    on = f" on {sheet}" if sheet and name != kind else ""
    if name == baseline:
        return "Keep prompting" + (f" ({name})" if name != kind else "")
    if kind == "finetune":  # its sheet is the platform it trains and serves on
        return f"Fine-tune{f' on {sheet}' if sheet else ''}{named}"
    if kind == "rag":
        return f"Build RAG{on}{named}"
    return f"Switch to prompting{on}{named}"


def recommendation_action(summary, decided):
    """The recommendation of a run's summary, as an action with its odds and stakes.

    Parameters
    ----------
    summary : dict
        The summary so far (``routes``, ``baseline``, ``cost``, ``savings_vs_prompt``,
        ``p_cheapest`` and, where present, ``p_win``, ``value_of_information``, ``inputs``).
    decided : dict
        ``sim.stats.analysis.recommend``'s answer: ``strategy`` (a route's label, or "not
        yet"), ``probability``, ``reason``.

    Returns
    -------
    dict
        ``strategy`` (kept as ``recommend`` gave it), ``route`` (the recommended route's name;
        below confidence, the one of lowest expected cost, the lean; None when no route meets
        the quality bar), ``confident`` (whether it reached ``confidence``), ``action`` (an
        imperative sentence), ``probability`` (P(the route is the cheapest acceptable one),
        its 95% interval in ``probability_ci95``), ``p_cheaper_than_each`` (the lowest
        P(cheaper than another acceptable route), which ``confidence`` is held against),
        ``stakes`` (USD, discounted at the horizon: ``baseline_cost``, the route's expected
        ``savings`` against the baseline and its 5% quantile ``savings_p05``, and the
        ``runner_up``), ``settle`` (the input or group whose knowledge is worth most before
        choosing: ``{input, evppi, ci95}``, or None), ``reason`` and ``warnings``.
    """
    routes, baseline = summary["routes"], summary["baseline"]
    labels = {name: route_label(name, entry["kind"]) for name, entry in routes.items()}
    by_label = {label: name for name, label in labels.items()}
    confident = decided["strategy"] in by_label
    route = by_label.get(decided["strategy"]) if confident else _lean(summary, decided)
    winning = summary.get("p_win") or summary["p_cheapest"]
    winning_ci = summary.get("p_win_ci95") or summary.get("p_cheapest_ci95") or {}
    settle = _settle(summary)
    stakes = _stakes(summary, route)
    base_action = action_phrase(baseline, routes[baseline]["kind"], routes[baseline]["sheet"], baseline)
    acceptable, bar = summary.get("p_acceptable") or {}, (summary.get("quality") or {}).get("bar", 0.0)
    if bar > 0 and acceptable.get(baseline, 1.0) < summary["confidence"]:
        # what the team runs today, but short of the bar: staying is a stopgap, and says so
        base_action += " (below the quality bar)"
    if route is None:
        action = f"{base_action} for now: no route meets the quality bar in enough scenarios to choose on cost"
    else:
        action = action_phrase(route, routes[route]["kind"], routes[route]["sheet"], baseline)
        if not confident and route != baseline:
            later = action[0].lower() + action[1:]
            learn = ("run a pilot first" if not settle else f"run the {settle['input']} first" if "inputs" in settle
                     else f"measure {settle['input']} first")
            action = f"{base_action} for now; {learn}, then decide whether to {later}"
    return {
        "strategy": decided["strategy"],
        "route": route,
        "confident": confident,
        "action": action,
        "probability": float(winning[route]) if route is not None else 0.0,
        "probability_ci95": winning_ci.get(route) if route is not None else None,
        "p_cheaper_than_each": float(decided["probability"]),
        "stakes": stakes,
        "settle": settle,
        "reason": decided["reason"],
        "warnings": _defaults_named(summary),
    }


def _lean(summary, decided):
    # below confidence: the acceptable route of lowest expected cost, as recommend chose it
    # (its sentence names it); with no acceptable route, none
    if decided["probability"] == 0.0 and decided["reason"].startswith("No route meets"):
        return None
    routes = summary["routes"]
    acceptable = summary.get("p_acceptable")
    confidence = summary["confidence"]
    bar = (summary.get("quality") or {}).get("bar", 0.0)
    candidates = [k for k in routes if not (acceptable and bar > 0) or acceptable[k] >= confidence]
    return min(candidates or list(routes), key=lambda k: summary["cost"][k]["mean"])


def _stakes(summary, route):
    baseline = summary["baseline"]
    savings = summary["savings_vs_prompt"]
    stakes = {"baseline_cost": summary["cost"][baseline]["mean"],
              "savings": savings[route]["mean"] if route in savings else 0.0,
              "savings_p05": savings[route]["p05"] if route in savings else 0.0}
    others = [k for k in savings if k != route]
    if others:
        runner = max(others, key=lambda k: savings[k]["mean"])
        stakes["runner_up"] = {"route": runner, "savings": savings[runner]["mean"],
                               "savings_p95": savings[runner]["p95"]}
    else:
        stakes["runner_up"] = None
    return stakes


def _settle(summary):
    # the cheapest way to settle a choice: learn what is worth most to know before choosing
    information = summary.get("value_of_information") or {}
    found = [(key, entry, None) for key, entry in (information.get("inputs") or {}).items()]
    found += [(name, entry, entry.get("inputs") or []) for name, entry in (information.get("groups") or {}).items()]
    found = [item for item in found if item[1].get("evppi") is not None]
    if not found:
        return None
    key, entry, members = max(found, key=lambda item: item[1]["evppi"])
    floor = WORTH_NAMING * summary["cost"][summary["baseline"]]["mean"]
    if not entry["evppi"] > max(floor, 0.0):
        return None
    settle = {"input": key, "evppi": float(entry["evppi"]), "ci95": entry.get("ci95")}
    if members is not None:  # a group: what a pilot would measure
        settle["inputs"] = list(members)
    return settle


def _defaults_named(summary):
    # the two inputs worth most to know: a default the user never set there deserves their own number
    information = (summary.get("value_of_information") or {}).get("inputs") or {}
    top = sorted((k for k, v in information.items() if (v.get("evppi") or 0) > 0),
                 key=lambda k: -information[k]["evppi"])[:2]
    return [f"{key} = {summary['inputs'][key].get('value')} is a default you never set, and among the two inputs"
            " that would change this answer most: set it to your own estimate." for key in defaults_among(summary, top)]


def stakes_sentence(summary, recommendation, money):
    """One sentence of what is at stake, in ``money(x)`` (USD, discounted at the horizon)."""
    stakes, labels = recommendation["stakes"], _labels(summary)
    base = labels[summary["baseline"]]
    months = summary["horizon_months"]
    route = recommendation["route"]
    said = f"{base[0].upper()}{base[1:]} costs {money(stakes['baseline_cost'])} expected over {months} months (discounted)"
    if route is not None and route != summary["baseline"]:
        said += (f"; {labels[route]} would {_saves(stakes['savings'], money)} on average"
                 f" {_downside(stakes['savings_p05'], money)}")
    runner = stakes.get("runner_up")
    if runner and runner["route"] != route:
        said += (f"; the runner-up, {labels[runner['route']]}, would {_saves(runner['savings'], money)} on"
                 f" average ({_upside(runner['savings_p95'], money)})")
    return said + "."


def settle_sentence(summary, recommendation, money):
    """One sentence on what would settle the choice, or None."""
    settle = recommendation["settle"]
    if settle is None:
        return None
    interval = settle.get("ci95")
    shown = money(settle["evppi"]) + (f" [{money(interval[0])}, {money(interval[1])}]" if interval else "")
    if "inputs" in settle:
        measured = f" (measuring {', '.join(settle['inputs'])})" if settle["inputs"] else ""
        said = (f"A {settle['input']}{measured} is worth {shown} before choosing (EVPPI): up to that much is worth"
                " spending on it")
    else:
        said = (f"Knowing {settle['input']} before choosing is worth {shown} (EVPPI): up to that much is worth"
                " spending to measure it")
    thresholds = summary.get("thresholds") or {}
    crossed = [key for key in settle.get("inputs", [settle["input"]]) if thresholds.get(key)]
    if crossed:  # where the choice turns, in the input's own units (a group: its first member that turns it)
        labels = _labels(summary)
        first = thresholds[crossed[0]][0]
        said += (f"; at {crossed[0]} = {plain_number(first['value'])} the cheapest route on average changes from"
                 f" {labels.get(first['from'], first['from'])} to {labels.get(first['to'], first['to'])}")
    return said + "."


def _labels(summary):
    return {name: route_label(name, entry["kind"]) for name, entry in summary["routes"].items()}


def _saves(value, money):
    return f"save {money(value)}" if value >= 0 else f"cost {money(-value)} more"


def _downside(p05, money):
    # the 5% quantile of savings: one scenario in twenty is worse
    if p05 >= 0:
        return f"and saves at least {money(p05)} in 95% of scenarios"
    return f"but in 5% of scenarios it costs {money(-p05)} or more above the baseline"


def _upside(p95, money):
    if p95 > 0:
        return f"in the best 5% of scenarios it saves {money(p95)} or more"
    return "it costs more even in its best 5% of scenarios"


def plain_number(value):
    """An input's value as a reader checks it against their own: 434,896 calls, 0.435."""
    if not math.isfinite(value):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


__all__ = ["WORTH_NAMING", "action_phrase", "plain_number", "recommendation_action", "settle_sentence", "stakes_sentence"]
