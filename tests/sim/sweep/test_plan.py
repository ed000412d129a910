import json

import pytest

from sim.sweep import plan

from sim.io import files as storage
from sim.sweep.plan import PLAN_FILE, PlanError, read_plan


def test_the_plan_is_not_taken_back_with_an_interrupted_job(tmp_path):
    mark = len(storage.published())
    plan._write({"version": 1, "jobs": [{"job": 0, "overrides": ["seed=1"]}], "hydra_overrides": [],
                 "sessions": [{"started": 0.0, "done_before": 0}]}, tmp_path)
    storage.discard_published(mark)  # what an interrupted run or resume does (sim.cli.payback.abandon_run)
    assert read_plan(tmp_path)["jobs"] == [{"job": 0, "overrides": ["seed=1"]}]


@pytest.mark.parametrize("jobs, reason", [
    ([], "no job"),
    ([{"job": 0, "overrides": []}, {"job": 0, "overrides": []}], "its jobs are not numbered 0 to 1 in order"),
    ([{"job": 1, "overrides": []}], "its jobs are not numbered 0 to 0 in order"),
    ([{"job": 0, "overrides": ["seed=1", "hydra.sweep.dir=/elsewhere"]}],
     "job 0's override hydra.sweep.dir=/elsewhere is a Hydra setting, not the job's"),
])
def test_a_plan_edited_into_jobs_elsewhere_twice_or_none_is_refused_in_one_line(tmp_path, jobs, reason):
    # a job's hydra.sweep.dir=... ran it outside the sweep; no job resumed "all 0 jobs"
    (tmp_path / PLAN_FILE).write_text(json.dumps({"version": 1, "jobs": jobs, "hydra_overrides": [],
                                                  "sessions": [{"started": 0.0, "done_before": 0}]}))
    with pytest.raises(PlanError) as refused:
        read_plan(tmp_path)
    assert str(refused.value) == f"{tmp_path / PLAN_FILE}: not a readable sweep plan ({reason})"


@pytest.mark.parametrize("changes, reason", [
    ({"hydra_overrides": None}, "hydra_overrides is not a list of text"),
    ({"config_dirs": "conf"}, "config_dirs is not a list of text"),
    ({"sessions": [{"started": "yesterday", "done_before": 0}]},
     "a session without its start time and count of jobs done (sessions)"),
])
def test_a_plan_missing_what_a_resume_reads_is_refused_in_one_line(tmp_path, changes, reason):
    # a plan without hydra_overrides ended the resume in a KeyError traceback
    plan = {"version": 1, "jobs": [{"job": 0, "overrides": ["seed=1"]}], "hydra_overrides": [],
            "sessions": [{"started": 0.0, "done_before": 0}], **changes}
    (tmp_path / PLAN_FILE).write_text(json.dumps(plan))
    with pytest.raises(PlanError) as refused:
        read_plan(tmp_path)
    assert str(refused.value) == f"{tmp_path / PLAN_FILE}: not a readable sweep plan ({reason})"
