"""Service pages in sspage build: outputs, incremental rebuilds, the clock, audiences, failures."""

from __future__ import annotations

import json
import os

import pytest
from service_helpers import OPEN_INCIDENT, make_service, service_dir, write

import sspage
from sspage.build import build_site
from sspage.errors import BuildError, ContentError
from sspage.service import published

JUNE_15 = "1781524800"  # 2026-06-15T12:00:00Z
BASE = "status/acme/"


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", JUNE_15)


@pytest.fixture
def acme(site):
    return make_service(site)


def build(site, **options):
    return build_site(sspage.open_site(site.root), site.root / "public", **options)


def files(site, out="public"):
    root = site.root / out
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".sspage-build"
    }


def stamps(site):
    root = site.root / "public"
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_ino)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# Badges and uptime history (tests/test_service_readers.py) change with the main page.
# Embeds (embed.html, embed.js) too.
READERS = ("badge.svg", "shields.json", "uptime.json", "uptime.svg", "embed.html", "embed.js")
READER_FILES = 18  # acme's: 2 + 4 x 2 badges, uptime.json, 4 components' and 1 group's bars, 2 embeds


def changed(before, after):
    return sorted(name for name in set(before) | set(after)
                  if before.get(name) != after.get(name) and not name.endswith(READERS))


def incident(number, month="06", day="01", **extra):
    body = (
        OPEN_INCIDENT.replace("open00000001", f"inc{number:09d}")
        .replace("2026-06-08T10", f"2026-{month}-{day}T10")
        .replace("API errors", f"Incident {number}")
    )
    for key, value in extra.items():
        body = body.replace("components:", f"{key}: {value}\ncomponents:", 1)
    return body


# -- what a build writes -------------------------------------------------------------------------


def published_outputs(names):
    """Statuspage's JSON, the feeds and the calendar (tests/test_service_outputs.py checks them)."""
    return sorted(n for n in names if n in PAGE_DOCS or n.startswith(f"{BASE}components/"))


def pages_only(names):
    names = list(names)
    published_ones = set(published_outputs(names))
    return [n for n in names if n not in published_ones]


PAGE_DOCS = frozenset(published.page_paths("acme", root=False))


def test_outputs_of_a_service(acme):
    result = build(acme)
    assert result.services == 1
    names = pages_only(n for n in files(acme) if n.startswith(BASE) and not n.endswith(READERS))
    assert published_outputs(n for n in files(acme) if not n.endswith(READERS)) == sorted(
        [*PAGE_DOCS, *published.component_paths("acme", ["api", "db", "cdn", "web"])])
    assert names == [
        f"{BASE}history/2026-05.html",
        f"{BASE}history/2026-06.html",
        f"{BASE}history/index.html",
        f"{BASE}incidents/done00000001.html",
        f"{BASE}incidents/open00000001.html",
        f"{BASE}index.html",
        f"{BASE}maintenance/maint0000001.html",
    ]
    main = files(acme)[f"{BASE}index.html"].decode()
    assert "Partial system outage" in main and "API errors" in main and "CDN upgrade" in main
    index = files(acme)["index.html"].decode()
    assert '<a href="status/acme/">Acme Cloud</a>' in index
    assert "<loc>https://status.example.com/status/acme/</loc>" in files(acme)["sitemap.xml"].decode()


def test_a_no_op_build_renders_nothing(acme):
    build(acme)
    before = stamps(acme)
    result = build(acme)
    assert (result.rendered, result.service_files) == (0, 0)
    assert stamps(acme) == before


def test_one_changed_incident_renders_only_what_depends_on_it(acme):
    for number in range(30):
        write(
            acme,
            f"incidents/2026-04-{number:02d}.yaml",
            incident(number, month="04", day="10", endUtc="2026-04-10T11:00:00Z")
            .replace("status: investigating", "status: resolved")
            .replace("10:00:00Z\n    status", "11:00:00Z\n    status"),
        )
    build(acme)
    before = stamps(acme)
    path = service_dir(acme) / "incidents" / "2026-04-07.yaml"
    path.write_text(path.read_text("utf-8").replace("Incident 7", "Incident seven"), "utf-8")
    result = build(acme)
    # Its permalink, its month, the history index, the main page, the page's JSON and feeds
    # (not its calendar of maintenance windows), and the feeds of the one component it names;
    # a title changes nothing the badges, uptime and embeds show.
    assert result.service_files == 4 + len(PAGE_DOCS) - 1 + 2
    assert published_outputs(changed(before, stamps(acme))) == sorted([
        f"{BASE}api/v2/incidents.json", f"{BASE}history.atom", f"{BASE}history.rss",
        *published.component_paths("acme", ["api"])])
    assert pages_only(changed(before, stamps(acme))) == [
        f"{BASE}history/2026-04.html",
        f"{BASE}incidents/inc000000007.html",
    ]
    # The main page lists five past incidents; #7 is not among them, so its bytes did not change.


def test_an_old_incident_changed_leaves_the_json_and_feeds_alone(acme):
    # More than the 50 incidents incidents.json lists: an edit below them changes none of
    # Statuspage's documents nor the feeds, so none is rendered; one above them changes some.
    for number in range(60):
        day = f"{1 + number // 3:02d}"
        write(
            acme,
            f"incidents/2026-03-{number:02d}.yaml",
            incident(number, month="03", day=day, endUtc=f"2026-03-{day}T11:00:00Z")
            .replace("status: investigating", "status: resolved")
            .replace("10:00:00Z\n    status", "11:00:00Z\n    status"),
        )
    build(acme)
    # 20 March is in the 90 days of uptime history: the badges, uptime and embeds too.
    for stem, expected in (("2026-03-00", 4), ("2026-03-59", 4 + len(PAGE_DOCS) - 1 + 2)):
        before = stamps(acme)
        path = service_dir(acme) / "incidents" / f"{stem}.yaml"
        path.write_text(path.read_text("utf-8").replace("title: Incident", "title: The incident"), "utf-8")
        assert build(acme).service_files == expected, stem
        moved = published_outputs(changed(before, stamps(acme)))
        if stem == "2026-03-00":
            assert moved == []
        else:
            assert f"{BASE}api/v2/incidents.json" in moved and f"{BASE}components/api/history.atom" in moved


def test_badges_and_uptime_follow_what_incidents_did_to_components(acme):
    # Within the 90 days they count: a new message on the open incident changes what the
    # embeds show (its status word), not the badges or uptime; a component's status does.
    build(acme)
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    message = "  - timeUtc: 2026-06-09T10:00:00Z\n    status: monitoring\n    message: A fix is out.\n"
    path.write_text(OPEN_INCIDENT + message, "utf-8")
    before = stamps(acme)
    build(acme)
    moved = [n for n in set(before) | set(stamps(acme)) if before.get(n) != stamps(acme).get(n)]
    assert sorted(n for n in moved if n.endswith(READERS)) == [f"{BASE}embed.html"]
    path.write_text(OPEN_INCIDENT + message + "    components:\n      api: degraded_performance\n", "utf-8")
    result = build(acme)
    after = stamps(acme)
    moved = sorted(n for n in after if before.get(n) != after.get(n) and n.endswith(READERS))
    assert f"{BASE}uptime.json" in moved and f"{BASE}components/api/badge.svg" in moved
    assert result.service_files > READER_FILES


def test_a_components_times_follow_an_old_incident_edit(acme, tmp_path):
    # The database is named by one incident (1 May), older than the 50 that incidents.json
    # lists and the 25 of the feeds: an edit of it changes no list, but it gives the
    # database's created_at (its start) and updated_at (its end) in components.json.
    for number in range(55):
        day = f"{1 + number // 10:02d}"
        write(acme, f"incidents/2026-06-{number:02d}.yaml",
              incident(number, day=day, endUtc=f"2026-06-{day}T11:00:00Z")
              .replace("status: investigating", "status: resolved")
              .replace("10:00:00Z\n    status", "11:00:00Z\n    status"))
    build(acme)
    components = f"{BASE}api/v2/components.json"

    def times(name):
        document = json.loads(files(acme)[name])
        db = next(c for c in document["components"] if c["name"] == "Database")
        return db["created_at"], db["updated_at"]

    assert times(components) == ("2026-05-01T10:00:00Z", "2026-05-01T11:00:00Z")
    path = service_dir(acme) / "incidents" / "2026-05-01-slow-database.yaml"
    path.write_text(path.read_text("utf-8").replace("title: Slow", "title: A slow"), "utf-8")
    before = stamps(acme)
    build(acme)  # a title: no time moved, no Statuspage document is rendered (its feeds are)
    assert [n for n in changed(before, stamps(acme)) if "/api/v2/" in n] == []
    path.write_text(path.read_text("utf-8").replace("T11:00:00Z", "T11:30:00Z")
                    .replace("startUtc: 2026-05-01T10:00:00Z", "startUtc: 2026-05-01T09:45:00Z"), "utf-8")
    build(acme)
    assert times(components) == ("2026-05-01T09:45:00Z", "2026-05-01T11:30:00Z")
    assert times(f"{BASE}api/v2/summary.json") == times(components)
    clean = build_site(sspage.open_site(acme.root), tmp_path / "clean")
    assert (tmp_path / "clean" / components).read_bytes() == files(acme)[components]
    assert clean.services == 1


def test_an_open_incident_changes_the_main_page(acme):
    build(acme)
    before = files(acme)
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    path.write_text(path.read_text("utf-8").replace("partial_outage", "major_outage"), "utf-8")
    build(acme)
    # The site's index changes too: its card shows the new summary.
    assert pages_only(changed(before, files(acme))) == [
        "index.html",
        f"{BASE}incidents/open00000001.html",
        f"{BASE}index.html",
    ]


def test_removed_and_private_incidents_leave_no_output(acme):
    build(acme)
    (service_dir(acme) / "incidents" / "2026-05-01-slow-database.yaml").unlink()
    write(
        acme,
        "incidents/2026-06-08-api-errors.yaml",
        OPEN_INCIDENT.replace("components:", "private: true\ncomponents:"),
    )
    build(acme)
    names = files(acme)
    assert f"{BASE}incidents/done00000001.html" not in names and f"{BASE}history/2026-05.html" not in names
    assert f"{BASE}incidents/open00000001.html" not in names
    assert not any(b"API errors" in data for data in names.values())
    assert "All systems operational" in names[f"{BASE}index.html"].decode()


def test_changing_service_yaml_renders_the_whole_service(acme):
    build(acme)
    path = service_dir(acme) / "service.yaml"
    path.write_text(path.read_text("utf-8").replace("Acme Cloud", "Acme Cloud services"), "utf-8")
    result = build(acme)
    assert result.service_files == 7 + len(PAGE_DOCS) + 8 + READER_FILES
    assert all(b"Acme Cloud services" in data for name, data in files(acme).items()
               if name.startswith(BASE) and not name.endswith(READERS))


def test_a_status_change_renders_its_page_and_the_pages_that_show_it(acme):
    write(acme, "/statuses/freeze.yaml", "name: Deploy freeze\nvalue: TODAY\nshareId: fr33ze01\n")
    path = service_dir(acme) / "service.yaml"
    path.write_text(path.read_text("utf-8") + "statuses: [freeze]\n", "utf-8")
    build(acme)
    assert '"value": "TODAY"' in files(acme)["st/fr33ze01/status.json"].decode()
    before = stamps(acme)
    write(acme, "/statuses/freeze.yaml", "name: Deploy freeze\nvalue: MONDAY\nshareId: fr33ze01\n")
    build(acme)
    assert changed(before, stamps(acme)) == [
        "st/fr33ze01/index.html",
        "st/fr33ze01/status.json",
        f"{BASE}index.html",
    ]
    write(
        acme,
        "/statuses/freeze.yaml",
        "name: Deploy freeze\nvalue: MONDAY\nshareId: fr33ze01\naccessType: private\n",
    )
    build(acme)
    assert not any(name.startswith("st/") for name in files(acme))


# -- the clock -----------------------------------------------------------------------------------


def test_a_window_starts_and_ends_by_the_clock(acme, monkeypatch):
    build(acme)  # 2026-06-15: the window (20 June, 22:00-23:00 UTC) is upcoming
    main = f"{BASE}index.html"
    window = f"{BASE}maintenance/maint0000001.html"
    assert "Scheduled maintenance" in files(acme)[main].decode()
    before = stamps(acme)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781992800")  # 2026-06-20T22:00:00Z: it starts
    result = build(acme)
    assert result.service_files == 2 + len(PAGE_DOCS) + READER_FILES
    assert pages_only(changed(before, stamps(acme))) == [main, window]
    assert f"{BASE}api/v2/scheduled-maintenances/active.json" in changed(before, stamps(acme))
    html = files(acme)[main].decode()
    assert "Maintenance in progress" in html and 'CDN</span><span class="st s-under_maintenance">' in html
    before = stamps(acme)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781994600")  # 22:30: nothing moves
    assert build(acme).service_files == 0 and stamps(acme) == before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781996400")  # 23:00: it ends
    build(acme)
    assert pages_only(changed(before, stamps(acme))) == [main, window]
    assert "Completed" in files(acme)[window].decode()
    assert 'CDN</span><span class="st s-operational">' in files(acme)[main].decode()


def test_without_automatic_start_a_window_waits_for_a_person(acme, monkeypatch):
    write(
        acme,
        "maintenance/2026-06-20-cdn-upgrade.yaml",
        "id: maint0000001\ntitle: CDN upgrade\nstartUtc: 2026-06-20T22:00:00Z\nendUtc: 2026-06-20T23:00:00Z\n"
        "autoStart: false\ncomponents: [cdn]\n",
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781994600")  # 22:30, inside the window
    build(acme)
    assert "Maintenance in progress" not in files(acme)[f"{BASE}index.html"].decode()


# -- audiences -----------------------------------------------------------------------------------


def test_audience_builds_are_separate_sites(acme):
    with open(acme.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("audiences: [vip]\n")
    write(acme, "incidents/2026-06-09-vip.yaml", incident(9, day="09", audiences="[vip]"))
    public = build(acme)
    vip = build_site(sspage.open_site(acme.root), audience="vip")
    assert vip.out == acme.root / "public-vip" and public.out == acme.root / "public"
    assert f"{BASE}incidents/inc000000009.html" in files(acme, "public-vip")
    assert f"{BASE}incidents/inc000000009.html" not in files(acme)
    with pytest.raises(BuildError, match="unknown audience 'nobody'"):
        build_site(sspage.open_site(acme.root), audience="nobody")


def test_cli_build_audience(acme, runner):
    with open(acme.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("audiences: [vip]\n")
    result = runner("build", "--audience", "vip")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(
        "Built 0 pages (0 changed) and 1 service (44 files rendered) for audience vip in "
    )


# -- failures and determinism --------------------------------------------------------------------


def test_an_invalid_incident_fails_the_build_and_changes_nothing(acme):
    build(acme)
    before = stamps(acme)
    write(acme, "incidents/2026-06-08-api-errors.yaml", OPEN_INCIDENT.replace("api:", "nope:"))
    with pytest.raises(ContentError, match="unknown component 'nope'"):
        build(acme)
    assert stamps(acme) == before
    assert not [p for p in (acme.root / "public").rglob("*.tmp")]


def test_two_incidents_with_one_id_fail_the_build(acme):
    write(acme, "incidents/copy.yaml", OPEN_INCIDENT)
    with pytest.raises(ContentError, match="the same id as"):
        build(acme)


def test_hostile_text_is_escaped(acme):
    write(
        acme,
        "incidents/2026-06-08-api-errors.yaml",
        OPEN_INCIDENT.replace("title: API errors", "title: '<script>alert(1)</script>'").replace(
            "We are looking into it.", "<img src=x onerror=alert(1)> [x](javascript:alert(1))"
        ),
    )
    build(acme)
    for name, data in files(acme).items():
        if name.endswith(".html"):
            assert b"<script>" not in data and b"onerror" not in data and b"javascript:" not in data, name
    assert b"&lt;script&gt;" in files(acme)[f"{BASE}incidents/open00000001.html"]


def test_clean_and_parallel_builds_are_byte_identical(acme, tmp_path):
    for number in range(450):  # past the sizes where the build forks workers, for files and months
        year, month = 2024 + number % 30 // 12, 1 + number % 12
        write(
            acme,
            f"incidents/i{number:03d}.yaml",
            incident(number).replace("2026-06-01T10", f"{year}-{month:02d}-01T10"),
        )
    serial = build_site(sspage.open_site(acme.root), tmp_path / "serial", jobs=1)
    parallel = build_site(sspage.open_site(acme.root), tmp_path / "parallel", jobs=2)
    assert serial.service_files == parallel.service_files
    tree = {}
    for out in (tmp_path / "serial", tmp_path / "parallel"):
        tree[out.name] = {
            str(p.relative_to(out)): p.read_bytes()
            for p in out.rglob("*")
            if p.is_file() and p.name != ".sspage-build"
        }
    assert tree["serial"] == tree["parallel"]
    assert len([n for n in tree["serial"] if "/incidents/" in n and n.endswith(".html")]) == 452
    assert len([n for n in tree["serial"] if "/history/20" in n]) >= 24


def test_a_touched_file_is_hashed_but_nothing_is_rendered(acme):
    build(acme)
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert build(acme).service_files == 0
    assert build(acme).service_files == 0  # the new stat was remembered


def test_a_site_of_service_pages_only(tmp_path):
    sspage.init_site(tmp_path)
    (tmp_path / "content" / "pages").rmdir()
    site = sspage.open_site(tmp_path)
    make_service(site, incidents=False)
    assert sspage.check_site(site).problems == []
    assert build(site).services == 1
