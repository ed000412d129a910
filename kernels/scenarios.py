"""The scenario kernel: one block of scenarios through the decision model of MODEL.md,
every route of the run.

Everything here is pure: arrays, scalars and per-block random Generators in,
preallocated arrays filled. The routes, their static columns and their random streams
are set up in ``sim/`` (``sim.inputs.routes``, ``sim.simulation.sampling``); the kernel knows each
route's kind only. A scenario's shared path (volume, shutdown, market index) and the
baseline's costs on it are computed once; then each other route runs its own months,
its cumulative costs kept by month, and is compared with the baseline. Each fine-tune
route's lifecycle draws from its own Generator.

Money is USD, token prices USD per 1M tokens, time in whole months (month 1 is the
first month of the decision; events "at month m" happen at its start).
"""

import math

import numpy as np
from numba import njit

from kernels.cache import drop_stale_cache, sources_stamp
from kernels.layout import (  # compiled in as constants: see _SOURCES_STAMP
    CALLS_PER_MONTH, CUTS_PER_YEAR, FINETUNE, PROMPT, R_BASE_INPUT, R_BASE_OUTPUT,
    R_CORPUS_TOKENS, R_EMBEDDING, R_FINETUNED_INPUT, R_FINETUNED_OUTPUT,
    R_HOSTING_PER_MONTH, R_INPUT_TOKENS, R_MAINTENANCE_PER_MONTH, R_MAX_ATTEMPTS,
    R_MEAN_MONTHS_BETWEEN_RETRAINS, R_MIGRATION_COST, R_MONTHS_TO_SHIP, R_OUTPUT_TOKENS,
    R_QUERY_EMBEDDING_TOKENS, R_REINDEX_FRACTION_PER_MONTH, R_RETRAIN_COST,
    R_RETRAIN_INTERVAL_CV, R_RETRAIN_MONTHS, R_SETUP_COST, R_SUCCESS_PROBABILITY,
    R_SUCCESSOR_FINETUNED_INPUT, R_SUCCESSOR_FINETUNED_OUTPUT, R_SUCCESSOR_HOSTING_PER_MONTH,
    R_SUCCESSOR_TRAINING, R_TRAINING, R_TRAINING_TOKENS, R_VECTOR_STORE_PER_MONTH, RAG,
    SERVING_UNTIL, SHUTDOWN_PER_YEAR, TIE_USD, TRAINING_UNTIL, TREND_PER_YEAR,
)
from kernels.tables import grid_volume_cdf
from kernels.variates import draw, draw_wald, months_until

# Fine-tune phases. PENDING covers both "trained, waiting to go live" and "retraining":
# in either the traffic is served by prompting. EXITED: the route left its platform
# and serves by prompting for good (MODEL.md, "Provider calendar and platform exit").
_SHIPPING, _PENDING, _LIVE, _FAILED, _EXITED = range(5)

_PER_MILLION = 1e-6


@njit(cache=True, nogil=True, inline="always")
def _p_above(gap, bar, law):
    """P(V_1 * gap > bar) over month-1 volume's law (calls/month).

    Thresholds that fall exactly on an atom of the law (a clip bound, a whole number)
    have probability zero under the continuous inputs that form them.
    """
    if gap > 0.0:
        return 1.0 - grid_volume_cdf(law, bar / gap)
    if gap < 0.0:
        return grid_volume_cdf(law, bar / gap)
    return 1.0 if bar < 0.0 else 0.0


@njit(cache=True, nogil=True, inline="always")
def _paid_back(gap, bar, lowest, highest, p_before, law):
    """Add month m's payback condition ``V_1 * gap >= bar`` to the union of months before.

    Returns the union's new bounds (``V_1 >= lowest`` or ``V_1 <= highest``) and its
    probability (``p_before``, the union's before, when the month widens neither bound).
    """
    if gap > 0.0:
        if bar / gap >= lowest:
            return lowest, highest, p_before
        lowest = bar / gap
    elif gap < 0.0:
        if bar / gap <= highest:
            return lowest, highest, p_before
        highest = bar / gap
    elif bar <= 0.0:
        lowest = -math.inf  # every volume: paid back
    else:
        return lowest, highest, p_before
    if highest >= lowest:
        return lowest, highest, 1.0
    p = 0.0
    if lowest < math.inf:
        p += 1.0 - grid_volume_cdf(law, lowest)
    if highest > -math.inf:
        p += grid_volume_cdf(law, highest)
    return lowest, highest, min(p, 1.0)


@njit(cache=True, nogil=True, inline="always")
def _prompt_rate(static, i, columns, r):
    """USD a call at month-1 prices of a prompt route: its long prompt at its base model's prices."""
    return (static[i, columns[r, R_INPUT_TOKENS]] * static[i, columns[r, R_BASE_INPUT]]
            + static[i, columns[r, R_OUTPUT_TOKENS]] * static[i, columns[r, R_BASE_OUTPUT]]) * _PER_MILLION


@njit(cache=True, nogil=True, inline="always")
def _market_and_baseline(static, i, shutdown_draw, growth, discount, cut_size, event_rng, base_rate, index, usage,
                         current, baseline_rate, slope_path, baseline):
    """The path every route of a scenario shares, with the baseline's costs on it; returns
    the month the use case ended (0: none).

    Fills, for each month ``m`` until then, the market index ``M_m`` (``index``), the
    discounted volume ``d_m V_m / V_1`` (``usage``) and the same at current prices,
    ``d_m V_m M_m / V_1`` (``current``); the baseline's USD a call at month-1 prices
    (``baseline_rate``: what a route serving by prompting pays) and its cumulative slope
    ``B`` (``slope_path[baseline]``; a prompt route has no fixed cost). Price cuts are drawn from
    ``event_rng`` in month order, up to the shutdown month.
    """
    horizon = index.shape[0]
    never = horizon + 1
    # log(1 - p) of the monthly probabilities 1 - (1 - q)^(1/12) and 1 - e^(-c/12)
    log_stay_open = math.log1p(-static[i, SHUTDOWN_PER_YEAR]) / 12.0
    log_no_cut = -static[i, CUTS_PER_YEAR] / 12.0
    monthly_trend = math.exp(static[i, TREND_PER_YEAR] / 12.0)
    # The first month m >= 2 whose shutdown draw hits, and likewise the next cut.
    shutdown_at = 2 + months_until(log_stay_open, shutdown_draw[i], never)
    next_cut = 2 + months_until(log_no_cut, event_rng.random(), never)
    volume = 1.0  # V_m / V_1: costs are kept as A + V_1 * B
    level = 1.0
    slope = 0.0
    for m in range(1, horizon + 1):
        if m >= 2:
            volume *= growth[i, m - 2]
            level *= monthly_trend
        if m == next_cut:
            level *= 1.0 - draw(cut_size, event_rng)
            next_cut = m + 1 + months_until(log_no_cut, event_rng.random(), never)
        index[m - 1] = level
        if m == shutdown_at:
            return m
        usage[m - 1] = discount[m - 1] * volume
        current[m - 1] = usage[m - 1] * level
        slope += current[m - 1] * base_rate
        baseline_rate[m - 1] = base_rate
        slope_path[baseline, m - 1] = slope
    return 0


@njit(cache=True, nogil=True, inline="always")
def _prompt_costs(rate, months, current, slope_path, r):
    """A prompt route's cumulative slope ``B`` by month (it has no fixed cost), into ``slope_path[r]``."""
    slope = 0.0
    for m in range(months):
        slope += current[m] * rate
        slope_path[r, m] = slope


@njit(cache=True, nogil=True, inline="always")
def _rag_costs(static, i, columns, r, months, index, discount, current, baseline_rate, fixed_path, slope_path):
    """A RAG route's cumulative ``A`` and ``B`` by month: the index built in month 1, the
    store and re-embedding monthly, the baseline's calls until it ships."""
    rate = (
        static[i, columns[r, R_INPUT_TOKENS]] * static[i, columns[r, R_BASE_INPUT]]
        + static[i, columns[r, R_OUTPUT_TOKENS]] * static[i, columns[r, R_BASE_OUTPUT]]
        + static[i, columns[r, R_QUERY_EMBEDDING_TOKENS]] * static[i, columns[r, R_EMBEDDING]]
    ) * _PER_MILLION
    corpus_bill = static[i, columns[r, R_CORPUS_TOKENS]] * static[i, columns[r, R_EMBEDDING]] * _PER_MILLION
    reindex_bill = static[i, columns[r, R_REINDEX_FRACTION_PER_MONTH]] * corpus_bill
    vector_store = static[i, columns[r, R_VECTOR_STORE_PER_MONTH]]
    setup = static[i, columns[r, R_SETUP_COST]]
    switch = int(static[i, columns[r, R_MONTHS_TO_SHIP]]) + 1  # served by prompting until then
    fixed = slope = 0.0
    for m in range(1, months + 1):
        # month 1 embeds the whole corpus; later months re-embed a share of it
        rag_bill = corpus_bill * index[m - 1] + setup if m == 1 else reindex_bill * index[m - 1]
        fixed += discount[m - 1] * (rag_bill + vector_store)
        slope += current[m - 1] * (rate if m >= switch else baseline_rate[m - 1])
        fixed_path[r, m - 1] = fixed
        slope_path[r, m - 1] = slope


@njit(cache=True, nogil=True, inline="always")
def _finetune_costs(static, i, columns, r, calendar, migrate_on_exit, reprice_on_retrain, base_lifetime, rng,
                    months, index, discount, usage, current, baseline_rate, fixed_path, slope_path):
    """A fine-tune route's cumulative ``A`` and ``B`` by month through its lifecycle.

    Attempts, go-lives, drift and deprecation retrains and platform exits (MODEL.md),
    drawn from the route's own ``rng`` in month order; months it serves by prompting pay
    ``baseline_rate``. Returns the scenario's attempts and retrains, and whether every
    attempt failed, the month it first left its platform (-1: never), whether it moved to
    its successor, and whether it ends prompting for good after an exit.
    """
    never = index.shape[0] + 1
    rate = (static[i, columns[r, R_INPUT_TOKENS]] * static[i, columns[r, R_FINETUNED_INPUT]]
            + static[i, columns[r, R_OUTPUT_TOKENS]] * static[i, columns[r, R_FINETUNED_OUTPUT]]) * _PER_MILLION
    training_bill = static[i, columns[r, R_TRAINING_TOKENS]] * static[i, columns[r, R_TRAINING]] * _PER_MILLION
    maintenance = static[i, columns[r, R_MAINTENANCE_PER_MONTH]]
    monthly = static[i, columns[r, R_HOSTING_PER_MONTH]] + maintenance  # once live: the fee and maintenance
    first_attempt_cost = static[i, columns[r, R_SETUP_COST]]  # beside training; a migration's is its own
    retrain_cost = static[i, columns[r, R_RETRAIN_COST]]
    success_probability = static[i, columns[r, R_SUCCESS_PROBABILITY]]
    mean_between_retrains = static[i, columns[r, R_MEAN_MONTHS_BETWEEN_RETRAINS]]
    retrain_cv = static[i, columns[r, R_RETRAIN_INTERVAL_CV]]
    months_to_ship = int(static[i, columns[r, R_MONTHS_TO_SHIP]])
    max_attempts = int(static[i, columns[r, R_MAX_ATTEMPTS]])
    retrain_months = int(static[i, columns[r, R_RETRAIN_MONTHS]])
    training_until = calendar[r, TRAINING_UNTIL]
    serving_until = calendar[r, SERVING_UNTIL]

    phase = _SHIPPING
    next_lifecycle = 1  # the month of the next attempt, retrain or go-live
    n_attempts = n_retrains = 0
    lifecycle_attempts = 0  # attempts of the current sheet's lifecycle
    pinned_index = 1.0  # M_a of the live model's go-live month a
    hosting = 0.0  # the flat monthly payment: fee and maintenance
    went_live = on_successor = False
    first_exit = -1
    fixed = slope = 0.0
    m = 1
    while m <= months:
        bill = 0.0  # one-off payments of month m
        # A model of this sheet, live or waiting to go live, that can no longer serve; or
        # a training due that can no longer be made.
        exiting = m > serving_until and (phase == _PENDING or phase == _LIVE)
        while exiting or m == next_lifecycle:
            if (phase == _SHIPPING or phase == _LIVE) and m > training_until:
                exiting = True
            if exiting:
                exiting = False
                if first_exit < 0:
                    first_exit = m
                if migrate_on_exit and not on_successor and m <= calendar[r, 2 + TRAINING_UNTIL]:
                    # attempt 1 of a new lifecycle on the successor, this month
                    on_successor = True
                    training_until = calendar[r, 2 + TRAINING_UNTIL]
                    serving_until = calendar[r, 2 + SERVING_UNTIL]
                    training_bill = (static[i, columns[r, R_TRAINING_TOKENS]] * static[i, columns[r, R_SUCCESSOR_TRAINING]]
                                     * _PER_MILLION)
                    rate = (static[i, columns[r, R_INPUT_TOKENS]] * static[i, columns[r, R_SUCCESSOR_FINETUNED_INPUT]]
                            + static[i, columns[r, R_OUTPUT_TOKENS]] * static[i, columns[r, R_SUCCESSOR_FINETUNED_OUTPUT]]
                            ) * _PER_MILLION
                    monthly = static[i, columns[r, R_SUCCESSOR_HOSTING_PER_MONTH]] + maintenance
                    if n_attempts > 0:
                        first_attempt_cost = static[i, columns[r, R_MIGRATION_COST]]
                    lifecycle_attempts = 0
                    # the old deployment is gone; maintenance goes on once live before
                    hosting = maintenance if went_live else 0.0
                    phase = _SHIPPING
                    next_lifecycle = m
                else:
                    phase = _EXITED
                    hosting = 0.0
                    next_lifecycle = never
                    break
            elif phase == _SHIPPING:
                n_attempts += 1
                lifecycle_attempts += 1
                bill += training_bill * index[m - 1]
                bill += first_attempt_cost if lifecycle_attempts == 1 else retrain_cost
                if rng.random() < success_probability:
                    phase = _PENDING
                elif lifecycle_attempts >= max_attempts:
                    phase = _FAILED
                    hosting = 0.0
                    next_lifecycle = never
                    break
                next_lifecycle = m + months_to_ship
            elif phase == _LIVE:
                n_retrains += 1
                bill += training_bill * index[m - 1] + retrain_cost
                phase = _PENDING
                next_lifecycle = m + retrain_months
            elif phase == _PENDING:  # the model goes live, pinned to this month's index
                phase = _LIVE
                went_live = True
                pinned_index = index[m - 1]
                hosting = monthly
                drift_time = draw_wald(mean_between_retrains, retrain_cv, rng)
                lifetime = draw(base_lifetime[r], rng)
                next_lifecycle = m + max(1, int(math.ceil(min(drift_time, lifetime))))
            else:
                raise ValueError("a lifecycle event in a phase that has none")
        # Month m pays its bill; the months until the next event pay only the usage and
        # the flat fees of the phase they are in (a loop without a lifecycle test).
        until = next_lifecycle
        if phase == _PENDING or phase == _LIVE:
            until = min(until, serving_until + 1)
        until = min(until, months + 1)
        fixed += discount[m - 1] * (bill + hosting)
        if phase != _LIVE:
            for paying in range(m, until):
                slope += current[paying - 1] * baseline_rate[paying - 1]
                if paying > m:
                    fixed += discount[paying - 1] * hosting
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
        elif reprice_on_retrain:
            for paying in range(m, until):
                slope += usage[paying - 1] * pinned_index * rate
                if paying > m:
                    fixed += discount[paying - 1] * hosting
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
        else:
            for paying in range(m, until):
                slope += current[paying - 1] * rate
                if paying > m:
                    fixed += discount[paying - 1] * hosting
                fixed_path[r, paying - 1] = fixed
                slope_path[r, paying - 1] = slope
        m = until
    return n_attempts, n_retrains, phase == _FAILED, first_exit, on_successor, phase == _EXITED


@njit(cache=True, nogil=True)
def simulate_block(scenarios, routes, run, volume, rngs, per_scenario, totals, paths):
    """Run every scenario of one block over ``horizon`` months, every route.

    ``R`` is the number of routes, ``n`` of scenarios, ``H`` the horizon in months.
    Each scenario's shared path (volume, shutdown, market index) is drawn once, then
    the baseline's costs; each other route then runs its months with its own state,
    compared with the baseline as it goes.

    Parameters
    ----------
    scenarios : (static, shutdown_draw, growth)
        ``static`` float64[n, S]: static inputs, a row per scenario (the shared columns
        of ``STATIC_FIELDS`` first). ``shutdown_draw`` float64[n]: a uniform in [0, 1)
        per scenario that decides its shutdown month. ``growth`` float64[n, H - 1]:
        volume ratios ``V_{m+1} / V_m`` of months 2 ... H (``fill_environment``); they
        apply until a shutdown.
    routes : (kind, columns, calendar, base_lifetime, reprice_on_retrain, migrate_on_exit, baseline)
        ``kind`` int64[R] (``PROMPT``, ``FINETUNE``, ``RAG``); ``columns`` int64[R,
        N_ROUTE_FIELDS], the static column of each route field; ``calendar`` int64[R,
        CALENDAR_LEN], a fine-tune route's last training and serving months on its sheet
        and then on its successor's (``H + 1``: no end); ``base_lifetime`` float64[R,
        DRAW_SPEC_LEN], a fine-tune's base model's lifetime (months) per generation;
        ``reprice_on_retrain`` bool[R]: a live fine-tune pays its prices at the index of
        its go-live month (pinned); ``migrate_on_exit`` bool[R]: at a platform exit the
        route moves to its successor (once) instead of prompting; ``baseline`` int, the
        route every other is compared with (a prompt route: it has no fixed cost).
    run : (horizon, annual_discount_rate, cut_size)
        Months simulated; ``r``, month ``m`` discounted by ``(1 + r) ** (-(m - 1) / 12)``;
        a price cut's fraction, drawn per cut (float64[DRAW_SPEC_LEN]).
    volume : (volume_law, volume_mean)
        Month-1 volume's clip range, rounding and CDF grid, as
        ``kernels.tables.grid_volume_cdf`` takes them, and ``E[V_1]`` (calls/month).
        With a grid (not empty), the accumulated probabilities and mean costs integrate
        ``V_1`` out in closed form (every cost is ``A + V_1 B`` with ``A``, ``B``
        independent of ``V_1``) instead of counting the scenario's own draw.
    rngs : (event_rng, lifecycle_rngs)
        Price cut times and sizes (shared by every route); a tuple with a Generator per
        route for its training outcomes, drift times and base lifetimes.
    per_scenario : tuple of arrays
        Out: ``cost``, ``cost_fixed``, ``cost_slope`` float64[n, R] (discounted cumulative
        cost at the horizon, USD; its volume-independent part ``A``, USD; its slope
        ``B``, USD per call/month of month-1 volume; ``cost = A + V_1 B``); ``payback``
        int64[n, R] (first month with ``C_k <= C_baseline``, -1 if none or the
        baseline); ``retrains``, ``attempts`` int64[n, R] (drift- or deprecation-triggered
        retrains; training attempts); ``failed`` bool[n, R] (every attempt failed the
        quality bar); ``shutdown_month`` int64[n] (0: no shutdown); ``exit_month``
        int64[n, R] (the month the route first left its platform, -1 if it did not);
        ``migrated`` bool[n, R] (moved to the successor's sheet); ``exited`` bool[n, R]
        (at the horizon the calendar has left the route prompting for good).
    totals : (beats, paid_back, cost_sum, cheaper, cheapest)
        Out, accumulated over scenarios: ``beats`` float64[R, H], scenarios with ``C_k(m)
        < C_baseline(m)``; ``paid_back`` float64[R, H], scenarios whose payback month is
        m (with a volume grid: each scenario's probability given its other draws);
        ``cost_sum`` float64[R + 1], sums of each route's cost (its conditional mean when
        integrating) and of the cheapest one's; ``cheaper`` float64[R, R], scenarios with
        ``C_row < C_column`` at the horizon; ``cheapest`` float64[R], scenarios in which
        a route is cheaper than every other (beyond the tie tolerance).
    paths : float64[n or 0, R, H]
        Out: cumulative cost by month, written only when its first dimension is n.
    """
    static, shutdown_draw, growth = scenarios
    kind, columns, calendar, base_lifetime, reprice_on_retrain, migrate_on_exit, baseline = routes
    horizon, annual_discount_rate, cut_size = run
    volume_law, volume_mean = volume
    event_rng, lifecycle_rngs = rngs
    (cost, cost_fixed, cost_slope, payback, retrains, attempts, failed, shutdown_month, exit_month,
     migrated, exited) = per_scenario
    beats, paid_back, cost_sum, cheaper, cheapest = totals

    n = static.shape[0]
    n_routes = kind.shape[0]
    store_paths = paths.shape[0] == n and n > 0
    integrate = volume_law[3].shape[0] > 0  # a CDF grid
    discount = np.empty(horizon)
    for m in range(horizon):
        discount[m] = (1.0 + annual_discount_rate) ** (-m / 12.0)

    index = np.empty(horizon)
    usage = np.empty(horizon)
    current = np.empty(horizon)
    baseline_rate = np.empty(horizon)  # USD a call at month-1 prices of the baseline, by month
    fixed_path = np.zeros((n_routes, horizon))  # cumulative A by month; a prompt route's stays 0
    slope_path = np.empty((n_routes, horizon))  # cumulative B by month
    base_cost = np.empty(horizon)  # C_baseline(m), USD

    for i in range(n):
        v1 = static[i, CALLS_PER_MONTH]
        ended = _market_and_baseline(static, i, shutdown_draw, growth, discount, cut_size, event_rng,
                                     _prompt_rate(static, i, columns, baseline), index, usage, current,
                                     baseline_rate, slope_path, baseline)
        months = ended - 1 if ended > 0 else horizon  # months in which the routes pay
        compared = ended if ended > 0 else horizon  # from then on every comparison repeats
        shutdown_month[i] = ended

        for m in range(horizon):  # the baseline's cumulative cost, as every route's: A + V_1 B, A = 0
            base_cost[m] = 0.0 + v1 * slope_path[baseline, min(m, months - 1)]

        for r in range(n_routes):
            lifecycle = (0, 0, False, -1, False, False)
            if r == baseline:
                pass  # drawn with the market path
            elif kind[r] == PROMPT:
                _prompt_costs(_prompt_rate(static, i, columns, r), months, current, slope_path, r)
            elif kind[r] == FINETUNE:
                lifecycle = _finetune_costs(static, i, columns, r, calendar, migrate_on_exit[r], reprice_on_retrain[r],
                                            base_lifetime, lifecycle_rngs[r], months, index, discount, usage, current,
                                            baseline_rate, fixed_path, slope_path)
            elif kind[r] == RAG:
                _rag_costs(static, i, columns, r, months, index, discount, current, baseline_rate, fixed_path,
                           slope_path)
            else:
                raise ValueError("unknown route kind")
            (attempts[i, r], retrains[i, r], failed[i, r], exit_month[i, r], migrated[i, r],
             exited[i, r]) = lifecycle
            # the horizon's cumulative cost: the last month paid (a shutdown ends the paying)
            fixed, slope = fixed_path[r, months - 1], slope_path[r, months - 1]
            cost_fixed[i, r] = fixed
            cost_slope[i, r] = slope
            cost[i, r] = fixed + v1 * slope
            payback[i, r] = -1
            if r == baseline:
                continue
            # against the baseline, month by month
            first = -1
            beat = 0.0
            if integrate:
                lowest, highest, p_paid = math.inf, -math.inf, 0.0
                for m in range(1, compared + 1):
                    paid = min(m, months) - 1  # the costs of month m: those of the last month paid
                    fixed, slope = fixed_path[r, paid], slope_path[r, paid]
                    if first < 0 and fixed + v1 * slope <= base_cost[m - 1] + TIE_USD:
                        first = m
                    gap = slope_path[baseline, paid] - slope
                    bar = fixed - fixed_path[baseline, paid]
                    # C_k < C_b - tie  <=>  V_1 (B_b - B_k) > A_k - A_b + tie
                    beat = _p_above(gap, bar + TIE_USD, volume_law)
                    if p_paid < 1.0:
                        lowest, highest, p = _paid_back(gap, bar - TIE_USD, lowest, highest, p_paid, volume_law)
                        paid_back[r, m - 1] += p - p_paid
                        p_paid = p
                    beats[r, m - 1] += beat
            else:
                for m in range(1, compared + 1):
                    paid = min(m, months) - 1
                    c = fixed_path[r, paid] + v1 * slope_path[r, paid]
                    beat = 1.0 if c < base_cost[m - 1] - TIE_USD else 0.0
                    beats[r, m - 1] += beat
                    if first < 0 and c <= base_cost[m - 1] + TIE_USD:
                        first = m
                        paid_back[r, m - 1] += 1
            for later in range(compared, horizon):  # the use case has ended: nothing changes any more
                beats[r, later] += beat
            payback[i, r] = first
        if store_paths:
            for r in range(n_routes):
                for m in range(horizon):
                    paid = min(m, months - 1)
                    paths[i, r, m] = fixed_path[r, paid] + v1 * slope_path[r, paid]

        cheapest_cost = math.inf
        for r in range(n_routes):
            cheapest_cost = min(cheapest_cost, cost[i, r])
        cost_sum[n_routes] += cheapest_cost
        if integrate:
            for row in range(n_routes):
                cost_sum[row] += cost_fixed[i, row] + volume_mean * cost_slope[i, row]
                # cheaper than every other: V_1 in the intersection of half-lines
                above, below = -math.inf, math.inf
                for column in range(n_routes):
                    if column == row:
                        continue
                    # C_row < C_column - tie  <=>  V_1 (B_column - B_row) > A_row - A_column + tie
                    gap = cost_slope[i, column] - cost_slope[i, row]
                    bar = cost_fixed[i, row] - cost_fixed[i, column] + TIE_USD
                    cheaper[row, column] += _p_above(gap, bar, volume_law)
                    if gap > 0.0:
                        above = max(above, bar / gap)
                    elif gap < 0.0:
                        below = min(below, bar / gap)
                    elif bar >= 0.0:
                        below = -math.inf  # never cheaper than this one
                if below > above:
                    p_below = 1.0 if below == math.inf else grid_volume_cdf(volume_law, below)
                    p_above = 0.0 if above == -math.inf else grid_volume_cdf(volume_law, above)
                    cheapest[row] += max(0.0, p_below - p_above)
        else:
            for row in range(n_routes):
                cost_sum[row] += cost[i, row]
                below_all = True
                for column in range(n_routes):
                    below = cost[i, row] < cost[i, column] - TIE_USD
                    cheaper[row, column] += below
                    if column != row and not below:
                        below_all = False
                cheapest[row] += below_all


_SOURCES_STAMP = sources_stamp(__file__, ("layout.py", "tables.py", "variates.py"))


@njit(cache=True)
def _compiled_stamp():
    return _SOURCES_STAMP


drop_stale_cache(globals(), _compiled_stamp, _SOURCES_STAMP)


__all__ = ["simulate_block"]
