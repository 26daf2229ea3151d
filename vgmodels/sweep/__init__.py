"""`python -m vgmodels.sweep depth|lr|phase`: the sweeps' grids, submitted to the one queue."""
