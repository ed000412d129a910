"""benchmarks.results.json: what the benchmark printed, recorded with its setting, and the page from it."""

import json
import os

import pytest

from benchmarks import run as benchmark
from benchmarks.page import performance_page
from benchmarks.record import FORMAT, load, parse_output, record

PRINTED = """Machine: a test machine

The engine, fastest of 3:

| scenarios | wall s | M scenario-months/s |
| --- | ---: | ---: |
| 10,000 | 0.25 | 1.4 |
| 1,000,000 | 1.50 | 24.0 |

analysis / simulation = 0.42 (goal: at most 1): met
"""


def test_the_printed_output_splits_into_text_and_tables_with_their_cells_as_printed():
    blocks = parse_output(PRINTED)
    assert [block["kind"] for block in blocks] == ["text", "text", "table", "text"]
    table = blocks[2]
    assert table["header"] == ["scenarios", "wall s", "M scenario-months/s"]
    assert table["align"] == ["left", "right", "right"]
    assert table["rows"] == [["10,000", "0.25", "1.4"], ["1,000,000", "1.50", "24.0"]]
    assert blocks[3]["text"] == "analysis / simulation = 0.42 (goal: at most 1): met"


def test_a_run_is_recorded_with_its_setting_and_replaces_only_the_earlier_run_of_its_mode(tmp_path, capsys):
    output = tmp_path / "results.json"
    assert record(lambda: print(PRINTED) or 7, ["--evppi"], "evppi", output) == 7
    assert "| 10,000 | 0.25 | 1.4 |" in capsys.readouterr().out  # still printed
    record(lambda: print("| a | b |\n| --- | --- |\n| 1 | 2 |"), [], "full", output)
    record(lambda: print("| a | b |\n| --- | --- |\n| 3 | 4 |"), ["--evppi"], "evppi", output)
    data = json.loads(output.read_text())
    assert data["format"] == FORMAT
    assert [(run["mode"], run["blocks"][0]["rows"]) for run in data["runs"]] == [
        ("evppi", [["3", "4"]]), ("full", [["1", "2"]])]
    run = data["runs"][0]
    assert run["command"] == "python -m benchmarks.run --evppi"
    assert run["machine"]["cores"] == os.cpu_count()
    assert set(run["machine"]) == {"cpu", "cores", "memory_bytes", "os", "python", "numpy", "numba"}
    assert len(run["load_average_before"]) == len(run["load_average_after"]) == 3
    assert run["started_utc"].endswith("Z") and run["started_utc"] <= run["finished_utc"]
    assert len(run["git"]["commit"]) == 40  # the tests run in the project's checkout
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left


def test_a_failed_run_leaves_the_recorded_file_as_it_was(tmp_path):
    output = tmp_path / "results.json"
    record(lambda: print("| a |\n| --- |\n| 1 |"), [], "full", output)
    before = output.read_text()

    def failing():
        print("| a |\n| --- |\n| 2 |")
        raise RuntimeError("the benchmark failed")

    with pytest.raises(RuntimeError):
        record(failing, [], "full", output)
    assert output.read_text() == before


def test_main_records_to_its_output_option_under_its_mode(tmp_path, monkeypatch):
    # the measurements themselves take minutes: here a stand-in that prints one table
    monkeypatch.setattr(benchmark, "measure", lambda args: print(f"| portfolio |\n| --- |\n| {args.portfolio} |"))
    output = tmp_path / "out.json"
    benchmark.main(["--portfolio", "--output", str(output)])
    (run,) = load(output)
    assert run["mode"] == "portfolio"
    assert run["command"] == f"python -m benchmarks.run --portfolio --output {output}"
    assert run["blocks"][0]["rows"] == [["True"]]


def test_the_page_renders_the_setting_and_every_measurement_of_every_run(tmp_path):
    output = tmp_path / "results.json"
    record(lambda: print(PRINTED), ["--portfolio"], "portfolio", output)
    record(lambda: print(PRINTED.replace("0.25", "0.75")), [], "full", output)
    page = performance_page(output)
    assert page.startswith("## The full benchmark\n")  # the full run first, whatever the order recorded
    assert "\n# " not in page and page.count("\n## ") == 1  # one ## section a run, no top-level title
    assert "Machine: a test machine" not in page  # the setting's table says it
    for run in load(output):
        assert f"`{run['command']}`" in page
        assert run["git"]["commit"][:12] in page
        assert run["machine"]["cpu"] in page
        assert ", ".join(f"{x:.2f}" for x in run["load_average_before"]) in page
        assert run["started_utc"].removesuffix("Z").replace("T", " ") in page
        for block in run["blocks"]:
            if block["kind"] == "table":
                assert "| " + " | ".join(block["header"]) + " |\n| --- | ---: | ---: |" in page
                for row in block["rows"]:
                    assert "| " + " | ".join(row) + " |" in page
            elif not block["text"].startswith("Machine: "):
                assert block["text"] in page
    assert "| 10,000 | 0.75 | 1.4 |" in page and "| 10,000 | 0.25 | 1.4 |" in page


def test_the_committed_results_render_with_the_full_benchmark_first():
    runs = load()  # benchmarks/results.json
    page = performance_page()
    assert page.startswith("## The full benchmark\n") and runs[0]["mode"] == "full"
    assert all(f"`{run['command']}`" in page for run in runs)


def test_the_commit_recorded_is_the_one_checked_out_when_the_run_started(tmp_path, monkeypatch):
    from benchmarks import record as recording

    monkeypatch.setattr(recording, "git_commit", lambda: {"commit": "a" * 40, "dirty": False})

    def measure():  # a commit made while the benchmark runs
        monkeypatch.setattr(recording, "git_commit", lambda: {"commit": "b" * 40, "dirty": True})
        print("| a |\n| --- |\n| 1 |")

    record(measure, [], "full", tmp_path / "results.json")
    assert load(tmp_path / "results.json")[0]["git"] == {"commit": "a" * 40, "dirty": False}
