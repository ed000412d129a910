"""Files are written under a temporary name and renamed: a failure leaves no partial file."""

import json

import pytest

from sim.storage import atomic_path, write_json


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
