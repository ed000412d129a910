"""Statistics over simulated scenarios: intervals, precision targets, decision analysis (EVPI, break-even volumes, the line crossing), drivers. Pure functions of arrays."""
