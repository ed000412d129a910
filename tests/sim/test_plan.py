from sim import plan, storage
from sim.plan import PLAN_FILE, read_plan


def test_the_plan_is_not_taken_back_with_an_interrupted_job(tmp_path):
    mark = len(storage.published())
    plan._write({"version": 1, "jobs": [{"job": 0, "overrides": ["seed=1"]}], "sessions": [{"started": 0.0}]},
                tmp_path)
    storage.discard_published(mark)  # what an interrupted run or resume does (sim.cli.abandon_run)
    assert read_plan(tmp_path)["jobs"] == [{"job": 0, "overrides": ["seed=1"]}]
