"""A portfolio of workloads: each routed to its cheapest acceptable route, on one shared
market, and the budget of all of them together (MODEL.md, "A portfolio of workloads")."""
