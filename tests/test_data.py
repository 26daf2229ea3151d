"""Fashion-MNIST loading: the real files, and one-line failures for missing or corrupt ones."""

import gzip
import shutil

import pytest
import torch

from vgmodels.data import FILES, DataError, load_fashion_mnist, locate, read_idx


@pytest.mark.realdata
def test_real_files_shapes_split_and_classes():
    data = load_fashion_mnist()
    assert data.train.x.shape == (54000, 784) and data.val.x.shape == (6000, 784)
    assert data.test.x.shape == (10000, 784)
    assert data.train.x.dtype == torch.float32
    assert data.train.x.min().item() == 0.0 and data.train.x.max().item() == 1.0
    all_labels = torch.cat([data.train.y, data.val.y])
    assert torch.bincount(all_labels, minlength=10).tolist() == [6000] * 10
    assert torch.bincount(data.test.y, minlength=10).tolist() == [1000] * 10
    # the split is fixed: a second load gives the same validation set
    again = load_fashion_mnist(n_val=100)
    assert torch.equal(again.val.y, data.val.y[:100])


def _copy_real(tmp_path):
    for name, path in locate().items():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as src, open(tmp_path / name, "wb") as dst:
            shutil.copyfileobj(src, dst)


@pytest.mark.realdata
def test_corrupt_file_is_named(tmp_path):
    _copy_real(tmp_path)
    target = tmp_path / "t10k-labels-idx1-ubyte"
    raw = bytearray(target.read_bytes())
    raw[100] ^= 0xFF
    target.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte: sha256 mismatch"):
        read_idx(target, "t10k-labels-idx1-ubyte")


def test_wrong_magic_and_missing_file(tmp_path):
    bad = tmp_path / "train-labels-idx1-ubyte"
    bad.write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 20)
    with pytest.raises(DataError, match="magic 2049"):
        read_idx(bad, "train-labels-idx1-ubyte")
    with pytest.raises(DataError, match="dataset-fashion-mnist") as e:
        locate_only_in = tmp_path / "empty"
        locate_only_in.mkdir()
        from vgmodels import data

        original = data.candidate_dirs
        data.candidate_dirs = lambda d=None: [locate_only_in]
        try:
            data.locate()
        finally:
            data.candidate_dirs = original
    assert "\n" not in str(e.value) and "train-images-idx3-ubyte not found" in str(e.value)


def test_files_table_is_the_published_dataset():
    # IDX magic: 0x0803 (unsigned bytes, 3 dims) for images, 0x0801 for labels; 60k + 10k images
    assert {name: (magic, shape) for name, (magic, shape, _) in FILES.items()} == {
        "train-images-idx3-ubyte": (0x0803, (60000, 28, 28)),
        "train-labels-idx1-ubyte": (0x0801, (60000,)),
        "t10k-images-idx3-ubyte": (0x0803, (10000, 28, 28)),
        "t10k-labels-idx1-ubyte": (0x0801, (10000,)),
    }
    assert all(len(sha) == 64 and int(sha, 16) for _, _, sha in FILES.values())


def test_missing_files_try_download_then_name_the_file(tmp_path, monkeypatch):
    from vgmodels import data

    calls = []
    monkeypatch.setattr(data, "candidate_dirs", lambda d=None: [tmp_path])
    monkeypatch.setattr(data, "download_to_cache", lambda: calls.append(1) or False)
    with pytest.raises(DataError, match="train-images-idx3-ubyte not found"):
        load_fashion_mnist()
    assert calls == [1]  # the download was tried once, as the last resort


def test_dataset_subset_takes_the_first_samples_of_each_split():
    from vgmodels.data import Dataset, Split

    def split(n):
        return Split(torch.arange(n * 2, dtype=torch.float32).reshape(n, 2), torch.arange(n))

    d = Dataset(split(10), split(6), split(8), "synthetic").subset(4, None, 100)
    assert (len(d.train), len(d.val), len(d.test), d.source) == (4, 6, 8, "synthetic")
    assert d.train.y.tolist() == [0, 1, 2, 3] and d.train.x[3].tolist() == [6.0, 7.0]
