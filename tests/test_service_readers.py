"""Badges, shields.io's endpoint JSON and the uptime history of service pages."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
import zoneinfo

import jsonschema_rs
import msgspec
import pytest
from service_helpers import make_service, write
from test_service_build import BASE, build, files, stamps

from sspage.service import badges, uptime

SVG = "{http://www.w3.org/2000/svg}"
# shields.io's endpoint badge schema (https://shields.io/badges/endpoint-badge).
SHIELDS_SCHEMA = {
    "type": "object",
    "required": ["schemaVersion", "label", "message"],
    "additionalProperties": False,
    "properties": {
        "schemaVersion": {"const": 1},
        "label": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
        "color": {"type": "string"},
        "labelColor": {"type": "string"},
        "isError": {"type": "boolean"},
        "namedLogo": {"type": "string"},
        "logoSvg": {"type": "string"},
        "logoColor": {"type": "string"},
        "logoWidth": {"type": "integer"},
        "style": {"enum": ["plastic", "flat", "flat-square", "for-the-badge", "social"]},
        "cacheSeconds": {"type": "integer", "minimum": 300},
    },
}
SHIELDS_NAMED = {"brightgreen", "green", "yellowgreen", "yellow", "orange", "red", "blue", "lightgrey"}


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781524800")  # 2026-06-15T12:00:00Z


def test_badge_svg_is_accessible_xml_coloured_by_status():
    for status, (colour, _) in badges.COLOURS.items():
        svg = ET.fromstring(badges.badge_svg("API <v2>", "Partial & major", status))
        assert svg.get("role") == "img"
        assert svg.get("aria-label") == "API <v2>: Partial & major"
        assert svg.find(f"{SVG}title").text == "API <v2>: Partial & major"
        fills = [r.get("fill") for r in svg.iter(f"{SVG}rect")]
        assert badges.LABEL_COLOUR in fills and colour in fills
        texts = [t.text for t in svg.iter(f"{SVG}text")]
        assert texts == ["API <v2>", "Partial & major"]


def test_text_width_is_deterministic_and_grows_with_the_text():
    assert badges.text_width("") == 0
    assert badges.text_width("iiii") < badges.text_width("WWWW")
    assert badges.text_width("operational") == badges.text_width("operational")
    assert badges.text_width("日本") == 22.0 and badges.text_width("é") == 7.0
    wide = ET.fromstring(badges.badge_svg("status", "Major outage", "major_outage"))
    narrow = ET.fromstring(badges.badge_svg("status", "OK", "operational"))
    assert int(wide.get("width")) > int(narrow.get("width"))


def test_the_build_publishes_badges_and_shields_json(site):
    make_service(site)
    build(site)
    out = files(site)
    validator = jsonschema_rs.validator_for(SHIELDS_SCHEMA)
    page = json.loads(out[f"{BASE}shields.json"])
    validator.validate(page)
    # The open incident gives the API a partial outage: Statuspage's "major" indicator.
    assert page == {"schemaVersion": 1, "label": "Acme Cloud", "message": "Partial system outage",
                    "color": "orange", "cacheSeconds": 300}
    expected = (("api", "Partial outage", "orange"), ("db", "Operational", "brightgreen"),
                ("cdn", "Operational", "brightgreen"), ("web", "Operational", "brightgreen"))
    for key, message, colour in expected:
        shields = json.loads(out[f"{BASE}components/{key}/shields.json"])
        validator.validate(shields)
        assert (shields["message"], shields["color"]) == (message, colour) and colour in SHIELDS_NAMED
        svg = ET.fromstring(out[f"{BASE}components/{key}/badge.svg"])
        assert svg.find(f"{SVG}title").text.endswith(f": {message}")
    assert ET.fromstring(out[f"{BASE}badge.svg"]).get("aria-label") == "Acme Cloud: Partial system outage"


# -- uptime ---------------------------------------------------------------------------------------

INCIDENT = """\
id: {ident}
title: Outage {ident}
impact: major
startUtc: {start}
endUtc: {end}
components:
  {component}: {status}
updates:
  - timeUtc: {start}
    status: investigating
    message: Looking.
{more}"""


def _incident(site, ident, start, end, component="api", status="major_outage", more=""):
    write(site, f"incidents/{ident}.yaml", INCIDENT.format(ident=ident, start=start, end=end,
                                                          component=component, status=status, more=more))


def _days(document, key):
    component = next(c for c in document["components"] if c["key"] == key)
    return {d["date"]: d["minutes"] for d in component["days"] if d["minutes"]}, component


def test_uptime_figures_agree_with_the_incidents_across_midnight_and_dst(site):
    make_service(site, incidents=False)  # Europe/Paris
    # 22:30 to 00:45 Paris time (20:30Z to 22:45Z in summer): 90 min, then 45 min.
    _incident(site, "midnight0001", "2026-06-01T20:30:00Z", "2026-06-01T22:45:00Z")
    # Over the night the clocks went forward (29 March 2026, 02:00 CET -> 03:00 CEST):
    # 23:00 CET on the 28th (22:00Z) to 04:00 CEST on the 29th (02:00Z) is 60 + 180 minutes.
    # An update halfway makes it a partial outage from 01:00Z (03:00 CEST).
    _incident(site, "dstchange001", "2026-03-28T22:00:00Z", "2026-03-29T02:00:00Z", more="""\
  - timeUtc: 2026-03-29T01:00:00Z
    status: identified
    message: Better.
    components:
      api: partial_outage
""")
    # Overlapping a worse incident: the worse status wins, no minute counts twice.
    _incident(site, "overlap00001", "2026-06-01T20:00:00Z", "2026-06-01T21:00:00Z",
              status="degraded_performance")
    # Before the 90 days (16 March 2026 is the first): cut at the window's start.
    _incident(site, "tooold000001", "2026-03-15T22:00:00Z", "2026-03-16T23:30:00Z",
              component="db", status="degraded_performance")
    # Still open at the clock (12:00Z = 14:00 Paris): counted up to the clock.
    _incident(site, "stillopen001", "2026-06-15T09:00:00Z", "null", component="web",
              status="partial_outage")
    write(site, "maintenance/done.yaml", """\
id: maint0000002
title: Done
startUtc: 2026-06-10T22:30:00Z
endUtc: 2026-06-10T23:15:00Z
components: [cdn]
""")
    build(site)
    document = json.loads(files(site)[f"{BASE}uptime.json"])
    assert document["from"] == "2026-03-18" and document["to"] == "2026-06-15" and document["days"] == 90
    api, whole = _days(document, "api")
    assert api == {
        "2026-03-28": {"major_outage": 60},
        "2026-03-29": {"major_outage": 120, "partial_outage": 60},
        "2026-06-01": {"degraded_performance": 30, "major_outage": 90},
        "2026-06-02": {"major_outage": 45},
    }
    assert whole["minutes"] == {"major_outage": 315, "partial_outage": 60,
                                "degraded_performance": 30, "under_maintenance": 0}
    # 90 local days up to 14:00 on the last: 89 days (one of 23 hours) and 14 hours.
    total = (89 * 24 - 1 + 14) * 60
    assert whole["uptime_percent"] == float(f"{100 - 100 * (315 + 0.3 * 60) / total:.4f}"[:-2])
    db, _ = _days(document, "db")
    assert db == {"2026-03-18": {}} or db == {}  # 16 March is outside the window
    web, _ = _days(document, "web")
    assert web == {"2026-06-15": {"partial_outage": 180}}
    cdn, _ = _days(document, "cdn")
    assert cdn == {"2026-06-11": {"under_maintenance": 45}}  # 00:30 to 01:15 Paris time
    html = files(site)[f"{BASE}index.html"].decode()
    assert '<img class="ub" src="groups/core/uptime.svg" alt="Core platform: uptime' in html
    assert "29 March 2026: Major outage" in html


def test_uptime_series_buckets_by_local_day():
    zone = zoneinfo.ZoneInfo("America/New_York")
    now = dt.datetime(2026, 11, 2, 12, tzinfo=dt.timezone.utc)  # 07:00 EST, the day after DST ends
    dates, bounds = uptime.day_bounds(now, zone, 3)
    assert [d.isoformat() for d in dates] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    assert (bounds[2] - bounds[1]).total_seconds() == 25 * 3600  # 1 November has 25 hours
    spans = [uptime.Span("a", "major_outage", "2026-11-01T03:00:00Z", None)]  # 23:00 EDT on the 31st
    [series] = uptime.series(["a"], spans, now, zone, 3)
    assert [d.seconds for d in series.days] == [
        {"major_outage": 3600}, {"major_outage": 25 * 3600}, {"major_outage": 7 * 3600}]
    assert str(series.uptime) == "41.07"  # 100 - 100 * 33 h down / 56 h


def test_a_new_day_moves_the_window_and_only_then(site, monkeypatch):
    make_service(site)
    build(site)
    before = stamps(site)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781530000")  # later the same day (Paris)
    assert build(site).service_files == 0 and stamps(site) == before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781560800")  # 2026-06-16T00:00 Paris
    build(site)
    moved = [name for name in before if before[name] != stamps(site).get(name)]
    assert f"{BASE}index.html" in moved and f"{BASE}uptime.json" in moved
    assert json.loads(files(site)[f"{BASE}uptime.json"])["to"] == "2026-06-16"


# -- embeds ---------------------------------------------------------------------------------------


def test_embed_page_and_script(site):
    make_service(site)
    write(site, "/site.yaml", "title: Acme\ntimezone: Europe/Paris\nembed_position: top-left\n"
          "embed_incident_background: '#123456'\n")
    build(site)
    out = files(site)
    html = out[f"{BASE}embed.html"].decode()
    assert "<script" not in html and "style=" not in html
    assert '<h1 id="banner-title"><i class="si"></i>Partial system outage</h1>' in html
    assert '<a href="incidents/open00000001.html" target="_blank" rel="noopener">API errors</a>' in html
    script = out[f"{BASE}embed.js"].decode()
    settings = json.loads(script.split("\n", 1)[0].removeprefix("var SSPAGE_EMBED = ").removesuffix(";"))
    assert settings["position"] == "top-left"
    assert settings["incident"] == {"background": "#123456", "color": "#ffffff"}
    assert settings["maintenance"] == {"background": "#1f5fa8", "color": "#ffffff"}
    # Nothing a strict host CSP forbids, and text never becomes markup.
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function",
                      "cssText", 'setAttribute("style"', "document.write", "<style"):
        assert forbidden not in script, forbidden
    assert "textContent" in script
    headers = out["_headers"].decode()
    rule = headers[headers.index("/status/:slug/embed.html"):].splitlines()[1]
    assert "frame-ancestors *" in rule and "default-src 'none'" in rule
    assert "/status/*/api/v2/*\n  Content-Type: application/json; charset=utf-8\n" \
        "  Access-Control-Allow-Origin: *\n" in headers
    assert headers.index("/*\n") < headers.index("/status/:slug/embed.html")  # the later rule wins


def test_embed_settings_are_validated(site, runner):
    make_service(site, incidents=False)
    write(site, "/site.yaml", "title: Acme\nembed_maintenance_text: white\nembed_position: middle\n")
    result = runner("check")
    assert result.exit_code == 1
    assert "content/site.yaml:2:25: embed_maintenance_text: invalid value 'white'" in result.output
    assert "content/site.yaml:3:17: embed_position: unknown value 'middle'" in result.output


def test_spans_are_kept_only_for_recent_incidents():
    from sspage.service.model import Incident

    def made(start, end):
        return msgspec.convert({"title": "x", "impact": "minor", "startUtc": start, "endUtc": end,
                                "components": {"api": "partial_outage"}}, Incident, strict=False)

    now = "2026-06-15T12:00:00Z"
    assert uptime.incident_spans(made("2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z"), now) == []
    assert uptime.incident_spans(made("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"), now) == [
        uptime.Span("api", "partial_outage", "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z")]
    assert uptime.incident_spans(made("2020-01-01T10:00:00Z", None), now) == [
        uptime.Span("api", "partial_outage", "2020-01-01T10:00:00Z", None)]  # still open


def test_an_old_incident_edit_leaves_badges_uptime_and_embeds_alone(site):
    make_service(site)
    _incident(site, "oldone000001", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z")
    _incident(site, "recent000001", "2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z")
    build(site)
    readers = ("badge.svg", "shields.json", "uptime.json", "uptime.svg", "embed.html", "embed.js")
    for stem, moves in (("oldone000001", False), ("recent000001", True)):
        before = stamps(site)
        path = site.content_dir / "services" / "acme" / "incidents" / f"{stem}.yaml"
        text = path.read_text("utf-8")
        path.write_text(text.replace("T11:00:00Z", "T11:30:00Z"), "utf-8")
        build(site)
        after = stamps(site)
        moved = [n for n in after if before.get(n) != after[n] and n.endswith(readers)]
        assert bool(moved) == moves, (stem, moved)
    api = _days(json.loads(files(site)[f"{BASE}uptime.json"]), "api")[0]
    assert api["2026-06-01"] == {"major_outage": 90}


def _shown_uptime(out):
    """The main page's uptime rows, each checked against the files of the same build: its
    percent against uptime.json (a component's) and its text alternative against the bars'."""
    import html as htmllib
    import re

    page = out[f"{BASE}index.html"].decode()
    document = json.loads(out[f"{BASE}uptime.json"])
    percents = {c["name"]: f"{c['uptime_percent']:.2f}" for c in document["components"]}
    rows = re.findall(r'<p class="ur"><span class="n">([^<]*)</span> ([0-9.]+) % uptime</p>\n'
                      r'<img class="ub" src="([^"]+)" alt="([^"]*)"', page)
    assert rows
    for name, percent, bars, label in rows:
        svg = ET.fromstring(out[f"{BASE}{bars}"])
        assert htmllib.unescape(label) == svg.findtext(f"{SVG}title"), name
        if name in percents:
            assert percent == percents[name], name
    return rows, document["counted_to"]


def test_the_main_page_and_the_uptime_files_of_one_build_agree(site, monkeypatch):
    # An incident is open (its minutes grow with the clock) and the window has another one's.
    make_service(site)
    _incident(site, "oldone000001", "2026-01-10T10:00:00Z", "2026-01-10T11:00:00Z")
    build(site)
    rows, counted = _shown_uptime(files(site))
    # Later the same day, an incident older than the 90 days is edited: the main page is
    # rendered again, the uptime files are not, and both still say the same figures.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781539200")  # 2026-06-15T16:00:00Z
    path = site.content_dir / "services" / "acme" / "incidents" / "oldone000001.yaml"
    before = stamps(site)
    path.write_text(path.read_text("utf-8").replace("T11:00:00Z", "T11:30:00Z"), "utf-8")
    build(site)
    assert before[f"{BASE}index.html"] != stamps(site)[f"{BASE}index.html"]
    assert before[f"{BASE}uptime.json"] == stamps(site)[f"{BASE}uptime.json"]
    assert _shown_uptime(files(site)) == (rows, counted)
    # A new message on a recent incident changes nothing they count either.
    recent = site.content_dir / "services" / "acme" / "incidents" / "2026-05-01-slow-database.yaml"
    recent.write_text(recent.read_text("utf-8").replace("Queries are slow.", "Slow queries."), "utf-8")
    build(site)
    assert _shown_uptime(files(site)) == (rows, counted)
    # A change that reaches the uptime files (its end) writes both with the new clock's figures.
    recent.write_text(recent.read_text("utf-8").replace("endUtc: 2026-05-01T11:00:00Z",
                                                        "endUtc: 2026-05-01T11:15:00Z"), "utf-8")
    build(site)
    now_rows, now_counted = _shown_uptime(files(site))
    assert now_counted == "2026-06-15T16:00:00Z" and now_rows != rows
