"""sspage build: outputs, the JSON mirror, host files, incremental and parallel builds, failures."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers import ID1, ID2, ID3, REFERENCE_GET, T0_TEXT, assert_cli_error, page_file

import sspage
from sspage.build import build_site
from sspage.errors import BuildError, ContentError
from sspage.manifest import MARKER, state_dir
from sspage.render import CSP
from sspage.shapes import page_response, to_json

ROOT = Path(__file__).resolve().parent.parent
EPOCH_JUNE_15 = "1781524800"  # 2026-06-15T12:00:00Z

@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_JUNE_15)


def write_page(site, slug, **fields):
    """A page file from helpers.page_file, with optional extra top-level lines."""
    extra = fields.pop("extra", "")
    text = page_file(**fields)
    if extra:
        text = text.replace("items:\n", extra + "items:\n", 1)
    path = site.pages_dir / f"{slug}.yaml"
    path.write_text(text, "utf-8")
    return path


def code(number):
    return f"Code{number:08d}"


def tree(out):
    """Every output file (not the build's marker, a random token) -> bytes."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MARKER}


def stamps(out):
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != MARKER}


def manifest_file(site, out):
    return state_dir(site.root, out) / "manifest.json"


def build(site, out=None, **options):
    return build_site(site, out or site.root / "public", **options)


# -- what a build writes -------------------------------------------------------------------------


def test_outputs_of_one_page(site):
    write_page(site, "kitchen")
    result = build(site)
    out = site.root / "public"
    assert (result.pages, result.rendered, result.removed) == (1, 1, 0)
    files = set(tree(out))
    assert {"s/z4hiCKGpsFUg/index.html", "v1/status-pages/z4hiCKGpsFUg",
            "v1/status-pages/z4hiCKGpsFUg.json", "index.html", "404.html", "robots.txt",
            "sitemap.xml", "_headers", ".nojekyll"} <= files
    css = [name for name in files if name.startswith("assets/style.")]
    assert len(css) == 1 and re.fullmatch(r"assets/style\.[0-9a-f]{10}\.css", css[0])
    html = (out / "s/z4hiCKGpsFUg/index.html").read_text("utf-8")
    assert f'href="../../{css[0]}"' in html
    assert manifest_file(site, out).is_file()
    assert not (out / ".sspage").exists()  # the manifest names unlisted pages: never published
    assert not [p for p in out.rglob("*.tmp")]


def test_json_mirror_is_the_reference_get_response_field_by_field(site):
    write_page(site, "kitchen", items=[
        {"id": ID1, "text": "Survey booked", "sortOrder": 0, "state": "pending"},
        {"id": ID2, "text": "Materials ordered", "sortOrder": 1, "state": 1},
    ])
    path = site.pages_dir / "kitchen.yaml"
    text = path.read_text("utf-8")
    # Materials ordered was updated at 15:10, as in the reference.
    head, tail = text.rsplit(f"updatedUtc: {T0_TEXT}", 1)
    path.write_text(head + "updatedUtc: 2026-06-08T15:10:00Z" + tail, "utf-8")
    build(site)
    out = site.root / "public" / "v1" / "status-pages"
    body = (out / "z4hiCKGpsFUg").read_bytes()
    assert body == (out / "z4hiCKGpsFUg.json").read_bytes()
    assert body == (to_json(page_response(site.page("kitchen"))) + "\n").encode()
    mirror, reference = json.loads(body), json.loads(REFERENCE_GET)
    assert list(mirror) == list(reference)
    for key in reference:
        if key != "items":
            assert mirror[key] == reference[key], key
    assert len(mirror["items"]) == len(reference["items"])
    for ours, theirs in zip(mirror["items"], reference["items"], strict=True):
        assert list(ours) == list(theirs)
        for key in theirs:
            assert ours[key] == theirs[key], key
            assert type(ours[key]) is type(theirs[key]), key


def test_items_are_in_sort_order_in_html_and_json(site):
    write_page(site, "kitchen", items=[
        {"id": ID1, "text": "Third", "sortOrder": 7, "state": "pending"},
        {"id": ID2, "text": "First", "sortOrder": 0, "state": "complete"},
        {"id": ID3, "text": "Second", "sortOrder": 3, "state": "active"},
    ])
    build(site)
    out = site.root / "public"
    html = (out / "s/z4hiCKGpsFUg/index.html").read_text("utf-8")
    assert html.index("First") < html.index("Second") < html.index("Third")
    mirror = json.loads((out / "v1/status-pages/z4hiCKGpsFUg").read_bytes())
    assert [item["text"] for item in mirror["items"]] == ["First", "Second", "Third"]


def test_headers_file(site):
    write_page(site, "hidden", public_code=code(1), title="Hidden")
    write_page(site, "shown", public_code=code(2), title="Shown", extra="listed: true\n")
    build(site)
    headers = (site.root / "public" / "_headers").read_text("utf-8")
    assert headers.startswith(f"/*\n  Content-Security-Policy: {CSP}\n")
    assert CSP == ("default-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                   "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    assert "  X-Content-Type-Options: nosniff\n" in headers
    assert "  Referrer-Policy: no-referrer\n" in headers
    assert "/v1/status-pages/*\n  Content-Type: application/json; charset=utf-8\n" in headers
    # A listed page must stay indexable, and the file (public on hosts that ignore it)
    # must not name the unlisted one: its own <meta name="robots"> covers it.
    assert "/s/*" not in headers
    assert code(1) not in headers and code(2) not in headers
    hidden = (site.root / "public" / f"s/{code(1)}/index.html").read_text("utf-8")
    assert '<meta name="robots" content="noindex">' in hidden


def test_headers_file_without_listed_pages_covers_every_page(site):
    write_page(site, "hidden", public_code=code(1), title="Hidden")
    build(site)
    headers = (site.root / "public" / "_headers").read_text("utf-8")
    assert "/s/*\n  X-Robots-Tag: noindex\n" in headers
    assert code(1) not in headers


def test_unlisted_by_default_listed_on_request(site):
    write_page(site, "hidden", public_code=code(1), title="Hidden project")
    write_page(site, "shown", public_code=code(2), title="Shown project", extra="listed: true\n")
    build(site)
    out = site.root / "public"
    index = (out / "index.html").read_text("utf-8")
    sitemap = (out / "sitemap.xml").read_text("utf-8")
    assert "Shown project" in index and f"s/{code(2)}/" in index
    assert "Hidden project" not in index and code(1) not in index
    assert f"https://status.example.com/s/{code(2)}<" in sitemap
    assert code(1) not in sitemap
    noindex = '<meta name="robots" content="noindex">'
    assert noindex in (out / f"s/{code(1)}/index.html").read_text("utf-8")
    assert noindex not in (out / f"s/{code(2)}/index.html").read_text("utf-8")
    assert "noindex" not in index  # the index names a page, so it may be indexed


def test_site_files(site):
    write_page(site, "kitchen")
    build(site)
    out = site.root / "public"
    assert (out / ".nojekyll").read_bytes() == b""
    robots = (out / "robots.txt").read_text("utf-8")
    assert "Sitemap: https://status.example.com/sitemap.xml" in robots
    not_found = (out / "404.html").read_text("utf-8")
    assert 'href="/assets/style.' in not_found  # served at any address: absolute links
    assert '<meta name="robots" content="noindex">' in not_found


def test_no_script_and_no_third_party_requests(site):
    write_page(site, "kitchen", extra="listed: true\n")
    build(site)
    for name, data in tree(site.root / "public").items():
        if name.endswith((".html", ".css")):
            text = data.decode()
            assert "<script" not in text and " src=" not in text, name
            assert "@import" not in text and "@font-face" not in text, name
            assert not re.search(r'<link rel="(stylesheet|icon)" href="(https?:)?//', text), name
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), name


# -- expiry --------------------------------------------------------------------------------------


def test_expired_page_has_a_notice_and_no_mirror(site):
    write_page(site, "old", public_code=code(1), title="Secret project",
               extra="listed: true\n")
    path = site.pages_dir / "old.yaml"
    path.write_text(path.read_text("utf-8").replace("expiresUtc: null", "expiresUtc: 2026-06-10T00:00:00Z"),
                    "utf-8")
    build(site)
    out = site.root / "public"
    html = (out / f"s/{code(1)}/index.html").read_text("utf-8")
    assert "This page has expired" in html
    assert "Secret project" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert not (out / f"v1/status-pages/{code(1)}").exists()
    assert not (out / f"v1/status-pages/{code(1)}.json").exists()
    assert "Secret project" not in (out / "index.html").read_text("utf-8")


def test_a_page_that_expires_between_builds_is_rebuilt(site, monkeypatch):
    write_page(site, "soon", public_code=code(1), title="Soon gone")
    write_page(site, "stays", public_code=code(2), title="Stays")
    path = site.pages_dir / "soon.yaml"
    path.write_text(path.read_text("utf-8").replace("expiresUtc: null", "expiresUtc: 2026-06-20T00:00:00Z"),
                    "utf-8")
    out = site.root / "public"
    build(site)
    assert (out / f"v1/status-pages/{code(1)}").exists()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH_JUNE_15) + 30 * 86400))
    result = build(site)
    assert result.rendered == 1
    assert "expired" in (out / f"s/{code(1)}/index.html").read_text("utf-8")
    assert not (out / f"v1/status-pages/{code(1)}").exists()
    assert (out / f"v1/status-pages/{code(2)}").exists()


# -- determinism ---------------------------------------------------------------------------------


def test_two_clean_builds_are_byte_identical(site, tmp_path, monkeypatch):
    for number in range(5):
        write_page(site, f"p{number}", public_code=code(number), title=f"Project {number}",
                   extra="listed: true\n" if number % 2 else "")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # the wall clock must not show in the output
    build(site, tmp_path / "one")
    build(site, tmp_path / "two", clean=True)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def generate(site, count):
    """``count`` valid pages with ten items each, in one pass of plain writes."""
    for number in range(count):
        items = [{"id": str(uuid.UUID(int=number * 100 + step, version=4)),
                  "text": f"Step {step} of {number}", "sortOrder": step,
                  "state": ("pending", "active", "complete")[(number + step) % 3]}
                 for step in range(10)]
        write_page(site, f"page-{number:04d}", public_code=code(number), title=f"Project {number}",
                   items=items, extra="listed: true\n" if number % 7 == 0 else "")


def test_serial_and_parallel_builds_are_identical(site, tmp_path):
    generate(site, 500)  # above check.SERIAL_BELOW, so two jobs really fork
    serial = build(site, tmp_path / "serial", jobs=1)
    parallel = build(site, tmp_path / "parallel", jobs=2)
    assert serial.rendered == parallel.rendered == 500
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")
    manifests = [json.loads(manifest_file(site, tmp_path / name).read_bytes())
                 for name in ("serial", "parallel")]
    for manifest in manifests:
        del manifest["marker"]
    assert manifests[0] == manifests[1]


# -- incremental ---------------------------------------------------------------------------------


@pytest.fixture
def three(site):
    for number in range(3):
        write_page(site, f"p{number}", public_code=code(number), title=f"Project {number}")
    build(site)
    return site


def test_no_op_build_renders_and_writes_nothing(three):
    out = three.root / "public"
    before = stamps(out)
    manifest = manifest_file(three, out).read_bytes()
    result = build(three)
    assert (result.pages, result.rendered, result.removed) == (3, 0, 0)
    assert stamps(out) == before
    assert manifest_file(three, out).read_bytes() == manifest


def test_one_changed_page_changes_only_its_outputs(three):
    out = three.root / "public"
    before, old_bytes = stamps(out), tree(out)
    path = three.pages_dir / "p1.yaml"
    path.write_text(path.read_text("utf-8").replace("Survey booked", "Survey done"), "utf-8")
    result = build(three)
    assert result.rendered == 1
    after, new_bytes = stamps(out), tree(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {f"s/{code(1)}/index.html", f"v1/status-pages/{code(1)}",
                       f"v1/status-pages/{code(1)}.json"}
    assert all(new_bytes[name] != old_bytes[name] for name in changed)
    assert b"Survey done" in new_bytes[f"v1/status-pages/{code(1)}"]


def test_touching_a_page_hashes_it_but_renders_nothing(three):
    out = three.root / "public"
    before = stamps(out)
    path = three.pages_dir / "p2.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    assert build(three).rendered == 0
    assert stamps(out) == before
    manifest = json.loads(manifest_file(three, out).read_bytes())
    assert manifest["pages"]["p2"]["mtimeNs"] == path.stat().st_mtime_ns


def test_a_page_replaced_by_a_folder_counts_as_removed(three):
    out = three.root / "public"
    (three.pages_dir / "p0.yaml").unlink()
    (three.pages_dir / "p0.yaml").mkdir()  # not a page file: skipped, as `sspage check` does
    result = build(three)
    assert (result.pages, result.rendered, result.removed) == (2, 0, 1)
    assert not (out / "s" / code(0)).exists()


def test_removed_page_outputs_vanish(three):
    out = three.root / "public"
    (three.pages_dir / "p0.yaml").unlink()
    result = build(three)
    assert (result.pages, result.rendered, result.removed) == (2, 0, 1)
    assert not (out / "s" / code(0)).exists()
    assert not (out / f"v1/status-pages/{code(0)}").exists()
    assert not (out / f"v1/status-pages/{code(0)}.json").exists()
    assert code(0) not in (out / "_headers").read_text("utf-8")
    assert (out / f"s/{code(1)}/index.html").exists()


def test_changed_public_code_moves_the_outputs(three):
    out = three.root / "public"
    path = three.pages_dir / "p0.yaml"
    path.write_text(path.read_text("utf-8").replace(code(0), code(9)), "utf-8")
    build(three)
    assert not (out / "s" / code(0)).exists()
    assert (out / f"s/{code(9)}/index.html").exists()


def test_theme_change_renders_every_page(three):
    out = three.root / "public"
    theme = three.root / "themes" / "default" / "templates"
    theme.mkdir(parents=True)
    (theme / "page.html").write_text('{% extends "!default/page.html" %}\n'
                                     '{% block header %}<p>Custom header</p>{% endblock %}\n', "utf-8")
    result = build(three)
    assert result.rendered == 3
    assert "Custom header" in (out / f"s/{code(2)}/index.html").read_text("utf-8")


def test_config_change_renders_every_page(three):
    site_file = three.content_dir / "site.yaml"
    site_file.write_text(site_file.read_text("utf-8").replace("title: \"Test\"", "title: Renamed"), "utf-8")
    site = sspage.open_site(three.root)
    assert build(site).rendered == 3
    assert "Renamed" in (three.root / "public" / f"s/{code(0)}/index.html").read_text("utf-8")


def test_clean_renders_every_page_but_rewrites_nothing_unchanged(three):
    out = three.root / "public"
    before = stamps(out)
    assert build(three, clean=True).rendered == 3
    assert stamps(out) == before  # same bytes: files are left alone


def test_stale_asset_is_removed_when_the_stylesheet_changes(three):
    out = three.root / "public"
    old_css = [p for p in (out / "assets").iterdir() if p.name.startswith("style.")]
    static = three.root / "themes" / "default" / "static"
    static.mkdir(parents=True)
    (static / "style.css").write_text("body { color: black; }\n", "utf-8")
    build(three)
    new_css = [p for p in (out / "assets").iterdir() if p.name.startswith("style.")]
    assert len(old_css) == len(new_css) == 1 and old_css != new_css
    assert new_css[0].name in (out / f"s/{code(0)}/index.html").read_text("utf-8")


# -- failures leave the previous output alone ---------------------------------------------------


def test_invalid_pages_fail_the_build_listing_every_problem(three, runner):
    out = three.root / "public"
    before, manifest = stamps(out), manifest_file(three, out).read_bytes()
    good = three.pages_dir / "p0.yaml"
    good.write_text(good.read_text("utf-8").replace("Survey booked", "Changed but valid"), "utf-8")
    bad = three.pages_dir / "p1.yaml"
    bad.write_text(bad.read_text("utf-8").replace("state: active", "state: started"), "utf-8")
    (three.pages_dir / "p3.yaml").write_text("publicCode: Code00000003\nitems: []\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        build(three)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith("content/pages/p1.yaml:") and ": items[1].state: " in m for m in messages)
    assert any(m.startswith("content/pages/p3.yaml:") and "title" in m for m in messages)
    assert stamps(out) == before
    assert manifest_file(three, out).read_bytes() == manifest
    assert not list(out.rglob("*.tmp"))
    assert not (out / "s" / "Code00000003").exists()
    write_page(three, "p4", public_code=code(4), title="New and valid")  # staged, then unstaged
    with pytest.raises(ContentError):
        build(three)
    assert not (out / "s" / code(4)).exists()
    assert stamps(out) == before
    (three.pages_dir / "p4.yaml").unlink()

    result = runner("build")
    stderr = assert_cli_error(result, "content/pages/p1.yaml:", "content/pages/p3.yaml:")
    assert re.search(r"p1\.yaml:\d+:\d+: items\[1\]\.state: ", stderr)
    assert stamps(out) == before


def test_two_pages_with_one_public_code_fail_the_build(three):
    out = three.root / "public"
    before = stamps(out)
    write_page(three, "copy", public_code=code(1), title="Copy")
    with pytest.raises(ContentError, match="the same publicCode as"):
        build(three)
    assert stamps(out) == before
    assert not list(out.rglob("*.tmp"))


def test_template_error_is_reported_as_template_line_message(three, runner):
    out = three.root / "public"
    before = stamps(out)
    templates = three.root / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "page.html").write_text('{% extends "base.html" %}\n{% block main %}\n'
                                         "<p>{{ nope }}</p>\n{% endblock %}\n", "utf-8")
    with pytest.raises(BuildError) as caught:
        build(three)
    assert str(caught.value) == "themes/default/templates/page.html:3: 'nope' is undefined"
    assert stamps(out) == before
    (templates / "page.html").write_text("{% if %}\n", "utf-8")
    result = runner("build")
    assert_cli_error(result, "Error: themes/default/templates/page.html:1: ")
    assert not list(out.rglob("*.tmp"))


def test_output_inside_the_content_folder_is_refused(site):
    with pytest.raises(BuildError, match="cannot build into"):
        build_site(site, site.content_dir / "out")
    with pytest.raises(BuildError, match="cannot build into"):
        build_site(site, site.root)


def test_bad_source_date_epoch(site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(BuildError, match="SOURCE_DATE_EPOCH"):
        build(site)


# -- hostile text --------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=//evil.example></iframe>",
    "<style>body{display:none}</style>",
]
SAFE_TAGS = {"html", "head", "meta", "title", "link", "body", "a", "header", "main", "footer", "div",
             "p", "h1", "h2", "h3", "h4", "h5", "h6", "section", "span", "progress", "time", "ol", "ul",
             "li", "strong", "em", "b", "i", "code", "pre", "blockquote", "br", "hr", "del"}


class TagAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.bad.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "src", "srcdoc"):
                self.bad.append(f"{tag} {name}")
            scheme = re.match(r"\s*([a-z][a-z0-9+.-]*):", value or "", re.I)
            if name == "href" and scheme and scheme.group(1).lower() not in ("http", "https", "mailto"):
                self.bad.append(f"href={value}")


def test_hostile_text_never_appears_unescaped(site):
    def quoted(text):
        return to_json(text, indent=None)  # a JSON string is a YAML double-quoted scalar

    lines = [f"publicCode: {code(66)}", f"title: {quoted(HOSTILE[2])}",
             f"latestUpdate: {quoted(chr(10).join(HOSTILE))}", f"createdUtc: {T0_TEXT}",
             f"updatedUtc: {T0_TEXT}", "listed: true", "items:"]
    for number, text in enumerate(HOSTILE):
        lines += [f"  - id: {uuid.UUID(int=number, version=4)}", f"    text: {quoted(text)}",
                  f"    sortOrder: {number}", "    state: active",
                  f"    createdUtc: {T0_TEXT}", f"    updatedUtc: {T0_TEXT}"]
    (site.pages_dir / "evil.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    page = site.page("evil")
    assert page.title == HOSTILE[2] and page.latest_update == "\n".join(HOSTILE)
    build(site)
    out = site.root / "public"
    html = (out / f"s/{code(66)}/index.html").read_text("utf-8")
    for name in ("index.html", f"s/{code(66)}/index.html", "404.html"):
        audit = TagAudit()
        audit.feed((out / name).read_text("utf-8"))
        assert audit.bad == [], name
    assert "&lt;svg onload=alert(1)&gt;" in (out / "index.html").read_text("utf-8")
    assert "<svg" not in (out / "sitemap.xml").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # item text is shown, escaped
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html  # the title too
    mirror = (out / f"v1/status-pages/{code(66)}").read_text("utf-8")
    assert "<" not in mirror and "\\u003cscript" in mirror
    assert json.loads(mirror)["title"] == HOSTILE[2]


def test_markdown_links_keep_only_safe_schemes():
    from sspage.markdown import render_markdown

    html = render_markdown("[a](https://ok.example) [b](mailto:x@y.example) [c](/relative) "
                           "[d](javascript:alert(1)) [e](data:text/html,x) [f](vbscript:x)")
    assert html.count("href=") == 2
    assert 'href="https://ok.example"' in html and 'href="mailto:x@y.example"' in html
    assert html.count('rel="nofollow noopener"') == 6
    assert render_markdown("# Big\n\n###### Small") == "<h3>Big</h3>\n<h6>Small</h6>"


# -- the command line ----------------------------------------------------------------------------


def test_cli_build_summary_line(runner, site):
    write_page(site, "kitchen")
    result = runner("build")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert re.fullmatch(r"Built 1 page \(1 changed\) in \d+\.\d\d s\n", result.stderr)
    result = runner("build", "--out", str(site.root / "elsewhere"), "--jobs", "2")
    assert re.fullmatch(r"Built 1 page \(1 changed\) in \d+\.\d\d s\n", result.stderr)
    (site.pages_dir / "kitchen.yaml").unlink()
    result = runner("build")
    assert re.fullmatch(r"Built 0 pages \(0 changed, 1 removed\) in \d+\.\d\d s\n", result.stderr)


def test_cli_build_thousands_separator(runner, site):
    generate(site, 3)
    result = runner("build", "--clean")
    assert result.stderr.startswith("Built 3 pages (3 changed) in ")


# -- packaging -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_carries_the_theme_and_builds_with_it(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "sspage", "themes"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    if not (source / "README.md").exists():  # the readme is someone else's file; the wheel needs one
        (source / "README.md").write_text("sspage\n", "utf-8")
    subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps",
                    "-q", "-w", str(tmp_path / "dist")], cwd=source, check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("sspage-*.whl")
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(unpacked)
    for path in (ROOT / "themes" / "default").rglob("*"):
        if path.is_file():
            relative = path.relative_to(ROOT / "themes" / "default").as_posix()
            assert f"sspage/themes/default/{relative}" in names
    for path in (ROOT / "sspage").rglob("*.py"):
        assert f"sspage/{path.relative_to(ROOT / 'sspage').as_posix()}" in names, \
            f"{path} is missing from the wheel: list its package in pyproject.toml"

    site = tmp_path / "site"
    sspage.init_site(site, title="Wheel", base_url="https://status.example.com")
    (site / "content" / "pages" / "kitchen.yaml").write_text(page_file(), "utf-8")
    probe = ("import sspage.theme, sys; print(sspage.theme.builtin_themes()); "
             "from sspage.cli import main; sys.argv = ['sspage', '--site', sys.argv[1], 'build']; main()")
    env = {**os.environ, "PYTHONPATH": str(unpacked)}
    done = subprocess.run([sys.executable, "-c", probe, str(site)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(unpacked / "sspage" / "themes")
    assert "Built 1 page (1 changed)" in done.stderr
    assert "Kitchen renovation" in (site / "public/s/z4hiCKGpsFUg/index.html").read_text("utf-8")


def test_the_mirror_twins_are_one_file(site):
    """Two paths, one inode: an empty output folder's build is bound by file creation."""
    write_page(site, "kitchen")
    build(site)
    mirror = site.root / "public" / "v1/status-pages"
    plain, dotted = os.stat(mirror / "z4hiCKGpsFUg"), os.stat(mirror / "z4hiCKGpsFUg.json")
    assert (plain.st_ino, plain.st_nlink) == (dotted.st_ino, 2)


def test_site_files_follow_listed_pages_only(site):
    """An incremental build re-renders the index only when what it shows can change."""
    write_page(site, "shown", public_code=code(1), title="Shown", extra="listed: true\n")
    hidden = write_page(site, "hidden", public_code=code(2), title="Hidden")
    build(site)
    index = site.root / "public" / "index.html"
    before = index.stat().st_mtime_ns, index.read_bytes()
    hidden.write_text(hidden.read_text("utf-8").replace("title: Hidden", "title: Still hidden"))
    assert build(site).rendered == 1
    assert (index.stat().st_mtime_ns, index.read_bytes()) == before
    shown = site.pages_dir / "shown.yaml"
    shown.write_text(shown.read_text("utf-8").replace("title: Shown", "title: Renamed"))
    assert build(site).rendered == 1
    assert b"Renamed" in index.read_bytes() and b"Still hidden" not in index.read_bytes()


def test_a_watchers_hint_limits_what_is_checked(three):
    """build_site(changed=...) trusts the caller (sspage serve's watcher) about the rest."""
    out = three.root / "public"
    for number in (1, 2):
        path = three.pages_dir / f"p{number}.yaml"
        path.write_text(path.read_text("utf-8").replace("Survey booked", f"Survey {number}"), "utf-8")
    assert build(three, changed={"p1"}).rendered == 1
    assert b"Survey 1" in (out / f"v1/status-pages/{code(1)}").read_bytes()
    assert b"Survey 2" not in (out / f"v1/status-pages/{code(2)}").read_bytes()
    assert build(three).rendered == 1  # without a hint every file is checked again
    assert b"Survey 2" in (out / f"v1/status-pages/{code(2)}").read_bytes()
