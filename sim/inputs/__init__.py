"""What a user gives: the configuration schema and its validation, uncertain inputs (distribution families, domains, rank correlations), the provider calendar and the registry of routes."""
