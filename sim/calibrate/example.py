"""A synthetic usage history in the three formats ``python -m sim.calibrate`` reads, to try it
without an export of your own (and the tests' histories, made from the same functions):

    python -m sim.calibrate.example DIR

writes ``DIR/usage.csv`` (the plain CSV), ``DIR/openai-usage.jsonl`` (an OpenAI usage
export) and ``DIR/focus.csv`` (a FOCUS export) of one history.

Their volume is one path of MODEL.md's geometric Brownian motion (``SAMPLE_PATH``),
spread over the days of each month with a weekly pattern; the tokens a call are the
constants below.
"""

import csv
import io
import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from sim.calibrate.months import AVERAGE_MONTH_DAYS, months_between

# The samples' history: calls growing 3% a month in expectation with a monthly log
# volatility of 0.1, from about 400,000 calls in January 2025.
SAMPLE_PATH = {"growth": 0.03, "volatility": 0.1, "first_calls": 400_000, "seed": 2025}
SAMPLE_DAYS = (date(2025, 1, 10), date(2026, 12, 5))  # first and last day of the daily exports
SAMPLE_MODEL = "gpt-4.1-mini-2025-04-14"
OTHER_MODEL = "gpt-4.1-nano-2025-04-14"  # a second, smaller stream in the same export
TOKENS = {"input": 3200, "cached": 2400, "output": 310}  # a call of the sample's workload
# Monday..Sunday, mean 1: weekdays busier than weekends
WEEKLY = np.array([1.15, 1.15, 1.15, 1.15, 1.15, 0.625, 0.625])


def gbm_path(months, growth, volatility, first_calls, seed):
    """Monthly calls ``V_1..V_n`` of MODEL.md's volume path: ``V_{m+1} = V_m exp(g - s^2/2 + s Z)``."""
    shocks = np.random.default_rng(seed).standard_normal(months - 1)
    changes = growth - volatility**2 / 2 + volatility * shocks
    return first_calls * np.exp(np.r_[0.0, np.cumsum(changes)])


def plain_csv(path, months, calls, tokens=TOKENS, *, cached=True):
    """``month,calls,input_tokens,output_tokens[,cached_input_tokens]``: one row a month, numbers as given."""
    header = ["month", "calls", "input_tokens", "output_tokens"] + (["cached_input_tokens"] if cached else [])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for month, value in zip(months, calls, strict=True):
        row = [month, _number(value), _number(value * tokens["input"]), _number(value * tokens["output"])]
        writer.writerow(row + ([_number(value * tokens["cached"])] if cached else []))
    Path(path).write_text(out.getvalue())
    return path


def _number(value):
    value = float(value)
    return str(int(value)) if value == int(value) else repr(value)


def daily_calls(first_day, last_day, monthly_calls, weekly=WEEKLY):
    """Whole calls a day from ``first_day`` to ``last_day``, each month's days at its average-month volume.

    ``monthly_calls`` maps ``YYYY-MM`` to calls in an average month (30.4375 days); a day
    gets that / 30.4375 times its weekday's factor, rounded.
    """
    days = {}
    day = first_day
    while day <= last_day:
        per_day = monthly_calls[day.strftime("%Y-%m")] / AVERAGE_MONTH_DAYS
        days[day] = int(round(per_day * weekly[day.weekday()]))
        day += timedelta(days=1)
    return days


def _epoch(day):
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())


def openai_pages(streams, *, per_page=31, tokens=TOKENS):
    """Pages of ``/v1/organization/usage/completions`` (daily buckets, grouped by model).

    Parameters
    ----------
    streams : dict
        ``{model: {date: requests}}``; a model of None writes results without a model
        (an export not grouped by model). Every day of any stream gets a bucket, empty
        for a model without requests that day.
    tokens : dict
        Input (cached included), cached and output tokens a request.
    """
    days = sorted({day for stream in streams.values() for day in stream})
    buckets = []
    for day in days:
        results = []
        for model, stream in streams.items():
            requests = stream.get(day, 0)
            if requests:
                result = {"object": "organization.usage.completions.result",
                          "input_tokens": requests * tokens["input"],
                          "input_cached_tokens": requests * tokens["cached"],
                          "output_tokens": requests * tokens["output"],
                          "num_model_requests": requests}
                if model is not None:
                    result["model"] = model
                results.append(result)
        buckets.append({"object": "bucket", "start_time": _epoch(day), "end_time": _epoch(day + timedelta(days=1)),
                        "results": results})
    pages = []
    for start in range(0, len(buckets), per_page):
        more = start + per_page < len(buckets)
        pages.append({"object": "page", "data": buckets[start:start + per_page], "has_more": more,
                      "next_page": f"page_{start + per_page:06d}" if more else None})
    return pages


def write_jsonl(path, pages):
    """JSON Lines: one page a line, as a loop over ``next_page`` would save them."""
    Path(path).write_text("".join(json.dumps(page, separators=(",", ":")) + "\n" for page in pages))
    return path


FOCUS_COLUMNS = ("BilledCost", "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity",
                 "ConsumedUnit", "ServiceCategory", "ServiceName", "SkuId", "SkuMeter", "SkuPriceDetails")
# Azure-style meters of one model (cached input is billed apart from uncached input)
FOCUS_METERS = {"input": "gpt 4.1 mini Inp glbl Tokens", "cached": "gpt 4.1 mini cchd Inp glbl Tokens",
                "output": "gpt 4.1 mini Outp glbl Tokens"}
FOCUS_PRICES = {"input": 0.0004, "cached": 0.0001, "output": 0.0016}  # USD per 1K tokens


def focus_rows(calls_by_day, *, tokens=TOKENS, unit="1K Tokens", per=1000, other_rows=True):
    """FOCUS rows, a day each: the LLM's three token meters, and a virtual machine's hours.

    Uncached input is ``input - cached`` tokens a call; quantities are in ``unit``
    (``per`` tokens each).
    """
    rows = []
    for day, requests in sorted(calls_by_day.items()):
        start = f"{day.isoformat()}T00:00:00Z"
        end = f"{(day + timedelta(days=1)).isoformat()}T00:00:00Z"
        quantities = {"input": requests * (tokens["input"] - tokens["cached"]),
                      "cached": requests * tokens["cached"], "output": requests * tokens["output"]}
        for kind, quantity in quantities.items():
            rows.append({"BilledCost": f"{quantity / 1000 * FOCUS_PRICES[kind]:.6f}", "ChargeCategory": "Usage",
                         "ChargePeriodEnd": end, "ChargePeriodStart": start,
                         "ConsumedQuantity": _number(quantity / per), "ConsumedUnit": unit,
                         "ServiceCategory": "AI and Machine Learning", "ServiceName": "Azure OpenAI",
                         "SkuId": f"DZH318Z0{kind.upper()}", "SkuMeter": FOCUS_METERS[kind],
                         "SkuPriceDetails": json.dumps({"x_TokenKind": kind})})
        if other_rows:
            rows.append({"BilledCost": "2.304000", "ChargeCategory": "Usage", "ChargePeriodEnd": end,
                         "ChargePeriodStart": start, "ConsumedQuantity": "24", "ConsumedUnit": "Hours",
                         "ServiceCategory": "Compute", "ServiceName": "Virtual Machines", "SkuId": "DZH318Z0BQ4L",
                         "SkuMeter": "D2s v5", "SkuPriceDetails": ""})
    return rows


def write_focus_csv(path, rows, columns=FOCUS_COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    Path(path).write_text(out.getvalue())
    return path


def sample_history():
    """The samples' months and calls a month, and calls a day over ``SAMPLE_DAYS``."""
    first, last = SAMPLE_DAYS
    months = months_between(first.strftime("%Y-%m"), last.strftime("%Y-%m"))
    calls = gbm_path(len(months), **{k: v for k, v in SAMPLE_PATH.items() if k != "seed"}, seed=SAMPLE_PATH["seed"])
    return months, calls, daily_calls(first, last, dict(zip(months, calls, strict=True)))


SAMPLES = ("usage.csv", "openai-usage.jsonl", "focus.csv")


def write_samples(directory, names=SAMPLES):
    """The samples ``names`` (of ``SAMPLES``) in ``directory``; returns their paths.

    ``usage.csv`` holds the whole months only, rounded to whole calls; the OpenAI
    export adds a second, smaller model; the FOCUS export a virtual machine's rows.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    months, calls, days = sample_history()
    writers = {
        "usage.csv": lambda path: plain_csv(path, months[1:-1], np.round(calls[1:-1])),
        "openai-usage.jsonl": lambda path: write_jsonl(path, openai_pages(
            {SAMPLE_MODEL: days, OTHER_MODEL: {day: max(1, requests // 40) for day, requests in days.items()}})),
        "focus.csv": lambda path: write_focus_csv(path, focus_rows(days)),
    }
    return [writers[name](directory / name) for name in names]


if __name__ == "__main__":
    print("wrote", ", ".join(str(path) for path in write_samples(sys.argv[1])))
