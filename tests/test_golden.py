"""Golden output: the frozen demo site must build to exactly the committed tree.

Regenerate after an intended change (then review the diff like code):

    SSPAGE_REGENERATE_GOLDEN=1 pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
from pathlib import Path

import pytest

import sspage
from sspage.manifest import MARKER
from sspage.build import build_site

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = GOLDEN / "public"
BUILD_TIME = "1781524800"  # 2026-06-15T12:00:00Z
REGENERATE = os.environ.get("SSPAGE_REGENERATE_GOLDEN") == "1"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MARKER}


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site_root = tmp_path / "site"
    shutil.copytree(GOLDEN / "site", site_root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_TIME)
    out = tmp_path / "public"
    build_site(sspage.open_site(site_root), out, jobs=1)
    return out


def test_golden_output(built: Path) -> None:
    actual = tree(built)
    if REGENERATE:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(built, EXPECTED, ignore=shutil.ignore_patterns(MARKER))
        return
    expected = tree(EXPECTED)
    assert sorted(actual) == sorted(expected), "files differ: SSPAGE_REGENERATE_GOLDEN=1 if intended"
    for name, data in expected.items():
        if actual[name] != data:
            diff = "\n".join(difflib.unified_diff(
                data.decode(errors="replace").splitlines(), actual[name].decode(errors="replace").splitlines(),
                f"golden/{name}", f"built/{name}", lineterm="", n=2))
            pytest.fail(f"{name} differs from the golden copy "
                        f"(SSPAGE_REGENERATE_GOLDEN=1 if intended):\n{diff}")


def test_golden_tree_covers_every_kind_of_output() -> None:
    names = set(tree(EXPECTED))
    assert {"index.html", "404.html", "robots.txt", "sitemap.xml", "_headers", ".nojekyll"} <= names
    assert "s/z4hiCKGpsFUg/index.html" in names  # listed
    assert "s/Qm7rT2vXk9Lp/index.html" in names  # unlisted, expires later
    assert "s/Wd3xP8nKa5Tb/index.html" in names  # expired
    assert "v1/status-pages/Wd3xP8nKa5Tb" not in names
    mirror = json.loads((EXPECTED / "v1/status-pages/z4hiCKGpsFUg").read_bytes())
    assert mirror["publicCode"] == "z4hiCKGpsFUg" and mirror["updatedUtc"] == "2026-06-08T15:10:00Z"
