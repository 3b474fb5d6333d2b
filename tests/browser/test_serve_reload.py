"""`sspage serve` in a real browser: an edit reloads the open page; a broken edit shows its error."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sspage
from sspage.serve import serve

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "content"
CODE = "z4hiCKGpsFUg"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    shutil.copytree(DEMO, tmp_path / "content")
    site = sspage.open_site(tmp_path)
    box: dict[str, Any] = {}
    started = threading.Event()

    def ready(server: Any) -> None:
        box["server"] = server
        started.set()

    thread = threading.Thread(target=serve, daemon=True,
                              kwargs={"site": site, "port": 0, "ready": ready, "log": lambda _: None})
    thread.start()
    assert started.wait(60)
    yield site, f"http://127.0.0.1:{box['server'].server_address[1]}"
    box["server"].shutdown()
    thread.join(10)


def test_an_edit_reloads_the_open_page(served: tuple[Any, str], new_page: Any) -> None:
    site, base = served
    page = new_page()
    page.goto(f"{base}/s/{CODE}/")
    assert page.locator("h1").inner_text() == "Kitchen renovation"
    page.evaluate("window.__before_reload = true")
    path = site.pages_dir / "kitchen-renovation.yaml"
    path.write_text(path.read_text("utf-8").replace("title: Kitchen renovation", "title: Kitchen refit"))
    page.wait_for_function("document.querySelector('h1').textContent === 'Kitchen refit'")
    assert page.evaluate("window.__before_reload") is None  # a real reload, not a patch


def test_a_broken_edit_shows_the_error_and_keeps_the_page(served: tuple[Any, str],
                                                          new_page: Any) -> None:
    site, base = served
    page = new_page()
    page.goto(f"{base}/s/{CODE}/")
    path = site.pages_dir / "kitchen-renovation.yaml"
    good = path.read_text("utf-8")
    path.write_text(good.replace("state: active", "state: doing"))
    alert = page.locator("#sspage-build-error")
    alert.wait_for()
    assert "items[1].state" in alert.inner_text() and "doing" in alert.inner_text()
    assert page.locator("h1").inner_text() == "Kitchen renovation"  # the last good page stays
    path.write_text(good.replace("title: Kitchen renovation", "title: Kitchen fixed"))
    page.wait_for_function("document.querySelector('h1').textContent === 'Kitchen fixed'")
    assert page.locator("#sspage-build-error").count() == 0
