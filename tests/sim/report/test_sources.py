"""report.md's assumptions say where each input came from, from results.nc alone."""

import json

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.payback import CONFIG_DIR, describe_run
from sim.inputs.provenance import defaults_among
from sim.io.netcdf import read_results
from sim.pipeline import run
from sim.results.summary import summarize


def test_a_run_records_its_sources_and_the_report_marks_them(tmp_path):
    overrides = ["scenarios=1000", "saved_scenarios=100", "start=2026-12", "workload=doc-extraction",
                 "stress=volume-collapse", "workload.growth_per_month=0.01", "finetune.setup_cost=20000"]
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    task = OmegaConf.to_container(cfg, resolve=False)
    info = describe_run(cfg.hydra, {k: v for k, v in task.items() if k != "hydra"})
    del cfg.hydra
    summary = run(cfg, tmp_path, progress=False, run_info=info)
    inputs = summary["inputs"]
    assert inputs["finetune.setup_cost"] == {"value": 20000.0, "source": "override", "by": "finetune.setup_cost=20000"}
    assert inputs["workload.volatility"] == {"value": 0.15, "source": "preset", "by": "workload=doc-extraction"}
    assert inputs["workload.shutdown_per_year"]["by"] == "stress=volume-collapse"
    assert inputs["rag.setup_cost"] == {"value": "pert(low=10000, mode=25000, high=60000)", "source": "default"}
    assert defaults_among(summary, ["finetune.setup_cost", "rag.setup_cost"]) == ["rag.setup_cost"]
    assert "stress=volume-collapse (growth_per_month overridden)" in summary["run"]["label"]

    results = read_results(tmp_path / "results.nc")  # the summary again from the saved Dataset alone
    assert summarize(results)["inputs"] == inputs and summarize(results)["run"] == summary["run"]
    report = (tmp_path / "report.md").read_text()
    assert "| input | value | unit | read by | source |" in report
    assert "| `finetune.setup_cost` | 20000 | USD | fine-tuning | set by you |" in report
    assert "| `workload.volatility` | 0.15 | 1/sqrt(month) | every route | preset (workload=doc-extraction) |" in report
    assert "| `rag.setup_cost` | pert(low=10000, mode=25000, high=60000) | USD | RAG | default |" in report
    assert "**default**, the tool's own assumption, which you never set" in report


def test_a_run_without_recorded_sources_has_no_source_column(finished_run):
    results = read_results(finished_run / "results.nc")
    assert {entry["source"] for entry in json.loads(results.attrs["input_sources"]).values()} == {"unknown"}
    report = (finished_run / "report.md").read_text()
    assert "| input | value | unit | read by |\n" in report and "set by you" not in report
    del results.attrs["input_sources"]  # a results.nc written before sources were recorded
    assert "inputs" not in summarize(results)
