"""A team's usage history, read from one of three formats into one monthly table.

- ``csv``: a plain monthly CSV, ``month,calls,input_tokens,output_tokens[,cached_input_tokens]``
  (``month`` as ``YYYY-MM``; ``input_tokens`` counts the cached ones too, as OpenAI's
  usage API does). Rows are whole months as given: the file says nothing of coverage.
- ``openai``: the JSON pages of OpenAI's ``GET /v1/organization/usage/completions``
  (one page, a JSON list of pages, or JSON Lines of pages): buckets with ``start_time``,
  ``end_time`` and ``results[]`` of ``num_model_requests``, ``input_tokens`` (cached
  included), ``input_cached_tokens`` and ``output_tokens``, per ``model`` when grouped so.
- ``focus``: a FinOps FOCUS (1.2 to 1.4) cost and usage export, CSV or Parquet, whose
  token rows give input, cached input and output tokens but no requests
  (``sim.calibrate.focus``).

Each reader gives a ``sim.calibrate.months.MonthlyHistory``: daily data are brought
to average months there, partial first and last months scaled or dropped. A duplicate
month of the CSV, or buckets of an OpenAI export that contradict each other, are
refused naming the month; overlapping pages are counted once.
"""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from sim.calibrate.errors import CalibrationError
from sim.calibrate.focus import read_focus
from sim.calibrate.months import (
    COLUMNS,
    MonthlyHistory,
    by_average_month,
    check_cached,
    count,
    covered_seconds,
    month_of,
    months_between,
    read_csv_rows,
    refuse_zero_months,
)

FORMATS = ("csv", "openai", "focus")
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def read_history(path, fmt=None, *, model=None, prompt_tokens=None):
    """Read a usage history into a ``MonthlyHistory``.

    Parameters
    ----------
    path : str or Path
    fmt : str, optional
        ``csv``, ``openai`` or ``focus``; guessed from the file when None.
    model : str, optional
        The model whose usage to take (OpenAI exports grouped by model; FOCUS rows
        whose SKU names it).
    prompt_tokens : float, optional
        FOCUS only: input tokens a call (cached included), which turns tokens into calls.

    Raises
    ------
    CalibrationError
        A file that cannot be read as the format, or a history it refuses.
    """
    path = Path(path)
    if not path.is_file():
        raise CalibrationError(f"{path}: no such file")
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise CalibrationError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt != "focus" and prompt_tokens is not None:
        raise CalibrationError(f"--prompt-tokens is for FOCUS exports, which count no requests; this {fmt}"
                               " history counts calls")
    if fmt == "csv":
        if model is not None:
            raise CalibrationError(f"--model {model}: a plain CSV history is of one workload (it has no model column)")
        return read_plain_csv(path)
    if fmt == "openai":
        return read_openai(path, model=model)
    return read_focus(path, model=model, prompt_tokens=prompt_tokens)


def guess_format(path):
    """The format of a file from its name and first line, or a refusal asking for ``--format``."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        return "openai"
    if suffix == ".parquet":
        return "focus"
    header = _first_line(path)
    if header.lstrip().startswith(("{", "[")):
        return "openai"
    names = {name.strip().strip('"').lower() for name in header.split(",")}
    if {"chargeperiodstart", "consumedquantity"} <= names:
        return "focus"
    if {"month", "calls"} <= names:
        return "csv"
    raise CalibrationError(f"{path.name}: cannot tell its format (a plain CSV starts month,calls,..., a FOCUS"
                           " export has ChargePeriodStart, an OpenAI export is JSON): pass --format csv|openai|focus")


def _first_line(path):
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.readline()
    except UnicodeDecodeError:
        raise CalibrationError(f"{path.name}: not text (UTF-8); pass --format focus for a Parquet file") from None


# --- plain monthly CSV -------------------------------------------------------------------------

PLAIN_REQUIRED = ("month", "calls", "input_tokens", "output_tokens")


def read_plain_csv(path):
    """``month,calls,input_tokens,output_tokens[,cached_input_tokens]``: one row a month."""
    rows = read_csv_rows(path, "a plain usage CSV")
    if not rows:
        raise CalibrationError(f"{path.name}: no rows")
    columns = {name.strip().lower(): name for name in rows[0]}
    missing = [name for name in PLAIN_REQUIRED if name not in columns]
    if missing:
        raise CalibrationError(f"{path.name}: not a plain usage CSV: no column {', '.join(missing)}"
                               f" (it has {', '.join(sorted(columns)) or 'none'}; expected"
                               " month,calls,input_tokens,output_tokens[,cached_input_tokens])")
    by_month = {}
    for line, row in enumerate(rows, start=2):
        month = (row[columns["month"]] or "").strip()
        if not _MONTH.fullmatch(month):
            raise CalibrationError(f"{path.name}, line {line}: month {month!r} is not YYYY-MM")
        if month in by_month:
            raise CalibrationError(f"{month}: two rows (lines {by_month[month][0]} and {line}); give each month once")
        values = {}
        for name in COLUMNS:
            text = row[columns[name]] if name in columns else "0"
            values[name] = count(text, f"{month}: {name}")
        check_cached(values, month)
        by_month[month] = (line, values)
    months = sorted(by_month)
    expected = months_between(months[0], months[-1])
    missing_months = [m for m in expected if m not in by_month]
    if missing_months:
        raise CalibrationError(f"{missing_months[0]}: missing between {months[0]} and {months[-1]}"
                               " (no month is interpolated: add its row)")
    table = {name: np.array([by_month[m][1][name] for m in months]) for name in COLUMNS}
    refuse_zero_months(months, table["calls"])
    return MonthlyHistory(months=tuple(months), source=path.name, format="csv", period=(months[0], months[-1]),
                          **table)


# --- OpenAI organization usage (completions) -----------------------------------------------------

# Grouping fields of a result: two results of one bucket that agree on all of them are
# the same result, seen twice when pages overlap.
RESULT_KEYS = ("model", "project_id", "batch", "api_key_id", "user_id", "service_tier")
COMPLETIONS = "organization.usage.completions.result"


def read_openai(path, *, model=None):
    """OpenAI usage export pages: bucket results summed by UTC calendar month."""
    pages = _json_pages(path)
    buckets, results = [], {}
    duplicates = 0
    for page_number, page in enumerate(pages, start=1):
        if not isinstance(page, dict) or not isinstance(page.get("data"), list) or page.get("object", "page") != "page":
            raise CalibrationError(f"{path.name}: not an OpenAI usage export: page {page_number} is not"
                                   ' {"object": "page", "data": [buckets]}')
        for bucket in page["data"]:
            start, end, items = _bucket(path, bucket)
            buckets.append((start, end))
            for item in items:
                key = (start, end, *(item.get(name) for name in RESULT_KEYS))
                if key in results:
                    if results[key] != item:
                        day = datetime.fromtimestamp(start, timezone.utc).date().isoformat()
                        raise CalibrationError(f"{month_of(start)}: two different results for the bucket of {day}"
                                               f"{_grouping(item)} (pages of different exports?)")
                    duplicates += 1
                    continue
                results[key] = item
    if not buckets:
        raise CalibrationError(f"{path.name}: the export has no buckets")
    models = sorted({item.get("model") for item in results.values()}, key=lambda m: (m is None, m or ""))
    names = ", ".join("(no model)" if m is None else m for m in models)
    if model is not None and model not in models:
        if models == [None]:
            raise CalibrationError(f"--model {model}: the export is not grouped by model (export it with"
                                   " group_by=model, or leave out --model)")
        raise CalibrationError(f"--model {model}: not in {path.name} (it has {names})")
    if model is None and len(models) > 1:
        raise CalibrationError(f"{path.name} holds {len(models)} models ({names}): choose one with --model ID")
    chosen = model if model is not None else models[0] if models else None
    daily = {}
    for (start, *_), item in results.items():
        if item.get("model") != chosen:
            continue
        where = f"{month_of(start)}: the bucket of {datetime.fromtimestamp(start, timezone.utc).date()}"
        values = {
            "calls": _json_count(item.get("num_model_requests"), f"{where}: num_model_requests"),
            "input_tokens": _json_count(item.get("input_tokens"), f"{where}: input_tokens"),
            "cached_input_tokens": _json_count(item.get("input_cached_tokens") or 0, f"{where}: input_cached_tokens"),
            "output_tokens": _json_count(item.get("output_tokens"), f"{where}: output_tokens"),
        }
        check_cached(values, where)
        totals = daily.setdefault(month_of(start), dict.fromkeys(COLUMNS, 0.0))
        for name, value in values.items():
            totals[name] += value
    coverage = covered_seconds(buckets)
    notes = []
    if duplicates:
        notes.append(f"{duplicates} duplicate results (overlapping pages) counted once")
    return by_average_month(daily, coverage, source=path.name, fmt="openai", span=_span(buckets),
                            notes=notes, model=chosen, gaps_refused=True)


def _json_count(value, where):
    # the API writes counts as JSON numbers: text where one belongs is not this export
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CalibrationError(f"{where}: {value!r} is not a number")
    return count(value, where)


def _json_pages(path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CalibrationError(f"{path.name}: not an OpenAI usage export (not UTF-8 text)") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
        pages = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    pages.append(json.loads(line))
                except json.JSONDecodeError:
                    raise CalibrationError(f"{path.name}: not an OpenAI usage export (line {line_number} is not"
                                           " JSON; expected a page, a list of pages or JSON Lines of pages)") from None
        if not pages:
            raise CalibrationError(f"{path.name}: not an OpenAI usage export (empty)")
        return pages
    return document if isinstance(document, list) else [document]


def _bucket(path, bucket):
    # start, end (epoch seconds) and the completions results of one bucket
    if not isinstance(bucket, dict) or not isinstance(bucket.get("results"), list):
        raise CalibrationError(f"{path.name}: not an OpenAI usage export: a bucket without results[]")
    start, end = bucket.get("start_time"), bucket.get("end_time")
    if not all(isinstance(t, int) and not isinstance(t, bool) for t in (start, end)) or end <= start:
        raise CalibrationError(f"{path.name}: a bucket's start_time and end_time ({start!r}, {end!r}) are not"
                               " epoch seconds, start before end")
    items = []
    for item in bucket["results"]:
        kind = item.get("object", COMPLETIONS) if isinstance(item, dict) else None
        if kind != COMPLETIONS:
            raise CalibrationError(f"{path.name}: results are {kind!r}, not {COMPLETIONS!r} (export"
                                   " /v1/organization/usage/completions)")
        items.append(item)
    return start, end, items


def _grouping(item):
    named = [f"{name} {item[name]}" for name in RESULT_KEYS if item.get(name) is not None]
    return f" ({', '.join(named)})" if named else ""


def _span(intervals):
    start = min(s for s, _ in intervals)
    end = max(e for _, e in intervals)
    last_day = datetime.fromtimestamp(end - 1, timezone.utc).date()
    return datetime.fromtimestamp(start, timezone.utc).date().isoformat(), last_day.isoformat()


__all__ = ["FORMATS", "guess_format", "read_history"]
