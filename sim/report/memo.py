"""The answer as a budget committee reads it: the action, its odds, the stakes in money and
what would settle it. report.md opens with it (and so report.html's first screen); the
run's log ends with the same sentences."""

from sim.report.formats import PERCENT, dollars, share, usd, with_interval
from sim.results.recommendation import plain_number, settle_sentence, stakes_sentence


def probability_with_interval(value, interval):
    """A probability as the report writes every one: 78.2% [78.0%, 78.4%] (more decimals where
    the interval needs them to read apart)."""
    if not interval or None in interval:
        return share(value)
    return with_interval(value, interval, PERCENT, digits=1)


def odds_sentence(summary, labels):
    """How often the recommended route is the cheapest acceptable one, against the others."""
    rec = summary["recommendation"]
    route = rec["route"]
    if route is None:
        return rec["reason"]
    months = summary["horizon_months"]
    winning = summary.get("p_win") or summary["p_cheapest"]
    others = sorted((k for k in summary["routes"] if k != route), key=lambda k: -winning[k])
    which = "cheapest acceptable route" if (summary.get("quality") or {}).get("bar", 0) > 0 else "cheapest route"
    said = (f"{labels[route][0].upper()}{labels[route][1:]} is the {which} within {months} months in"
            f" {probability_with_interval(rec['probability'], rec.get('probability_ci95'))} of scenarios")
    if others:
        said += "; " + ", ".join(f"{labels[k]} in {share(winning[k])}" for k in others)
    if rec["confident"]:
        each = _pairwise(rec)
        if each:
            said += f". It is cheaper than each other route, one at a time, in at least {each} of scenarios"
        said += f". That meets the {summary['confidence']:.0%} asked (`confidence`)."
    else:
        said += (f". Below the {summary['confidence']:.0%} asked (`confidence`): a lean, not a decision"
                 + ("; the cheapest way to settle it follows." if rec.get("settle") else "."))
    return said


def _pairwise(rec):
    # `confidence` is held against P(cheaper than each other acceptable route), which can be far
    # above P(cheapest of all): "the cheapest in 52% of scenarios; meets the 80% asked" read as a
    # contradiction without it
    each = rec.get("p_cheaper_than_each")
    if each is None or abs(each - rec["probability"]) < 0.005:
        return None
    return share(each)


def change_sentences(summary, labels, most=3):
    """What would change the answer, in the inputs' own units: where the route of lowest expected
    cost changes as one uncertain input moves (``thresholds``, the most valuable to know first),
    and which fixed input's ±step moves a challenger's expected savings across zero."""
    said = []
    information = (summary.get("value_of_information") or {}).get("inputs") or {}
    thresholds = summary.get("thresholds") or {}
    worth = lambda key: -(information.get(key) or {}).get("evppi", 0.0)  # noqa: E731
    for key in sorted(thresholds, key=worth)[:most]:
        turns = "; ".join(f"at {plain_number(t['value'])} from {labels.get(t['from'], t['from'])} to"
                          f" {labels.get(t['to'], t['to'])}" for t in thresholds[key])
        said.append(f"as {key} rises, the cheapest route on average changes {turns}")
    for route, drivers in (summary.get("drivers") or {}).items():
        for row in (drivers or {}).get("fixed_inputs") or []:
            low, high = row["savings_low"], row["savings_high"]
            if min(low, high) < 0 < max(low, high):
                step = (drivers.get("fixed_inputs_basis") or {}).get("step")
                moved = f" (±{step:.0%} of {plain_number(row['value'])})" if step else ""
                said.append(f"{row['input']} at {plain_number(row['low'])} to {plain_number(row['high'])}{moved} moves"
                            f" {labels.get(route, route)}'s expected savings from {dollars(low)} to {dollars(high)}")
                break  # the fixed input that moves it most, per route
    return said


def memo_lines(summary, labels):
    """The opening of report.md: the action as a heading, then odds, stakes, how to settle it
    and warnings, each a sentence in USD (discounted to month 1) and percentages."""
    rec = summary["recommendation"]
    lines = [f"## {rec['action']}", "", odds_sentence(summary, labels), "",
             f"**Stakes.** {stakes_sentence(summary, rec, dollars)}", ""]
    settle = settle_sentence(summary, rec, dollars)
    if settle:
        lines += [f"**To settle it.** {settle}", ""]
    changes = change_sentences(summary, labels)
    if changes:
        lines += [f"**What would change it.** {'; '.join(changes)[0].upper()}{'; '.join(changes)[1:]}.", ""]
    for warning in rec.get("warnings") or []:  # a paragraph each: one quote would run them together
        lines += [f"> **Check this input.** {warning}", ""]
    return lines


def log_lines(summary):
    """The run's last lines for a terminal: the action with its odds, the stakes, what settles it."""
    rec = summary["recommendation"]
    each = _pairwise(rec) if rec["confident"] else None
    pairwise = f"; cheaper than each other route in at least {each}" if each else ""
    odds = ("" if rec["route"] is None else
            f" (the cheapest in {probability_with_interval(rec['probability'], rec.get('probability_ci95'))}"
            f" of scenarios{pairwise}; {'meets' if rec['confident'] else 'below'} the {summary['confidence']:.0%}"
            " asked)")
    lines = [f"recommendation: {rec['action']}{odds}", f"stakes: {stakes_sentence(summary, rec, usd)}"]
    settle = settle_sentence(summary, rec, usd)
    if settle:
        lines.append(f"to settle it: {settle}")
    return lines


__all__ = ["change_sentences", "log_lines", "memo_lines", "odds_sentence", "probability_with_interval"]
