"""Every model the suite trains, built from one ModelConfig by `build`."""

from __future__ import annotations

from torch import nn

from vgmodels.models import mlp, recurrent
from vgmodels.models.config import RECURRENT, RELU_FAMILY, SATURATING, ModelConfig, describe
from vgmodels.models.mlp import ACTIVATIONS, DeepMLP, linear_shapes, n_params
from vgmodels.models.recurrent import SequenceClassifier

__all__ = [
    "ACTIVATIONS",
    "RECURRENT",
    "RELU_FAMILY",
    "SATURATING",
    "DeepMLP",
    "ModelConfig",
    "SequenceClassifier",
    "build",
    "describe",
    "flops_per_sample",
    "layer_names",
    "layer_weights",
    "linear_shapes",
    "n_params",
]


def build(cfg: ModelConfig) -> nn.Module:
    """The model of a config: a SequenceClassifier for recurrent archs, else the DeepMLP."""
    return SequenceClassifier(cfg) if cfg.recurrent else DeepMLP(cfg)


def layer_weights(model: nn.Module) -> list:
    """The weights whose gradient norms are recorded per layer, in forward order, head last."""
    if isinstance(model, SequenceClassifier):
        return recurrent.layer_weights(model)
    return [m.weight for m in model.linears()]


def layer_names(cfg: ModelConfig) -> list[str]:
    """Names of the recorded layers: h1 ... hN, out (recurrent: W_ih1, W_hh1, out)."""
    if cfg.recurrent:
        return recurrent.layer_names(cfg)
    return [f"h{i}" for i in range(1, cfg.depth + 1)] + ["out"]


def flops_per_sample(
    cfg: ModelConfig, active_depth: int | None = None, trainable: tuple[int, ...] | None = None
) -> float:
    """Matmul FLOPs of one training sample of the config's model (elementwise work left out)."""
    if cfg.recurrent:
        return recurrent.flops_per_sample(cfg)
    return mlp.flops_per_sample(cfg, active_depth, trainable)
