"""On the command line, an override of what a stress sets is said aloud, and volume-slump takes a fixed growth."""

import json
import subprocess
import sys


def test_volume_slump_with_a_fixed_growth_runs_warns_and_says_so_in_its_label(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", f"hydra.run.dir={tmp_path}", "scenarios=500", "report=false",
                           "stress=volume-slump", "workload.growth_per_month=0.04"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "payback.log").read_text()
    for said in ("[WARNING] - workload.growth_per_month=0.04 replaces what stress=volume-slump sets"
                 " (workload.growth_per_month: normal(p05=-0.04, p95=0.03))",
                 "[WARNING] - stress=volume-slump's rank correlation 0.7 of workload.calls_per_month with"
                 " workload.growth_per_month is dropped: workload.growth_per_month=0.04 fixes"):
        assert said in done.stdout and said in log
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "stress=volume-slump (growth_per_month overridden; its correlation dropped)" in summary["run"]["label"]
    assert summary["inputs"]["workload.growth_per_month"] == {
        "value": 0.04, "source": "override", "by": "workload.growth_per_month=0.04"}
    assert summary["inputs"]["workload.calls_per_month"]["source"] == "default"
