"""`sspage serve` against a real server on 127.0.0.1: content types, live rebuilds, failed builds."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import sspage
from sspage.serve import serve

DEMO = Path(__file__).resolve().parent.parent / "content"
CODE = "z4hiCKGpsFUg"


@pytest.fixture
def served(tmp_path):
    shutil.copytree(DEMO, tmp_path / "content")
    site = sspage.open_site(tmp_path)
    started = threading.Event()
    box: dict = {}
    lines: list[str] = []

    def ready(server):
        box["server"] = server
        started.set()

    thread = threading.Thread(target=serve, kwargs=dict(site=site, port=0, ready=ready, log=lines.append),
                              daemon=True)
    thread.start()
    assert started.wait(30), lines
    server = box["server"]
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield site, base, lines
    server.shutdown()
    thread.join(10)
    assert not thread.is_alive()


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def wait(base: str, seen: str) -> dict:
    return json.loads(get(f"{base}/__sspage__/wait?build={seen}")[2])


def current_build(base: str) -> str:
    return wait(base, "")["build"]


def test_serves_pages_and_json_with_their_types(served):
    site, base, lines = served
    status, kind, body = get(f"{base}/s/{CODE}/")
    assert status == 200 and kind.startswith("text/html")
    assert b"<h1" in body and b"Kitchen renovation" in body
    assert b"/__sspage__/reload.js" in body  # the reload script is added by serve only
    status, kind, body = get(f"{base}/v1/status-pages/{CODE}")
    assert (status, kind) == (200, "application/json")
    assert json.loads(body)["publicCode"] == CODE
    status, kind, _ = get(f"{base}/assets/../../../etc/passwd")
    assert status == 404
    assert get(f"{base}/.sspage/manifest.json")[0] == 404  # build state is not served
    assert any(line.startswith("Built 3 pages") for line in lines)


def test_a_change_is_rebuilt_and_announced(served):
    site, base, lines = served
    seen = current_build(base)
    path = site.pages_dir / "kitchen-renovation.yaml"
    started = time.monotonic()
    path.write_text(path.read_text().replace("title: Kitchen renovation", "title: Kitchen refit"))
    state = wait(base, seen)
    elapsed = time.monotonic() - started
    assert state == {"build": str(int(seen) + 1), "error": None}
    assert b"Kitchen refit" in get(f"{base}/s/{CODE}/")[2]
    assert elapsed < 5, elapsed
    assert any("(1 changed)" in line for line in lines)


def test_a_failed_build_keeps_the_last_good_site(served):
    site, base, lines = served
    seen = current_build(base)
    path = site.pages_dir / "kitchen-renovation.yaml"
    good = path.read_text()
    path.write_text(good.replace("state: active", "state: doing"))
    state = wait(base, seen)
    assert "items[1].state" in state["error"] and "doing" in state["error"]
    status, _, body = get(f"{base}/s/{CODE}/")
    assert status == 200 and b"Materials ordered" in body  # the last good page
    assert any(line.startswith("Error: content/pages/kitchen-renovation.yaml:") for line in lines)
    path.write_text(good)
    assert wait(base, state["build"])["error"] is None


def test_library_call_stops_cleanly(served):
    site, base, _ = served
    assert get(f"{base}/")[0] in (200, 404)  # the fixture's teardown asserts the thread ends


def test_an_atomic_save_by_another_program_is_seen(served):
    """Editors and sspage itself save by renaming a hidden temporary file over the page."""
    site, base, lines = served
    seen = current_build(base)
    path = site.pages_dir / "kitchen-renovation.yaml"
    temp = path.with_name(".kitchen-renovation.yaml.tmp")
    temp.write_text(path.read_text().replace("title: Kitchen renovation", "title: Renamed in"))
    temp.replace(path)
    assert wait(base, seen)["error"] is None
    assert b"Renamed in" in get(f"{base}/s/{CODE}/")[2]


def test_a_library_change_is_seen(served):
    site, base, lines = served
    seen = current_build(base)
    site.update_item("kitchen-renovation", "#3", state="active")
    assert wait(base, seen)["error"] is None
    mirror = json.loads(get(f"{base}/v1/status-pages/{CODE}")[2])
    assert [item["state"] for item in mirror["items"]] == [2, 1, 1]
