"""A faithful seed-style training loop (torchvision dataset, ToTensor, DataLoader): what our speed is compared with."""

from __future__ import annotations

import time

import torch
from torch import nn

from vgmodels.device import sync


def seed_style_epochs(
    case, model: nn.Module, epochs: int, device: torch.device, seed: int = 0
) -> list[tuple[float, float]]:
    """(training-step seconds, whole-epoch seconds) per epoch of a faithful seed-style loop.

    It trains the case's model the way the source notebooks do: torchvision dataset, ToTensor,
    DataLoader, plain nn.Linear, per-batch .item() calls, then a validation pass through a
    DataLoader. The first number covers the training steps only, as our records' `seconds` do;
    the second adds the validation pass, to compare with our whole epoch (evaluation and probes).
    """
    from torchvision import datasets, transforms

    from vgmodels.data import ensure_raw_cache

    root = ensure_raw_cache()
    torch.manual_seed(seed)
    full = datasets.FashionMNIST(
        str(root), train=True, download=False, transform=transforms.ToTensor()
    )
    n_val = len(full) // 10
    train_set, val_set = torch.utils.data.random_split(full, [len(full) - n_val, n_val])
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=case.train.batch_size, shuffle=True
    )
    val_loader = torch.utils.data.DataLoader(val_set, batch_size=case.train.batch_size)
    model = model.to(device)  # the case's model built with plain nn.Linear layers
    opt = torch.optim.SGD(model.parameters(), lr=case.train.lr, momentum=case.train.momentum)
    loss_fn = nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        running_loss, correct, total = 0.0, 0, 0
        for x, y in train_loader:
            x, y = x.view(x.size(0), -1).to(device), y.to(device)
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            running_loss += loss.item()
            correct += (out.argmax(1) == y).sum().item()
            total += y.size(0)
        sync(device)
        t_train = time.perf_counter() - t0
        model.eval()
        with torch.no_grad():
            for x, y in val_loader:
                x, y = x.view(x.size(0), -1).to(device), y.to(device)
                out = model(x)
                running_loss += loss_fn(out, y).item()
        sync(device)
        seconds.append((t_train, time.perf_counter() - t0))
    return seconds
