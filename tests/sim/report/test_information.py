"""The report's value of information: the section's table and the picture answer "what is it
worth to know each input before choosing?" on the closed-form case whose threshold is known."""

from sim.report.document import render
from sim.report.information import information_section, value_of_information_picture
from sim.results.dataset import to_dataset
from sim.results.summary import summarize
from tests.conftest import run_config
from tests.sim.stats.test_evppi import pilot_case

# prompting and the fine-tune cross at 5,010 / (24 x 480e-6) = 434,896 calls/month: "435k"
SWITCH = "to fine-tuning above 435k calls/month"


def volume_case():
    results = to_dataset(*run_config(pilot_case(2_000, workload={"calls_per_month": "lognormal(p05=2e5, p95=1e6)"})))
    return results, summarize(results)


def test_the_section_gives_each_input_its_evppi_and_where_the_choice_switches():
    results, summary = volume_case()
    lines = information_section(results, summary)
    assert lines[0] == "## What would change the answer, in money"
    (row,) = [line for line in lines if line.startswith("| `workload.calls_per_month` |")]
    assert row.endswith(f"| {SWITCH} |")
    assert "## What would change the answer, in money" in render(results, summary)


def test_the_picture_ranks_the_inputs_and_marks_the_switch():
    _, summary = volume_case()
    fig = value_of_information_picture(summary)
    assert fig.texts[0].get_text() == "What is it worth to know each input before choosing?"
    (ax,) = fig.axes
    switches = [t.get_text() for t in ax.texts if t.get_gid() == "switches"]
    assert switches == [f"{usd_of(summary)}  switches {SWITCH}"]
    # one bar, the only uncertain input; the EVPI's line beside it
    assert [label.get_text() for label in ax.get_yticklabels()][0].endswith("workload.calls_per_month")


def usd_of(summary):
    from sim.report.formats import usd

    return usd(summary["value_of_information"]["inputs"]["workload.calls_per_month"]["evppi"])
