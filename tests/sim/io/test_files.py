"""Files are written under a temporary name and renamed: a failure leaves no partial file."""

import json

import pytest

from sim.io.files import atomic_path, write_json


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "summary.json"
    write_json({"run": 1}, target)
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_text('{"run": 2, "trunc')
            raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"run": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_successful_write_replaces_the_file(tmp_path):
    target = tmp_path / "summary.json"
    write_json({"run": 1}, target)
    write_json({"run": 2}, target)
    assert json.loads(target.read_text()) == {"run": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_stale_partials_of_dead_processes_are_removed_and_live_ones_kept(tmp_path):
    import os

    from sim.io.files import remove_partials

    (tmp_path / "plots").mkdir()
    dead = [tmp_path / ".results.nc.999999999.partial", tmp_path / "plots" / ".drivers.png.999999999.partial"]
    live = [tmp_path / f".summary.json.{os.getppid()}.partial", tmp_path / ".notes.txt.partial"]
    for path in dead + live:
        path.write_text("x")
    assert sorted(remove_partials(tmp_path)) == sorted(dead)
    assert all(path.exists() for path in live)


def test_a_full_disk_is_a_write_error_naming_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    import errno
    import os

    from sim.io import files as storage

    def full(source, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "replace", full)
    before = storage.published()
    with pytest.raises(storage.WriteError, match=r"summary.json: cannot write \(No space left on device\)$"):
        write_json({"run": 1}, tmp_path / "summary.json")
    assert list(tmp_path.iterdir()) == [] and storage.published() == before


def test_summary_json_is_strict_json(tmp_path):
    from sim.io.files import WriteError

    with pytest.raises(WriteError, match=r"^summary.json: a number is not finite \(drivers.rag.ranked.0.effect\)$"):
        write_json({"drivers": {"rag": {"ranked": [{"effect": float("inf")}]}}}, tmp_path / "summary.json")
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_file_system_is_a_write_error_naming_the_file(tmp_path, monkeypatch):
    # removing the temporary name failed too, and its OSError replaced the WriteError:
    # python -m sim.sweep on a read-only mount ended in a traceback
    import errno
    import os
    from pathlib import Path

    from sim.io import files as storage

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(Path, "write_text", read_only)
    monkeypatch.setattr(Path, "unlink", read_only)
    with pytest.raises(storage.WriteError, match=r"summary.json: cannot write \(Read-only file system\)$"):
        write_json({"run": 1}, tmp_path / "summary.json")


def test_a_run_named_by_its_results_file_is_told_to_name_the_directory(tmp_path):
    # "runs/a/results.nc: not a run directory (no results.nc)" read as if the file were missing
    from sim.results.runs import UnreadableRun, read_run

    (tmp_path / "results.nc").write_bytes(b"CDF")
    with pytest.raises(UnreadableRun) as refused:
        read_run(tmp_path / "results.nc")
    assert str(refused.value) == (f"{tmp_path / 'results.nc'}: a file, not a run directory; name the directory that"
                                  " holds results.nc")


def test_a_set_whose_second_rename_fails_puts_the_first_back(tmp_path, monkeypatch):
    # compare had its own rename-together code; the report and the sweep's aggregate
    # replaced their files one by one (a redraw cut short left new pictures beside an old report)
    import errno
    import os

    from sim.io import files as storage

    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("earlier\n")
    real = os.replace

    def full_at_b(source, target):
        if str(target).endswith("b.md"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(source, target)

    monkeypatch.setattr(storage.os, "replace", full_at_b)
    with pytest.raises(storage.WriteError, match=r"b\.md: cannot write \(No space left on device\)$"):
        with storage.publishing("a and b"):
            for name in ("a.md", "b.md", "c.md"):
                with atomic_path(tmp_path / name) as temporary:
                    temporary.write_text("new\n")
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.md": "earlier\n", "b.md": "earlier\n"}


@pytest.fixture
def handled_signals():
    """The commands' signal handler in this process for one test, and the stop it records cleared after."""
    import signal
    import sys

    from sim.io import signals

    previous = {signum: signal.getsignal(signum) for signum in signals.SIGNALS}
    hook = sys.unraisablehook
    signals._kept.clear()  # what earlier tests' sets recorded in this process
    signals.install()
    yield signals
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    sys.unraisablehook = hook
    signals._stop_exit_code.clear()
    signals._kept.clear()


def test_a_signal_during_the_renames_waits_until_the_whole_set_is_published(tmp_path, monkeypatch, handled_signals):
    import os
    import signal
    import threading

    from sim.io import files as storage

    real = os.replace

    def replace_then_signal(source, target):
        real(source, target)
        if str(target).endswith("a.md"):  # after the first rename of two
            # to this thread: sent to the process, it may reach another thread (a test
            # before this one left worker threads) and be handled after the test
            signal.pthread_kill(threading.main_thread().ident, signal.SIGHUP)

    monkeypatch.setattr(storage.os, "replace", replace_then_signal)
    with pytest.raises(handled_signals.Interrupted) as stop:
        with storage.publishing("a.md and b.md"):
            for name in ("a.md", "b.md"):
                with atomic_path(tmp_path / name) as temporary:
                    temporary.write_text("new\n")
    assert stop.value.code == 128 + signal.SIGHUP
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.md": "new\n", "b.md": "new\n"}
    assert handled_signals._kept == ["a.md and b.md"]  # what the interrupt's line says was written


def test_a_signal_before_the_renames_publishes_nothing_of_the_set(tmp_path, handled_signals):
    import signal
    import threading

    from sim.io import files as storage

    (tmp_path / "a.md").write_text("earlier\n")
    with pytest.raises(handled_signals.Interrupted):
        with storage.publishing("a.md and b.md"):
            with atomic_path(tmp_path / "a.md") as temporary:
                temporary.write_text("new\n")
            with atomic_path(tmp_path / "b.md") as temporary:
                temporary.write_text("new\n")
                signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {"a.md": "earlier\n"}
    assert handled_signals._kept == []


def test_every_kind_a_run_file_is_checked_for_has_its_check():
    from sim.results import contents as run_contents

    tables = (run_contents.ATTRS, run_contents.ATTRS_IF_PRESENT, run_contents.SUMMARY_SOURCE_ATTRS,
              run_contents.SUMMARY, run_contents.DRIVER_ROW, run_contents.EVENT)
    assert {kind for table in tables for kind in table.values()} <= set(run_contents.KINDS)


def test_a_finished_run_holds_what_its_readers_use(finished_run):
    import json

    from sim.results import contents as run_contents
    from sim.io.netcdf import read_results

    results = read_results(finished_run / "results.nc")
    routes = [str(k) for k in results.route.values]
    challengers = [str(k) for k in results.challenger.values]
    assert run_contents.results_problem(results, with_summary=True) is None
    summary = json.loads((finished_run / "summary.json").read_text())
    assert run_contents.summary_problem(summary, routes, challengers) is None
    del summary["cost"][routes[-1]]  # and it can fail
    assert run_contents.summary_problem(summary, routes, challengers) is not None
