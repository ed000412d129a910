"""Calendar months and the monthly table every reader fills (``MonthlyHistory``).

Daily (or finer) data are summed by calendar month (UTC) and each month is brought to
an average month of ``AVERAGE_MONTH_DAYS`` days: ``calls x 30.4375 / days covered``.
The simulator's months are equal twelfths of a year, and calendar months of 28 to 31
days would otherwise add up to 0.1 to the monthly log-changes (February against
January), read as volatility. A first or last month the export covers only in part is
scaled the same way, or dropped when it covers under a third of its days (too few days
to stand for the month). A month missing between the first and the last, or a month of
zero calls, is refused naming the month: nothing is interpolated.
"""

import calendar
import csv
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

import numpy as np

from sim.calibrate.errors import CalibrationError

AVERAGE_MONTH_DAYS = 365.25 / 12  # days in the simulator's month, a twelfth of a year
MIN_SHARE_OF_MONTH = 1 / 3  # a partial first or last month covering less is dropped
COLUMNS = ("calls", "input_tokens", "cached_input_tokens", "output_tokens")
DAY = 86_400  # seconds


@dataclass(frozen=True)
class MonthlyHistory:
    """Usage by month: consecutive calendar months, each a whole (average) month.

    Attributes
    ----------
    months : tuple of str
        ``YYYY-MM``, consecutive.
    calls, input_tokens, cached_input_tokens, output_tokens : ndarray of float
        Per month: calls, input tokens (cached included), the cached part of them,
        output tokens.
    source : str
        The file's name.
    format : str
        One of ``FORMATS``.
    period : tuple of str
        First and last day the file covers, ISO dates (``YYYY-MM`` for a monthly CSV).
    scaled : tuple of str
        Partial months scaled to a whole one, each with the days it covers.
    dropped : tuple of str
        Partial months left out, each with the days it covers.
    notes : tuple of str
        What else the reader did (duplicates counted once, the model chosen, ...).
    model : str or None
        The model the history is of, when the file names one.
    """

    months: tuple
    calls: np.ndarray
    input_tokens: np.ndarray
    cached_input_tokens: np.ndarray
    output_tokens: np.ndarray
    source: str
    format: str
    period: tuple
    scaled: tuple = ()
    dropped: tuple = ()
    notes: tuple = ()
    model: Optional[str] = None

    @property
    def next_month(self):
        """The calendar month after the last, ``YYYY-MM``: month 1 of a run on this history."""
        return month_after(self.months[-1], 1)

    def head(self, count):
        """The first ``count`` months, as a history of their own (for a backtest)."""
        return MonthlyHistory(
            months=self.months[:count], calls=self.calls[:count], input_tokens=self.input_tokens[:count],
            cached_input_tokens=self.cached_input_tokens[:count], output_tokens=self.output_tokens[:count],
            source=self.source, format=self.format, period=self.period, model=self.model,
        )


def month_after(month, count):
    """``YYYY-MM`` ``count`` months after ``month``."""
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + count, 12)
    return f"{year:04d}-{number + 1:02d}"


def months_between(first, last):
    """Every ``YYYY-MM`` from ``first`` to ``last``, both included."""
    count = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])
    return [month_after(first, i) for i in range(count + 1)]


def month_seconds(month):
    """Start and end of a calendar month, UTC epoch seconds."""
    year, number = int(month[:4]), int(month[5:7])
    start = calendar.timegm((year, number, 1, 0, 0, 0))
    return start, start + calendar.monthrange(year, number)[1] * DAY


def month_of(seconds):
    """The UTC calendar month of an epoch time, ``YYYY-MM``."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m")


def read_csv_rows(path, what):
    """The rows of a CSV file as dicts (header first), or a one-line refusal."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except UnicodeDecodeError:
        raise CalibrationError(f"{path.name}: not {what} (not UTF-8 text)") from None
    except csv.Error as error:
        raise CalibrationError(f"{path.name}: not {what} ({error})") from None
    for line, row in enumerate(rows, start=2):
        if None in row:  # more fields than the header names
            raise CalibrationError(f"{path.name}, line {line}: more fields than the header has")
    return rows


def count(value, where):
    """A count >= 0 from a CSV cell or a JSON number, or a refusal naming ``where``."""
    if isinstance(value, bool):
        raise CalibrationError(f"{where}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = ("" if value is None else str(value)).strip()
        try:
            number = float(text)
        except ValueError:
            raise CalibrationError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(number):
        raise CalibrationError(f"{where}: {value!r} is not a finite number")
    if number < 0:
        raise CalibrationError(f"{where}: {number:g} is negative; counts are >= 0")
    return number


def check_cached(values, where):
    if values["cached_input_tokens"] > values["input_tokens"]:
        raise CalibrationError(f"{where}: {values['cached_input_tokens']:g} cached input tokens exceed the"
                               f" {values['input_tokens']:g} input tokens (input tokens count the cached ones)")


def refuse_zero_months(months, calls):
    for month, value in zip(months, calls, strict=True):
        if value <= 0:
            raise CalibrationError(f"{month}: no calls (a log-change from or to zero is undefined): start the"
                                   " history at the first month with traffic, or leave the month out")


def covered_seconds(intervals):
    """Seconds of each UTC calendar month that the union of ``intervals`` covers.

    Parameters
    ----------
    intervals : iterable of (int, int)
        ``[start, end)`` in epoch seconds; overlaps count once.

    Returns
    -------
    dict
        ``{YYYY-MM: seconds}`` for every month touched.
    """
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    coverage = {}
    for start, end in merged:
        month = month_of(start)
        while True:
            month_start, month_end = month_seconds(month)
            if month_start >= end:
                break
            overlap = min(end, month_end) - max(start, month_start)
            if overlap > 0:
                coverage[month] = coverage.get(month, 0) + overlap
            month = month_after(month, 1)
    return coverage


def by_average_month(totals, coverage, *, source, fmt, span, notes=(), model=None, gaps_refused):
    """Daily sums by calendar month, each brought to an average month; partial ends scaled or dropped.

    Parameters
    ----------
    totals : dict
        ``{YYYY-MM: {column: sum}}`` of the usage the file records in each month.
    coverage : dict
        ``{YYYY-MM: seconds}`` the file covers of each month (usage or not).
    span : tuple of str
        First and last day covered, ISO dates.
    gaps_refused : bool
        Refuse a month between the first and the last that is covered only in part
        (an export whose buckets, empty ones included, should tile its period).
    """
    if not coverage:
        raise CalibrationError(f"{source}: no period covered")
    months = months_between(min(coverage), max(coverage))
    kept, scaled, dropped = [], [], []
    for position, month in enumerate(months):
        days = calendar.monthrange(int(month[:4]), int(month[5:7]))[1]
        covered = coverage.get(month, 0) / DAY
        end = position in (0, len(months) - 1)
        if covered == 0:
            raise CalibrationError(f"{month}: missing between {months[0]} and {months[-1]} (the file covers no day"
                                   " of it; no month is interpolated)")
        if covered < days - 1e-9 and not end:
            if gaps_refused:
                raise CalibrationError(f"{month}: the file covers {_days(covered)} of its {days} days (a page of the"
                                       " export missing?); no month is interpolated")
            covered = days
        if covered < days - 1e-9:
            label = f"{month} ({_days(covered)} of {days} days)"
            if covered < MIN_SHARE_OF_MONTH * days:
                dropped.append(label)
                continue
            scaled.append(label)
        kept.append((month, AVERAGE_MONTH_DAYS / covered))
    table = {name: np.array([totals.get(m, {}).get(name, 0.0) * factor for m, factor in kept]) for name in COLUMNS}
    refuse_zero_months([m for m, _ in kept], table["calls"])
    return MonthlyHistory(months=tuple(m for m, _ in kept), source=source, format=fmt, period=span,
                          scaled=tuple(scaled), dropped=tuple(dropped), notes=tuple(notes), model=model, **table)


def _days(days):
    return f"{days:.0f}" if abs(days - round(days)) < 1e-6 else f"{days:.1f}"


__all__ = ["AVERAGE_MONTH_DAYS", "MonthlyHistory", "by_average_month", "covered_seconds"]
