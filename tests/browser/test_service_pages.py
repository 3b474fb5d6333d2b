"""The demo service page in a real browser: what it says, its collapsible groups without
JavaScript, the permalink and archive pages, axe-core, dark mode and small screens.

The demo site is built by the real ``sspage build`` at the fixed build time of
conftest.py (2026-06-15), served over HTTP and opened in Debian's chromium. What
each page must say comes from the demo YAML files, not from sspage.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_pages import RELATIVE_LUMINANCE, UNWRAP_NOSCRIPT, axe_report, luminance, run_axe, watch

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SERVICE = REPO / "content" / "services" / "northwind-online"
BASE = "status/northwind-online/"
STATUS_WORDS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}


def _load(folder: str) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text("utf-8")) for p in sorted((SERVICE / folder).glob("*.yaml"))]


CONFIG = yaml.safe_load((SERVICE / "service.yaml").read_text("utf-8"))
INCIDENTS = _load("incidents")
WINDOWS = _load("maintenance")
POSTS = _load("updates")
OPEN = [i for i in INCIDENTS if i.get("endUtc") is None]
RESOLVED = [i for i in INCIDENTS if i.get("endUtc") is not None]
STATUSES = {
    p.stem: yaml.safe_load(p.read_text("utf-8"))
    for p in sorted((REPO / "content" / "statuses").glob("*.yaml"))
}
PAGES = [
    BASE,
    f"{BASE}history/",
    f"{BASE}history/2026-06.html",
    *(f"{BASE}incidents/{i['id']}.html" for i in INCIDENTS),
    *(f"{BASE}maintenance/{m['id']}.html" for m in WINDOWS),
    *(f"st/{s['shareId']}/" for s in STATUSES.values()),
]
PAGE_IDS = [
    "main",
    "history",
    "month",
    *(f"incident-{i['id']}" for i in INCIDENTS),
    *(f"window-{m['id']}" for m in WINDOWS),
    *(f"status-{k}" for k in STATUSES),
]


def effective(key: str) -> str:
    """The oracle for a component's shown status at the build time: the worst of its own and
    what the open incidents give it (their last component changes win), ranked by severity."""
    rank = ["operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"]
    own = next(c for c in CONFIG["components"] if c["key"] == key).get("status", "operational")
    found = [own]
    for incident in OPEN:
        effects = dict(incident.get("components") or {})
        for update in incident.get("updates") or []:
            effects.update(update.get("components") or {})
        if key in effects:
            found.append(effects[key])
    return max(found, key=rank.index)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_main_page_says_everything(demo_server: Any, new_page: Callable[..., Any], js: bool) -> None:
    page = new_page(java_script_enabled=js)
    response = page.goto(f"{demo_server.url}/{BASE}")
    assert response and response.status == 200
    assert page.locator("h1").inner_text().strip() == CONFIG["title"]
    banner = page.locator(".banner h2").inner_text().strip()
    assert banner == "Minor service outage"  # the worst open impact is minor; SMS is degraded
    # Every component with its status as visible text, in file order within its group.
    rows = page.locator("li.cm")
    shown = [row.inner_text().split("\n") for row in rows.all()]
    names = [parts[0] for parts in shown]
    assert names == [c["name"] for c in CONFIG["components"]]
    for component, row in zip(CONFIG["components"], rows.all(), strict=True):
        label = STATUS_WORDS[effective(component["key"])]
        state = row.locator(".st")
        assert state.inner_text().strip() == label and state.is_visible(), component["key"]
    # Active incidents with their updates, newest first; upcoming maintenance; statuses.
    for incident in OPEN:
        article = page.locator("article.incident", has_text=incident["title"])
        assert article.count() == 1
        texts = article.locator(".tl li .prose").all_inner_texts()
        expected = [" ".join(u["message"].replace("**", "").split()) for u in reversed(incident["updates"])]
        assert [" ".join(t.split()) for t in texts] == expected
    for window in WINDOWS:
        assert page.locator("article.window", has_text=window["title"]).count() == 1
    for status in STATUSES.values():
        tile = page.locator(".tiles li", has_text=status["name"])
        assert tile.locator(".value").inner_text().strip() == status["value"]
    # Pinned posts come first, then the rest, newest first.
    titles = page.locator("article.post h3").all_inner_texts()
    pinned = [p["title"] for p in POSTS if p.get("pinned")]
    recent = [
        p["title"]
        for p in sorted((p for p in POSTS if not p.get("pinned")), key=lambda p: p["timeUtc"], reverse=True)
    ]
    assert titles == pinned + recent
    assert page.locator(".pasts li a").all_inner_texts() == [i["title"] for i in RESOLVED]


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_groups_collapse_without_javascript(demo_server: Any, new_page: Callable[..., Any], js: bool) -> None:
    page = new_page(java_script_enabled=js)
    page.goto(f"{demo_server.url}/{BASE}")
    groups = page.locator("details")
    assert groups.count() == len(CONFIG["groups"])
    for index, group in enumerate(CONFIG["groups"]):
        details = groups.nth(index)
        summary = details.locator("summary")
        assert summary.locator(".n").inner_text().strip() == group["name"]
        keys = [c["key"] for c in CONFIG["components"] if c.get("group") == group["key"]]
        # A collapsed group opens anyway while something in it is not operational.
        degraded = any(effective(k) != "operational" for k in keys)
        assert details.evaluate("d => d.open") == (not group.get("collapsed") or degraded)
        first = details.locator("li.cm").first
        was_open = details.evaluate("d => d.open")
        summary.click()
        assert details.evaluate("d => d.open") != was_open
        assert first.is_visible() == (not was_open)
        summary.press("Enter")  # and by keyboard
        assert details.evaluate("d => d.open") == was_open


def test_permalinks_and_the_archive(demo_server: Any, new_page: Callable[..., Any]) -> None:
    page = new_page()
    page.goto(f"{demo_server.url}/{BASE}")
    for incident in OPEN:
        page.goto(f"{demo_server.url}/{BASE}")
        page.locator("article.incident h3 a", has_text=incident["title"]).click()
        assert page.url.endswith(f"{BASE}incidents/{incident['id']}.html")
        assert page.locator("h1").inner_text().strip() == incident["title"]
        assert page.locator(".tl li").count() == len(incident["updates"])
    page.goto(f"{demo_server.url}/{BASE}")
    page.get_by_role("link", name="Incident history").click()
    months = page.locator(".pasts li a")
    assert months.all_inner_texts() == ["June 2026"]
    months.first.click()
    listed = page.locator(".pasts li a").all_inner_texts()
    assert listed == [i["title"] for i in sorted(INCIDENTS, key=lambda i: i["startUtc"], reverse=True)]
    page.locator(".pasts li a", has_text=RESOLVED[0]["title"]).click()
    assert page.locator("h1").inner_text().strip() == RESOLVED[0]["title"]
    crumbs = page.locator("nav.crumbs a")
    assert crumbs.all_inner_texts() == [CONFIG["title"], "June 2026"]
    crumbs.first.click()
    assert page.url.endswith(BASE)
    for window in WINDOWS:
        page.goto(f"{demo_server.url}/{BASE}maintenance/{window['id']}.html")
        assert page.locator("h1").inner_text().strip() == window["title"]
        assert "Scheduled" in page.locator("main .meta").first.inner_text()


def test_status_share_pages(demo_server: Any, new_page: Callable[..., Any]) -> None:
    page = new_page()
    for status in STATUSES.values():
        page.goto(f"{demo_server.url}/st/{status['shareId']}/")
        assert page.locator("h1").inner_text().strip() == status["name"]
        assert page.locator(".big .value").inner_text().strip() == status["value"]
        body = page.request.get(f"{demo_server.url}/st/{status['shareId']}/status.json").json()
        assert (body["name"], body["value"], body["colorNo"]) == (
            status["name"],
            status["value"],
            status["colorNo"],
        )


@pytest.mark.parametrize("path", PAGES, ids=PAGE_IDS)
def test_no_console_errors_or_foreign_requests(
    demo_server: Any, new_page: Callable[..., Any], path: str
) -> None:
    page = new_page()
    problems = watch(page, demo_server.url)
    page.goto(f"{demo_server.url}/{path}", wait_until="networkidle")
    assert problems == []


@pytest.mark.parametrize("path", PAGES, ids=PAGE_IDS)
def test_no_horizontal_scroll_at_320px(demo_server: Any, new_page: Callable[..., Any], path: str) -> None:
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(f"{demo_server.url}/{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{path} is {width}px wide at a 320px viewport"


def test_dark_mode(demo_server: Any, new_page: Callable[..., Any]) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        page.goto(f"{demo_server.url}/{BASE}")
        colours[scheme] = page.evaluate(RELATIVE_LUMINANCE)
    assert luminance(colours["dark"]) < 0.1 < 0.4 < luminance(colours["light"])


def test_status_is_not_told_by_colour_alone(demo_server: Any, new_page: Callable[..., Any]) -> None:
    """Each status has its own word and an icon of its own shape, whatever the colours."""
    page = new_page(forced_colors="active")
    page.goto(f"{demo_server.url}/{BASE}")
    shapes = page.evaluate("""() => {
      const seen = {};
      for (const st of document.querySelectorAll('.st')) {
        const icon = st.querySelector('.si');
        const s = getComputedStyle(icon), b = getComputedStyle(icon, '::before'),
              a = getComputedStyle(icon, '::after');
        seen[st.textContent.trim()] = [s.borderRadius, s.backgroundImage, b.content, b.transform,
                                       a.content, a.transform, a.borderRightWidth].join('|');
      }
      return seen;
    }""")
    assert set(shapes) <= set(STATUS_WORDS.values()) and len(shapes) >= 2
    assert len(set(shapes.values())) == len(shapes), shapes


@pytest.mark.parametrize("mode", ["js", "nojs", "dark"])
@pytest.mark.parametrize("path", PAGES, ids=PAGE_IDS)
def test_axe_finds_no_violations(
    demo_server: Any, new_page: Callable[..., Any], path: str, mode: str
) -> None:
    import re

    url = f"{demo_server.url}/{path}"
    if mode == "nojs":
        off = new_page(java_script_enabled=False)
        off.goto(url)
        html = re.sub(r"<script\b.*?</script\s*>", "", off.content(), flags=re.S | re.I)
        page = new_page()
        page.route(
            url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        )
        page.goto(url)
        page.evaluate(UNWRAP_NOSCRIPT)
    else:
        page = new_page(color_scheme="dark" if mode == "dark" else "light")
        page.goto(url)
    # Closed groups are audited open too: their contents must pass as well.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    results = run_axe(page)
    assert results.violations_count == 0, f"axe-core on {url} ({mode}):\n{axe_report(results)}"
