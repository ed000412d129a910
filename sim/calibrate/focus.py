"""FOCUS (1.2 to 1.4) cost and usage exports: the LLM token rows, by month.

A row counts when it is a usage charge (``ChargeCategory`` ``Usage``, where the column
is there), its ``ConsumedUnit`` is a token unit (``Tokens``, ``1K Tokens``,
``1M tokens``, ``1000 tokens``, case-insensitive; ``ConsumedQuantity`` is scaled by the
multiplier) and it is of the LLM: with ``--model``, any row whose ``SkuMeter``,
``SkuId``, ``SkuPriceDetails`` or an ``x_`` column names the model (case, spaces,
``-`` and ``_`` ignored: ``gpt-4.1-mini`` matches Azure's ``gpt 4.1 mini Inp glbl``);
without it, every row of ``ServiceCategory`` "AI and Machine Learning".

Each row is input, cached input or output tokens, told by the words of its
``SkuMeter`` (else of ``SkuPriceDetails``), lower-cased and split at anything but letters
and digits (``CLASSIFICATION``): a cache word and no output word is cached input
(a cache *write* is input not read from cache); an output word and no input or cache
word is output; an input word and no output word is input. Anything else (no word,
or words of both sides) is refused naming the row: a token the rule cannot place
would silently move cost between input and output.

FOCUS counts no requests: ``prompt_tokens`` (input tokens a call, cached included)
turns a month's input tokens into its calls. Rows are billed charges, usually a day
each: a month with no row at all between the first and the last is missing (refused);
the first and the last month are covered from the earliest ``ChargePeriodStart`` to the
latest ``ChargePeriodEnd`` of any row of the file (scaled or dropped as in
``sim.calibrate.months``).
"""

import re
from datetime import datetime, timezone

from sim.calibrate.errors import CalibrationError
from sim.calibrate.months import COLUMNS, by_average_month, count, month_of, month_seconds, read_csv_rows

REQUIRED = ("ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit")
AI_CATEGORY = "ai and machine learning"
# "Tokens", "1K Tokens", "1M tokens", "1000 Tokens", "1 K tokens", "Token"
TOKEN_UNIT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)?\s*([km])?\s*tokens?\s*", re.IGNORECASE)
MULTIPLIERS = {None: 1.0, "k": 1e3, "m": 1e6}

# The words that place a token row, from the meters providers bill: Azure's
# "gpt 4o 0513 Inp glbl Tokens", "GPT 5 cchd Inpt Glbl", "5.1 chat cd inp Gl",
# "5.4 opt Gl 1M Tokens", "Outp"; "input", "output", "cached", "prompt", "completion"
# elsewhere. "in" and "out" are left out: they are parts of other words once split
# ("built-in", "scale-out").
CLASSIFICATION = {
    "cache": frozenset({"cached", "cache", "cchd", "cd", "cachedinput"}),
    "cache_write": frozenset({"write", "writes", "creation", "wrt"}),
    "output": frozenset({"output", "outp", "outpt", "opt", "completion", "completions", "generated"}),
    "input": frozenset({"input", "inp", "inpt", "prompt"}),
}


def token_multiplier(unit):
    """Tokens per unit of ``ConsumedUnit`` (1, 1e3, 1e6, ...), or None for a unit of no tokens."""
    match = TOKEN_UNIT.fullmatch(unit or "")
    if match is None:
        return None
    number, prefix = match.groups()
    return float(number or 1) * MULTIPLIERS[prefix.lower() if prefix else None]


def classify(text):
    """``"input"``, ``"cached"``, ``"output"`` or None from a meter's text (see the module's rule)."""
    words = set(re.findall(r"[a-z0-9]+", (text or "").lower()))
    cache, write = words & CLASSIFICATION["cache"], words & CLASSIFICATION["cache_write"]
    output, inputs = words & CLASSIFICATION["output"], words & CLASSIFICATION["input"]
    if output and not (inputs or cache):
        return "output"
    if cache and not output:
        return "input" if write else "cached"
    if inputs and not output:
        return "input"
    return None


def _normal(text):
    return re.sub(r"[\s_-]+", " ", str(text or "").lower()).strip()


def read_focus(path, *, model=None, prompt_tokens=None):
    """The LLM token usage of a FOCUS export by month, calls = input tokens / ``prompt_tokens``."""
    rows = _rows(path)
    if not rows:
        raise CalibrationError(f"{path.name}: no rows")
    columns = set(rows[0])
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise CalibrationError(f"{path.name}: not a FOCUS export: no column {', '.join(missing)}")
    if model is None and "ServiceCategory" not in columns:
        raise CalibrationError(f"{path.name}: no ServiceCategory column to find the AI rows by: pass --model ID")
    if not {"SkuMeter", "SkuPriceDetails"} & columns:
        raise CalibrationError(f"{path.name}: neither SkuMeter nor SkuPriceDetails to tell input from output tokens")
    if prompt_tokens is None:
        raise CalibrationError("FOCUS rows carry tokens, not requests: pass --prompt-tokens N (input tokens a call,"
                               " cached included) to turn tokens into calls")
    searched = [name for name in ("SkuMeter", "SkuId", "SkuPriceDetails") if name in columns]
    searched += sorted(name for name in columns if name.startswith("x_"))
    wanted = _normal(model) if model is not None else None

    totals, present, meters = {}, set(), set()
    first = last = None
    for line, row in enumerate(rows, start=2):
        where = f"{path.name}, row {line - 1}"
        start = _instant(row["ChargePeriodStart"], f"{where}: ChargePeriodStart")
        end = _instant(row["ChargePeriodEnd"], f"{where}: ChargePeriodEnd")
        if end <= start:
            raise CalibrationError(f"{where}: ChargePeriodEnd is not after ChargePeriodStart")
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
        present.add(month_of(start))
        category = str(row.get("ChargeCategory") or "usage").strip().lower()
        multiplier = token_multiplier(str(row["ConsumedUnit"] or ""))
        if category != "usage" or multiplier is None:
            continue
        if wanted is not None:
            if not any(wanted in _normal(row.get(name)) for name in searched):
                continue
        elif str(row.get("ServiceCategory") or "").strip().lower() != AI_CATEGORY:
            continue
        month = month_of(start)
        tokens = count(row["ConsumedQuantity"], f"{month}: {where}: ConsumedQuantity") * multiplier
        meter = str(row.get("SkuMeter") or "")
        kind = classify(meter) or classify(str(row.get("SkuPriceDetails") or ""))
        if kind is None:
            raise CalibrationError(f"{where}: cannot tell input, cached input or output tokens from SkuMeter"
                                   f" {meter!r} or SkuPriceDetails (see sim/calibrate/focus.py for the rule)")
        meters.add(meter)
        month_totals = totals.setdefault(month, dict.fromkeys(COLUMNS, 0.0))
        month_totals["input_tokens"] += tokens if kind in ("input", "cached") else 0.0
        month_totals["cached_input_tokens"] += tokens if kind == "cached" else 0.0
        month_totals["output_tokens"] += tokens if kind == "output" else 0.0
    if not totals:
        which = (f"naming {model!r} in {', '.join(searched)}" if model
                 else "of ServiceCategory 'AI and Machine Learning'")
        raise CalibrationError(f"{path.name}: no usage rows in tokens {which}")
    for month_totals in totals.values():
        month_totals["calls"] = month_totals["input_tokens"] / prompt_tokens
    coverage = _coverage(first, last, present)
    span = (_day(first), _day(last - 1))
    notes = [f"calls = input tokens / {prompt_tokens:g} (--prompt-tokens)",
             f"{len(meters)} SKU meter{'s' if len(meters) != 1 else ''}: {', '.join(sorted(meters)[:4])}"
             f"{', ...' if len(meters) > 4 else ''}"]
    return by_average_month(totals, coverage, source=path.name, fmt="focus", span=span, notes=notes,
                            model=model, gaps_refused=False)


def _rows(path):
    if path.suffix.lower() != ".parquet":
        return read_csv_rows(path, "a FOCUS export")
    try:
        import pyarrow.parquet as parquet  # optional: `pip install -e '.[parquet]'`
    except ImportError:
        raise CalibrationError(f"{path.name}: reading Parquet needs pyarrow (pip install -e '.[parquet]'),"
                               " or export the FOCUS data as CSV") from None
    try:
        return parquet.read_table(path).to_pylist()
    except Exception as error:  # pyarrow raises its own ArrowInvalid, OSError, ...: any is "not Parquet"
        raise CalibrationError(f"{path.name}: not a Parquet file ({str(error).splitlines()[0]})") from None


def _instant(value, where):
    """Epoch seconds of an ISO 8601 timestamp (UTC when it names no zone) or a datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value or "").strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise CalibrationError(f"{where}: {text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def _day(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).date().isoformat()


def _coverage(first, last, present):
    # every month with a row counts whole, but the first and the last, covered from
    # the file's earliest start to its latest end
    coverage = {}
    for month in present:
        month_start, month_end = month_seconds(month)
        coverage[month] = min(last, month_end) - max(first, month_start)
    return coverage
