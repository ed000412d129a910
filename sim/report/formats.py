"""Numbers as people read them: money, volumes, inputs in their units, values with intervals.

One place for every picture, report and comparison, so that a dollar amount reads the
same everywhere. Plain Python: no matplotlib, so that text can be written without it.
"""

import calendar


def _three_digits(magnitude, prefix="", digits=3):
    # rounded first, so that 999.7 reads 1k, not 1e+03
    rounded = float(f"{magnitude:.{digits}g}")
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if rounded >= scale:
            return f"{prefix}{rounded / scale:.{digits}g}{suffix}"
    return f"{prefix}{rounded:.{digits}g}"


def usd(value, _position=None, digits=3):
    """Money for axes and labels: $950, $12.3k, $4.5M, $1.2B (three significant digits)."""
    return ("-" if value < 0 else "") + _three_digits(abs(float(value)), "$", digits)


def digits_apart(value, bounds, form, digits=3, most=6):
    """The fewest digits from ``digits`` (at most ``most``) at which ``form(x, d)`` writes
    ``bounds[0]``, ``value`` and ``bounds[1]`` apart.

    A narrow interval of a large run would otherwise read as none: 0.039 [0.039,
    0.039] for 0.0388 [0.0385, 0.0391]. An interval without both ends, or not around
    ``value``, or one that no number of digits up to ``most`` tells apart, keeps ``digits``.
    """
    if bounds is not None and None not in bounds and bounds[0] < value < bounds[1]:
        for more in range(digits, most + 1):
            if len({form(x, more) for x in (bounds[0], value, bounds[1])}) == 3:
                return more
    # still one number at `most` digits (an interval of rounding dust around 0): more
    # digits would show only zeros
    return digits


def with_interval(value, bounds, form, digits=3):
    """``value [low, high]`` written by ``form(x, d)`` with ``digits`` or as many more as
    the three need to read apart (``digits_apart``); an open end reads ``never``."""
    digits = digits_apart(value, bounds, form, digits=digits)
    if bounds is None:  # a small run's missing interval
        return form(value, digits)
    low, high = ("never" if b is None else form(b, digits) for b in bounds)
    return f"{form(value, digits)} [{low}, {high}]"


def PERCENT(value, digits):  # noqa: N802 - a form for with_interval, named as the constant it is
    """A probability as a percentage with ``digits`` decimals: 78.2%."""
    return f"{value:.{digits}%}"


def share(value):
    """A share as a percentage to a tenth of a point; one too small for that, but not 0,
    as "under 0.1%" (a warning's 0.0% would read as none)."""
    return f"{value:.1%}" if value >= 0.001 or value == 0 else "under 0.1%"


def signed_usd(value):
    """A change in money: +$3.1k, -$12k."""
    return ("+" if value >= 0 else "") + usd(value)


def calls(value, _position=None):
    """Volumes for axes: 50k, 2M calls/month."""
    return _three_digits(float(value))


def amount(value, unit):
    """An input's value in its unit, compactly: $15k, $0.2 per 1M tokens, 4.5k tokens/call, 30%."""
    if unit in ("probability", "fraction"):
        return f"{value:.0%}"
    if unit.startswith("USD"):
        rest = unit[3:].strip()
        return usd(value) + ("" if not rest else rest if rest.startswith("/") else f" {rest}")
    if unit in ("1/month", "1/year", "1/sqrt(month)", "ratio", "fraction/month"):
        return f"{value:.2g} {unit}"
    return f"{calls(value)} {unit}"


def usd_change(value):
    """A change in money to the dollar (-$10,893, +$99), to the cent below $10: an
    interval of a paired change is often narrower than three digits can show."""
    shown = f"${abs(value):,.0f}" if abs(value) >= 10 else f"${abs(value):.2f}".replace("$0.00", "$0")
    return ("-" if value < 0 else "+") + shown


def dollars(value):
    """A budget's sum to the dollar, with thousands separators: $11,520, -$480."""
    value = float(value)
    return ("-" if round(value) < 0 else "") + f"${abs(value):,.0f}"


def usd_with_interval(stats, key):
    """An amount of ``stats`` with its 95% interval (``KEY_ci95``) where the run gives one:
    -$22k [-$22.3k, -$21.7k]."""
    return with_interval(stats[key], stats.get(f"{key}_ci95"), lambda x, d: usd(x, digits=d))


def month_name(text):
    """A calendar month as people read it: "2027-01" -> "Jan 2027"."""
    year, month = text.split("-")
    return f"{calendar.month_abbr[int(month)]} {year}"


__all__ = ["PERCENT", "amount", "calls", "digits_apart", "dollars", "month_name", "share", "signed_usd", "usd",
           "usd_change", "usd_with_interval", "with_interval"]
