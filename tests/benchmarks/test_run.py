"""The benchmark's plumbing at a tiny size: what it times, not how fast (no timings asserted)."""

from benchmarks.run import MORE_ROUTES, routes_scaling, settings_for


def test_six_routes_are_the_default_three_and_a_second_of_each_kind_on_a_sheet_of_its_own():
    three, six = settings_for(100, 12), settings_for(100, 12, routes=MORE_ROUTES)
    assert [route.name for route in six.routes] == [route.name for route in three.routes] + list(MORE_ROUTES)
    kinds = [route.kind for route in six.routes]
    assert sorted(kinds) == sorted(["prompt", "finetune", "rag"] * 2)
    added = [route for route in six.routes if route.name in MORE_ROUTES]
    assert len({route.sheet for route in added} | {three.routes[0].sheet}) == 4
    assert six.routes[six.baseline].name == three.routes[three.baseline].name  # the same baseline


def test_routes_scaling_times_one_three_and_six_routes_in_each_case(capsys):
    seconds = routes_scaling(scenarios=2048, horizon=3, repeats=1, cases=(("mc", None), ("auto", 1024)))
    assert set(seconds) == {(method, kept, n) for method, kept in (("mc", None), ("auto", 1024)) for n in (1, 3, 6)}
    assert all(wall > 0 and cpu >= 0 for wall, cpu in seconds.values())
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in capsys.readouterr().out.splitlines() if line.startswith(("| mc |", "| auto |"))]
    assert [(row[0], row[1], row[2].split(":")[0]) for row in rows] == [
        (method, kept, n) for method, kept in (("mc", "2,048"), ("auto", "1,024")) for n in ("1", "3", "6")]
    assert rows[0][2] == "1: prompt" and rows[2][2].endswith("prompt-4o, ft-azure, rag-41")
    assert [row[-1] == "" for row in rows[:3]] == [False, True, False]  # each against 3 routes


def test_the_analysis_benchmark_times_every_step_and_sums_the_analysis(capsys):
    from benchmarks.analysis import analysis_against_simulation

    seconds = analysis_against_simulation(scenarios=2048, horizon=3, repeats=1)
    assert set(seconds) == {"simulate", "dataset", "summary", "saved", "analysis"}
    assert seconds["analysis"] == seconds["dataset"] + seconds["summary"] + seconds["saved"]
    assert "analysis / simulation = " in capsys.readouterr().out


def test_the_portfolio_benchmark_runs_the_command_and_splits_its_time(capsys):
    from benchmarks.portfolio import portfolio_file, portfolio_speed

    file = portfolio_file(3, 1024, 3)
    assert list(file["workloads"]) == ["w00", "w01", "w02"]
    assert file["workloads"]["w02"]["overrides"] == {"workload.calls_per_month": 150_000}
    measured = portfolio_speed(workloads=2, scenarios=1024, horizon=3, launchers=("basic",))
    phases = measured["basic"]["phases"]
    assert set(phases) == {"start-up and checking every workload", "jobs", "  of which simulation",
                           "  of which analysis", "  of which writing", "adding up and the portfolio's files"}
    assert all(seconds >= 0 for seconds in phases.values())
    assert phases["jobs"] >= phases["  of which analysis"]
    assert measured["basic"]["peak"] > 50 * 2**20  # a Python process with numpy and numba loaded, at least
    assert "| basic |" in capsys.readouterr().out
