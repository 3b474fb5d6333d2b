"""Service pages' Atom and RSS feeds: the theme's feed.atom.xml and feed.rss.xml.

tests/test_service_outputs.py reads the built feeds of the demo site with feedparser;
here, what the templates must guarantee whatever the content: hostile text is text, an
empty feed is valid and the same every time, Atom has its author and RSS its self link,
and a site's theme can replace either template.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest
from markupsafe import Markup
from service_helpers import OPEN_INCIDENT, make_service, write

import sspage
from sspage.build import build_site
from sspage.errors import BuildError
from sspage.markdown import render_markdown
from sspage.model import SiteConfig
from sspage.render import Renderer
from sspage.service import feeds
from sspage.theme import load_theme

ATOM = "{http://www.w3.org/2005/Atom}"
PAGE = "https://status.example.com/status/acme/"
UTC = dt.timezone.utc
HOSTILE = "</title><script>alert(1)</script> & \"quotes\" 'too' ]]> <![CDATA[x]]>"


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> feeds.Render:
    root = tmp_path_factory.mktemp("site")
    renderer = Renderer(SiteConfig(title="Example", base_url="https://status.example.com"),
                        load_theme(root, "default"))
    return lambda template, **context: renderer.render(template, None, **context)


def make_feed(**changes: Any) -> feeds.Feed:
    values = {"title": "Acme: incidents and updates", "page_url": PAGE, "self_url": f"{PAGE}history",
              "description": "Acme status history", "language": "en", "author": "Acme Cloud", **changes}
    return feeds.Feed(**values)


def make_entry(number: int, **changes: Any) -> feeds.Entry:
    url = f"{PAGE}incidents/inc{number:09d}.html"
    moment = dt.datetime(2026, 6, 1, 10, tzinfo=UTC) - dt.timedelta(days=number)
    values = {"id": url, "title": f"Incident {number}", "link": url, "published": moment,
              "updated": moment + dt.timedelta(minutes=30), "html": "<p>Fixed.</p>", **changes}
    return feeds.Entry(**values)


def parse(data: bytes) -> ET.Element:
    """Well-formed XML with its declaration, or the test fails."""
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<')
    return ET.fromstring(data)


def test_hostile_text_is_escaped_text_in_both_feeds(render: feeds.Render) -> None:
    html = "<p>Fixed.</p><script>alert(1)</script>"
    entries = [make_entry(1, title=HOSTILE, html=html),
               make_entry(2, title="Markup given", html=Markup(html))]  # a str subclass: still text
    atom, rss = feeds.render_history(render, make_feed(title=HOSTILE, description=HOSTILE), entries)
    for data in (atom, rss):
        assert b"<script" not in data and b"]]>" not in data
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in data
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert [e.title for e in parsed.entries] == [HOSTILE, "Markup given"]
    # Read back by an XML parser, every text is exactly what was given: escaped once.
    root = parse(atom)
    assert root.findtext(f"{ATOM}title") == root.findtext(f"{ATOM}subtitle") == HOSTILE
    contents = [(e.find(f"{ATOM}content").get("type"), e.findtext(f"{ATOM}content"))  # type: ignore[union-attr]
                for e in root.iter(f"{ATOM}entry")]
    assert contents == [("html", html), ("html", html)]
    channel = parse(rss).find("channel")
    assert channel is not None and channel.findtext("title") == HOSTILE
    assert [item.findtext("description") for item in channel.iter("item")] == [html, html]
    assert [item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded")
            for item in channel.iter("item")] == [html, html]


def test_a_script_in_a_message_never_reaches_a_feed_as_markup(site: Any) -> None:
    make_service(site)
    write(site, "incidents/2026-06-08-api-errors.yaml", OPEN_INCIDENT
          .replace("title: API errors", "title: \"API <script>alert(1)</script> & errors\"")
          .replace("We are looking into it.", "Look `<script>` up. <script>alert(2)</script> Done."))
    build_site(sspage.open_site(site.root), site.root / "public")
    out = site.root / "public/status/acme"
    for path in (out / "history.atom", out / "history.rss", out / "components/api/history.atom"):
        data = path.read_bytes()
        assert b"<script" not in data, path
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries[0].title == "API <script>alert(1)</script> & errors"
    atom = parse((out / "history.atom").read_bytes())
    content = next(atom.iter(f"{ATOM}entry")).findtext(f"{ATOM}content") or ""
    # The message's HTML, sanitised (nh3 took the script element out, leaving its text)
    # and escaped once: read back, it is the HTML again, with no script element.
    assert "<code>&lt;script&gt;</code> up." in content and "<script" not in content
    assert content.endswith(render_markdown("Look `<script>` up. <script>alert(2)</script> Done."))


def test_an_empty_feed_is_valid_and_the_same_every_time(render: feeds.Render) -> None:
    atom, rss = feeds.render_history(render, make_feed(), [])
    assert feeds.render_history(render, make_feed(), []) == (atom, rss)
    root = parse(atom)
    assert root.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00+00:00"
    assert list(root.iter(f"{ATOM}entry")) == []
    channel = parse(rss).find("channel")
    assert channel is not None and channel.findtext("lastBuildDate") == "Thu, 01 Jan 1970 00:00:00 +0000"
    for data, version in ((atom, "atom10"), (rss, "rss20")):
        parsed = feedparser.parse(data)
        assert not parsed.bozo and parsed.version == version and parsed.entries == []


def test_atom_names_its_author_and_rss_links_itself(render: feeds.Render) -> None:
    atom, rss = feeds.render_history(render, make_feed(), [make_entry(1), make_entry(2)])
    root = parse(atom)
    # RFC 4287 4.1.1: a feed without an author needs one in every entry.
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Acme Cloud"
    assert feedparser.parse(atom).feed.author == "Acme Cloud"
    assert [(link.get("rel"), link.get("href")) for link in root.findall(f"{ATOM}link")] == [
        ("self", f"{PAGE}history.atom"), ("alternate", PAGE)]
    assert root.findtext(f"{ATOM}id") == f"{PAGE}history"
    assert root.findtext(f"{ATOM}updated") == "2026-05-31T10:30:00+00:00"  # the newest entry's
    channel = parse(rss).find("channel")
    assert channel is not None
    links = channel.findall(f"{ATOM}link")
    assert [(link.get("rel"), link.get("href"), link.get("type")) for link in links] == [
        ("self", f"{PAGE}history.rss", "application/rss+xml")]
    assert channel.findtext("link") == PAGE


def test_entries_in_both_formats(render: feeds.Render) -> None:
    post = make_entry(3, id=f"{PAGE}#update-post00000001", link=PAGE, title="A posted update")
    atom, rss = feeds.render_history(render, make_feed(), [make_entry(1), post])
    entry = next(parse(atom).iter(f"{ATOM}entry"))
    assert entry.findtext(f"{ATOM}published") == "2026-05-31T10:00:00+00:00"
    assert entry.findtext(f"{ATOM}updated") == "2026-05-31T10:30:00+00:00"
    items = list(parse(rss).iter("item"))
    # A guid is a permalink when the entry's id is its own address (an incident's page).
    assert [(item.findtext("guid"), item.find("guid").get("isPermaLink")) for item in items] == [  # type: ignore[union-attr]
        (f"{PAGE}incidents/inc000000001.html", "true"), (f"{PAGE}#update-post00000001", "false")]
    assert [item.findtext("pubDate") for item in items] == ["Sun, 31 May 2026 10:00:00 +0000",
                                                             "Fri, 29 May 2026 10:00:00 +0000"]


@pytest.mark.parametrize("moment", [
    dt.datetime(1970, 1, 1, tzinfo=UTC),
    dt.datetime(2026, 6, 14, 16, 30, 5, 123456, tzinfo=UTC),
    dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-5))),  # next year in UTC
    *(dt.datetime(2027, month, month * 2, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
      for month in range(1, 13)),
])
def test_times_are_rfc822_and_rfc3339_in_utc(moment: dt.datetime) -> None:
    utc = moment.astimezone(UTC)
    assert feeds.rfc822(moment) == email.utils.format_datetime(utc)
    assert feeds.rfc3339(moment) == utc.isoformat()
    assert dt.datetime.fromisoformat(feeds.rfc3339(moment)) == moment


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        feeds.rfc822(dt.datetime(2026, 6, 1))


def test_rendering_the_feeds_imports_no_xml_or_date_library(tmp_path: Path) -> None:
    # The point of templates: a build that renders the feeds loads nothing more than Jinja.
    code = (
        "import sys, datetime as dt\n"
        "from pathlib import Path\n"
        "from sspage.model import SiteConfig\n"
        "from sspage.render import Renderer\n"
        "from sspage.service import feeds\n"
        "from sspage.theme import load_theme\n"
        f"r = Renderer(SiteConfig(), load_theme(Path({str(tmp_path)!r}), 'default'))\n"
        "now = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)\n"
        "entry = feeds.Entry(id='u', title='t', link='u', published=now, updated=now, html='<p>x</p>')\n"
        "feed = feeds.Feed(title='t', page_url='p', self_url='s', description='d', language='en', "
        "author='a')\n"
        "feeds.render_history(lambda name, **c: r.render(name, None, **c), feed, [entry])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'feedgen', 'lxml', 'dateutil', 'email', 'socket', 'xml'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n", result.stderr


# -- a site's theme --------------------------------------------------------------------------


def use_theme(site: Any, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = site.root / "themes/acme/templates" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    with open(site.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("theme: acme\n")


CUSTOM_ATOM = """\
<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>{{ feed.self_url }}</id>
  <title>Acme's own: {{ feed.title }}</title>
  <updated>{{ rfc3339(updated) }}</updated>
  <author><name>{{ site.title }}</name></author>
{% for entry in entries %}
  <entry><id>{{ entry.id }}</id><title>{{ entry.title }}</title>\
<updated>{{ rfc3339(entry.updated) }}</updated></entry>
{% endfor %}
</feed>
"""


def test_a_site_theme_overrides_the_atom_template(site: Any) -> None:
    make_service(site)
    use_theme(site, {"feed.atom.xml": CUSTOM_ATOM})
    build_site(sspage.open_site(site.root), site.root / "public")
    out = site.root / "public/status/acme"
    for path in (out / "history.atom", out / "components/api/history.atom"):
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.title.startswith("Acme's own: Acme Cloud")
        assert parsed.feed.author == "Test"  # the site's title, from the common context
    assert [e.title for e in feedparser.parse((out / "history.atom").read_bytes()).entries] == [
        "API errors", "Slow database"]
    # The RSS template is still the built-in one.
    rss = feedparser.parse((out / "history.rss").read_bytes())
    assert rss.feed.title == "Acme Cloud: incidents and updates"


def test_an_error_in_a_feed_template_names_its_file_and_line(site: Any) -> None:
    make_service(site)
    use_theme(site, {"feed.rss.xml": '<?xml version="1.0"?>\n<rss>\n{{ feed.nope }}\n</rss>\n'})
    with pytest.raises(BuildError) as caught:
        build_site(sspage.open_site(site.root), site.root / "public")
    assert str(caught.value).startswith("themes/acme/templates/feed.rss.xml:3: "), str(caught.value)
    assert "has no attribute 'nope'" in str(caught.value)
