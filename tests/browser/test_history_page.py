"""A page with a timeline (``history: true``) in a real browser: axe-core, dark mode, no JS, 320 px.

The site is built in a git repository made here, so nothing depends on this
repository's own history.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sspage

pytestmark = pytest.mark.browser


def git(root: Path, *args: str, env: dict[str, str] | None = None) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("GIT_AUTHOR_DATE", moment)
    monkeypatch.setenv("GIT_COMMITTER_DATE", moment)


@pytest.fixture
def history_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, build_site: Any,
                 serve: Any) -> str:
    """The URL of a built page whose timeline has additions and state changes, served."""
    root = tmp_path / "site"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Repo User")
    git(root, "config", "user.email", "repo.user@example.com")
    git(root, "config", "commit.gpgsign", "false")
    sspage.init_site(root, title="Acme status", base_url="https://status.example.com")
    config = root / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("timezone: UTC", "timezone: Europe/London")
                      + "history: true\n", "utf-8")
    at(monkeypatch, "2026-06-01T09:00:00+0000")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Scaffold")
    at(monkeypatch, "2026-06-08T14:30:00+0000")
    created = sspage.open_site(root).create_page(
        "Kitchen renovation", items=["Survey booked", "Materials ordered",
                                     "A step with a long text that has to wrap on a small phone screen"])
    for moment, item, state in (("2026-06-08T15:00:00+0000", "#1", "active"),
                                ("2026-06-09T08:15:00+0000", "#1", "complete"),
                                ("2026-06-10T12:00:00+0000", "#2", "active")):
        at(monkeypatch, moment)
        sspage.open_site(root).update_item(created.page.slug, item, state=state)
    out = tmp_path / "out"
    build_site(root, out)
    return serve(out).page(str(created.page.public_code))


def test_timeline_is_an_ordered_list_of_dated_changes(history_page: str,
                                                      new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto(history_page)
    assert page.locator("#history-title").inner_text() == "History"
    events = page.locator("ol.timeline > li")
    assert events.count() == 6  # three additions, three state changes
    assert events.first.inner_text().split("\n")[0] == "10 June 2026, 13:00 BST"
    assert page.locator("ol.timeline time").first.get_attribute("datetime") == "2026-06-10T12:00:00Z"
    assert "Materials ordered" in events.first.inner_text()
    assert "changed from Pending to In progress" in events.first.inner_text()


@pytest.mark.parametrize("mode", ["light", "dark", "nojs"])
def test_axe_finds_no_violations_on_the_timeline(history_page: str, new_page: Callable[..., Any],
                                                 mode: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    if mode == "nojs":  # as in test_pages: render without scripts, audit that DOM
        off = new_page(java_script_enabled=False)
        off.goto(history_page)
        html = re.sub(r"<script\b.*?</script\s*>", "", off.content(), flags=re.S | re.I)
        page = new_page()
        page.route(history_page, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html))
    else:
        page = new_page(color_scheme=mode)
    page.goto(history_page)
    results = Axe().run(page)
    found = [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
             for v in results.response["violations"]]
    assert found == []


def test_timeline_fits_320px(history_page: str, new_page: Callable[..., Any]) -> None:
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(history_page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
