"""A forked child's work comes back whole, or not at all, and no child outlives its context."""

import os
import threading
import time

import pytest

from sim.report import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")


def gone(pid):
    # reaped: no longer this process's child
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    return True


def test_the_child_sends_back_what_its_work_returns():
    parent = os.getpid()
    with forked.child(lambda: {"pid": os.getpid(), "png": b"\x89PNG" * 100_000}) as result:
        sent = result()
    assert sent["png"] == b"\x89PNG" * 100_000  # 400 kB: more than a pipe holds at once
    assert sent["pid"] != parent and gone(sent["pid"])


def test_a_child_whose_work_fails_sends_nothing():
    def fails():
        raise RuntimeError("in the child")

    with forked.child(fails) as result:
        assert result() is None


def test_a_child_that_does_not_answer_in_time_is_killed(monkeypatch):
    pids = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: pids.append(fork()) or pids[-1])
    with forked.child(lambda: time.sleep(60), timeout=0.2) as result:
        start = time.monotonic()
        assert result() is None
        assert time.monotonic() - start < 5  # not the minute the work would take
    assert gone(pids[0])


def test_leaving_without_waiting_kills_the_child(monkeypatch):
    pids = []
    fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: pids.append(fork()) or pids[-1])
    with pytest.raises(KeyError):
        with forked.child(lambda: time.sleep(60)):
            raise KeyError("this process fails meanwhile")
    assert gone(pids[0])


def slow_square(task):
    time.sleep(0.05)  # long enough for the child to take its share
    return task * task, os.getpid()


def kept():
    results = []
    return results, lambda task, result: results.append((task, result, os.getpid()))


@pytest.mark.skipif(not forked.available(), reason="no child here")
def test_shared_tasks_are_each_done_once_by_either_and_all_kept_here():
    results, keep = kept()
    forked.share(list(range(8)), slow_square, keep)
    assert sorted((task, square) for task, (square, _), _ in results) == [(t, t * t) for t in range(8)]
    assert {keeper for *_, keeper in results} == {os.getpid()}
    workers = {worker for _, (_, worker), _ in results}
    assert os.getpid() in workers and len(workers) == 2


@pytest.mark.skipif(not forked.available(), reason="no child here")
def test_tasks_a_failed_child_took_are_done_here():
    parent = os.getpid()

    def fails_in_the_child(task):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return slow_square(task)

    results, keep = kept()
    forked.share(list(range(8)), fails_in_the_child, keep)
    assert sorted(task for task, *_ in results) == list(range(8))
    assert {worker for _, (_, worker), _ in results} == {parent}


def test_without_a_child_tasks_are_done_here_in_order(monkeypatch):
    monkeypatch.setattr(forked, "available", lambda: False)
    results, keep = kept()
    forked.share([3, 1, 2], slow_square, keep)
    assert [(task, square) for task, (square, _), _ in results] == [(3, 9), (1, 1), (2, 4)]


def test_no_child_while_another_thread_runs():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forked.available()
    finally:
        stop.set()
        thread.join()
