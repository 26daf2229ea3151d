"""Device facts: the choice of device and its name."""

import pytest
import torch

from vgmodels.device import device_name, resolve_device


def test_auto_device_is_cpu_without_accelerators_and_unknown_names_are_rejected():
    if not torch.cuda.is_available():
        assert resolve_device("auto").type in ("cpu", "mps")
    with pytest.raises(ValueError, match="accepted: auto, cpu, cuda, mps"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="not available"):
            resolve_device("cuda")


def test_device_name_counts_threads_in_words():
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert device_name(torch.device("cpu")).endswith(" (1 thread)")
        torch.set_num_threads(2)
        assert device_name(torch.device("cpu")).endswith(" (2 threads)")
    finally:
        torch.set_num_threads(threads)
