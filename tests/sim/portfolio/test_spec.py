"""A portfolio file checked key by key, and a workload's overrides as Hydra reads them back."""

import pytest

from sim.inputs.validation import ConfigError
from sim.portfolio.spec import check_portfolio, override_value, workload_overrides


@pytest.mark.parametrize(("node", "line"), [
    ({"workloads": {}}, "portfolio p: workloads: empty; a portfolio names at least one workload"),
    ({"shared": {}}, "portfolio p: workloads: empty"),
    (["a"], "portfolio p: not a mapping of shared: and workloads:"),
    ({"workloads": ["a"]}, "portfolio p: workloads: is not a mapping"),
    ({"workloads": {"a": {}}, "colour": 1}, "portfolio p: colour: not a key of a portfolio (shared, workloads)"),
    ({"shared": {"routes.x.kind": "prompt"}, "workloads": {"a": {}}},
     "portfolio p: shared.routes.x.kind: a key of each workload, not of the portfolio"),
    ({"shared": {"baseline": "prompt"}, "workloads": {"a": {}}}, "portfolio p: shared.baseline: a key of each workload"),
    ({"shared": {"workload": "support-bot"}, "workloads": {"a": {}}}, "portfolio p: shared.workload: a key of each"),
    ({"workloads": {"a": {"overrides": {"horizon_months": 36}}}},
     "portfolio p: workload a: overrides.horizon_months: every workload of a portfolio shares it"),
    ({"workloads": {"a": {"overrides": {"market.cuts_per_year": 3}}}},
     "portfolio p: workload a: overrides.market.cuts_per_year: every workload of a portfolio shares it"),
    ({"workloads": {"a": {"presets": {"market": "default"}}}},
     "portfolio p: workload a: presets.market: not a group a workload picks"),
    ({"workloads": {"a": {"presets": {"workload": "../x"}}}}, "portfolio p: workload a: presets.workload: '../x' is"),
    ({"workloads": {"a": {"colour": "red"}}}, "portfolio p: workload a: colour: not a key of a workload"),
    ({"workloads": {"a b": {}}}, "portfolio p: workload 'a b': a name of letters, digits"),
    ({"workloads": {"a": {"route": 5}}}, "portfolio p: workload a: route: 5 is not a route's name or null"),
])
def test_a_bad_portfolio_is_refused_naming_the_workload_and_key(node, line):
    with pytest.raises(ConfigError) as refused:
        check_portfolio("p", node)
    assert str(refused.value).startswith(line) and "\n" not in str(refused.value)


def test_a_workloads_overrides_are_its_presets_the_shared_keys_its_own_then_the_shells():
    shared, workloads = check_portfolio("p", {"shared": {"quality.bar": 0.8}, "workloads": {
        "a": {"presets": {"workload": "support-bot"}, "overrides": {"workload.calls_per_month": "lognormal(p05=1e5, p95=1e6)"}},
        "b": None}})
    assert workloads["b"] == {}
    assert workload_overrides(shared, workloads["a"], ["seed=3"]) == [
        "workload=support-bot", "quality.bar=0.8", "workload.calls_per_month='lognormal(p05=1e5, p95=1e6)'", "seed=3"]


@pytest.mark.parametrize(("value", "text"), [
    (None, "null"), (True, "true"), (2.5e6, "2500000.0"), (7, "7"), ("it's", "'it\\'s'"),
    ({"dist": "pert", "low": 1}, "{dist:'pert',low:1}"), ([1, "a"], "[1,'a']"),
])
def test_values_are_written_in_hydras_override_grammar(value, text):
    assert override_value(value) == text


def _settings(**changes):
    from types import SimpleNamespace

    values = dict(start="2026-12", horizon_months=24, discount_rate=0.08, seed=0, scenarios=1000, sampling="auto",
                  kept_scenarios=None, precision=None, routes=[SimpleNamespace(name="prompt")],
                  resolved={"market": {"cuts_per_year": 1.0}, "correlations": []})
    values.update(changes)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(("second", "route", "line"), [
    (_settings(horizon_months=36), None,
     "portfolio p: workload b: horizon_months: 36 where workload a has 24; a portfolio's workloads share it"),
    (_settings(resolved={"market": {"cuts_per_year": 2.0}, "correlations": []}), None,
     "portfolio p: workload b: market: its own values where workload a has its own values"),
    (_settings(), "gold", "portfolio p: workload b: route: 'gold' is not one of its routes (prompt)"),
    (_settings(precision=object()), None, "portfolio p: workload b: precision: a portfolio's workloads run the same"),
    (_settings(resolved={"market": {"cuts_per_year": 1.0},
                         "correlations": [{"inputs": ["market.cuts_per_year", "workload.volatility"], "rank": 0.5}]}),
     None, "portfolio p: workload b: correlations: market.cuts_per_year is the portfolio's market"),
])
def test_workloads_that_cannot_share_a_portfolio_are_refused(second, route, line):
    from sim.portfolio.spec import check_members

    members = [{"workload": "a", "route": None, "point": 0}, {"workload": "b", "route": route, "point": 0}]
    with pytest.raises(ConfigError) as refused:
        check_members("p", members, [_settings(), second])
    assert str(refused.value).startswith(line)
    # on another point of a sweep of the portfolio, a different value is no clash
    if route is None and second.precision is None and not second.resolved["correlations"]:
        check_members("p", [members[0], {**members[1], "point": 1}], [_settings(), second])
