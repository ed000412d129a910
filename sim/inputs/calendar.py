"""The provider calendar: calendar months, announced dates and the model months they fall in.

``start`` (``YYYY-MM``) is month 1 of a run. A price sheet's ``finetune_training_until``
(the last day a training job can be created) and ``finetune_serving_until`` (the last
day its fine-tuned models serve) are ISO dates; each falls in a month counted from
``start``, and a date before ``start`` falls in month 0: never (MODEL.md, "Provider
calendar and platform exit").
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sim.inputs.distributions import InputError

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1900, 2999  # start's range: dates N months on stay representable
DATE_KEYS = ("finetune_training_until", "finetune_serving_until")


def current_month():
    """This month (UTC) as ``YYYY-MM``: what a run with ``start: null`` starts in."""
    return datetime.now(timezone.utc).strftime("%Y-%m")


def parse_month(key, text):
    """``(year, month)`` of a ``YYYY-MM`` string, or InputError naming ``key``."""
    match = _MONTH.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[2]) <= 12 or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise InputError(key, f"{text!r} is not a calendar month YYYY-MM from {FIRST_YEAR}-01 to {LAST_YEAR}-12"
                              " (e.g. 2026-12)")
    return int(match[1]), int(match[2])


def parse_date(key, text):
    """A ``datetime.date`` from an ISO ``YYYY-MM-DD`` string, None for null or empty."""
    if text is None or text == "":
        return None
    try:
        if not isinstance(text, str) or not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(key, f"{text!r} is not an ISO date YYYY-MM-DD (or null: no announced end)") from None


def month_number(day, start):
    """Month of the model (month 1 is ``start``) in which ``day`` falls; 0 if before it."""
    year, month = start
    return max(0, (day.year - year) * 12 + day.month - month + 1)


def last_day_of_month(start, months):
    """ISO date of the last day of model month ``months`` (1 is ``start``'s month)."""
    year, month = start
    index = year * 12 + (month - 1) + months - 1
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1]).isoformat()


@dataclass(frozen=True)
class SheetCalendar:
    """A sheet's announced ends and the model months they fall in.

    ``training_month``: the last month in which a training can be made; ``serving_month``:
    the last month in which its fine-tuned models serve. Both are ``horizon + 1`` where
    no end is announced within the horizon; training never outlasts serving.
    """

    sheet: str
    training_until: date | None
    serving_until: date | None
    training_month: int
    serving_month: int

    def events(self, horizon):
        """The dated events inside the horizon: ``(kind, date, month)`` tuples."""
        found = []
        for kind, day in (("training cutoff", self.training_until), ("serving end", self.serving_until)):
            if day is not None:
                month = self.training_month if kind == "training cutoff" else self.serving_month
                if month <= horizon:
                    found.append((kind, day.isoformat(), month))
        return found


def sheet_calendar(sheet, prefix, dates, start, horizon):
    """Read a sheet's two dates and place them in the run's months.

    Parameters
    ----------
    sheet : str
        The sheet's name, for messages and the report.
    prefix : str
        Config path of the sheet in messages, e.g. ``pricing``.
    dates : mapping
        The sheet's ``finetune_training_until`` and ``finetune_serving_until`` (ISO or None).
    start : (int, int)
        Year and month of month 1.
    horizon : int
        Months simulated.

    Returns
    -------
    SheetCalendar

    Raises
    ------
    InputError
        A date that does not parse, or serving that ends before training does.
    """
    training, serving = (parse_date(f"{prefix}.{key}", dates.get(key)) for key in DATE_KEYS)
    if training is not None and serving is not None and serving < training:
        raise InputError(
            f"{prefix}.finetune_serving_until",
            f"{serving} is before {prefix}.finetune_training_until ({training}): a model cannot stop"
            " serving before its last training",
        )

    def month(day):
        return horizon + 1 if day is None else min(month_number(day, start), horizon + 1)

    serving_month = month(serving)
    return SheetCalendar(sheet, training, serving, min(month(training), serving_month), serving_month)


__all__ = ["DATE_KEYS", "FIRST_YEAR", "LAST_YEAR", "SheetCalendar", "current_month", "last_day_of_month",
           "month_number", "parse_date", "parse_month", "sheet_calendar"]
