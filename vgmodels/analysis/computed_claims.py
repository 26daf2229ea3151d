"""The sources' quoted numbers as (name, ours, quoted) triples: ours from torch, quoted as written."""

from __future__ import annotations

import torch

from vgmodels.analysis import worked_examples as W
from vgmodels.models.layers import BoostedSigmoid
from vgmodels.optim.factory import make_optimizer
from vgmodels.remedies import REMEDIES

Triples = list[tuple[str, float, str]]


def derivatives() -> Triples:
    d = W.activation_derivatives()
    return [("σ'(0)", d["sigmoid'(0)"], "=0.25"), ("max σ'", d["max sigmoid'"], "=0.25")]


def sigmoid_tails() -> Triples:
    d = W.activation_derivatives()
    quoted = "0.0066–0.0069"
    return [("σ'(5)", d["sigmoid'(5)"], quoted), ("σ'(−5)", d["sigmoid'(-5)"], quoted)]


def tanh() -> Triples:
    d = W.activation_derivatives()
    return [
        ("tanh'(0)", d["tanh'(0)"], "=1"),
        ("tanh'(2)", d["tanh'(2)"], "0.071"),
        ("tanh'(3)", d["tanh'(3)"], "0.010"),
    ]


def chain() -> Triples:
    c = W.shrinking_chain(layers=5, factor=0.1, lr=0.01)
    return [("gradient", c["gradient"], "=1e-5"), ("update", c["update"], "=1e-7")]


def dying_forward() -> Triples:
    e = W.dying_relu_example()
    h, p = e["h"], e["softmax"]
    return [
        ("h₁", h[0], "1.372"),
        ("h₂", h[1], "-1.69"),
        ("p₁", p[0], "0.467"),
        ("p₂", p[1], "0.355"),
        ("p₃", p[2], "0.178"),
        ("loss", e["loss"], "0.761"),
    ]


def dying_backward() -> Triples:
    e = W.dying_relu_example()
    return [
        ("∂L/∂a₂", e["grad_into_unit2"], "0.302"),
        ("∂L/∂h₂", e["dL/dh2"], "=0"),
        ("max |∂L/∂w| of unit 2", e["unit2_weight_grad_max"], "=0"),
    ]


def negative_side() -> Triples:
    d = W.activation_derivatives()
    return [
        ("softplus'(−3)", d["softplus'(-3)"], ">0"),
        ("ELU'(−3)", d["elu'(-3)"], ">0"),
        ("ReLU'(−3)", d["relu'(-3)"], "=0"),
    ]


def zero_init() -> Triples:
    z = W.zero_init_spread(steps=3)
    return [("largest difference between two units of a layer", z["spread"], "=0")]


def zero_init_relu_mlp() -> Triples:
    """S4's 2-unit ReLU MLP with every weight 0 on its 3 samples: uniform output, zero gradients."""
    x = torch.tensor([[1.5, 0.2], [4.7, 1.6], [5.6, 2.2]], dtype=torch.float64)
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 3))
    net = net.double()
    for p in net.parameters():
        torch.nn.init.zeros_(p)
    out = net(x)
    loss = torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 2]), reduction="sum")
    grads = torch.autograd.grad(loss, [net[0].weight, net[0].bias, net[2].weight])
    biggest = max(g.abs().max().item() for g in grads)
    return [
        ("softmax", out.softmax(1)[0, 0].item(), "0.333"),
        ("max |∂L/∂W| hidden and output", biggest, "=0"),
    ]


def zero_init_regressions() -> Triples:
    """S4's zero-initialized linear and logistic regressions after one SGD step of lr 0.01."""
    x = torch.tensor([2.0, 3.0, 1.0], dtype=torch.float64)
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    (gw,) = torch.autograd.grad(0.5 * (w @ x - 5.0) ** 2, w)
    xl = torch.tensor([1.5, 2.0], dtype=torch.float64)
    wl = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    (gl,) = torch.autograd.grad(-torch.log(torch.sigmoid(wl @ xl)), wl)
    new, newl = -0.01 * gw, -0.01 * gl
    return [
        ("linear w₁", new[0].item(), "0.1"),
        ("linear w₂", new[1].item(), "0.15"),
        ("logistic w₁", newl[0].item(), "0.0075"),
        ("logistic w₂", newl[1].item(), "0.01"),
    ]


def mynorm() -> Triples:
    m = W.mynorm_check()
    return [
        ("mean", m["mean"], "0.000000"),
        ("std", m["std"], "1.000000"),
        ("max |ours − formula|", m["value_diff"], "0.000000"),
        ("max gradient difference", m["grad_diff"], "0.000000"),
    ]


def sigmoid_chain() -> Triples:
    """Seven sigmoid derivatives at their maximum, multiplied through autograd."""
    z = torch.zeros((), dtype=torch.float64, requires_grad=True)
    y = torch.sigmoid(z)
    for _ in range(6):
        y = torch.sigmoid(y - 0.5)  # each layer's input sits at 0, where sigma' = 0.25
    (g,) = torch.autograd.grad(y, z)
    return [("0.25⁷", g.item(), "6e-5")]


def linear_chain() -> Triples:
    """A 7-layer identity-activation chain of weights 10 and of 0.1 on x = 1."""
    out = {}
    for w in (10.0, 0.1):
        y = torch.ones((), dtype=torch.float64)
        for _ in range(7):
            y = y * w
        out[w] = y.item()
    return [("all weights 10", out[10.0], "=1e7"), ("all weights 0.1", out[0.1], "=1e-7")]


def skip_gradient() -> Triples:
    """H = F(x) + x: autograd's dL/dx against dL/dH * (dF/dx + 1), F a sigmoid layer."""
    x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    f = torch.sigmoid(3.0 * x)
    h = f + x
    (dx,) = torch.autograd.grad(2.5 * h, x)
    (df,) = torch.autograd.grad(torch.sigmoid(3.0 * x), x)
    return [("dL/dx ÷ [dL/dH·(dF/dx + 1)]", dx.item() / (2.5 * (df.item() + 1)), "=1")]


def boost_derivative() -> Triples:
    """Our boosted sigmoid's backward minus the sigmoid's derivative, at several z."""
    z = torch.linspace(-6, 6, 13, dtype=torch.float64, requires_grad=True)
    (boosted,) = torch.autograd.grad(BoostedSigmoid(0.05)(z).sum(), z)
    (plain,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    gap = boosted - plain
    return [("smallest gap", gap.min().item(), "=0.05"), ("largest gap", gap.max().item(), "=0.05")]


def adam_defaults() -> Triples:
    """The settings of the optimizer our `adam` case builds."""
    p = torch.nn.Parameter(torch.zeros(1))
    group = make_optimizer([p], REMEDIES["adam"].train).param_groups[0]
    b1, b2 = group["betas"]
    return [
        ("α", group["lr"], "=0.001"),
        ("β₁", b1, "=0.9"),
        ("β₂", b2, "=0.999"),
        ("ε", group["eps"], "=1e-8"),
    ]
