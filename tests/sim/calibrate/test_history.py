"""Reading usage histories: the plain CSV, OpenAI usage exports and FOCUS exports, into months."""

import json
from pathlib import Path
from datetime import date, timedelta

import numpy as np
import pytest

from sim.calibrate.errors import CalibrationError
from sim.calibrate.focus import classify, token_multiplier
from sim.calibrate.history import guess_format, read_history
from sim.calibrate.months import AVERAGE_MONTH_DAYS, covered_seconds, month_seconds
from sim.calibrate.example import (
    TOKENS,
    focus_rows,
    openai_pages,
    plain_csv,
    write_focus_csv,
    write_jsonl,
    write_samples,
)

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
EXACT = 1e6 * np.exp(0.03 * np.arange(12))
ONE_CALL = {"input": 2500, "cached": 2000, "output": 250}

DATA = Path(__file__).resolve().parent / "data"  # the sample OpenAI export, as sim.calibrate.example writes it


def days(first, last, requests=1000):
    """``requests`` calls every day from ``first`` to ``last``."""
    return {first + timedelta(d): requests for d in range((last - first).days + 1)}


def write_export(path, streams, **options):
    return write_jsonl(path, openai_pages(streams, tokens=ONE_CALL, **options))


# --- plain CSV ---------------------------------------------------------------------------------


def test_a_plain_csv_is_read_as_given(tmp_path):
    history = read_history(plain_csv(tmp_path / "usage.csv", MONTHS, EXACT, ONE_CALL))
    assert history.months == tuple(MONTHS) and history.format == "csv"
    np.testing.assert_allclose(history.calls, EXACT)
    np.testing.assert_allclose(history.input_tokens / history.calls, 2500)
    np.testing.assert_allclose(history.cached_input_tokens / history.calls, 2000)
    np.testing.assert_allclose(history.output_tokens / history.calls, 250)
    assert history.next_month == "2027-01" and history.period == ("2026-01", "2026-12")


def test_a_plain_csv_without_cached_tokens_and_in_any_order(tmp_path):
    path = plain_csv(tmp_path / "usage.csv", MONTHS[::-1], EXACT[::-1], ONE_CALL, cached=False)
    history = read_history(path)
    assert history.months == tuple(MONTHS) and (history.cached_input_tokens == 0).all()


@pytest.mark.parametrize("rows, message", [
    (["2026-01,1,1,1", "2026-02,2,2,2", "2026-01,3,3,3"], r"2026-01: two rows \(lines 2 and 4\)"),
    (["2026-01,1,1,1", "2026-03,2,2,2", "2026-04,2,2,2", "2026-05,2,2,2"], "2026-02: missing between 2026-01 and"),
    (["2026-01,1,1,1", "2026-02,0,0,0", "2026-03,2,2,2", "2026-04,2,2,2"], "2026-02: no calls"),
    (["2026-01,1,1,1", "2026-02,-5,2,2"], "2026-02: calls: -5 is negative"),
    (["2026-01,1,1,1", "2026-02,many,2,2"], "2026-02: calls: 'many' is not a number"),
    (["2026-01,1,1,1", "2026-02,nan,2,2"], "2026-02: calls: 'nan' is not a finite number"),
    (["26-01,1,1,1"], "line 2: month '26-01' is not YYYY-MM"),
    (["2026-01,1,1,1,5"], "line 2: more fields than the header has"),
])
def test_bad_plain_csv_rows_are_refused_naming_the_month(tmp_path, rows, message):
    path = tmp_path / "usage.csv"
    path.write_text("month,calls,input_tokens,output_tokens\n" + "\n".join(rows) + "\n")
    with pytest.raises(CalibrationError, match=message):
        read_history(path)


def test_cached_tokens_above_the_input_tokens_are_refused(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("month,calls,input_tokens,output_tokens,cached_input_tokens\n2026-01,10,100,5,200\n")
    with pytest.raises(CalibrationError, match="2026-01: 200 cached input tokens exceed the 100 input tokens"):
        read_history(path)


# --- OpenAI usage export -------------------------------------------------------------------------


def test_six_months_of_daily_buckets_give_the_tokens_a_call_and_30437_calls_an_average_month(tmp_path):
    # 1,000 calls every day from 15 January to 14 July: every month, partial or whole,
    # is 1,000 x 365.25 / 12 = 30,437.5 calls in an average month
    path = write_export(tmp_path / "usage.jsonl", {"gpt-4.1-mini": days(date(2026, 1, 15), date(2026, 7, 14))})
    history = read_history(path)
    assert history.months == ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07")
    np.testing.assert_allclose(history.calls, 1000 * 365.25 / 12)
    np.testing.assert_allclose(history.input_tokens / history.calls, 2500)
    np.testing.assert_allclose(history.cached_input_tokens / history.calls, 2000)
    np.testing.assert_allclose(history.output_tokens / history.calls, 250)
    assert history.scaled == ("2026-01 (17 of 31 days)", "2026-07 (14 of 31 days)") and history.dropped == ()
    assert history.period == ("2026-01-15", "2026-07-14") and history.model == "gpt-4.1-mini"


def test_a_partial_month_under_a_third_is_dropped(tmp_path):
    path = write_export(tmp_path / "usage.jsonl", {None: days(date(2026, 1, 25), date(2026, 7, 10))})
    history = read_history(path)
    assert history.months[0] == "2026-02" and history.months[-1] == "2026-06"
    assert history.dropped == ("2026-01 (7 of 31 days)", "2026-07 (10 of 31 days)")
    assert history.model is None


def test_calendar_months_become_average_months(tmp_path):
    # February's 28 days and March's 31 at the same daily volume are the same month
    path = write_export(tmp_path / "usage.jsonl", {None: days(date(2026, 1, 1), date(2026, 6, 30), 500)})
    np.testing.assert_allclose(read_history(path).calls, 500 * AVERAGE_MONTH_DAYS)


def test_a_list_of_pages_and_a_single_page_read_as_json_lines_do(tmp_path):
    stream = {"m": days(date(2026, 1, 1), date(2026, 4, 30))}
    pages = openai_pages(stream, tokens=ONE_CALL, per_page=7)
    (tmp_path / "list.json").write_text(json.dumps(pages))
    one = openai_pages(stream, tokens=ONE_CALL, per_page=1000)
    assert len(one) == 1
    (tmp_path / "page.json").write_text(json.dumps(one[0], indent=2))
    lines = read_history(write_jsonl(tmp_path / "pages.jsonl", pages))
    for name in ("list.json", "page.json"):
        np.testing.assert_array_equal(read_history(tmp_path / name).calls, lines.calls)


def test_overlapping_pages_count_each_bucket_once_and_say_so(tmp_path):
    pages = openai_pages({"m": days(date(2026, 1, 1), date(2026, 4, 30))}, tokens=ONE_CALL, per_page=10)
    overlapping = pages + [pages[2]]  # a page fetched twice
    history = read_history(write_jsonl(tmp_path / "usage.jsonl", overlapping))
    np.testing.assert_allclose(history.calls, 1000 * AVERAGE_MONTH_DAYS)
    assert history.notes == ("10 duplicate results (overlapping pages) counted once",)


def test_two_different_results_for_one_bucket_are_refused(tmp_path):
    pages = openai_pages({"m": days(date(2026, 1, 1), date(2026, 4, 30))}, tokens=ONE_CALL, per_page=10)
    changed = json.loads(json.dumps(pages[1]))
    changed["data"][0]["results"][0]["num_model_requests"] += 1
    message = r"2026-01: two different results for the bucket of 2026-01-11 \(model m\)"
    with pytest.raises(CalibrationError, match=message):
        read_history(write_jsonl(tmp_path / "usage.jsonl", pages + [changed]))


def test_several_models_need_model_and_an_unknown_one_is_refused_listing_them(tmp_path):
    stream = days(date(2026, 1, 1), date(2026, 4, 30))
    path = write_export(tmp_path / "usage.jsonl", {"gpt-4.1-mini": stream, "gpt-4o-mini": {d: 10 for d in stream}})
    with pytest.raises(CalibrationError, match=r"holds 2 models \(gpt-4.1-mini, gpt-4o-mini\): choose one with"):
        read_history(path)
    with pytest.raises(CalibrationError, match=r"--model gpt-5: not in usage.jsonl \(it has gpt-4.1-mini, gpt-4o-mini"):
        read_history(path, model="gpt-5")
    history = read_history(path, model="gpt-4o-mini")
    np.testing.assert_allclose(history.calls, 10 * AVERAGE_MONTH_DAYS)


def test_a_missing_page_inside_the_history_is_refused_naming_the_month(tmp_path):
    stream = days(date(2026, 1, 1), date(2026, 5, 31))
    pages = openai_pages({"m": stream}, tokens=ONE_CALL, per_page=10)
    del pages[5]  # days 51-60: 20-28 February and 1 March
    with pytest.raises(CalibrationError, match=r"2026-02: the file covers 19 of its 28 days \(a page of the export"):
        read_history(write_jsonl(tmp_path / "usage.jsonl", pages))


def test_a_month_without_buckets_is_missing_and_a_month_of_empty_buckets_has_no_calls(tmp_path):
    stream = days(date(2026, 1, 1), date(2026, 5, 31))
    without_march = {d: n for d, n in stream.items() if d.month != 3}
    with pytest.raises(CalibrationError, match="2026-03: missing between 2026-01 and 2026-05"):
        read_history(write_export(tmp_path / "a.jsonl", {"m": without_march}))
    # the API lists empty buckets for days without requests: the month is there, with 0 calls
    pages = openai_pages({"m": stream}, tokens=ONE_CALL)
    for page in pages:
        for bucket in page["data"]:
            if month_seconds("2026-03")[0] <= bucket["start_time"] < month_seconds("2026-04")[0]:
                bucket["results"] = []
    with pytest.raises(CalibrationError, match="2026-03: no calls"):
        read_history(write_jsonl(tmp_path / "b.jsonl", pages))


@pytest.mark.parametrize("text, message", [
    ("month,calls\n", "not an OpenAI usage export \\(line 1 is not JSON"),
    ('{"object": "list", "data": []}', "page 1 is not"),
    ('{"object": "page", "data": [{"start_time": 0, "end_time": 86400, "results": [{"object":'
     ' "organization.costs.result"}]}]}', "results are 'organization.costs.result'"),
    ('{"object": "page", "data": [{"start_time": 0, "end_time": 86400, "results": [{"num_model_requests": "7",'
     ' "input_tokens": 1, "output_tokens": 1}]}]}', "num_model_requests: '7' is not a number"),
    ('{"object": "page", "data": [{"start_time": 0, "end_time": 86400, "results": [{"num_model_requests": 7,'
     ' "input_tokens": -1, "output_tokens": 1}]}]}', "1970-01: the bucket of 1970-01-01: input_tokens: -1 is negative"),
    ('{"object": "page", "data": []}', "the export has no buckets"),
])
def test_what_is_not_an_openai_export_is_refused(tmp_path, text, message):
    path = tmp_path / "usage.json"
    path.write_text(text)
    with pytest.raises(CalibrationError, match=message):
        read_history(path, "openai")


def test_union_of_buckets_counts_overlaps_once():
    day = 86_400
    start = month_seconds("2026-02")[0]
    coverage = covered_seconds([(start, start + 3 * day), (start + day, start + 2 * day), (start + 10 * day,
                                                                                           start + 11 * day)])
    assert coverage == {"2026-02": 4 * day}


# --- FOCUS -------------------------------------------------------------------------------------


def focus_export(tmp_path, first=date(2026, 1, 1), last=date(2026, 6, 30), name="focus.csv", **options):
    return write_focus_csv(tmp_path / name, focus_rows(days(first, last), **options))


def test_focus_token_rows_give_tokens_and_calls_through_prompt_tokens(tmp_path):
    path = focus_export(tmp_path)
    history = read_history(path, prompt_tokens=TOKENS["input"])
    assert history.format == "focus" and len(history.months) == 6
    # calls = input tokens (uncached + cached rows) / 3,200
    np.testing.assert_allclose(history.calls, 1000 * AVERAGE_MONTH_DAYS)
    np.testing.assert_allclose(history.cached_input_tokens / history.calls, TOKENS["cached"])
    np.testing.assert_allclose(history.output_tokens / history.calls, TOKENS["output"])
    assert "calls = input tokens / 3200 (--prompt-tokens)" in history.notes


def test_focus_needs_prompt_tokens(tmp_path):
    with pytest.raises(CalibrationError, match="FOCUS rows carry tokens, not requests: pass --prompt-tokens N"):
        read_history(focus_export(tmp_path))


def test_focus_rows_by_model_and_unit_multiplier(tmp_path):
    path = focus_export(tmp_path, unit="Tokens", per=1)
    history = read_history(path, model="GPT-4.1-mini", prompt_tokens=3200)
    np.testing.assert_allclose(history.calls, 1000 * AVERAGE_MONTH_DAYS)
    with pytest.raises(CalibrationError, match="no usage rows in tokens naming 'gpt-5'"):
        read_history(path, model="gpt-5", prompt_tokens=3200)


def test_focus_partial_months_come_from_the_files_period(tmp_path):
    history = read_history(focus_export(tmp_path, date(2026, 1, 20), date(2026, 7, 20)), prompt_tokens=3200)
    assert history.scaled == ("2026-01 (12 of 31 days)", "2026-07 (20 of 31 days)")
    np.testing.assert_allclose(history.calls, 1000 * AVERAGE_MONTH_DAYS)


def test_a_focus_row_whose_meter_names_no_side_is_refused(tmp_path):
    rows = focus_rows(days(date(2026, 1, 1), date(2026, 6, 30)))
    rows[4] |= {"SkuMeter": "gpt 4.1 mini glbl Tokens", "SkuPriceDetails": ""}
    path = write_focus_csv(tmp_path / "focus.csv", rows)
    with pytest.raises(CalibrationError, match="row 5: cannot tell input, cached input or output tokens from SkuMeter"):
        read_history(path, prompt_tokens=3200)


def test_a_file_without_focus_columns_named_focus_is_refused(tmp_path):
    path = plain_csv(tmp_path / "usage.csv", MONTHS, EXACT)
    with pytest.raises(CalibrationError, match="not a FOCUS export: no column ChargePeriodStart"):
        read_history(path, "focus", prompt_tokens=100)


def test_parquet_is_read_through_pyarrow(tmp_path):
    pyarrow = pytest.importorskip("pyarrow")
    import pyarrow.parquet as parquet

    rows = focus_rows(days(date(2026, 1, 1), date(2026, 6, 30)))
    parquet.write_table(pyarrow.Table.from_pylist(rows), tmp_path / "focus.parquet")
    history = read_history(tmp_path / "focus.parquet", prompt_tokens=3200)
    np.testing.assert_allclose(history.calls, 1000 * AVERAGE_MONTH_DAYS)


def test_parquet_without_pyarrow_is_refused_in_one_line(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    (tmp_path / "focus.parquet").write_bytes(b"PAR1")
    with pytest.raises(CalibrationError, match=r"reading Parquet needs pyarrow \(pip install -e '.\[parquet\]'\)"):
        read_history(tmp_path / "focus.parquet", prompt_tokens=3200)


@pytest.mark.parametrize("meter, kind", [
    ("gpt 4o 0513 Inp glbl Tokens", "input"),
    ("GPT 5 Mini Inpt Glbl", "input"),
    ("gpt 4.1 mini cchd Inp glbl Tokens", "cached"),
    ("5.1 chat cd inp Gl 1M Tokens", "cached"),
    ("5.4 opt Gl 1M Tokens", "output"),
    ("gpt-4o-mini-0718 Outp glbl Tokens", "output"),
    ("USE1-Claude-input-tokens", "input"),
    ("USE1-Claude-output-tokens", "output"),
    ("cache-read-input-token-count", "cached"),
    ("cache-write-input-token-count", "input"),  # written to the cache, not read from it
    ("Prompt tokens", "input"),
    ("Completion tokens", "output"),
    ("gpt 4.1 mini glbl Tokens", None),
    ("input and output tokens", None),
])
def test_meters_are_classified_by_their_words(meter, kind):
    assert classify(meter) == kind


@pytest.mark.parametrize("unit, multiplier", [
    ("Tokens", 1), ("token", 1), ("1K Tokens", 1e3), ("1M tokens", 1e6), ("1000 Tokens", 1e3), ("1 k tokens", 1e3),
    ("Hours", None), ("1K", None), ("GB-Mo", None),
])
def test_token_units(unit, multiplier):
    assert token_multiplier(unit) == multiplier


# --- the format ---------------------------------------------------------------------------------


def test_the_format_is_guessed_from_the_name_or_the_first_line(tmp_path):
    assert guess_format(plain_csv(tmp_path / "a.csv", MONTHS, EXACT)) == "csv"
    assert guess_format(focus_export(tmp_path)) == "focus"
    stream = {"m": days(date(2026, 1, 1), date(2026, 1, 2))}
    assert guess_format(write_export(tmp_path / "a.txt", stream)) == "openai"
    (tmp_path / "b.csv").write_text("date,requests\n2026-01-01,5\n")
    with pytest.raises(CalibrationError, match="b.csv: cannot tell its format .*pass --format csv\\|openai\\|focus"):
        guess_format(tmp_path / "b.csv")


def test_a_file_not_in_the_format_named_is_refused(tmp_path):
    export = write_export(tmp_path / "usage.jsonl", {"m": days(date(2026, 1, 1), date(2026, 4, 30))})
    with pytest.raises(CalibrationError, match="not a plain usage CSV: no column month, calls"):
        read_history(export, "csv")
    with pytest.raises(CalibrationError, match="no such file"):
        read_history(tmp_path / "nothing.csv")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CalibrationError, match="not text"):
        read_history(tmp_path / "binary.csv")


def test_the_readmes_sample_is_this_modules_output(tmp_path):
    # (should a NumPy release change default_rng's normal stream, regenerate the file with
    # `python -m sim.calibrate.example tests/sim/calibrate/data` and re-run the documented example)
    (written,) = write_samples(tmp_path, ["openai-usage.jsonl"])
    assert (DATA / "openai-usage.jsonl").read_bytes() == written.read_bytes()
