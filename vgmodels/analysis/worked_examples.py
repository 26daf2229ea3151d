"""The sources' worked numbers, computed by our code with torch autograd (never typed in)."""

from __future__ import annotations

import torch

from vgmodels.models import ModelConfig, build
from vgmodels.models.layers import MyNormalization


def derivative(fn, z: float) -> float:
    """d fn / dz at one point, by autograd."""
    x = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(fn(x), x)
    return g.item()


def activation_derivatives() -> dict[str, float]:
    """The derivative values S4 quotes, plus sigmoid's maximum over a fine grid."""
    z = torch.linspace(-10, 10, 20001, dtype=torch.float64, requires_grad=True)
    (grid,) = torch.autograd.grad(torch.sigmoid(z).sum(), z)
    softplus, elu = torch.nn.functional.softplus, torch.nn.functional.elu
    return {
        "sigmoid'(0)": derivative(torch.sigmoid, 0.0),
        "max sigmoid'": grid.max().item(),
        "sigmoid'(5)": derivative(torch.sigmoid, 5.0),
        "sigmoid'(-5)": derivative(torch.sigmoid, -5.0),
        "tanh'(0)": derivative(torch.tanh, 0.0),
        "tanh'(2)": derivative(torch.tanh, 2.0),
        "tanh'(3)": derivative(torch.tanh, 3.0),
        "softplus'(-3)": derivative(softplus, -3.0),
        "elu'(-3)": derivative(elu, -3.0),
        "relu'(-3)": derivative(torch.relu, -3.0),
    }


def shrinking_chain(layers: int = 5, factor: float = 0.1, lr: float = 0.01) -> dict[str, float]:
    """A gradient through `layers` factors of `factor`, and the first layer's SGD update."""
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(layers):
        y = factor * y  # one layer whose derivative is `factor`
    (g,) = torch.autograd.grad(y, x)
    return {"gradient": g.item(), "update": lr * g.item()}


def dying_relu_example() -> dict[str, list[float] | float]:
    """S4's 2-unit ReLU network: the second unit is dead, so its weights get a zero gradient."""
    x = torch.tensor([1.0, 1.5, 0.2], dtype=torch.float64)  # bias folded in as a leading 1
    hidden = torch.tensor([[0.0, 0.0], [0.86, -1.04], [0.41, -0.65]], dtype=torch.float64)
    hidden.requires_grad_(True)
    out = torch.tensor([[0.5, 0.3, -0.2], [-0.1, 0.4, 0.6]], dtype=torch.float64)
    h = x @ hidden  # (2,) pre-activations
    a = torch.relu(h)
    logits = a @ out  # (3,)
    target = torch.tensor([0])  # the source's class 1, the first
    loss = torch.nn.functional.cross_entropy(logits[None], target)
    g_a, g_h, g_w = torch.autograd.grad(loss, (a, h, hidden))
    return {
        "h": h.tolist(),
        "softmax": logits.softmax(0).tolist(),
        "loss": loss.item(),
        "grad_into_unit2": g_a[1].item(),
        "dL/dh2": g_h[1].item(),
        "unit2_weight_grad_max": g_w[:, 1].abs().max().item(),
    }


def mynorm_check(seed: int = 0) -> dict[str, float]:
    """Our MyNormalization against (x - x.mean()) / x.std() written out: values and gradients."""
    gen = torch.Generator().manual_seed(seed)
    x = (3.0 + 2.0 * torch.randn(512, 128, generator=gen)).requires_grad_(True)  # (B, width)
    w = torch.randn(512, 128, generator=gen)
    ours = MyNormalization()(x)
    (g_ours,) = torch.autograd.grad((ours * w).sum(), x)
    ref = (x - x.mean()) / x.std()  # torch.std is unbiased by default
    (g_ref,) = torch.autograd.grad((ref * w).sum(), x)
    return {
        "mean": ours.mean().item(),
        "std": ours.std().item(),
        "value_diff": (ours - ref).abs().max().item(),
        "grad_diff": (g_ours - g_ref).abs().max().item(),
    }


def zero_init_spread(steps: int = 3, seed: int = 0) -> dict[str, float]:
    """After SGD steps from all-zero weights: how far the hidden weights moved, and the largest
    difference between two units of one hidden layer."""
    torch.manual_seed(seed)
    model = build(ModelConfig(init="zero"))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    spread = moved = 0.0
    for layer in model.linears()[:-1]:  # hidden layers: one row of the weight per unit
        w = layer.weight.detach()
        spread = max(spread, (w - w[:1]).abs().max().item())
        moved = max(moved, w.abs().max().item())
    return {"moved": moved, "spread": spread}
