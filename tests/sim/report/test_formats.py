"""Numbers as people read them: one format per kind of number, everywhere."""

from sim.report.formats import calls, share, usd, usd_change, with_interval


def test_money_and_volumes_read_alike_at_every_magnitude():
    assert [usd(v) for v in (950, 999.7, 12_345, -12_345, 999_999, 4.5e6, 0)] == [
        "$950", "$1k", "$12.3k", "-$12.3k", "$1M", "$4.5M", "$0"]
    assert [calls(v) for v in (999.9, 50_000, 2e6)] == ["1k", "50k", "2M"]
    assert [usd_change(v) for v in (-10_893.4, 99.2, 0.004, -3.456)] == ["-$10,893", "+$99", "+$0", "-$3.46"]


def test_key_numbers_take_the_digits_their_interval_needs_to_read_apart():
    probability = lambda x, d: f"{x:.{d}f}"  # noqa: E731
    # a default run's headline: at 3 decimals all three read 0.039
    assert with_interval(0.03878, [0.03851, 0.03906], probability) == "0.0388 [0.0385, 0.0391]"
    assert with_interval(0.5, [0.4, 0.6], probability) == "0.500 [0.400, 0.600]"  # wide: 3 digits do
    assert with_interval(0.5, None, probability) == "0.500"  # a small run's missing interval
    money = lambda x, d: usd(x, digits=d)  # noqa: E731
    assert with_interval(-111_289.9, [-111_509.9, -111_095.5], money) == "-$111.3k [-$111.5k, -$111.1k]"
    percent = lambda x, d: f"{x:.{d}%}"  # noqa: E731
    # P(fine-tuning cheapest) of a default run, from one decimal: 0.3% [0.3%, 0.3%] before
    assert with_interval(0.00289, [0.00284, 0.00293], percent, digits=1) == "0.289% [0.284%, 0.293%]"


def test_an_interval_no_digits_tell_apart_keeps_the_digits_asked_for():
    percent = lambda x, d: f"{x:.{d}%}"  # noqa: E731
    # P(cheapest) of a route that never wins, by rounding dust above 0: not 0.000000%
    assert with_interval(3e-17, [0.0, 6e-17], percent, digits=1) == "0.0% [0.0%, 0.0%]"


def test_a_share_too_small_for_a_tenth_of_a_point_does_not_read_as_none():
    # a calibrated workload's 3.7e-5 of scenario-months over one replica warned "0.0%"
    assert [share(v) for v in (0.032, 0.001, 3.7e-5, 0.0)] == ["3.2%", "0.1%", "under 0.1%", "0.0%"]
