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


# -- service pages ---------------------------------------------------------------------------
#
# tests/golden/services/site is the demo service (content/services/) with additions for
# coverage (README there). It is built at the same fixed time, for everyone and for the
# audience "trade", into tests/golden/services/public and public-trade.

SERVICES = GOLDEN / "services"


@pytest.mark.parametrize("audience", [None, "trade"], ids=["public", "trade"])
def test_golden_service_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               audience: str | None) -> None:
    site_root = tmp_path / "site"
    shutil.copytree(SERVICES / "site", site_root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_TIME)
    out = tmp_path / "out"
    build_site(sspage.open_site(site_root), out, jobs=1, audience=audience)
    expected_dir = SERVICES / ("public" if audience is None else f"public-{audience}")
    actual = tree(out)
    if REGENERATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(out, expected_dir, ignore=shutil.ignore_patterns(MARKER))
        return
    expected = tree(expected_dir)
    assert sorted(actual) == sorted(expected), "files differ: SSPAGE_REGENERATE_GOLDEN=1 if intended"
    for name, data in expected.items():
        assert actual[name] == data, (f"{name} differs from the golden copy "
                                      "(SSPAGE_REGENERATE_GOLDEN=1 if intended)")


def test_golden_service_tree_shows_what_each_audience_may_see() -> None:
    public, trade = tree(SERVICES / "public"), tree(SERVICES / "public-trade")
    base = "status/northwind-online/"
    for name in ("index.html", "history/index.html", "history/2026-05.html", "history/2026-06.html",
                 "incidents/3kq8vz0ph2wd.html", "incidents/7tr2mcx9bl4e.html",
                 "maintenance/5mx1db7q0upg.html", "maintenance/em4i1sw4p001.html"):
        assert base + name in public
    assert "st/svslot01/status.json" in public and "st/phlines1/index.html" in public
    # Private: never published, to anyone. Limited to an audience: only in that audience's build.
    for files in (public, trade):
        assert base + "incidents/pr1vated4i11.html" not in files
        assert not any(b"Failover drill" in data or b"Door code" in data for data in files.values())
    assert base + "incidents/tr4depr1ce01.html" in trade
    assert base + "incidents/tr4depr1ce01.html" not in public
    assert not any(b"Trade" in data for data in public.values())
    main = public[base + "index.html"].decode()
    # The active window puts email under maintenance; the future one changes nothing yet.
    assert "Email notifications</span><span class=\"st s-under_maintenance\">" in main
    assert "Booking and quotes</span><span class=\"st s-operational\">" in main
    # A component shown only when degraded is hidden while it is operational.
    assert "Fax line" not in main
