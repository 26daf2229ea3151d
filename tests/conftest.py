"""Shared fixtures: small synthetic Fashion-MNIST-shaped data, matplotlib off-screen."""

from __future__ import annotations

import os

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "agg")
# Which Linear kernel a unit test runs is pinned, never chosen by a timing probe; the oneDNN
# kernel is tested on purpose in tests/models/test_onednn_linear.py. Ray workers inherit it.
os.environ["VG_LINEAR"] = "aten"

from vgmodels.data import Dataset, Split
from vgmodels.profiles import Profile


def synthetic_dataset(n_train=512, n_val=128, n_test=128, seed=0) -> Dataset:
    """Learnable 784-d data: labels are the argmax of a fixed random projection."""
    g = torch.Generator().manual_seed(seed)
    proj = torch.randn(784, 10, generator=g)

    def split(n):
        x = torch.rand(n, 784, generator=g)
        return Split(x, ((x - 0.5) @ proj).argmax(1))  # centred: balanced classes

    return Dataset(split(n_train), split(n_val), split(n_test), "synthetic")


def pytest_configure(config):
    """Forget any kernel choice made before the pin (the choice is cached per process)."""
    from vgmodels.models import onednn_linear

    onednn_linear.use_onednn.cache_clear()


@pytest.fixture
def tiny_data() -> Dataset:
    return synthetic_dataset()


@pytest.fixture
def tiny_profile() -> Profile:
    return Profile("smoke", epochs=2, seeds=1, probe_size=64)
