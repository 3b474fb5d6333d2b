"""The status embeds on another site: a host page on another port of 127.0.0.1, with a strict
Content-Security-Policy, includes the banner script and the iframe page of the demo service.

The status site is served with the headers of its own ``_headers`` file (Netlify's reading:
rules in order, a later rule's header replacing an earlier one's), so the iframe is allowed
only because ``embed.html`` has its own ``frame-ancestors *``, and the script reads
``summary.json`` only because of its ``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import BUILD_TIME, REPO, StaticHandler, run_build

pytestmark = pytest.mark.browser

SLUG = "northwind-online"
OPEN_INCIDENT = "2026-06-14-sms-reminders-delayed.yaml"


def parse_headers(text: str) -> list[tuple[re.Pattern[str], list[tuple[str, str]]]]:
    """``_headers`` as (path pattern, headers) rules; ``*`` is a splat, ``:name`` one segment."""
    rules: list[tuple[re.Pattern[str], list[tuple[str, str]]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            parts = [".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p)
                     for p in re.split(r"(\*|:[a-z]+)", line.strip()) if p]
            rules.append((re.compile("^" + "".join(parts) + "$"), []))
        else:
            name, _, value = line.strip().partition(":")
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


class HeadersHandler(StaticHandler):
    """A static host that reads ``_headers`` as Netlify does."""

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        chosen: dict[str, tuple[str, str]] = {}
        for pattern, headers in parse_headers((Path(self.directory) / "_headers").read_text("utf-8")):
            if pattern.match(path):
                for name, value in headers:
                    chosen[name.lower()] = (name, value)
        for key, (name, value) in sorted(chosen.items()):
            if key != "content-type":  # the handler has sent the type already
                self.send_header(name, value)
        super().end_headers()


class HostHandler(http.server.BaseHTTPRequestHandler):
    """The other site: one page, with a strict CSP that allows the status site by origin."""

    status = ""  # the status site's origin, set per server

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        status = self.status
        body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host</title>
<script src="{status}/status/{SLUG}/embed.js" async></script></head>
<body><h1>A customer's site</h1>
<iframe src="{status}/status/{SLUG}/embed.html" title="Service status" width="400" height="300"></iframe>
</body></html>""".encode()
        csp = (f"default-src 'none'; script-src {status}; connect-src {status}; frame-src {status}; "
               "style-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", csp)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _start(handler: Any) -> tuple[http.server.ThreadingHTTPServer, str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


HOSTILE = '<img src=x onerror="window.pwned=1">SMS <b>late</b>'


def _build(root: Path, kind: str) -> Path:
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    incident = site / "content" / "services" / SLUG / "incidents" / OPEN_INCIDENT
    if kind == "well":
        incident.unlink()
    elif kind == "hostile":
        text = incident.read_text("utf-8").replace("title: SMS reminders delayed", f"title: '{HOSTILE}'")
        incident.write_text(text, "utf-8")
    out = run_build(site, root / "out").out
    summary = out / "status" / SLUG / "api" / "v2" / "summary.json"
    if not summary.exists():  # published by the Statuspage API part of the build, when it is there
        import sspage

        document = sspage.open_site(site).services.summary(SLUG, now=BUILD_TIME)
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps(document), "utf-8")
    return out


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], tuple[str, str]]]:
    """``sites(kind)``: (host URL, status origin) for the demo ("incident"), the demo without
    its open incident ("well"), or with a hostile incident title ("hostile")."""
    servers: list[http.server.ThreadingHTTPServer] = []
    made: dict[str, tuple[str, str]] = {}

    def get(kind: str) -> tuple[str, str]:
        if kind not in made:
            out = _build(tmp_path_factory.mktemp(f"embed-{kind}"), kind)
            status_server, status = _start(functools.partial(HeadersHandler, directory=str(out)))
            host_server, host = _start(type("Host", (HostHandler,), {"status": status}))
            servers.extend([status_server, host_server])
            made[kind] = (host + "/", status)
        return made[kind]

    yield get
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return problems


def test_banner_and_iframe_during_an_incident(sites: Any, new_page: Callable[..., Any]) -> None:
    host, status = sites("incident")
    page = new_page()
    problems = _watch(page)
    page.goto(host, wait_until="networkidle")
    banner = page.locator(".sspage-embed")
    banner.wait_for()
    assert banner.get_attribute("role") == "status" and banner.get_attribute("data-kind") == "incident"
    text = banner.inner_text()
    assert "SMS reminders delayed" in text and "Minor impact" in text
    link = banner.locator("a")
    assert link.get_attribute("href").startswith("https://status.northwind.example/status/")
    # Colours and position from the site config's defaults, through the CSSOM.
    styles = banner.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).position,"
                             " getComputedStyle(e).right, getComputedStyle(e).bottom]")
    assert styles == ["rgb(183, 28, 28)", "fixed", "16px", "16px"]
    frame = page.frame_locator("iframe")
    assert frame.locator("h1").inner_text().strip() == "Minor service outage"
    assert "SMS reminders delayed" in frame.locator("main").inner_text()
    # The iframe page is styled (its stylesheets load under its own CSP).
    assert frame.locator(".banner").evaluate("e => getComputedStyle(e).borderTopStyle") == "solid"
    banner.locator("button").click()
    assert page.locator(".sspage-embed").count() == 0
    assert problems == []


def test_untrusted_text_never_executes(sites: Any, new_page: Callable[..., Any]) -> None:
    host, _ = sites("hostile")
    page = new_page()
    problems = _watch(page)
    page.goto(host, wait_until="networkidle")
    banner = page.locator(".sspage-embed")
    banner.wait_for()
    assert HOSTILE in banner.inner_text()  # shown as text
    assert banner.locator("img, b").count() == 0
    frame = page.frame_locator("iframe")
    assert HOSTILE in frame.locator("main").inner_text()
    assert frame.locator("main img").count() == 0
    page.wait_for_timeout(200)
    assert page.evaluate("window.pwned") is None
    assert problems == []


def test_no_banner_while_all_is_well(sites: Any, new_page: Callable[..., Any]) -> None:
    host, _ = sites("well")
    page = new_page()
    problems = _watch(page)
    with page.expect_response(re.compile(r".*/api/v2/summary\.json$")) as summary:
        page.goto(host, wait_until="networkidle")
    assert summary.value.ok
    assert summary.value.headers.get("access-control-allow-origin") == "*"
    page.wait_for_timeout(200)
    assert page.locator(".sspage-embed").count() == 0
    frame = page.frame_locator("iframe")
    assert frame.locator("h1").inner_text().strip() == "All systems operational"
    assert problems == []


def test_the_status_site_is_not_framed_elsewhere(sites: Any, new_page: Callable[..., Any]) -> None:
    """Only embed.html may be framed: the main page keeps frame-ancestors 'none'."""
    host, status = sites("incident")
    page = new_page()
    page.goto(host, wait_until="networkidle")
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "frame-ancestors" in m.text else None)
    page.evaluate("src => { const f = document.createElement('iframe'); f.src = src;"
                  " document.body.appendChild(f); }", f"{status}/status/{SLUG}/")
    page.wait_for_timeout(500)
    assert blocked, "the main page was framed by another site"
