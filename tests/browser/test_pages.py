"""The built demo site in a real browser: content, dark mode, small screens, no JS, axe-core,
hostile content, screenshots, and page weight.

Every page here is built by the real ``sspage build`` into a temporary folder,
served over real HTTP on 127.0.0.1 and opened in Debian's chromium.
The expected text comes straight from the demo YAML files, not from sspage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
KITCHEN = "kitchen-renovation"  # the "typical page" of the phone first-screen check
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
MAX_PAGE_BYTES = 20_000  # one HTML page plus its stylesheets, uncompressed

# The English labels of the default theme: the oracle for "state shown as text".
STATE_LABEL = {"pending": "Pending", "active": "In progress", "complete": "Complete"}
STATE_NAME = {0: "pending", 1: "active", 2: "complete"}


def _state(value: Any) -> str:
    if isinstance(value, int) or str(value).isdigit():
        return STATE_NAME[int(value)]
    return str(value).lower()


def _load_demo() -> dict[str, dict[str, Any]]:
    pages = {}
    for path in sorted((REPO / "content" / "pages").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["items"] = sorted(data.get("items") or [], key=lambda item: item["sortOrder"])
        pages[path.stem] = data
    return pages


DEMO = _load_demo()
SLUGS = list(DEMO)
# Every HTML page of the demo build a visitor can reach: the status pages, the home and 404.
SITE_PAGES = [f"s/{DEMO[slug]['publicCode']}/" for slug in SLUGS] + ["", "404.html"]
SITE_PAGE_IDS = SLUGS + ["home", "404"]


def url_of(server: Any, slug: str) -> str:
    return server.page(DEMO[slug]["publicCode"])


# -- helpers ----------------------------------------------------------------------------


def watch(page: Any, origin: str) -> list[str]:
    """Record console errors and warnings, page errors, failed and third-party requests."""
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text} ({message.location})")

    def response(r: Any) -> None:
        if r.status >= 400:
            problems.append(f"HTTP {r.status}: {r.url}")

    def request(r: Any) -> None:
        if not r.url.startswith((origin + "/", "data:")):
            problems.append(f"third-party request: {r.url}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
    page.on("response", response)
    page.on("request", request)
    return problems


def check_page_content(page: Any, data: dict[str, Any]) -> None:
    """The title, every item with its state as visible text, in order, and the progress summary."""
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text().strip() == data["title"]

    items = data["items"]
    done = sum(_state(item["state"]) == "complete" for item in items)
    summary = page.get_by_text(f"{done} of {len(items)} complete", exact=True)
    assert summary.count() >= 1, "no progress summary text"
    assert summary.first.is_visible()

    rows = page.locator("main li")
    texts = [t.strip() for t in rows.all_inner_texts()]
    positions = []
    for item in items:
        matches = [i for i, text in enumerate(texts) if item["text"] in text]
        assert len(matches) == 1, f"item {item['text']!r} should be one list item: {texts}"
        positions.append(matches[0])
        row = rows.nth(matches[0])
        assert row.is_visible()
        label = STATE_LABEL[_state(item["state"])]
        assert label in texts[matches[0]], f"{item['text']!r} does not say {label!r}"
        state = row.get_by_text(label, exact=True)
        assert state.count() == 1 and state.is_visible(), f"{label!r} not visible text"
        box = state.bounding_box()
        assert box and box["width"] > 8 and box["height"] > 8, f"{label!r} is hidden: {box}"
    assert positions == sorted(positions), "items are not in sortOrder"
    assert page.locator("main time[datetime]").count() >= 1, "no <time datetime> for the update"


RELATIVE_LUMINANCE = """() => {
  for (const el of [document.body, document.documentElement]) {
    const c = getComputedStyle(el).backgroundColor;
    if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
  }
  return null;
}"""


def luminance(css: str) -> float:
    match = re.fullmatch(r"rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*[\d.]+)?\)", css)
    assert match, f"unexpected colour format {css!r}"

    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(v)) for v in match.groups())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def axe_report(results: Any) -> str:
    lines = []
    for v in results.response["violations"]:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            lines.append(f"      {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


UNWRAP_NOSCRIPT = """() => {
  for (const n of [...document.querySelectorAll('noscript')]) {
    const t = document.createElement('template');
    t.innerHTML = n.textContent;
    n.replaceWith(t.content);
  }
}"""


# -- the demo pages ---------------------------------------------------------------------


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("slug", SLUGS)
def test_demo_page_renders(demo_server: Any, new_page: Callable[..., Any], slug: str,
                           js: bool) -> None:
    page = new_page(java_script_enabled=js)
    response = page.goto(url_of(demo_server, slug))
    assert response and response.status == 200
    check_page_content(page, DEMO[slug])


@pytest.mark.parametrize("path", SITE_PAGES, ids=SITE_PAGE_IDS)
def test_no_console_errors_or_foreign_requests(demo_server: Any, new_page: Callable[..., Any],
                                              path: str) -> None:
    page = new_page()
    problems = watch(page, demo_server.url)
    page.goto(f"{demo_server.url}/{path}", wait_until="networkidle")
    assert problems == []


@pytest.mark.parametrize("slug", SLUGS)
def test_dark_mode(demo_server: Any, new_page: Callable[..., Any], slug: str) -> None:
    colours = {}
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        page.goto(url_of(demo_server, slug))
        colour = page.evaluate(RELATIVE_LUMINANCE)
        assert colour, f"{scheme}: neither body nor html has a background colour"
        colours[scheme] = colour
    assert colours["light"] != colours["dark"], colours
    assert luminance(colours["dark"]) < 0.1, f"dark background is not dark: {colours}"
    assert luminance(colours["light"]) > 0.4, f"light background is not light: {colours}"


@pytest.mark.parametrize("path", SITE_PAGES, ids=SITE_PAGE_IDS)
def test_no_horizontal_scroll_at_320px(demo_server: Any, new_page: Callable[..., Any],
                                       path: str) -> None:
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(f"{demo_server.url}/{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"page is {width}px wide at a 320px viewport"


def test_phone_first_screen_shows_state_and_whole_checklist(demo_server: Any,
                                                            new_page: Callable[..., Any]) -> None:
    """On a 390x844 phone the overall state and the last checklist item need no scrolling."""
    data = DEMO[KITCHEN]
    page = new_page(**PHONE)
    page.goto(url_of(demo_server, KITCHEN))
    items = data["items"]
    done = sum(_state(item["state"]) == "complete" for item in items)
    targets = {
        "title": page.locator("h1"),
        "progress summary": page.get_by_text(f"{done} of {len(items)} complete", exact=True).first,
        "progress bar": page.locator("progress, [role=progressbar]").first,
        "last item": page.locator("main li", has_text=items[-1]["text"]).first,
    }
    height = PHONE["viewport"]["height"]
    for name, locator in targets.items():
        box = locator.bounding_box()
        assert box, f"{name} is not rendered"
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
            f"{name} is not on the first {PHONE['viewport']} screen: {box}"
        )


# -- accessibility ----------------------------------------------------------------------


def run_axe(page: Any) -> Any:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page)


@pytest.mark.parametrize("mode", ["js", "nojs", "dark"])
@pytest.mark.parametrize("path", SITE_PAGES, ids=SITE_PAGE_IDS)
def test_axe_finds_no_violations(demo_server: Any, new_page: Callable[..., Any], path: str,
                                 mode: str) -> None:
    url = f"{demo_server.url}/{path}"
    if mode == "nojs":
        # axe-core is itself a script and cannot run where scripts are disabled. So the
        # page is loaded with JavaScript off, and the DOM as rendered then (with any
        # <noscript> shown, as a reader without JavaScript sees it) is audited at the
        # same URL, with the same stylesheets, in a page that allows scripts.
        off = new_page(java_script_enabled=False)
        off.goto(url)
        html = re.sub(r"<script\b.*?</script\s*>", "", off.content(), flags=re.S | re.I)
        page = new_page()
        page.route(url, lambda route: route.fulfill(
            status=200, content_type="text/html; charset=utf-8", body=html))
        page.goto(url)
        page.evaluate(UNWRAP_NOSCRIPT)
    else:
        page = new_page(color_scheme="dark" if mode == "dark" else "light")
        page.goto(url)
    results = run_axe(page)
    assert results.violations_count == 0, f"axe-core on {url} ({mode}):\n{axe_report(results)}"


# -- hostile content --------------------------------------------------------------------

PWNED = "window.__pwned=1"
HOSTILE = [
    f"<script>{PWNED}</script>",
    f'<img src=x onerror="{PWNED}">',
    f"[click](javascript:{PWNED})",
    f'"><svg onload="{PWNED}">',
]
HOSTILE_MARKDOWN = [
    *HOSTILE,
    "<script>alert('pwned')</script>",
    "<img src=x onerror=alert(1)>",
    f"[upper](JaVaScRiPt:{PWNED})",
    f"[entity](jav&#x61;script:{PWNED})",
    f"[spaced]( javascript:{PWNED} )",
    f"<javascript:{PWNED}>",
    f"[ref][evil]\n\n[evil]: javascript:{PWNED}",
    f'![pic](x" onerror="{PWNED})',
    f'<a href="javascript:{PWNED}">raw link</a>',
    f'<a href="#" onclick="{PWNED}">onclick link</a>',
    "[data](data:text/html,<script>alert(1)</script>)",
    "[vb](vbscript:msgbox(1))",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    f'<details open ontoggle="{PWNED}">x</details>',
    f'<svg><a xlink:href="javascript:{PWNED}"><text y="20">svg link</text></a></svg>',
    f'<math><a href="javascript:{PWNED}">math link</a></math>',
    f'<form action="javascript:{PWNED}"><button>go</button></form>',
    f'<object data="javascript:{PWNED}"></object>',
    '<base href="javascript:/">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{PWNED}">',
    "<style>body{display:none}</style>",
    f'<p style="background:url(javascript:{PWNED})">styled</p>',
]
HOSTILE_TITLE = f'Hostile "><svg onload="{PWNED}"> <script>{PWNED}</script> title'
HOSTILE_CODE = "H0stileXss12"

# Reports every write to window.__pwned to Python, even from a page that navigates away.
PWN_TRAP = """(() => {
  let value;
  Object.defineProperty(window, '__pwned', {
    configurable: false,
    get() { return value; },
    set(v) { value = v; try { window.__sspagePwned(String(v), location.href); } catch (e) {} },
  });
})();"""

FORBIDDEN_DOM = """() => {
  const found = [];
  for (const el of document.querySelectorAll(
      'script, iframe, frame, object, embed, base, form, body style, body meta, body link')) {
    found.push('element ' + el.outerHTML.slice(0, 120));
  }
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push('handler ' + el.tagName + ' ' + a.name);
      if (name === 'style') found.push('style attribute on ' + el.tagName);
      if (urlAttrs.includes(name) && /^(javascript|vbscript|data):/.test(value)
          && !(el.tagName === 'LINK' && name === 'href')) {
        found.push('url ' + el.tagName + ' ' + a.name + '=' + a.value);
      }
    }
  }
  return found;
}"""


def page_yaml(items: list[str], latest_update: str) -> str:
    """A page file in the SharedStatus shape; strings are JSON, which YAML reads as is."""
    lines = [
        f"publicCode: {HOSTILE_CODE}",
        f"title: {json.dumps(HOSTILE_TITLE)}",
        "listed: true",
        f"latestUpdate: {json.dumps(latest_update)}",
        "createdUtc: 2026-06-08T14:30:00Z",
        "updatedUtc: 2026-06-08T15:10:00Z",
        "expiresUtc: null",
        "items:",
    ]
    for n, text in enumerate(items):
        lines += [
            f"  - id: 00000000-0000-4000-8000-{n:012d}",
            f"    text: {json.dumps(text)}",
            f"    sortOrder: {n}",
            f"    state: {n % 3}",
            "    createdUtc: 2026-06-08T14:30:00Z",
            "    updatedUtc: 2026-06-08T15:10:00Z",
        ]
    return "\n".join(lines) + "\n"


def make_site(root: Path, pages: dict[str, str], title: str = HOSTILE_TITLE) -> Path:
    site = root / "site"
    (site / "content" / "pages").mkdir(parents=True)
    (site / "content" / "site.yaml").write_text(
        f"title: {json.dumps(title)}\n"
        "base_url: https://status.example\n"
        "language: en\n"
        "timezone: Europe/London\n",
        encoding="utf-8",
    )
    for slug, text in pages.items():
        (site / "content" / "pages" / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return site


def test_hostile_content_runs_no_script(tmp_path: Path, build_site: Any, serve: Any,
                                        browser: Any) -> None:
    site = make_site(tmp_path, {"hostile": page_yaml(HOSTILE, "\n\n".join(HOSTILE_MARKDOWN))})
    server = serve(build_site(site, tmp_path / "out").out)
    context = browser.new_context()
    context.set_default_timeout(5_000)
    writes: list[str] = []
    dialogs: list[str] = []
    context.expose_function("__sspagePwned", lambda v, where: writes.append(f"{v} at {where}"))
    context.add_init_script(PWN_TRAP)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.on("page", lambda p: p.on("dialog", on_dialog))
    try:
        page = context.new_page()

        # The trap itself works: a page that does run the script is caught.
        page.set_content(f'<img src="data:," onerror="{PWNED}">')
        page.wait_for_function("window.__pwned === 1")
        assert writes, "the __pwned trap did not report a write"
        writes.clear()

        for url in (server.page(HOSTILE_CODE), server.url + "/"):
            page.goto(url)
            page.wait_for_timeout(200)
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate(FORBIDDEN_DOM) == [], f"unsafe markup survived on {url}"
            clickable = page.locator("a[href], button, summary, [tabindex]")
            for n in range(clickable.count()):
                page.goto(url)
                target = clickable.nth(n)
                try:
                    target.click(timeout=2_000)
                except Exception:  # off-screen (the skip link): activate it by keyboard
                    target.focus()
                    page.keyboard.press("Enter")
                page.wait_for_timeout(100)
                if page.url.startswith(server.url):
                    assert page.evaluate("typeof window.__pwned") == "undefined"
            assert writes == [] and dialogs == [], (writes, dialogs)

        # What was written is shown as text, not dropped and not double-escaped.
        page.goto(server.page(HOSTILE_CODE))
        assert page.locator("h1").inner_text().strip() == HOSTILE_TITLE
        texts = page.locator("main li").all_inner_texts()
        for text in HOSTILE:
            assert any(text in row for row in texts), f"item {text!r} not shown as text"
    finally:
        context.close()
    assert writes == [], f"script ran: {writes}"
    assert dialogs == [], f"dialogs opened: {dialogs}"


def test_long_unbroken_content_fits_320px(tmp_path: Path, build_site: Any, serve: Any,
                                          new_page: Callable[..., Any]) -> None:
    """Long words, URLs and code in real content must not make a phone scroll sideways."""
    long_word = "Supercalifragilistic" * 8
    long_url = "https://example.com/" + "a-very-long-path-segment/" * 8
    markdown = "\n\n".join([
        f"See {long_url} and [{long_url}]({long_url}).",
        long_word,
        "```\n" + "x" * 200 + "\n```",
        "| a | b |\n|---|---|\n| " + long_word + " | " + long_word + " |",
        "> " + long_word,
        "- " + long_word,
    ])
    site = make_site(tmp_path, {"long": page_yaml([long_word, long_url], markdown)},
                     title="Long content")
    server = serve(build_site(site, tmp_path / "out").out)
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(server.page(HOSTILE_CODE))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"page is {width}px wide at a 320px viewport"


# -- screenshots ------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshot_kitchen(demo_server: Any, new_page: Callable[..., Any], device: str,
                            scheme: str) -> None:
    """Saved to tests/browser/artifacts/ for a human to look at (CI keeps them too)."""
    options = DESKTOP if device == "desktop" else PHONE
    page = new_page(color_scheme=scheme, **options)
    page.goto(url_of(demo_server, KITCHEN))
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{KITCHEN}-{device}-{scheme}.png"
    # The phone shot is exactly the first screen; the desktop one is the whole page.
    page.screenshot(path=str(path), full_page=device == "desktop")
    assert path.stat().st_size > 1_000


# -- page weight (no browser needed) ----------------------------------------------------


def test_page_weight_and_no_javascript(demo: Any) -> None:
    pages = sorted(demo.out.rglob("*.html"))
    assert len(pages) >= len(SLUGS) + 2
    heavy, scripted = [], []
    for html_path in pages:
        html = html_path.read_text(encoding="utf-8")
        if "<script" in html.lower():
            scripted.append(str(html_path.relative_to(demo.out)))
        total = len(html.encode("utf-8"))
        for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
            base = demo.out if href.startswith("/") else html_path.parent
            css = (base / href.lstrip("/")).resolve()
            assert css.is_file(), f"{html_path}: stylesheet {href} is not in the build"
            total += css.stat().st_size
        if total >= MAX_PAGE_BYTES:
            heavy.append(f"{html_path.relative_to(demo.out)}: {total:,} bytes")
    assert scripted == [], f"pages with <script>: {scripted}"
    assert heavy == [], f"pages over {MAX_PAGE_BYTES:,} bytes with their CSS: {heavy}"

