"""Fashion-MNIST as resident tensors: lookup, integrity check, 90/10 split."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SPLIT_SEED = 20240101
CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# name -> (IDX magic, shape, sha256 of the uncompressed file)
FILES = {
    "train-images-idx3-ubyte": (
        2051,
        (60000, 28, 28),
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    "train-labels-idx1-ubyte": (
        2049,
        (60000,),
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    "t10k-images-idx3-ubyte": (
        2051,
        (10000, 28, 28),
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    "t10k-labels-idx1-ubyte": (
        2049,
        (10000,),
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}
HOW_TO_GET = (
    "install the Debian package dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist) "
    "or point --data-dir / VG_DATA at a folder holding the four IDX files"
)


class DataError(Exception):
    """A dataset file is missing or corrupt; the message is one line for the user."""


@dataclass
class Split:
    """One split as resident tensors: x (N, 784) float32 in [0, 1], y (N,) int64."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)

    def to(self, device: torch.device | str) -> Split:
        return Split(self.x.to(device), self.y.to(device))


@dataclass
class Dataset:
    """Train / val / test splits plus where the files came from."""

    train: Split
    val: Split
    test: Split
    source: str

    def to(self, device: torch.device | str) -> Dataset:
        return Dataset(
            self.train.to(device), self.val.to(device), self.test.to(device), self.source
        )

    def subset(self, n_train: int | None, n_val: int | None, n_test: int | None) -> Dataset:
        """The first n samples of each split (None: all of it)."""
        return Dataset(
            subset(self.train, n_train),
            subset(self.val, n_val),
            subset(self.test, n_test),
            self.source,
        )


def candidate_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched, in order: explicit dir or VG_DATA, the project cache, Debian's package."""
    dirs = []
    explicit = data_dir or os.environ.get("VG_DATA")
    if explicit:
        dirs.append(Path(explicit))
        dirs.append(Path(explicit) / "FashionMNIST" / "raw")
    dirs += [PROJECT_ROOT / "data" / "FashionMNIST" / "raw", DEBIAN_DIR]
    return dirs


def _find(name: str, dirs: list[Path]) -> Path | None:
    for d in dirs:
        for candidate in (d / name, d / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def read_idx(path: Path, name: str) -> np.ndarray:
    """Read and verify one IDX file (plain or .gz) against its magic, shape and sha256."""
    magic, shape, sha = FILES[name]
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: unreadable ({e}); {HOW_TO_GET}") from None
    if len(raw) < 8 or struct.unpack(">I", raw[:4])[0] != magic:
        raise DataError(f"{path}: not an IDX file with magic {magic}; {HOW_TO_GET}")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    if tuple(dims) != shape:
        raise DataError(f"{path}: shape {dims}, expected {shape}; {HOW_TO_GET}")
    if hashlib.sha256(raw).hexdigest() != sha:
        raise DataError(f"{path}: sha256 mismatch (corrupt or not Fashion-MNIST); {HOW_TO_GET}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def locate(data_dir: str | os.PathLike | None = None) -> dict[str, Path]:
    """Path of each of the four files, or DataError naming the first one missing."""
    dirs = candidate_dirs(data_dir)
    found = {}
    for name in FILES:
        path = _find(name, dirs)
        if path is None:
            where = ", ".join(str(d) for d in dirs)
            raise DataError(f"{name} not found in {where}; {HOW_TO_GET}")
        found[name] = path
    return found


def download_to_cache() -> bool:
    """Last resort: torchvision's download into data/ (True when it fetched the files)."""
    import socket

    from torchvision import datasets

    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(10)
    try:
        for train in (True, False):
            datasets.FashionMNIST(str(PROJECT_ROOT / "data"), train=train, download=True)
        return True
    except (
        Exception
    ):  # no network, a proxy error, a partial file: the caller reports what is missing
        return False
    finally:
        socket.setdefaulttimeout(old)


def load_arrays(
    data_dir: str | os.PathLike | None = None, download: bool = True
) -> tuple[dict[str, np.ndarray], str]:
    """The four verified arrays and the folder they came from (downloading only as a last resort)."""
    try:
        paths = locate(data_dir)
    except DataError:
        if not (download and download_to_cache()):
            raise
        paths = locate(data_dir)
    arrays = {name: read_idx(path, name) for name, path in paths.items()}
    return arrays, str(paths["train-images-idx3-ubyte"].parent)


def split_indices(n: int, val_fraction: float = 0.1, seed: int = SPLIT_SEED):
    """Fixed-seed permutation split of range(n) into (train, val) index tensors."""
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g)
    n_val = int(round(n * val_fraction))
    return perm[n_val:], perm[:n_val]


def subset(split: Split, n: int | None) -> Split:
    """First n samples of a split (the split is already shuffled), or all."""
    if n is None or n >= len(split):
        return split
    return Split(split.x[:n], split.y[:n])


def load_fashion_mnist(
    data_dir: str | os.PathLike | None = None,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
) -> Dataset:
    """Verified Fashion-MNIST as float tensors in [0, 1]; 90/10 train/val split of the 60k."""
    arrays, source = load_arrays(data_dir)
    x_all = torch.from_numpy(arrays["train-images-idx3-ubyte"].reshape(60000, 784).copy())
    y_all = torch.from_numpy(arrays["train-labels-idx1-ubyte"].astype(np.int64))
    x_test = torch.from_numpy(arrays["t10k-images-idx3-ubyte"].reshape(10000, 784).copy())
    y_test = torch.from_numpy(arrays["t10k-labels-idx1-ubyte"].astype(np.int64))
    tr, va = split_indices(60000)
    scale = 1.0 / 255.0
    train = Split(x_all[tr].float() * scale, y_all[tr])
    val = Split(x_all[va].float() * scale, y_all[va])
    # the test set is in file order; a fixed permutation makes a subset class-balanced
    te = torch.randperm(10000, generator=torch.Generator().manual_seed(SPLIT_SEED))
    test = Split(x_test[te].float() * scale, y_test[te])
    return Dataset(train, val, test, source).subset(n_train, n_val, n_test)


def ensure_raw_cache(data_dir: str | os.PathLike | None = None) -> Path:
    """Uncompressed copies under data/FashionMNIST/raw (what torchvision reads); returns data/."""
    root = PROJECT_ROOT / "data"
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, path in locate(data_dir).items():
        target = raw / name
        if target.is_file():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            content = f.read()
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(target)
    return root
