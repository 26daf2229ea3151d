"""Provenance: the source hash by hand, the commit and publishability in a throwaway git checkout."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from vgmodels.provenance import describe_code, same_code, source_sha256


def _package(tmp_path):
    pkg = tmp_path / "vgmodels"
    (pkg / "training").mkdir(parents=True)
    (pkg / "report").mkdir()
    (pkg / "training" / "loop.py").write_text("x = 1\n")
    (pkg / "models.py").write_text("y = 2\n")
    (pkg / "report" / "text.py").write_text("z = 3\n")
    return pkg


def test_the_source_hash_covers_training_sources_only(tmp_path):
    pkg = _package(tmp_path)
    by_hand = hashlib.sha256(b"models.py\0y = 2\n\0training/loop.py\0x = 1\n\0").hexdigest()
    assert source_sha256(pkg) == by_hand
    (pkg / "report" / "text.py").write_text("z = 4\n")  # presenting records: same runs
    assert source_sha256(pkg) == by_hand
    (pkg / "training" / "loop.py").write_text("x = 2\n")  # training: another hash
    assert source_sha256(pkg) != by_hand


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_commit_and_publishable_follow_the_checkout(tmp_path):
    pkg = _package(tmp_path)
    no_git = describe_code(pkg)
    assert no_git["git_commit"] is None and no_git["publishable"] is False
    assert no_git["commit"] == f"{no_git['version']}+{source_sha256(pkg)[:12]}"

    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    clean = describe_code(pkg)
    assert clean["git_commit"] == head and clean["commit"] == head[:7]
    assert clean["git_dirty"] is False and clean["publishable"] is True

    (tmp_path / "NOTES").write_text("outside the package: still publishable\n")
    assert describe_code(pkg)["publishable"] is True
    (pkg / "models.py").write_text("y = 3\n")
    dirty = describe_code(pkg)
    assert dirty["commit"] == head[:7] + "-dirty" and dirty["publishable"] is False


@pytest.mark.parametrize(
    "change, same",
    [
        ({}, True),
        ({"source_sha256": "0" * 64}, False),
        ({"version": "9"}, False),
        ({"commit": "other"}, True),
    ],
)
def test_same_code_compares_version_and_sources_not_the_commit(change, same):
    from vgmodels.provenance import code_version

    assert same_code({**code_version(), **change}) is same
    assert same_code(None) is False


def test_a_stamped_copy_without_git_names_its_commit_while_its_sources_match(tmp_path):
    import shutil

    from vgmodels.provenance import write_stamp

    pkg = _package(tmp_path / "checkout")
    with pytest.raises(ValueError, match="not a clean git checkout"):
        write_stamp(pkg)  # no git at all
    root = pkg.parent
    _git(root, "init", "-q")
    (root / ".gitignore").write_text("COMMIT.json\n")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (pkg / "models.py").write_text("y = 5\n")
    with pytest.raises(ValueError, match="commit first"):
        write_stamp(pkg)  # a dirty checkout gets no stamp
    (pkg / "models.py").write_text("y = 2\n")
    write_stamp(pkg)

    copy = tmp_path / "sent" / "vgmodels"  # the package alone, no .git above it
    shutil.copytree(pkg, copy)
    code = describe_code(copy)
    assert code["git_commit"] == head and code["commit"] == head[:7]
    assert code["git_dirty"] is False and code["publishable"] is True
    (copy / "report" / "text.py").write_text("z = 9\n")  # presenting code: still that commit
    assert describe_code(copy)["publishable"] is True
    (copy / "training" / "loop.py").write_text("x = 7\n")  # training code: not that commit
    changed = describe_code(copy)
    assert changed["git_dirty"] is True and changed["publishable"] is False
    (copy / "COMMIT.json").write_text("{broken")  # an unreadable stamp is no stamp
    assert describe_code(copy)["git_commit"] is None

    # the stamped sources copied over an older checkout: git says dirty, the sources say the stamp
    (pkg / "training" / "loop.py").write_text("x = 0\n")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "two")
    assert describe_code(pkg)["git_commit"] != head  # clean at "two": the stamp is not read
    (pkg / "training" / "loop.py").write_text("x = 1\n")
    code = describe_code(pkg)
    assert code["git_commit"] == head and code["publishable"] is True
    (pkg / "training" / "loop.py").write_text("x = 8\n")  # matches neither: git's dirty
    assert describe_code(pkg)["commit"].endswith("-dirty")
