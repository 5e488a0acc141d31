"""The wheel that ships newsdedup to the workers (``--extra_package``, or into the worker image) holds exactly
the ``pipeline`` and ``transforms`` packages, every file of them, and nothing of the repository besides (tests,
bench, data, configs, deploy)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "transforms")
# Not part of the source tree proper: outputs, build leftovers, caches.
NOT_SOURCE = ("out", "build", "dist", ".git", ".venv", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")


def test_the_wheel_holds_exactly_the_two_packages(tmp_path: Path) -> None:
    # Built from a copy of the tree: building in place would leave build/ and egg-info behind in the repository.
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("newsdedup-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        dist_info = {n for n in names if n.split("/")[0].endswith(".dist-info")}
        entry_points = next(zf.read(n).decode() for n in dist_info if n.endswith("/entry_points.txt"))
        metadata = next(zf.read(n).decode() for n in dist_info if n.endswith("/METADATA"))
    shipped = names - dist_info
    expected = {
        f.relative_to(src).as_posix()
        for package in PACKAGES
        for f in (src / package).rglob("*")
        if f.is_file() and "__pycache__" not in f.parts
    }
    assert shipped == expected, (sorted(shipped - expected), sorted(expected - shipped))
    assert {n.split("/")[0] for n in shipped} == set(PACKAGES)
    assert "newsdedup = pipeline.cli:main" in entry_points
    assert "Requires-Dist: apache-beam" in metadata
