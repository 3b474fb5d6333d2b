"""Lighthouse scores of the demo pages, built by sspage and served over HTTP on 127.0.0.1.

    python benchmarks/lighthouse.py               # every demo page, mobile and desktop
    python benchmarks/lighthouse.py --runs 3      # median of three runs of each
    python benchmarks/lighthouse.py --no-unlisted # skip the unlisted copy of the kitchen page

Needs Node.js with npm, and Debian's chromium (``apt-get install -y chromium``).
Lighthouse is installed from npm into ``benchmarks/.npm/`` (git ignores it) on the
first run. It drives ``/usr/bin/chromium`` (``CHROME_PATH``) headless.

What it measures: the repository's demo site (``content/``) is copied to a
temporary folder and built with ``sspage build``; the output is served by a small
static server that sends the headers of the build's ``_headers`` file, as
Netlify or Cloudflare Pages would (the Content-Security-Policy among them), and
the extensionless JSON mirror files as ``application/json``. Lighthouse runs on
each page ``s/{publicCode}/`` with its default (mobile: a throttled mid-range
phone) and its desktop preset, and the script prints the four category scores
and the first contentful paint.

The demo pages say ``listed: true``. An unlisted page (the default) carries
``<meta name="robots" content="noindex">``, which Lighthouse's SEO category
reports as "Page is blocked from indexing": the intended behaviour of an
unlisted page, not a defect. The script also builds a copy of the site where
the kitchen page is unlisted and measures it, to show that difference.

Targets (issue 3): 100 in performance, accessibility, best practices and SEO;
mobile first contentful paint under 0.8 s.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
NPM_PREFIX = Path(__file__).resolve().parent / ".npm"
LIGHTHOUSE_SPEC = "lighthouse@^12"
CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses, and runs stall behind those connections.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run"
    " --disable-background-networking --disable-component-update --disable-sync"
    " --disable-dev-shm-usage"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FCP_TARGET_MS = 800


# -- building and serving ---------------------------------------------------------------


def build(content: Path, workdir: Path, unlisted: str | None = None) -> Path:
    """Copy ``content`` into ``workdir`` (page ``unlisted`` unlisted), build, return the output."""
    site = workdir / "site"
    shutil.copytree(content, site / "content")
    if unlisted:
        page = site / "content" / "pages" / f"{unlisted}.yaml"
        text = re.sub(r"(?m)^listed:.*\n", "", page.read_text(encoding="utf-8"))
        page.write_text(text, encoding="utf-8")
    out = workdir / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "sspage", "--site", str(site), "build", "--out", str(out)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"sspage build failed:\n{proc.stderr}")
    return out


def parse_headers_file(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rules of a Netlify-style ``_headers`` file: (path pattern, [(name, value)])."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    if not path.is_file():
        return rules
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules and ":" in line:
            name, value = line.strip().split(":", 1)
            rules[-1][1].append((name.strip(), value.strip()))
    return rules


class Handler(http.server.SimpleHTTPRequestHandler):
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    extensions_map = {
        "": "application/octet-stream",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".svg": "image/svg+xml",
        ".txt": "text/plain; charset=utf-8",
        ".xml": "application/xml; charset=utf-8",
    }

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        p = Path(path)
        if p.suffix == "" and p.parent.name == "status-pages" and p.parent.parent.name == "v1":
            return "application/json; charset=utf-8"
        return super().guess_type(path)

    def end_headers(self) -> None:
        request_path = self.path.split("?", 1)[0]
        seen: dict[str, str] = {}
        for pattern, headers in self.rules:
            if fnmatch.fnmatchcase(request_path, pattern):
                for name, value in headers:
                    seen[name.lower()] = f"{name}: {value}"
        for line in seen.values():
            name, value = line.split(": ", 1)
            if name.lower() != "content-type":  # guess_type already sent it
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def serve(root: Path, headers: bool = True) -> tuple[http.server.ThreadingHTTPServer, str]:
    rules = parse_headers_file(root / "_headers") if headers else []
    handler = type("SiteHandler", (Handler,), {"rules": rules})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


# -- Lighthouse -------------------------------------------------------------------------


def lighthouse_bin() -> Path:
    binary = NPM_PREFIX / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        if not shutil.which("npm"):
            sys.exit("npm is missing: install Node.js and npm")
        print(f"Installing {LIGHTHOUSE_SPEC} into {NPM_PREFIX} ...", file=sys.stderr)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund",
                        "--prefix", str(NPM_PREFIX), LIGHTHOUSE_SPEC], check=True)
    return binary


def run_lighthouse(binary: Path, url: str, preset: str) -> dict[str, Any]:
    command = [
        str(binary), url, "--output=json", "--output-path=stdout", "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        sys.exit(f"lighthouse failed on {url} ({preset}):\n{proc.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(proc.stdout)
    if report.get("runtimeError"):
        sys.exit(f"lighthouse on {url}: {report['runtimeError']}")
    return report


def failing_audits(report: dict[str, Any]) -> list[str]:
    """The audits that cost points: scored below 1 and weighted in their category."""
    notes = []
    for category in CATEGORIES:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                why = f" ({audit['explanation']})" if audit.get("explanation") else ""
                notes.append(f"{category}: {ref['id']}: {audit['title']}{why}")
    return notes


def measure(binary: Path, url: str, preset: str, runs: int) -> dict[str, Any]:
    reports = [run_lighthouse(binary, url, preset) for _ in range(runs)]
    scores = {
        c: statistics.median(round(r["categories"][c]["score"] * 100) for r in reports)
        for c in CATEGORIES
    }
    fcp = statistics.median(r["audits"]["first-contentful-paint"]["numericValue"] for r in reports)
    notes = sorted({note for r in reports for note in failing_audits(r)})
    return {"scores": scores, "fcp_ms": fcp, "notes": notes,
            "version": reports[0]["lighthouseVersion"], "agent": reports[0]["environment"]["hostUserAgent"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each page and preset (median)")
    parser.add_argument("--no-unlisted", action="store_true",
                        help="skip the copy of the kitchen page that is not listed")
    parser.add_argument("--no-headers", action="store_true",
                        help="ignore the build's _headers file, as GitHub Pages does")
    args = parser.parse_args()

    if not Path(CHROMIUM).is_file():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    binary = lighthouse_bin()
    content = REPO / "content"
    pages = {}
    for path in sorted((content / "pages").glob("*.yaml")):
        pages[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8"))["publicCode"]

    with tempfile.TemporaryDirectory(prefix="sspage-lighthouse-") as tmp:
        targets: list[tuple[str, str]] = []
        servers = []
        httpd, base = serve(build(content, Path(tmp) / "demo"), not args.no_headers)
        servers.append(httpd)
        targets += [(slug, f"{base}/s/{code}/") for slug, code in pages.items()]
        as_headers = not args.no_headers
        if not args.no_unlisted and "kitchen-renovation" in pages:
            httpd, base = serve(build(content, Path(tmp) / "unlisted", unlisted="kitchen-renovation"),
                                as_headers)
            servers.append(httpd)
            targets.append(("kitchen-renovation (unlisted)",
                            f"{base}/s/{pages['kitchen-renovation']}/"))

        results = []
        for label, url in targets:
            for preset in ("mobile", "desktop"):
                print(f"  measuring {label} ({preset}) ...", file=sys.stderr, flush=True)
                results.append((label, preset, measure(binary, url, preset, args.runs)))
        for httpd in servers:
            httpd.shutdown()

    first = results[0][2]
    served = "without _headers" if args.no_headers else "with the headers of _headers"
    print(f"Lighthouse {first['version']}, {first['agent']}, median of {args.runs} run(s), "
          f"served {served}")
    print(f"{'page':<30} {'preset':<8} {'perf':>5} {'a11y':>5} {'b-p':>5} {'seo':>5} {'FCP':>8}")
    misses = []
    for label, preset, result in results:
        s = result["scores"]
        fcp = result["fcp_ms"]
        print(f"{label:<30} {preset:<8} {s['performance']:>5} {s['accessibility']:>5} "
              f"{s['best-practices']:>5} {s['seo']:>5} {fcp / 1000:>6.2f} s")
        for note in result["notes"]:
            print(f"{'':<30}   - {note}")
        for category in CATEGORIES:
            if s[category] < 100:
                misses.append(f"{label} ({preset}): {category} {s[category]}")
        if preset == "mobile" and fcp >= FCP_TARGET_MS:
            misses.append(f"{label} (mobile): first contentful paint {fcp / 1000:.2f} s")
    print()
    print("Targets: 100/100/100/100, mobile FCP < 0.8 s")
    for miss in misses:
        print(f"  below target: {miss}")
    if not misses:
        print("  all met")
    if any("robots-txt" in note and "unable to download" in note
           for _, _, result in results for note in result["notes"]):
        print("Note: Lighthouse fetches robots.txt from inside the page, so a Content-Security-Policy\n"
              "without connect-src 'self' (default-src 'none') stops it (GoogleChrome/lighthouse#4386);\n"
              "crawlers fetch robots.txt directly and are not affected. --no-headers shows the scores\n"
              "without the CSP.")
    if any("is-crawlable" in note for _, _, result in results for note in result["notes"]):
        print("Note: is-crawlable fails on unlisted pages by design: they carry noindex.")


if __name__ == "__main__":
    main()
