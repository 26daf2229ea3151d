"""RNN / LSTM / GRU over the image as a sequence (rows, or chunks of pixels): the S3 family."""

from __future__ import annotations

import torch
from torch import nn

from vgmodels.models.config import ModelConfig

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class SequenceClassifier(nn.Module):
    """784 pixels -> `steps` steps of 784/steps -> one fused recurrent layer -> last state -> Linear."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        kw = {"nonlinearity": "tanh"} if cfg.arch == "rnn" else {}
        self.rnn = CELLS[cfg.arch](
            cfg.in_features // cfg.steps, cfg.width, num_layers=cfg.depth, batch_first=True, **kw
        )
        self.head = nn.Linear(cfg.width, cfg.classes)
        self.active_depth = cfg.depth

    def sequence(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], self.cfg.steps, -1)  # (B, T, pixels per step)

    def forward(self, x: torch.Tensor, record: list | None = None) -> torch.Tensor:
        out, _ = self.rnn(self.sequence(x))  # (B, T, width)
        return self.head(out[:, -1])

    def unrolled(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The same weights run one step at a time: (logits, [h_1 ... h_T]) with each h_t in the graph.

        Every step calls the fused layer on a sequence of length 1 and hands its state on, so the
        arithmetic is the fused model's and each h_t is a tensor autograd can report dL/dh_t for.
        """
        seq = self.sequence(x)
        state, hs = None, []
        for t in range(seq.shape[1]):
            _, state = self.rnn(seq[:, t : t + 1], state)
            h = state[0] if isinstance(state, tuple) else state  # (layers, B, width)
            hs.append(h)
        return self.head(hs[-1][-1]), hs


def layer_weights(model: SequenceClassifier) -> list[torch.Tensor]:
    """Input-to-hidden and hidden-to-hidden weights of each recurrent layer, then the head's."""
    ws = []
    for layer in range(model.cfg.depth):
        ws += [getattr(model.rnn, f"weight_ih_l{layer}"), getattr(model.rnn, f"weight_hh_l{layer}")]
    return ws + [model.head.weight]


def layer_names(cfg: ModelConfig) -> list[str]:
    names = []
    for layer in range(1, cfg.depth + 1):
        names += [f"W_ih{layer}", f"W_hh{layer}"]
    return names + ["out"]


def flops_per_sample(cfg: ModelConfig) -> float:
    """Matmul FLOPs of one training sample: per step and gate, input and recurrent products,
    forward and both backward products (2mn each); the head once."""
    gates, per = GATES[cfg.arch], cfg.in_features // cfg.steps
    step = 0.0
    for layer in range(cfg.depth):
        fan_in = per if layer == 0 else cfg.width
        step += 2.0 * gates * cfg.width * (fan_in + cfg.width) * 3
    return step * cfg.steps + 2.0 * cfg.width * cfg.classes * 3
