"""The deep MLP, built from one ModelConfig: depth, width, activation, init, norm, skips."""

from __future__ import annotations

import torch
from torch import nn

from vgmodels.models.config import SKIP_ADDS, ModelConfig
from vgmodels.models.init import init_beyond
from vgmodels.models.layers import (
    ELU,
    BoostedSigmoid,
    GradientNormalization,
    MyNormalization,
    Softplus,
)
from vgmodels.models.onednn_linear import Linear

ACTIVATIONS = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": ELU,
    "prelu": nn.PReLU,
    "softplus": Softplus,
    "swish": nn.SiLU,
    "gelu": nn.GELU,
    "selu": nn.SELU,
}
BEYOND_INITS = ("orthogonal", "scaled_normal", "lecun", "lsuv")


def _norm(kind: str, width: int) -> nn.Module:
    if kind == "batchnorm":
        return nn.BatchNorm1d(width)
    if kind == "layernorm":
        return nn.LayerNorm(width)
    if kind == "mynorm":
        return MyNormalization()
    return nn.Identity()


def _activation(cfg: ModelConfig) -> nn.Module:
    if cfg.activation == "sigmoid" and cfg.boost_beta > 0:
        return BoostedSigmoid(cfg.boost_beta)
    return ACTIVATIONS[cfg.activation]()


class HiddenLayer(nn.Module):
    """Linear -> [GradNorm 'pre'] -> norm -> activation -> [GradNorm 'post'] (post-activation order)."""

    def __init__(self, cfg: ModelConfig, fan_in: int, linear: type[nn.Linear] = Linear):
        super().__init__()
        self.linear = linear(fan_in, cfg.width)
        self.gradnorm_pre = GradientNormalization() if cfg.grad_norm == "pre" else nn.Identity()
        self.norm = _norm(cfg.norm, cfg.width)
        self.act = _activation(cfg)
        self.gradnorm_post = GradientNormalization() if cfg.grad_norm == "post" else nn.Identity()

    def forward(self, x: torch.Tensor, record: list | None = None) -> torch.Tensor:
        z = self.norm(self.gradnorm_pre(self.linear(x)))  # (B, width)
        h = self.act(z)
        if record is not None:
            record.append((z, h))
        return self.gradnorm_post(h)


class PreActBlock(nn.Module):
    """Pre-activation residual block: h + Linear(act(norm(Linear(act(norm(h))))))."""

    def __init__(self, cfg: ModelConfig, linear: type[nn.Linear] = Linear):
        super().__init__()
        self.norm1, self.act1 = _norm(cfg.norm, cfg.width), _activation(cfg)
        self.linear1 = linear(cfg.width, cfg.width)
        self.norm2, self.act2 = _norm(cfg.norm, cfg.width), _activation(cfg)
        self.linear2 = linear(cfg.width, cfg.width)

    def forward(self, h: torch.Tensor, record: list | None = None) -> torch.Tensor:
        z1 = self.norm1(h)
        a1 = self.act1(z1)
        z2 = self.norm2(self.linear1(a1))
        a2 = self.act2(z2)
        if record is not None:
            record += [(z1, a1), (z2, a2)]
        return h + self.linear2(a2)


class ReZeroBlock(nn.Module):
    """h + alpha * f(h), f a hidden layer and alpha a learned scalar from 0 (Bachlechner et al.
    2020; SkipInit, De & Smith 2020): at the start every block is the identity."""

    def __init__(self, layer: HiddenLayer):
        super().__init__()
        self.layer = layer
        self.alpha = nn.Parameter(torch.zeros(()))

    def forward(self, h: torch.Tensor, record: list | None = None) -> torch.Tensor:
        return h + self.alpha * self.layer(h, record)


class DeepMLP(nn.Module):
    """784 -> depth x width -> 10; `active_depth` < depth runs only the first hidden layers
    (the head then sits on top of the last one that runs: the layer-wise schedules grow it).

    `linear` is the Linear class: ours (oneDNN on the CPU) by default, nn.Linear for the
    seed-style reference loop.
    """

    def __init__(self, cfg: ModelConfig, linear: type[nn.Linear] = Linear):
        super().__init__()
        self.cfg = cfg
        self.register_buffer("in_mean", torch.zeros(()))
        self.register_buffer("in_std", torch.ones(()))
        if cfg.skip == "preact":
            self.stem = linear(cfg.in_features, cfg.width)
            self.blocks = nn.ModuleList(
                PreActBlock(cfg, linear) for _ in range((cfg.depth - 1) // 2)
            )
            self.final_norm, self.final_act = _norm(cfg.norm, cfg.width), _activation(cfg)
        else:
            fan_in = [cfg.in_features] + [cfg.width] * (cfg.depth - 1)
            layers = [HiddenLayer(cfg, f, linear) for f in fan_in]
            if cfg.skip == "rezero":  # the first layer projects the input; the rest are blocks
                layers = layers[:1] + [ReZeroBlock(layer) for layer in layers[1:]]
            self.hidden = nn.ModuleList(layers)
        self.head = linear(cfg.width, cfg.classes)
        self.active_depth = cfg.depth
        init_weights(self, cfg)

    def linears(self) -> list[nn.Linear]:
        """Every Linear in forward order; the last one is the output layer."""
        return [m for m in self.modules() if isinstance(m, nn.Linear)]

    def set_input_stats(self, mean: float, std: float) -> None:
        self.in_mean.fill_(mean)
        self.in_std.fill_(std)

    def forward(self, x: torch.Tensor, record: list | None = None) -> torch.Tensor:
        if self.cfg.standardize_input:
            x = (x - self.in_mean) / self.in_std
        if self.cfg.skip == "preact":
            h = self.stem(x)
            for block in self.blocks:
                h = block(h, record)
            z = self.final_norm(h)
            h = self.final_act(z)
            if record is not None:
                record.append((z, h))
            return self.head(h)
        h = x
        adds = SKIP_ADDS.get(self.cfg.skip, {})
        outputs = []
        for i, layer in enumerate(self.hidden[: self.active_depth]):
            h = layer(h, record)
            if i in adds:  # a skip path: an earlier hidden layer's output joins this one's
                h = h + outputs[adds[i]]
            outputs.append(h)
        return self.head(h)

    def new_head(self) -> nn.Linear:
        """Replace the output layer by a fresh Linear(width, classes) with PyTorch's default init."""
        old = self.head
        self.head = type(old)(old.in_features, old.out_features).to(old.weight.device)
        return self.head


def init_weights(model: DeepMLP, cfg: ModelConfig) -> None:
    """Initialize every Linear as the config says; biases are zero except under 'default'."""
    if cfg.init == "default":
        return
    if cfg.init in BEYOND_INITS:
        init_beyond(model.linears(), cfg)
        return
    for m in model.linears():
        if cfg.init == "normal":
            nn.init.normal_(m.weight, 0.0, cfg.init_std)
        elif cfg.init == "xavier":
            nn.init.xavier_normal_(m.weight)
        elif cfg.init == "kaiming":
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        elif cfg.init == "zero":
            nn.init.zeros_(m.weight)
        nn.init.zeros_(m.bias)


def linear_shapes(cfg: ModelConfig, active_depth: int | None = None) -> list[tuple[int, int]]:
    """(fan_in, fan_out) of every Linear of the plain stack in forward order, the head last."""
    d = cfg.depth if active_depth is None else active_depth
    shapes = [(cfg.in_features, cfg.width)] + [(cfg.width, cfg.width)] * (d - 1)
    return shapes + [(cfg.width, cfg.classes)]


def flops_per_sample(
    cfg: ModelConfig, active_depth: int | None = None, trainable: tuple[int, ...] | None = None
) -> float:
    """Matmul FLOPs of one training sample (elementwise work left out).

    Forward is 2mn per Linear; backward adds 2mn for a weight gradient where the layer learns and
    2mn for an input gradient where any layer below it learns. The head always learns.
    """
    d = cfg.depth if active_depth is None else active_depth
    learns = [trainable is None or i in trainable for i in range(d)] + [True]
    total = 0.0
    for j, (m, n) in enumerate(linear_shapes(cfg, d)):
        total += 2.0 * m * n * (1 + learns[j] + any(learns[:j]))
    return total


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
