"""A vectorised NumPy implementation of MODEL.md, written apart from the Numba kernel.

It serves as the benchmark's baseline and as an oracle: on the same configuration
the kernel and this reference must agree within Monte Carlo error (they use their
random numbers differently, so they agree in distribution, not draw for draw).
Scenarios are the vector axis; months are a Python loop.
"""

import numpy as np

from kernels.scenarios import STATIC_FIELDS

_COLUMN = {key: i for i, key in enumerate(STATIC_FIELDS)}
SHIPPING, PENDING, LIVE, FAILED = 0, 1, 2, 3


def _column(static, key):
    return static[:, _COLUMN[key]]


def wald_times(mean, cv, rng):
    """Inverse-Gaussian drift times with the given means and coefficients of variation."""
    out = mean.astype(float).copy()
    random = cv > 0
    if random.any():
        shape = mean[random] / cv[random] ** 2
        out[random] = rng.wald(mean[random], shape)
    return out


def simulate_reference(static, cut_size, base_lifetime, horizon, annual_discount_rate,
                       reprice_on_retrain, rng):
    """Run scenarios of the decision model with NumPy arrays.

    Parameters
    ----------
    static : float64[n, N_STATIC]
        Static inputs per scenario, columns in ``STATIC_FIELDS`` order.
    cut_size, base_lifetime : sim.distributions.Distribution
        Per-event distributions (fraction; months).
    horizon : int
        Months.
    annual_discount_rate : float
        Month m is discounted by ``(1 + r) ** (-(m - 1) / 12)``.
    reprice_on_retrain : bool
        True: a live fine-tune pays the index of its go-live month.
    rng : numpy.random.Generator

    Returns
    -------
    dict of numpy.ndarray
        ``cost`` float[n, 3] (USD at the horizon, prompt/fine-tune/RAG), ``payback``
        int[n, 2] (-1 if none), ``beats`` int[2, horizon], ``retrains``, ``attempts``
        int[n], ``failed`` bool[n].
    """
    n = static.shape[0]
    def c(key):
        return _column(static, key)

    calls = c("workload.calls_per_month")
    per_call_prompt = (c("workload.prompt_tokens") * c("pricing.base_input") + c("workload.output_tokens") * c("pricing.base_output")) / 1e6
    per_call_finetuned = (c("workload.finetuned_prompt_tokens") * c("pricing.finetuned_input")
                          + c("workload.output_tokens") * c("pricing.finetuned_output")) / 1e6
    per_call_rag = (c("workload.rag_prompt_tokens") * c("pricing.base_input") + c("workload.output_tokens") * c("pricing.base_output")
                    + c("workload.query_embedding_tokens") * c("pricing.embedding")) / 1e6
    training_run = c("finetune.training_tokens") * c("pricing.training") / 1e6
    corpus_embedding = c("rag.corpus_tokens") * c("pricing.embedding") / 1e6
    ship = c("finetune.months_to_ship").astype(int)
    rag_ship = c("rag.months_to_ship").astype(int)
    retrain_months = c("finetune.retrain_months").astype(int)
    max_attempts = c("finetune.max_attempts").astype(int)
    p_shutdown = 1 - (1 - c("workload.shutdown_per_year")) ** (1 / 12)
    p_cut = 1 - np.exp(-c("market.cuts_per_year") / 12)

    volume = calls.copy()
    index = np.ones(n)
    alive = np.ones(n, dtype=bool)
    phase = np.full(n, SHIPPING)
    next_attempt = np.ones(n, dtype=int)
    attempts = np.zeros(n, dtype=int)
    retrains = np.zeros(n, dtype=int)
    live_at = np.full(n, -1)
    next_retrain = np.full(n, -1)
    pinned = np.ones(n)
    hosting = np.zeros(n, dtype=bool)
    cumulative = np.zeros((n, 3))
    payback = np.full((n, 2), -1)
    beats = np.zeros((2, horizon), dtype=np.int64)

    for m in range(1, horizon + 1):
        if m >= 2:
            volume *= np.exp(c("workload.growth_per_month") - c("workload.volatility") ** 2 / 2
                             + c("workload.volatility") * rng.standard_normal(n))
            index *= np.exp(c("market.trend_per_year") / 12)
            cut = rng.random(n) < p_cut
            index[cut] *= 1 - cut_size.sample(rng, int(cut.sum()))
            alive &= ~(rng.random(n) < p_shutdown)
        bill_finetune = np.zeros(n)

        # training attempts; with months_to_ship = 0 several fall in the same month
        while True:
            attempting = alive & (phase == SHIPPING) & (next_attempt == m)
            if not attempting.any():
                break
            attempts[attempting] += 1
            first = attempting & (attempts == 1)
            bill_finetune[attempting] += training_run[attempting] * index[attempting]
            bill_finetune[first] += c("finetune.setup_cost")[first]
            repeat = attempting & ~first
            bill_finetune[repeat] += c("finetune.retrain_cost")[repeat]
            success = attempting & (rng.random(n) < c("finetune.success_probability"))
            phase[success] = PENDING
            live_at[success] = m + ship[success]
            out_of_tries = attempting & ~success & (attempts >= max_attempts)
            phase[out_of_tries] = FAILED
            again = attempting & ~success & ~out_of_tries
            next_attempt[again] = m + ship[again]

        retraining = alive & (phase == LIVE) & (next_retrain == m)
        retrains[retraining] += 1
        bill_finetune[retraining] += (training_run[retraining] * index[retraining]
                                      + c("finetune.retrain_cost")[retraining])
        phase[retraining] = PENDING
        live_at[retraining] = m + retrain_months[retraining]

        going_live = alive & (phase == PENDING) & (live_at == m)
        if going_live.any():
            k = int(going_live.sum())
            phase[going_live] = LIVE
            pinned[going_live] = index[going_live]
            hosting |= going_live
            drift = wald_times(c("finetune.mean_months_between_retrains")[going_live],
                               c("finetune.retrain_interval_cv")[going_live], rng)
            lifetime = base_lifetime.sample(rng, k)
            next_retrain[going_live] = m + np.maximum(1, np.ceil(np.minimum(drift, lifetime))).astype(int)

        discount = (1 + annual_discount_rate) ** (-(m - 1) / 12)
        prompting_bill = volume * index * per_call_prompt
        live = phase == LIVE
        finetuned_index = pinned if reprice_on_retrain else index
        bill_finetune += np.where(live, volume * finetuned_index * per_call_finetuned, prompting_bill)
        bill_finetune += np.where(hosting, c("pricing.hosting_per_month") + c("finetune.maintenance_per_month"), 0.0)
        bill_rag = c("rag.vector_store_per_month") + np.where(
            m == 1, corpus_embedding * index + c("rag.setup_cost"),
            c("rag.reindex_fraction_per_month") * corpus_embedding * index)
        bill_rag = bill_rag + np.where(m <= rag_ship, prompting_bill, volume * index * per_call_rag)
        paid = np.stack([prompting_bill, bill_finetune, bill_rag], axis=1) * discount
        cumulative += np.where(alive[:, None], paid, 0.0)

        for j in (1, 2):
            beats[j - 1, m - 1] = np.sum(cumulative[:, j] < cumulative[:, 0])
            first_payback = (payback[:, j - 1] < 0) & (cumulative[:, j] <= cumulative[:, 0])
            payback[first_payback, j - 1] = m

    return {"cost": cumulative, "payback": payback, "beats": beats, "retrains": retrains,
            "attempts": attempts, "failed": phase == FAILED}
