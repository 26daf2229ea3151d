"""Optimizers torch does not ship."""

from vgmodels.optim.sdagd import SDAGD, sampled_cross_entropy

__all__ = ["SDAGD", "sampled_cross_entropy"]
