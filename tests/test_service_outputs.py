"""What reads a service page besides a browser: Statuspage's JSON, feeds and the calendar.

Each output is read by what its consumers use: ``jsonschema`` with the schema of
Statuspage's public API (sspage/service/statuspage_schema/), ``feedparser``,
``icalendar``, and statuspage-prometheus-exporter, a monitoring tool written for
Statuspage pages, reading ``summary.json`` over HTTP from a local server.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import feedparser
import icalendar
import jsonschema
import pytest

import sspage
from sspage.build import build_site
from sspage.service import published, statuspage

GOLDEN_SITE = Path(__file__).parent / "golden" / "services" / "site"
SCHEMA = json.loads((Path(sspage.__file__).parent / "service" / "statuspage_schema" /
                     "statuspage-v2.schema.json").read_text("utf-8"))
BASE = "status/northwind-online/"
SITE_URL = "https://status.northwind.example"
BUILD_TIME = "1781690400"  # 2026-06-17T10:00:00Z, as the golden tests
# Private (never published) and limited to the trade audience (only in its build).
PRIVATE = ("Failover drill", "pr1vated4i11")
TRADE_ONLY = ("Trade price lists out of date", "Trade counter opens early", "Trade orders")


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audience: str | None = None,
          site_yaml: str = "") -> Path:
    site_root = tmp_path / "site"
    if not site_root.exists():
        shutil.copytree(GOLDEN_SITE, site_root)
    if site_yaml:
        with open(site_root / "content" / "site.yaml", "a", encoding="utf-8") as handle:
            handle.write(site_yaml)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_TIME)
    out = tmp_path / ("out" if audience is None else f"out-{audience}")
    build_site(sspage.open_site(site_root), out, jobs=1, audience=audience)
    return out


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        root = tmp_path_factory.mktemp("outputs")
        return {"public": build(root, monkeypatch), "trade": build(root, monkeypatch, "trade")}


def published_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in (out / BASE).rglob("*")
            if p.is_file() and (p.suffix in (".json", ".atom", ".rss", ".ics"))
            and p.name not in ("shields.json", "uptime.json")}  # tests/test_service_readers.py


# -- Statuspage's JSON -----------------------------------------------------------------------


@pytest.mark.parametrize("audience", ["public", "trade"])
def test_every_document_is_valid_by_the_statuspage_schema(outputs: dict[str, Path], audience: str) -> None:
    out = outputs[audience]
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for path in statuspage.api_paths(BASE):
        document = json.loads((out / path).read_text("utf-8"))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(document)]
        assert errors == [], path


def test_the_schema_refuses_what_statuspage_would_not_send(outputs: dict[str, Path]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    page = {"id": "p", "name": "n", "url": "https://x.example/", "time_zone": "UTC", "updated_at": None}
    assert validator.is_valid({"page": page, "status": {"indicator": "none", "description": "ok"}})
    assert not validator.is_valid({"page": page, "status": {"indicator": "maintenance",
                                                            "description": "x"}})
    assert not validator.is_valid({"page": page, "summarized_status": "up"})
    assert not validator.is_valid({"page": {**page, "time_zone": None}})
    # Statuspage's objects, every field and nothing else, from a document the build wrote.
    document = json.loads((outputs["public"] / BASE / "api/v2/incidents.json").read_text("utf-8"))
    assert validator.is_valid(document)
    incident = document["incidents"][0]
    component, update = incident["components"][0], incident["incident_updates"][0]
    for where, field in ((incident, "sspage"), (component, "key"), (update, "message")):
        assert not validator.is_valid(_with(document, where, {**where, field: "x"})), field
    for where, field in ((component, "created_at"), (component, "showcase"), (component, "start_date"),
                         (update, "deliver_notifications"), (update, "tweet_id"), (incident, "started_at")):
        assert not validator.is_valid(_with(document, where, {k: v for k, v in where.items() if k != field}))


def _with(document: dict, old: dict, new: dict) -> dict:
    """``document`` with the object ``old`` (found by identity) replaced by ``new``."""
    def walk(value: object) -> object:
        if value is old:
            return new
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(document)  # type: ignore[return-value]


def test_the_documents_say_what_the_page_shows(outputs: dict[str, Path]) -> None:
    def doc(name: str) -> dict:
        return json.loads((outputs["public"] / BASE / "api/v2" / name).read_text("utf-8"))

    summary = doc("summary.json")
    assert summary["page"] == {"id": "nw0nline2026", "name": "Northwind online services",
                               "url": "https://status.northwind.example/status/northwind-online/",
                               "time_zone": "Europe/London", "updated_at": "2026-06-14T18:10:00Z"}
    assert doc("status.json") == {"page": summary["page"], "status": summary["status"]}
    assert doc("components.json")["components"] == summary["components"]
    unresolved = doc("incidents/unresolved.json")["incidents"]
    assert summary["incidents"] == unresolved and [i["name"] for i in unresolved] == [
        "SMS reminders delayed"]
    incidents = doc("incidents.json")["incidents"]
    starts = [i["started_at"] for i in incidents]
    assert starts == sorted(starts, reverse=True) and len(incidents) == 3
    for incident in incidents:
        times = [u["display_at"] for u in incident["incident_updates"]]
        assert times == sorted(times, reverse=True)  # newest first
        assert incident["shortlink"].endswith(f"/incidents/{incident['id']}.html")
    active = doc("scheduled-maintenances/active.json")["scheduled_maintenances"]
    upcoming = doc("scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert [w["name"] for w in active] == [] and [w["name"] for w in upcoming] == [
        "Booking database upgrade"]
    assert upcoming[0]["scheduled_for"] == "2030-01-12T22:00:00Z"
    assert upcoming[0]["scheduled_until"] == "2030-01-13T00:30:00Z"
    assert summary["scheduled_maintenances"] == active + upcoming
    everything = doc("scheduled-maintenances.json")["scheduled_maintenances"]
    assert {w["status"] for w in everything} == {"completed", "scheduled"}


def test_private_and_audience_content_never_appears(outputs: dict[str, Path]) -> None:
    public, trade = published_files(outputs["public"]), published_files(outputs["trade"])
    assert len(public) == len(statuspage.DOCUMENTS) + 3 + 2 * 6
    for name, data in public.items():
        for text in (*PRIVATE, *TRADE_ONLY):
            assert text.encode() not in data, (name, text)
    for name, data in trade.items():
        for text in PRIVATE:
            assert text.encode() not in data, (name, text)
    assert any(b"Trade price lists out of date" in data for data in trade.values())
    assert f"{BASE}components/trade-orders/history.atom" in trade


# -- feeds and the calendar -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["history.atom", "history.rss"])
def test_history_feeds_parse(outputs: dict[str, Path], name: str) -> None:
    feed = feedparser.parse((outputs["public"] / BASE / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == ("atom10" if name.endswith("atom") else "rss20")
    assert feed.feed.link == "https://status.northwind.example/status/northwind-online/"
    titles = [e.title for e in feed.entries]
    assert titles[:2] == ["SMS reminders delayed", "Phone lines back to normal"]
    sms = feed.entries[0]
    assert sms.link.endswith("/incidents/7tr2mcx9bl4e.html")
    html = sms.content[0].value
    assert "<strong>Identified</strong>" in html
    assert "<strong>Email reminders are not affected.</strong>" in html
    assert html.index("Identified") < html.index("Investigating")  # newest update first
    if name.endswith("atom"):  # RSS has only pubDate: when each was first published
        updated = [e.updated_parsed for e in feed.entries]
        assert updated == sorted(updated, reverse=True)


def test_component_feeds_parse_and_list_its_incidents(outputs: dict[str, Path]) -> None:
    for suffix in ("atom", "rss"):
        folder = outputs["public"] / BASE / "components"
        feed = feedparser.parse((folder / f"sms/history.{suffix}").read_bytes())
        assert not feed.bozo
        assert [e.title for e in feed.entries] == ["SMS reminders delayed"]
        quiet = feedparser.parse((folder / f"email/history.{suffix}").read_bytes())
        assert not quiet.bozo and quiet.entries == []
    # Each feed is its own (Atom's feed id): a reader subscribed to two never merges them.
    out = outputs["public"]
    atoms = [out / BASE / "history.atom", *(out / BASE).glob("components/*/history.atom")]
    ids = {str(path.relative_to(out)): feedparser.parse(path.read_bytes()).feed.id for path in atoms}
    assert len(set(ids.values())) == len(ids) == 7, ids
    assert ids[f"{BASE}components/sms/history.atom"] == f"{SITE_URL}/{BASE}components/sms/history"


def test_the_maintenance_calendar(outputs: dict[str, Path], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data = (outputs["public"] / BASE / "maintenance.ics").read_bytes()
    calendar = icalendar.Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == ["Website move", "Email relay swap",
                                                    "Booking database upgrade"]
    uids = [str(e["uid"]) for e in events]
    assert uids[2] == "5mx1db7q0upg.nw0nline2026@sspage" and len(set(uids)) == 3
    upgrade = events[2]
    assert upgrade.decoded("dtstart").isoformat() == "2030-01-12T22:00:00+00:00"
    assert upgrade.decoded("dtend").isoformat() == "2030-01-13T00:30:00+00:00"
    assert str(upgrade["url"]).endswith("/maintenance/5mx1db7q0upg.html")
    # A window renamed and moved keeps its UID, so a subscribed calendar moves the event.
    path = tmp_path / f"site/content/{BASE.replace('status', 'services')}maintenance" / \
        "2030-01-12-booking-database-upgrade.yaml"
    shutil.copytree(GOLDEN_SITE, tmp_path / "site")
    path.write_text(path.read_text("utf-8").replace("Booking database upgrade", "Database upgrade")
                    .replace("2030-01-12T22:00", "2030-01-19T22:00")
                    .replace("2030-01-13T00:30", "2030-01-20T00:30"), "utf-8")
    out = build(tmp_path, monkeypatch)
    moved = list(icalendar.Calendar.from_ical((out / BASE / "maintenance.ics").read_bytes()).walk("VEVENT"))
    assert [str(e["uid"]) for e in moved] == uids
    assert str(moved[2]["summary"]) == "Database upgrade"


def test_outputs_are_deterministic(outputs: dict[str, Path], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    again = build(tmp_path, monkeypatch)
    assert published_files(again) == published_files(outputs["public"])


def test_default_service_is_also_published_at_the_root(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = build(tmp_path, monkeypatch, site_yaml="default_service: northwind-online\n")
    for path in published.page_paths("northwind-online", root=False):
        root = path.removeprefix(BASE)
        assert (out / root).read_bytes() == (out / path).read_bytes(), root
    headers = (out / "_headers").read_text("utf-8")
    assert "/api/v2/*\n  Content-Type: application/json; charset=utf-8\n" in headers
    assert "/status/*/history.atom\n  Content-Type: application/atom+xml; charset=utf-8\n" in headers
    assert "/maintenance.ics\n  Content-Type: text/calendar; charset=utf-8\n" in headers
    # No longer the default: the root copies go.
    site_yaml = tmp_path / "site/content/site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("default_service: northwind-online\n", ""),
                         "utf-8")
    build(tmp_path, monkeypatch)
    assert not (out / "api/v2/summary.json").exists() and not (out / "history.atom").exists()
    assert (out / BASE / "api/v2/summary.json").exists()


def test_an_unknown_default_service_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(sspage.ContentError, match="default_service.*no service page 'nope'"):
        build(tmp_path, monkeypatch, site_yaml="default_service: nope\n")


def test_the_service_page_links_its_feeds(outputs: dict[str, Path]) -> None:
    html = (outputs["public"] / BASE / "index.html").read_text("utf-8")
    assert '<link rel="alternate" type="application/atom+xml" href="history.atom">' in html
    assert '<link rel="alternate" type="application/rss+xml" href="history.rss">' in html


# -- a real Statuspage consumer -------------------------------------------------------------


def test_a_statuspage_monitoring_tool_reads_our_summary(outputs: dict[str, Path], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    handler = functools.partial(QuietHandler, directory=str(outputs["public"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{BASE}api/v2/summary.json"
        services = tmp_path / "services.json"
        services.write_text(json.dumps({"northwind": {"url": url, "name": "Northwind"}}), "utf-8")
        monkeypatch.setenv("SERVICES_JSON_PATH", str(services))
        monkeypatch.chdir(tmp_path)  # its cache folder
        from statuspage_prometheus_exporter.service_checker import check_status_page_service

        result = check_status_page_service("northwind", {"url": url, "name": "Northwind"})
    finally:
        server.shutdown()
        server.server_close()
    assert result["success"] is True, result
    assert result["raw_status"] == "minor" and result["status"] == 0
    [incident] = result["incident_metadata"]
    assert incident["name"] == "SMS reminders delayed" and incident["impact"] == "minor"
    assert incident["shortlink"].endswith("/incidents/7tr2mcx9bl4e.html")
    names = {c["name"]: c["status"] for c in result["component_metadata"]}
    assert names["SMS reminders"] == "degraded_performance"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize("audience", ["public", "trade"])
def test_service_show_json_is_the_published_summary(outputs: dict[str, Path], tmp_path: Path,
                                                    audience: str) -> None:
    # `sspage service show --json` reads the files, the build its manifest's records: one
    # summary all the same, the page's and each component's times included.
    import datetime as dt

    site_root = tmp_path / "site"
    shutil.copytree(GOLDEN_SITE, site_root)
    moment = dt.datetime.fromtimestamp(int(BUILD_TIME), dt.timezone.utc)
    shown = sspage.open_site(site_root).services.summary(
        "northwind-online", now=moment, audience=None if audience == "public" else audience)
    assert shown.pop("summarized_status") == "warning"
    # The documented difference: an incident status of site.yaml's own is published as identified.
    shown["incidents"] = [statuspage._public(incident) for incident in shown["incidents"]]
    published = json.loads((outputs[audience] / BASE / "api/v2/summary.json").read_text("utf-8"))
    assert shown == published
    assert [c["updated_at"] for c in shown["components"] if c["name"] == "SMS reminders"] == [
        "2026-06-14T18:10:00Z"]
