"""The decision walkthrough runs end to end, as a team lead would run it."""

import json
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "decision_walkthrough.py"


@pytest.mark.slow
def test_walkthrough_runs_and_prints_its_runs_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = jupytext.read(NOTEBOOK)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.get("output_type") == "stream"
    )
    (out,) = (tmp_path / "outputs" / "walkthrough").iterdir()  # this pass's own directory
    summary = json.loads((out / "ours" / "summary.json").read_text())
    assert summary["headline"] in printed
    assert summary["recommendation"]["reason"] in printed
    assert summary["scenarios"] == 20_000 and (out / "sweep" / "sweep.nc").exists()
    images = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) == 4  # payback, line crossing, drivers, sweep
    routes = json.loads((out / "routes" / "summary.json").read_text())
    assert routes["headline"] in printed and len(routes["routes"]) == 5
    assert all(f"{name}: leaves its platform in" in printed for name in routes["lifecycle"])
