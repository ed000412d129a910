"""A vectorised NumPy implementation of MODEL.md, written apart from the Numba kernel.

It serves as the benchmark's baseline and as an oracle: on the same configuration
the kernel and this reference must agree within Monte Carlo error (they use their
random numbers differently, so they agree in distribution, not draw for draw).
Scenarios are the vector axis; months are a Python loop, and in each month every route
of the run pays its bill (MODEL.md, "Routes"): a prompt route its calls on the base model
of the month (its sheet's, then its successors'), a RAG route its index, store and calls,
a fine-tune route what its lifecycle asks; a month a fine-tune or RAG route serves by
prompting, what the baseline pays that month. Each route also pays its failed calls
(MODEL.md, "Quality and the cost of errors"): ``V_m (1 - q_k(m)) error_cost``, ``q_k(m)`` its own
success rate in the months its own model serves (``serves_own``), the baseline's in those it
serves by prompting.

It reads the routes as ``sim.inputs`` resolved them (each route's static input keys, base
models, calendar and options) and nothing of the kernel's.
"""

import numpy as np

from kernels.layout import TIE_USD

SHIPPING, PENDING, LIVE, FAILED, EXITED = 0, 1, 2, 3, 4
_PER_MILLION = 1e-6


def wald_times(mean, cv, rng):
    """Inverse-Gaussian drift times with the given means and coefficients of variation."""
    out = mean.astype(float).copy()
    random = cv > 0
    if random.any():
        shape = mean[random] / cv[random] ** 2
        out[random] = rng.wald(mean[random], shape)
    return out


def input_cost(tokens, prefix, hit, price, cached):
    """A call's input at ``price`` per 1M tokens, its prefix read from cache in a share
    ``hit`` of calls at ``cached`` (MODEL.md, "Prompt caching"): ``(T - h P) price + h P cached``.
    The prefix is part of the prompt: a drawn one beyond it counts as the whole prompt."""
    from_cache = hit * np.minimum(prefix, tokens)
    return (tokens - from_cache) * price + from_cache * cached


class _BaseModels:
    """A prompt or RAG route's base models in turn: the USD a call of each at month-1 prices
    (plus ``per_call_extra``), and ``prompt.migration_cost`` in the first month of each after the first."""

    def __init__(self, route, value, tokens_key, per_call_extra=0.0):
        tokens, prefix = value(route.key(tokens_key)), value(route.key("prefix_tokens"))
        hit, output = value(route.key("cache_hit_rate")), value(route.key("output_tokens"))
        self.starts = [first for first, *_ in route.generations]
        self.per_call = [(input_cost(tokens, prefix, hit, value(base_input), value(cached))
                          + output * value(base_output) + per_call_extra) * _PER_MILLION
                         for _, base_input, base_output, cached in route.generations]
        self.migration = value(route.key("prompt_migration_cost"))

    def usage(self, m, calls):
        """USD of month ``m``'s calls (``calls``: V_m M_m) on the base model serving then."""
        current = max(j for j, first in enumerate(self.starts) if first <= m)
        return calls * self.per_call[current]

    def moving(self, m):
        """Whether month ``m`` is the first of a later base model."""
        return m in self.starts[1:]


class _Prompt:
    def __init__(self, route, value):
        self.models = _BaseModels(route, value, "input_tokens")

    def serves_own(self, m):
        """Where the route's own model serves month ``m`` (a prompt route: always)."""
        return True

    def bill(self, m, volume, index, baseline_bill, alive, rng):
        migration = self.models.migration if self.models.moving(m) else 0.0
        return self.models.usage(m, volume * index) + migration


class _Rag:
    def __init__(self, route, value):
        embedding = value(route.key("embedding"))
        query = value(route.key("query_embedding_tokens")) * embedding
        self.models = _BaseModels(route, value, "input_tokens", per_call_extra=query)
        self.corpus = value(route.key("corpus_tokens")) * embedding * _PER_MILLION
        self.setup = value(route.key("setup_cost"))
        self.store = value(route.key("vector_store_per_month"))
        self.reindex = value(route.key("reindex_fraction_per_month"))
        self.ship = value(route.key("months_to_ship")).astype(int)

    def serves_own(self, m):
        """Where RAG serves month ``m`` itself: once shipped."""
        return m > self.ship

    def bill(self, m, volume, index, baseline_bill, alive, rng):
        # month 1 embeds the whole corpus (and pays the setup), later months a share of it
        build = self.corpus * index + self.setup if m == 1 else self.reindex * self.corpus * index
        migration = self.models.migration if self.models.moving(m) else 0.0
        calls = np.where(m <= self.ship, baseline_bill, self.models.usage(m, volume * index))
        return self.store + build + migration + calls


class _FineTune:
    """A fine-tune route's lifecycle (MODEL.md, "Fine-tune lifecycle", "Provider calendar and
    platform exit"), every scenario at once; sheet 0 its own, 1 its successor's."""

    def __init__(self, route, value, horizon, n):
        self.value = value
        self.route = route
        tokens, prefix = value(route.key("input_tokens")), value(route.key("prefix_tokens"))
        hit, output = value(route.key("cache_hit_rate")), value(route.key("output_tokens"))
        self.per_call = np.stack([
            (input_cost(tokens, prefix, hit, value(route.key(f"{sheet}finetuned_input")),
                        value(route.key(f"{sheet}finetuned_cached_input")))
             + output * value(route.key(f"{sheet}finetuned_output"))) * _PER_MILLION
            for sheet in ("", "successor_")], axis=1)
        self.training_run = np.stack([value(route.key("training_tokens")) * value(route.key(f"{sheet}training"))
                                      * _PER_MILLION for sheet in ("", "successor_")], axis=1)
        self.fee = np.stack([value(route.key("hosting_per_month")), value(route.key("successor_hosting_per_month"))],
                            axis=1)
        never = horizon + 1
        calendar = np.full(4, never) if route.calendar is None else np.asarray(route.calendar)
        self.training_until, self.serving_until = calendar[[0, 2]], calendar[[1, 3]]
        self.migrate = route.migrate and route.successor is not None
        self.ship = value(route.key("months_to_ship")).astype(int)
        self.retrain_months = value(route.key("retrain_months")).astype(int)
        self.max_attempts = value(route.key("max_attempts")).astype(int)
        self.rows = np.arange(n)
        self.phase = np.full(n, SHIPPING)
        self.sheet = np.zeros(n, dtype=int)
        self.next_attempt = np.ones(n, dtype=int)
        self.attempts = np.zeros(n, dtype=int)
        self.lifecycle_attempts = np.zeros(n, dtype=int)  # attempts on the current sheet
        self.first_attempt_cost = value(route.key("setup_cost")).copy()
        self.retrains = np.zeros(n, dtype=int)
        self.live_at = np.full(n, -1)
        self.next_retrain = np.full(n, -1)
        self.pinned = np.ones(n)
        self.went_live = np.zeros(n, dtype=bool)
        self.deployed = np.zeros(n, dtype=bool)  # a model of the current sheet is deployed: its fee is due
        self.exit_month = np.full(n, -1)
        self.migrated = np.zeros(n, dtype=bool)
        self.live = np.zeros(n, dtype=bool)  # the month's phase, after its events

    def serves_own(self, m):
        """Where a fine-tuned model of the route serves the month last billed."""
        return self.live

    def _leave_platform(self, leaving, m):
        self.exit_month[leaving & (self.exit_month < 0)] = m
        self.deployed[leaving] = False
        move = leaving & self.migrate & (self.sheet == 0) & (m <= self.training_until[1])
        self.sheet[move] = 1
        self.phase[move] = SHIPPING
        self.next_attempt[move] = m
        self.lifecycle_attempts[move] = 0
        after_training = move & (self.attempts > 0)
        self.first_attempt_cost[after_training] = self.value(self.route.key("migration_cost"))[after_training]
        self.migrated[move] = True
        self.phase[leaving & ~move] = EXITED

    def bill(self, m, volume, index, baseline_bill, alive, rng):
        value, key = self.value, self.route.key
        n = alive.size
        bill = np.zeros(n)
        # The month's lifecycle events, repeated until none is left: with months_to_ship = 0
        # or retrain_months = 0 several fall in the same month.
        while True:
            attempting = alive & (self.phase == SHIPPING) & (self.next_attempt == m)
            retraining = alive & (self.phase == LIVE) & (self.next_retrain == m)
            cannot_serve = alive & ((self.phase == PENDING) | (self.phase == LIVE)) & (m > self.serving_until[self.sheet])
            cannot_train = (attempting | retraining) & (m > self.training_until[self.sheet])
            if (cannot_serve | cannot_train).any():
                self._leave_platform(cannot_serve | cannot_train, m)
                continue
            if attempting.any():
                self.attempts[attempting] += 1
                self.lifecycle_attempts[attempting] += 1
                first = attempting & (self.lifecycle_attempts == 1)
                bill[attempting] += self.training_run[self.rows, self.sheet][attempting] * index[attempting]
                bill[first] += self.first_attempt_cost[first]
                repeat = attempting & ~first
                bill[repeat] += value(key("retrain_cost"))[repeat]
                success = attempting & (rng.random(n) < value(key("success_probability")))
                self.phase[success] = PENDING
                self.live_at[success] = m + self.ship[success]
                out_of_tries = attempting & ~success & (self.lifecycle_attempts >= self.max_attempts)
                self.phase[out_of_tries] = FAILED
                again = attempting & ~success & ~out_of_tries
                self.next_attempt[again] = m + self.ship[again]
                continue
            if retraining.any():
                self.retrains[retraining] += 1
                bill[retraining] += (self.training_run[self.rows, self.sheet][retraining] * index[retraining]
                                     + value(key("retrain_cost"))[retraining])
                self.phase[retraining] = PENDING
                self.live_at[retraining] = m + self.retrain_months[retraining]
                continue
            going_live = alive & (self.phase == PENDING) & (self.live_at == m)
            if going_live.any():
                self.phase[going_live] = LIVE
                self.pinned[going_live] = index[going_live]
                self.went_live |= going_live
                self.deployed |= going_live
                drift = wald_times(value(key("mean_months_between_retrains"))[going_live],
                                   value(key("retrain_interval_cv"))[going_live], rng)
                lifetime = self.route.lifetime.sample(rng, int(going_live.sum()))
                self.next_retrain[going_live] = m + np.maximum(1, np.ceil(np.minimum(drift, lifetime))).astype(int)
                continue
            break
        live = self.phase == LIVE
        self.live = live
        finetuned_index = self.pinned if self.route.reprice else index
        # live: its own calls; otherwise it serves by prompting and pays what the baseline pays
        bill += np.where(live, volume * finetuned_index * self.per_call[self.rows, self.sheet], baseline_bill)
        bill += np.where(self.deployed, self.fee[self.rows, self.sheet], 0.0)
        maintained = self.went_live & (self.phase != FAILED) & (self.phase != EXITED)
        bill += np.where(maintained, value(key("maintenance_per_month")), 0.0)
        return bill


def simulate_reference(static, settings, rng):
    """Run scenarios of the decision model with NumPy arrays, every route of ``settings``.

    Parameters
    ----------
    static : float64[n, len(settings.layout.keys)]
        Static inputs per scenario, columns in the layout's order (``draw_static``).
    settings : sim.inputs.validation.Settings
        The routes (``settings.routes``, the baseline ``settings.baseline``), horizon,
        discount rate and ``market.cut_size``.
    rng : numpy.random.Generator

    Returns
    -------
    dict of numpy.ndarray
        R routes in ``settings.routes`` order: ``cost`` float[n, R] (USD at the horizon),
        ``payback`` int[n, R] (-1 if none, and in the baseline's column), ``beats`` int[R, H]
        (the baseline's row 0), ``retrains``, ``attempts``, ``exit_month`` int[n, R] (-1:
        none), ``failed``, ``migrated``, ``exited`` bool[n, R] (0 or False but for fine-tune
        routes), ``over_capacity`` int[R + 1] (scenario-months above a route's one replica,
        then every scenario-month alive); ``error_cost`` float[n, R] (USD, discounted, within
        ``cost``), ``failed_calls`` float[n, R] (calls), ``resolved_calls`` float[n, R] (calls,
        discounted like costs), ``acceptable`` bool[n, R] (own rate at least ``quality.bar``),
        ``cheapest`` int[R] and ``win`` int[R + 1] (scenarios in which a route is cheaper than
        every other, and than every other acceptable one, by more than the tie; the last
        ``win``: no route acceptable).
    """
    n = static.shape[0]
    horizon, annual_discount_rate = settings.horizon_months, settings.discount_rate
    cut_size = settings.inputs["market.cut_size"]
    column = settings.layout.column_of

    def value(key):
        return static[:, column[key]]

    routes, baseline = settings.routes, settings.baseline
    costs = []
    for route in routes:
        if route.kind == "prompt":
            costs.append(_Prompt(route, value))
        elif route.kind == "rag":
            costs.append(_Rag(route, value))
        else:
            costs.append(_FineTune(route, value, horizon, n))
    n_routes = len(routes)

    volume = value("workload.calls_per_month").copy()
    growth, volatility = value("workload.growth_per_month"), value("workload.volatility")
    p_shutdown = 1 - (1 - value("workload.shutdown_per_year")) ** (1 / 12)
    p_cut = 1 - np.exp(-value("market.cuts_per_year") / 12)
    index = np.ones(n)
    alive = np.ones(n, dtype=bool)
    cumulative = np.zeros((n, n_routes))
    payback = np.full((n, n_routes), -1)
    beats = np.zeros((n_routes, horizon), dtype=np.int64)
    capacity = np.array([route.capacity for route in routes])
    over_capacity = np.zeros(n_routes + 1, dtype=np.int64)
    rates = [value(route.key("quality")) for route in routes]
    error_costs = [value(route.key("error_cost")) for route in routes]
    error_cost = np.zeros((n, n_routes))
    failed_calls = np.zeros((n, n_routes))
    resolved_calls = np.zeros((n, n_routes))

    for m in range(1, horizon + 1):
        if m >= 2:
            volume *= np.exp(growth - volatility**2 / 2 + volatility * rng.standard_normal(n))
            index *= np.exp(value("market.trend_per_year") / 12)
            cut = rng.random(n) < p_cut
            index[cut] *= 1 - cut_size.sample(rng, int(cut.sum()))
            alive &= ~(rng.random(n) < p_shutdown)
        discount = (1 + annual_discount_rate) ** (-(m - 1) / 12)
        baseline_bill = costs[baseline].bill(m, volume, index, None, alive, rng)
        for r, route_costs in enumerate(costs):
            bill = baseline_bill if r == baseline else route_costs.bill(m, volume, index, baseline_bill, alive, rng)
            rate = np.where(route_costs.serves_own(m), rates[r], rates[baseline])
            failing = np.where(alive, volume * (1 - rate), 0.0)
            failed_calls[:, r] += failing
            error_cost[:, r] += failing * error_costs[r] * discount
            resolved_calls[:, r] += np.where(alive, volume * rate, 0.0) * discount
            cumulative[:, r] += np.where(alive, (bill + failing * error_costs[r]) * discount, 0.0)
            over_capacity[r] += np.count_nonzero(alive & (volume > capacity[r]))
        over_capacity[n_routes] += np.count_nonzero(alive)
        for r in range(n_routes):
            if r == baseline:
                continue
            beats[r, m - 1] = np.sum(cumulative[:, r] < cumulative[:, baseline] - TIE_USD)
            first_payback = (payback[:, r] < 0) & (cumulative[:, r] <= cumulative[:, baseline] + TIE_USD)
            payback[first_payback, r] = m

    # at the horizon: the cheapest route, and the cheapest of the acceptable ones
    acceptable = np.stack([rates[r] >= settings.quality_bar for r in range(n_routes)], axis=1)
    cheapest = np.zeros(n_routes, dtype=np.int64)
    win = np.zeros(n_routes + 1, dtype=np.int64)
    for r in range(n_routes):
        others = [k for k in range(n_routes) if k != r]
        below = cumulative[:, [r]] < cumulative[:, others] - TIE_USD
        cheapest[r] = np.count_nonzero(below.all(axis=1))
        win[r] = np.count_nonzero(acceptable[:, r] & (below | ~acceptable[:, others]).all(axis=1))
    win[n_routes] = np.count_nonzero(~acceptable.any(axis=1))

    def lifecycle(name, empty):
        return np.stack([getattr(c, name) if isinstance(c, _FineTune) else np.full(n, empty) for c in costs], axis=1)

    return {"cost": cumulative, "payback": payback, "beats": beats, "over_capacity": over_capacity,
            "error_cost": error_cost, "failed_calls": failed_calls, "resolved_calls": resolved_calls,
            "acceptable": acceptable, "cheapest": cheapest, "win": win,
            "retrains": lifecycle("retrains", 0), "attempts": lifecycle("attempts", 0),
            "exit_month": lifecycle("exit_month", -1), "migrated": lifecycle("migrated", False),
            "failed": np.stack([c.phase == FAILED if isinstance(c, _FineTune) else np.zeros(n, dtype=bool)
                                for c in costs], axis=1),
            "exited": np.stack([c.phase == EXITED if isinstance(c, _FineTune) else np.zeros(n, dtype=bool)
                                for c in costs], axis=1)}


__all__ = ["EXITED", "FAILED", "LIVE", "PENDING", "SHIPPING", "input_cost", "simulate_reference", "wald_times"]
