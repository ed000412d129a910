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
    CALLS_PER_MONTH,
    FINETUNE,
    PROMPT,
    RAG,
    TIE_USD,
)
from kernels.layout import R_ERROR_COST, R_QUALITY
from kernels.routes import finetune_costs, market_and_baseline, prompt_costs, quality_costs, rag_costs
from kernels.tables import grid_volume_cdf



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


@njit(cache=True, nogil=True)
def simulate_block(scenarios, routes, run, volume, rngs, per_scenario, totals, paths):
    """Run every scenario of one block over ``horizon`` months, every route.

    ``R`` is the number of routes, ``n`` of scenarios, ``H`` the horizon in months.
    Each scenario's shared path (volume, shutdown, market index) is drawn once, then
    the baseline's costs; each other route then runs its months with its own state,
    compared with the baseline as it goes.

    Parameters
    ----------
    scenarios : (static, shutdown_draw, growth, market)
        ``static`` float64[n, S]: static inputs, a row per scenario (the shared columns
        of ``STATIC_FIELDS`` first). ``shutdown_draw`` float64[n]: a uniform in [0, 1)
        per scenario that decides its shutdown month. ``growth`` float64[n, H - 1]:
        volume ratios ``V_{m+1} / V_m`` of months 2 ... H (``fill_environment``); they
        apply until a shutdown. ``market`` float64[n, H], a portfolio's shared market
        index path (``kernels.routes.fill_market``), or no rows: drawn from ``event_rng``.
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
    run : (horizon, annual_discount_rate, cut_size, bar)
        Months simulated; ``r``, month ``m`` discounted by ``(1 + r) ** (-(m - 1) / 12)``;
        a price cut's fraction, drawn per cut (float64[DRAW_SPEC_LEN]); the least acceptable
        success rate (``quality.bar``): a route whose own rate is below it cannot win.
    volume : (volume_law, volume_mean)
        Month-1 volume's clip range, rounding and CDF grid, as
        ``kernels.tables.grid_volume_cdf`` takes them, and ``E[V_1]`` (calls/month).
        With a grid (not empty), the accumulated probabilities and mean costs integrate
        ``V_1`` out in closed form (every cost is ``A + V_1 B`` with ``A``, ``B``
        independent of ``V_1``) instead of counting the scenario's own draw.
    rngs : (event_rng, lifecycle_rngs)
        Price cut times and sizes (shared by every route); a tuple with a Generator per
        route for its training outcomes, drift times and base lifetimes (padded to a fixed
        length, so that one compiled kernel serves any number of routes).
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
        (at the horizon the calendar has left the route prompting for good); ``error_cost``
        float64[n, R] (USD, discounted: the failed calls' cost within ``cost``).
    totals : (beats, paid_back, cost_sum, cheaper, cheapest, over_capacity, win, quality)
        Out, accumulated over scenarios: ``beats`` float64[R, H], scenarios with ``C_k(m)
        < C_baseline(m)``; ``paid_back`` float64[R, H], scenarios whose payback month is
        m (with a volume grid: each scenario's probability given its other draws);
        ``cost_sum`` float64[R + 1], sums of each route's cost (its conditional mean when
        integrating) and of the cheapest one's; ``cheaper`` float64[R, R], scenarios with
        ``C_row < C_column`` at the horizon; ``cheapest`` float64[R], scenarios in which
        a route costs least (a tie within ``TIE_USD`` is the baseline's, else the first
        listed: ``_first_on_ties``); ``over_capacity`` float64[R + 1], scenario-months
        beyond one replica, then the months the use case was alive; ``win`` float64[R + 1],
        scenarios a route costs least of the acceptable ones, then those with none
        acceptable; ``quality`` float64[4, R], scenarios acceptable, failed calls, their
        cost (USD, discounted) and resolved calls (discounted).
    paths : float64[n or 0, R, H]
        Out: cumulative cost by month, written only when its first dimension is n.
    """
    static, shutdown_draw, growth, market = scenarios
    kind, columns, calendar, base_lifetime, reprice_on_retrain, migrate_on_exit, generations, capacity, baseline = routes
    horizon, annual_discount_rate, cut_size, quality_bar = run
    volume_law, volume_mean = volume
    event_rng, lifecycle_rngs = rngs
    (cost, cost_fixed, cost_slope, payback, retrains, attempts, failed, shutdown_month, exit_month,
     migrated, exited, error_cost) = per_scenario
    beats, paid_back, cost_sum, cheaper, cheapest, over_capacity, win, quality = totals

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
    volume_path = np.empty(horizon)
    baseline_rate = np.empty(horizon)  # USD a call at month-1 prices of the baseline, by month
    baseline_bill = np.empty(horizon)  # the baseline's one-off payments by month, USD
    fixed_path = np.zeros((n_routes, horizon))  # cumulative A by month
    slope_path = np.empty((n_routes, horizon))  # cumulative B by month
    base_cost = np.empty(horizon)  # C_baseline(m), USD
    own = np.ones(horizon)  # 1 where a fine-tune route's own model serves (quality_costs)
    acceptable = np.empty(n_routes, dtype=np.bool_)
    probability = np.empty(n_routes)  # P(a route is the cheapest) in this scenario
    every_route = np.ones(n_routes, dtype=np.bool_)

    for i in range(n):
        v1 = static[i, CALLS_PER_MONTH]
        ended = market_and_baseline(static, i, shutdown_draw, growth, market, discount, cut_size, event_rng, columns,
                                     generations, baseline, index, usage, current, volume_path, baseline_rate,
                                     baseline_bill, fixed_path, slope_path)
        months = ended - 1 if ended > 0 else horizon  # months in which the routes pay
        compared = ended if ended > 0 else horizon  # from then on every comparison repeats
        shutdown_month[i] = ended
        over_capacity[n_routes] += months  # the months the use case was alive
        v_mean = volume_mean if integrate else v1  # what a V_1-proportional total counts
        served = 0.0  # discounted calls per call/month of month-1 volume
        for m in range(months):
            served += usage[m]
        missed, failed_calls = quality_costs(static, i, columns, kind, baseline, baseline, months, usage, volume_path,
                                             own, slope_path)
        quality[1, baseline] += v_mean * failed_calls
        quality[2, baseline] += v_mean * missed * static[i, columns[baseline, R_ERROR_COST]]
        quality[3, baseline] += v_mean * (served - missed)
        error_cost[i, baseline] = v1 * missed * static[i, columns[baseline, R_ERROR_COST]]

        for m in range(horizon):  # the baseline's cumulative cost, as every route's: A + V_1 B
            paid = min(m, months - 1)
            base_cost[m] = fixed_path[baseline, paid] + v1 * slope_path[baseline, paid]

        for r in range(n_routes):
            lifecycle = (0, 0, False, -1, False, False)
            if r == baseline:
                pass  # drawn with the market path
            elif kind[r] == PROMPT:
                prompt_costs(static, i, columns, generations, r, months, discount, current, fixed_path, slope_path)
            elif kind[r] == FINETUNE:
                lifecycle = finetune_costs(static, i, columns, r, calendar, migrate_on_exit[r], reprice_on_retrain[r],
                                            base_lifetime, lifecycle_rngs[r], months, index, discount, usage, current,
                                            baseline_rate, baseline_bill, fixed_path, slope_path, own)
            elif kind[r] == RAG:
                rag_costs(static, i, columns, generations, r, months, index, discount, current, baseline_rate,
                           baseline_bill, fixed_path, slope_path)
            else:
                raise ValueError("unknown route kind")
            (attempts[i, r], retrains[i, r], failed[i, r], exit_month[i, r], migrated[i, r],
             exited[i, r]) = lifecycle
            acceptable[r] = static[i, columns[r, R_QUALITY]] >= quality_bar
            quality[0, r] += acceptable[r]
            if r != baseline:  # its failed calls, their cost added to its B (the baseline's above)
                missed, failed_calls = quality_costs(static, i, columns, kind, r, baseline, months, usage,
                                                     volume_path, own, slope_path)
                quality[1, r] += v_mean * failed_calls
                quality[2, r] += v_mean * missed * static[i, columns[r, R_ERROR_COST]]
                quality[3, r] += v_mean * (served - missed)
                error_cost[i, r] = v1 * missed * static[i, columns[r, R_ERROR_COST]]
            # the horizon's cumulative cost: the last month paid (a shutdown ends the paying)
            fixed, slope = fixed_path[r, months - 1], slope_path[r, months - 1]
            cost_fixed[i, r] = fixed
            cost_slope[i, r] = slope
            cost[i, r] = fixed + v1 * slope
            payback[i, r] = -1
            if capacity[r] < math.inf:  # one replica's calls: the months whose volume is beyond them
                for m in range(months):
                    over_capacity[r] += v1 * volume_path[m] > capacity[r]
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
        every_route_acceptable = True
        for r in range(n_routes):
            cheapest_cost = min(cheapest_cost, cost[i, r])
            every_route_acceptable = every_route_acceptable and acceptable[r]
        cost_sum[n_routes] += cheapest_cost
        for row in range(n_routes):
            for column in range(n_routes):
                if integrate:
                    if column == row:
                        continue
                    # C_row < C_column - tie  <=>  V_1 (B_column - B_row) > A_row - A_column + tie
                    cheaper[row, column] += _p_above(cost_slope[i, column] - cost_slope[i, row],
                                                     cost_fixed[i, row] - cost_fixed[i, column] + TIE_USD, volume_law)
                else:
                    cheaper[row, column] += cost[i, row] < cost[i, column] - TIE_USD
            cost_sum[row] += cost_fixed[i, row] + volume_mean * cost_slope[i, row] if integrate else cost[i, row]
            probability[row] = _p_lowest(i, row, cost, cost_fixed, cost_slope, every_route, baseline, integrate,
                                         volume_law)
            cheapest[row] += probability[row]
        # the winner: the cheapest of the acceptable routes (with every route acceptable, the cheapest)
        if every_route_acceptable:
            for row in range(n_routes):
                win[row] += probability[row]
        else:
            any_acceptable = False
            for row in range(n_routes):
                if acceptable[row]:
                    any_acceptable = True
                    win[row] += _p_lowest(i, row, cost, cost_fixed, cost_slope, acceptable, baseline, integrate,
                                          volume_law)
            if not any_acceptable:
                win[n_routes] += 1.0


@njit(cache=True, nogil=True, inline="always")
def _p_lowest(i, row, cost, cost_fixed, cost_slope, among, baseline, integrate, volume_law):
    """P(route ``row`` costs least of the routes ``among`` (bool[R]) in scenario ``i``): 0 or 1
    from its cost, or with a volume grid the probability that ``V_1`` falls where its line
    lies lowest (an intersection of half-lines). A tie (within TIE_USD, a tenth of a cent) is settled by
    ``_first_on_ties``, so that one route of a scenario is the lowest."""
    if not integrate:
        for column in range(among.shape[0]):
            if column == row or not among[column] or cost[i, row] < cost[i, column] - TIE_USD:
                continue
            if not (_first_on_ties(row, column, baseline) and cost[i, row] <= cost[i, column] + TIE_USD):
                return 0.0
        return 1.0
    above, below = -math.inf, math.inf
    for column in range(among.shape[0]):
        if column == row or not among[column]:
            continue
        # C_row < C_column - tie  <=>  V_1 (B_column - B_row) > A_row - A_column + tie; a tie
        # that is row's moves the bar by 2 TIE_USD the other way
        gap = cost_slope[i, column] - cost_slope[i, row]
        bar = cost_fixed[i, row] - cost_fixed[i, column] + TIE_USD
        if _first_on_ties(row, column, baseline):
            bar -= 2.0 * TIE_USD
        if gap > 0.0:
            above = max(above, bar / gap)
        elif gap < 0.0:
            below = min(below, bar / gap)
        elif bar >= 0.0:
            return 0.0  # never below this one
    if below <= above:
        return 0.0
    p_below = 1.0 if below == math.inf else grid_volume_cdf(volume_law, below)
    p_above = 0.0 if above == -math.inf else grid_volume_cdf(volume_law, above)
    return max(0.0, p_below - p_above)


@njit(cache=True, nogil=True, inline="always")
def _first_on_ties(row, column, baseline):
    """Whether route ``row`` takes a tie (within TIE_USD) with ``column``: the baseline takes
    every tie (staying costs no move), others the one listed first. One route of a
    scenario is then the cheapest, however many cost the same."""
    if row == baseline:
        return True
    if column == baseline:
        return False
    return row < column


_SOURCES_STAMP = sources_stamp(__file__, ("layout.py", "routes.py", "tables.py", "variates.py"))


@njit(cache=True)
def _compiled_stamp():
    return _SOURCES_STAMP


drop_stale_cache(globals(), _compiled_stamp, _SOURCES_STAMP)


__all__ = ["simulate_block"]
