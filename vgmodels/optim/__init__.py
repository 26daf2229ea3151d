"""Optimizers torch does not ship."""

from .sdagd import SDAGD, sampled_cross_entropy

__all__ = ["SDAGD", "sampled_cross_entropy"]
