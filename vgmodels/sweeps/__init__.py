"""Sweeps over depth, learning rate and weight std: their grids, and running them on Ray."""
