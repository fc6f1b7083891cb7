"""A full disk is named as such (exit 1), and what was recorded before stays readable."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Result, open_args


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 400 KiB filesystem of its own (tmpfs): mounting needs root, else the test skips."""
    mount = Path("/tmp") / f"ctrack-full-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or shutil.which("umount") is None:
        mount.rmdir()
        pytest.skip(f"a small filesystem cannot be mounted here ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        mount.rmdir()


def test_a_full_disk_is_named_and_nothing_half_written(
    ctrack: Callable[..., Result], tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRACK_STORE", str(tiny_disk / "store.sqlite"))
    assert ctrack(*open_args()).code == 0
    big = "a" * 9_000  # under the text bound; the disk fills after a few dozen
    recorded = 0
    failure: Result | None = None
    for number in range(200):
        result = ctrack(
            "involve", "CT-001", "--org", f"{big}{number}", "--sector", "vcs",
            "--activity", "co-design", "--on", "2026-02-02",
        )  # fmt: skip
        if result.code != 0:
            failure = result
            break
        recorded += 1
    assert failure is not None, "the 400 KiB disk never filled"
    assert failure.code == 1, failure.err
    assert "full" in failure.err and "Free some space" in failure.err
    assert "changed by someone else" not in failure.err
    assert "Traceback" not in failure.err
    history = ctrack("history", "CT-001", "--json")
    assert history.code == 0, history.err
    assert len(history.json()) == 1 + recorded  # every fact reported as recorded, no more
    assert os.path.exists(tiny_disk / "store.sqlite")
