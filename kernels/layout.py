"""The layout the kernels and ``sim/`` share: columns, codes and tolerances.

Plain Python, no Numba: validating a configuration (and ``payback --help``) reads
these names without loading a compiler. The kernel modules compile them in as
constants, and their caches are stamped with this file (see ``kernels.cache``).
"""

# Columns of the ``static`` input matrix (a row per scenario), named by config key.
# New inputs go at the end: each column's random stream follows its position, so
# appending keeps every earlier input's draws (common random numbers across versions).
# ``successor.*`` are the prices of ``finetune.successor``'s sheet (0 without one).
STATIC_FIELDS = (
    "workload.calls_per_month",
    "workload.growth_per_month",
    "workload.volatility",
    "workload.shutdown_per_year",
    "workload.prompt_tokens",
    "workload.finetuned_prompt_tokens",
    "workload.rag_prompt_tokens",
    "workload.output_tokens",
    "workload.query_embedding_tokens",
    "pricing.base_input",
    "pricing.base_output",
    "pricing.finetuned_input",
    "pricing.finetuned_output",
    "pricing.training",
    "pricing.embedding",
    "pricing.hosting_per_month",
    "market.trend_per_year",
    "market.cuts_per_year",
    "finetune.training_tokens",
    "finetune.setup_cost",
    "finetune.months_to_ship",
    "finetune.success_probability",
    "finetune.max_attempts",
    "finetune.mean_months_between_retrains",
    "finetune.retrain_interval_cv",
    "finetune.retrain_cost",
    "finetune.retrain_months",
    "finetune.maintenance_per_month",
    "rag.corpus_tokens",
    "rag.setup_cost",
    "rag.months_to_ship",
    "rag.vector_store_per_month",
    "rag.reindex_fraction_per_month",
    "finetune.migration_cost",
    "successor.finetuned_input",
    "successor.finetuned_output",
    "successor.training",
    "successor.hosting_per_month",
)
_COLUMN = {key: column for column, key in enumerate(STATIC_FIELDS)}
CALLS_PER_MONTH = _COLUMN["workload.calls_per_month"]
GROWTH_PER_MONTH = _COLUMN["workload.growth_per_month"]
VOLATILITY = _COLUMN["workload.volatility"]
SHUTDOWN_PER_YEAR = _COLUMN["workload.shutdown_per_year"]
PROMPT_TOKENS = _COLUMN["workload.prompt_tokens"]
FINETUNED_PROMPT_TOKENS = _COLUMN["workload.finetuned_prompt_tokens"]
RAG_PROMPT_TOKENS = _COLUMN["workload.rag_prompt_tokens"]
OUTPUT_TOKENS = _COLUMN["workload.output_tokens"]
QUERY_EMBEDDING_TOKENS = _COLUMN["workload.query_embedding_tokens"]
BASE_INPUT = _COLUMN["pricing.base_input"]
BASE_OUTPUT = _COLUMN["pricing.base_output"]
FINETUNED_INPUT = _COLUMN["pricing.finetuned_input"]
FINETUNED_OUTPUT = _COLUMN["pricing.finetuned_output"]
TRAINING = _COLUMN["pricing.training"]
EMBEDDING = _COLUMN["pricing.embedding"]
HOSTING_PER_MONTH = _COLUMN["pricing.hosting_per_month"]
TREND_PER_YEAR = _COLUMN["market.trend_per_year"]
CUTS_PER_YEAR = _COLUMN["market.cuts_per_year"]
TRAINING_TOKENS = _COLUMN["finetune.training_tokens"]
FT_SETUP_COST = _COLUMN["finetune.setup_cost"]
FT_MONTHS_TO_SHIP = _COLUMN["finetune.months_to_ship"]
SUCCESS_PROBABILITY = _COLUMN["finetune.success_probability"]
MAX_ATTEMPTS = _COLUMN["finetune.max_attempts"]
MEAN_MONTHS_BETWEEN_RETRAINS = _COLUMN["finetune.mean_months_between_retrains"]
RETRAIN_INTERVAL_CV = _COLUMN["finetune.retrain_interval_cv"]
RETRAIN_COST = _COLUMN["finetune.retrain_cost"]
RETRAIN_MONTHS = _COLUMN["finetune.retrain_months"]
MAINTENANCE_PER_MONTH = _COLUMN["finetune.maintenance_per_month"]
CORPUS_TOKENS = _COLUMN["rag.corpus_tokens"]
RAG_SETUP_COST = _COLUMN["rag.setup_cost"]
RAG_MONTHS_TO_SHIP = _COLUMN["rag.months_to_ship"]
VECTOR_STORE_PER_MONTH = _COLUMN["rag.vector_store_per_month"]
REINDEX_FRACTION_PER_MONTH = _COLUMN["rag.reindex_fraction_per_month"]
MIGRATION_COST = _COLUMN["finetune.migration_cost"]
SUCCESSOR_FINETUNED_INPUT = _COLUMN["successor.finetuned_input"]
SUCCESSOR_FINETUNED_OUTPUT = _COLUMN["successor.finetuned_output"]
SUCCESSOR_TRAINING = _COLUMN["successor.training"]
SUCCESSOR_HOSTING_PER_MONTH = _COLUMN["successor.hosting_per_month"]
N_STATIC = len(STATIC_FIELDS)

# Kinds of route (MODEL.md, "Routes"): how a route serves its traffic. The routes of a
# run, their names and order are in ``sim.inputs.routes``; the kernel knows only their kinds.
KINDS = ("prompt", "finetune", "rag")
PROMPT, FINETUNE, RAG = range(len(KINDS))

# What the kernel reads of each route, a column of the ``static`` matrix per route and
# field (``sim.inputs.routes`` maps them to config keys by kind; -1 where the kind reads none).
# ``input_tokens`` is the prompt of the route's kind: the long prompt, the fine-tune's
# short one, or RAG's tight prompt with its chunks; ``setup_cost`` and ``months_to_ship``
# are the fine-tune's or RAG's by kind; ``successor_*`` are finetune.successor's prices;
# ``prefix_tokens`` the cacheable prefix of the route's prompt, read from cache in a share
# ``cache_hit_rate`` of calls at the cached price (MODEL.md, "Prompt caching"). A prompt or
# RAG route's base prices come by generation (the kernel's ``generations``), the first
# from ``base_input``, ``base_output`` and ``base_cached_input``. ``quality`` is the route's
# own task success rate (its kind's, or its own), ``error_cost`` the USD of a failed call
# (MODEL.md, "Quality and the cost of errors").
ROUTE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "base_input",
    "base_output",
    "finetuned_input",
    "finetuned_output",
    "training",
    "hosting_per_month",
    "embedding",
    "query_embedding_tokens",
    "training_tokens",
    "setup_cost",
    "months_to_ship",
    "success_probability",
    "max_attempts",
    "mean_months_between_retrains",
    "retrain_interval_cv",
    "retrain_cost",
    "retrain_months",
    "maintenance_per_month",
    "migration_cost",
    "successor_finetuned_input",
    "successor_finetuned_output",
    "successor_training",
    "successor_hosting_per_month",
    "corpus_tokens",
    "vector_store_per_month",
    "reindex_fraction_per_month",
    "prefix_tokens",
    "cache_hit_rate",
    "base_cached_input",
    "finetuned_cached_input",
    "successor_finetuned_cached_input",
    "prompt_migration_cost",
    "quality",
    "error_cost",
)
_FIELD = {name: position for position, name in enumerate(ROUTE_FIELDS)}
R_INPUT_TOKENS = _FIELD["input_tokens"]
R_OUTPUT_TOKENS = _FIELD["output_tokens"]
R_BASE_INPUT = _FIELD["base_input"]
R_BASE_OUTPUT = _FIELD["base_output"]
R_FINETUNED_INPUT = _FIELD["finetuned_input"]
R_FINETUNED_OUTPUT = _FIELD["finetuned_output"]
R_TRAINING = _FIELD["training"]
R_HOSTING_PER_MONTH = _FIELD["hosting_per_month"]
R_EMBEDDING = _FIELD["embedding"]
R_QUERY_EMBEDDING_TOKENS = _FIELD["query_embedding_tokens"]
R_TRAINING_TOKENS = _FIELD["training_tokens"]
R_SETUP_COST = _FIELD["setup_cost"]
R_MONTHS_TO_SHIP = _FIELD["months_to_ship"]
R_SUCCESS_PROBABILITY = _FIELD["success_probability"]
R_MAX_ATTEMPTS = _FIELD["max_attempts"]
R_MEAN_MONTHS_BETWEEN_RETRAINS = _FIELD["mean_months_between_retrains"]
R_RETRAIN_INTERVAL_CV = _FIELD["retrain_interval_cv"]
R_RETRAIN_COST = _FIELD["retrain_cost"]
R_RETRAIN_MONTHS = _FIELD["retrain_months"]
R_MAINTENANCE_PER_MONTH = _FIELD["maintenance_per_month"]
R_MIGRATION_COST = _FIELD["migration_cost"]
R_SUCCESSOR_FINETUNED_INPUT = _FIELD["successor_finetuned_input"]
R_SUCCESSOR_FINETUNED_OUTPUT = _FIELD["successor_finetuned_output"]
R_SUCCESSOR_TRAINING = _FIELD["successor_training"]
R_SUCCESSOR_HOSTING_PER_MONTH = _FIELD["successor_hosting_per_month"]
R_CORPUS_TOKENS = _FIELD["corpus_tokens"]
R_VECTOR_STORE_PER_MONTH = _FIELD["vector_store_per_month"]
R_REINDEX_FRACTION_PER_MONTH = _FIELD["reindex_fraction_per_month"]
R_PREFIX_TOKENS = _FIELD["prefix_tokens"]
R_CACHE_HIT_RATE = _FIELD["cache_hit_rate"]
R_BASE_CACHED_INPUT = _FIELD["base_cached_input"]
R_FINETUNED_CACHED_INPUT = _FIELD["finetuned_cached_input"]
R_SUCCESSOR_FINETUNED_CACHED_INPUT = _FIELD["successor_finetuned_cached_input"]
R_PROMPT_MIGRATION_COST = _FIELD["prompt_migration_cost"]
R_QUALITY = _FIELD["quality"]
R_ERROR_COST = _FIELD["error_cost"]
N_ROUTE_FIELDS = len(ROUTE_FIELDS)

# An uncertain input is passed as a spec of DRAW_SPEC_LEN floats: family code, four
# parameters, the clip range, and 1.0 where the input is a whole number (rounded half up).
FIXED, UNIFORM, TRIANGULAR, PERT, NORMAL, LOGNORMAL = range(6)
DRAW_SPEC_LEN = 8

# The provider calendar as the kernel takes it: int64[4], the last month (counted
# from ``start``, 0 if before it) in which a training can be made and in which a
# fine-tuned model serves, for the run's sheet and then ``finetune.successor``'s.
# A month past the horizon means no end within it.
TRAINING_UNTIL, SERVING_UNTIL = 0, 1
CALENDAR_LEN = 4
# A prompt or RAG route's base models: the first month of each and the columns of its
# base input, output and cached input prices (the kernel's ``generations``, int64[R, G, 4]).
GENERATION_FIRST, GENERATION_INPUT, GENERATION_OUTPUT, GENERATION_CACHED = range(4)

# Costs within a tenth of a cent are equal (MODEL.md, "What must hold"): a tie reaches
# payback but does not beat, whatever the floating-point rounding of the sums.
TIE_USD = 1e-3


__all__ = [name for name in dir() if name.isupper() and not name.startswith('_')]  # every constant
