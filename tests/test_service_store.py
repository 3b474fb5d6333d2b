"""Service pages through the library and the command line: each change one file, one commit;
exact output; --json in the reference systems' shapes; comments kept."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
import yaml
from helpers import T0, UTC
from service_helpers import OPEN_INCIDENT, SERVICE_YAML, make_service, service_dir, write

import sspage

NOT_GIT = "Note: not a git repository; changes are saved but not committed\n"
STATUSPAGE_INCIDENT = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
]
STATIVATE = [
    "id",
    "shareId",
    "name",
    "value",
    "type",
    "accessType",
    "description",
    "colorNo",
    "accessTypeUserList",
    "accessTypeHistory",
]
OH_DEAR = ["id", "title", "text", "pinned", "severity", "time", "status_page_url"]


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exc_info)
    return result


@pytest.fixture
def acme(site):
    return make_service(site)


def git(root, *args):
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(acme):
    git(acme.root, "init", "-q", "-b", "main")
    git(acme.root, "config", "user.name", "Repo User")
    git(acme.root, "config", "user.email", "repo.user@example.com")
    git(acme.root, "config", "commit.gpgsign", "false")
    git(acme.root, "add", "-A")
    git(acme.root, "commit", "-q", "-m", "Start")
    return sspage.open_site(acme.root, now=acme.now)


# -- the library -------------------------------------------------------------------------------


def test_effective_status_is_the_worst_of_own_open_incidents_and_active_maintenance(acme, clock):
    services = acme.services
    _, state = services.state()
    assert {c.key: c.effective for c in state.components} == {
        "api": "partial_outage",
        "db": "operational",
        "cdn": "operational",
        "web": "operational",
    }
    assert (state.indicator, state.description, state.summarized) == (
        "major",
        "Partial System Outage",
        "warning",
    )
    # A window in the future changes nothing; the same window while it runs does.
    services.set_component("web", status="degraded_performance")
    services.set_component("api", status="major_outage")
    _, state = services.state(now=dt.datetime(2026, 6, 20, 22, 30, tzinfo=UTC))
    assert {c.key: (c.own, c.effective) for c in state.components} == {
        "api": ("major_outage", "major_outage"),
        "db": ("operational", "operational"),
        "cdn": ("operational", "under_maintenance"),
        "web": ("degraded_performance", "degraded_performance"),
    }
    assert (state.indicator, state.summarized) == ("critical", "down")
    _, later = services.state(now=dt.datetime(2026, 6, 20, 23, 0, tzinfo=UTC))  # auto end
    assert {c.key: c.effective for c in later.components}["cdn"] == "operational"
    groups = {g.key: g.effective for g in state.groups}
    assert groups == {"core": "major_outage", "edge": "under_maintenance"}


def test_summaries():
    from sspage.service.compute import summarized

    assert summarized([]) == "unknown"
    assert summarized(["operational"]) == "up"
    assert summarized(["operational", "under_maintenance"]) == "warning"
    assert summarized(["degraded_performance", "partial_outage"]) == "warning"
    assert summarized(["partial_outage", "major_outage"]) == "down"


def test_maintenance_only_banner(acme):
    acme.services.resolve_incident("open00000001")
    _, state = acme.services.state(now=dt.datetime(2026, 6, 20, 22, 30, tzinfo=UTC))
    assert (state.indicator, state.description, state.summarized) == (
        "none",
        "Service Under Maintenance",
        "warning",
    )


def test_private_and_audience_incidents_do_not_change_the_public_status(acme):
    with open(acme.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("audiences: [vip]\n")
    site = sspage.open_site(acme.root, now=acme.now)
    site.services.resolve_incident("open00000001")
    site.services.open_incident("Secret", components=["db=MO"], private=True)
    site.services.open_incident("VIP only", components=["web=PO"], audiences=["vip"])
    _, public = site.services.state()
    assert {c.effective for c in public.components} == {"operational"}
    _, vip = site.services.state(audience="vip")
    assert {c.key: c.effective for c in vip.components}["web"] == "partial_outage"
    assert {c.key: c.effective for c in vip.components}["db"] == "operational"


def test_open_update_resolve_reopen(acme, clock):
    services = acme.services
    opened = services.open_incident("Login fails", components={"web": "MO"}, message="Looking.")
    assert (opened.impact, opened.status, opened.components) == (
        "critical",
        "investigating",
        {"web": "major_outage"},
    )
    assert opened.path == service_dir(acme) / "incidents" / "2026-06-08-login-fails.yaml"
    clock.advance(minutes=10)
    updated = services.update_incident(
        opened.id[:6], status="monitoring", message="Fixed, watching.", components=["web=operational"]
    )
    assert updated.status == "monitoring" and updated.component_effects() == {"web": "operational"}
    clock.advance(minutes=10)
    resolved = services.resolve_incident("2026-06-08-login-fails")
    assert resolved.end_utc == clock.now and resolved.status == "resolved"
    assert [u.status for u in resolved.timeline()] == ["investigating", "monitoring", "resolved"]
    with pytest.raises(sspage.InputError, match="is resolved"):
        services.update_incident(opened.id, message="again")
    clock.advance(minutes=10)
    reopened = services.update_incident(opened.id, message="It is back.", reopen=True)
    assert reopened.end_utc is None and reopened.status == "investigating"


def test_written_file_reads_like_a_hand_written_one(acme):
    opened = acme.services.open_incident(
        "Login fails", components={"web": "PD"}, message="Line one\nline two"
    )
    text = opened.path.read_text("utf-8")
    assert text == (
        "# yaml-language-server: $schema=../../../schema/incident.schema.json\n"
        f"id: {opened.id}\n"
        "title: Login fails\n"
        "impact: minor\n"
        "startUtc: 2026-06-08T14:30:00Z\n"
        "endUtc: null\n"
        "components:\n"
        "  web: degraded_performance\n"
        "updates:\n"
        "  - timeUtc: 2026-06-08T14:30:00Z\n"
        "    status: investigating\n"
        "    message: |-\n"
        "      Line one\n"
        "      line two\n"
    )


def test_comments_survive_every_kind_of_change(acme, clock):
    path = service_dir(acme) / "service.yaml"
    path.write_text(
        "# The Acme page\n" + SERVICE_YAML.replace("    name: Database\n", "    name: Database  # primary\n"),
        "utf-8",
    )
    acme.services.set_component("db", status="partial_outage")  # in place
    acme.services.add_component("queue", "Job queue", group="core")  # a round trip
    text = path.read_text("utf-8")
    assert text.startswith("# The Acme page\n")
    assert "    name: Database  # primary\n    group: core\n    status: partial_outage\n" in text
    assert text.endswith("  - key: queue\n    name: Job queue\n    group: core\n    status: operational\n")
    incident = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    incident.write_text("# keep me\n" + OPEN_INCIDENT, "utf-8")
    acme.services.update_incident("open00000001", message="More news.")
    assert incident.read_text("utf-8").startswith("# keep me\nid: open00000001\n")


def test_maintenance_schedule_start_complete(acme, clock):
    services = acme.services
    window = services.schedule_maintenance(
        "DB upgrade",
        start=dt.datetime(2026, 7, 1, 20, tzinfo=UTC),
        end=dt.datetime(2026, 7, 1, 21, tzinfo=UTC),
        components=["db"],
        message="Writes pause.",
    )
    assert window.status == "scheduled" and window.auto_start and window.auto_end
    started = services.start_maintenance(window.id, message="Started early.")
    assert started.status == "in_progress"
    _, state = services.state()
    assert {c.key: c.effective for c in state.components}["db"] == "under_maintenance"
    done = services.complete_maintenance(window.id)
    assert done.status == "completed"
    with pytest.raises(sspage.InputError, match="already completed"):
        services.start_maintenance(window.id)


def test_templates(acme):
    write(
        acme,
        "/templates/db-down.yaml",
        "title: Database unavailable\ntext: We are on it.\n"
        "impact: critical\nstatus: identified\nseverity: high\n",
    )
    incident = acme.services.open_incident(template="db-down", components=["db=MO"])
    assert (incident.title, incident.impact, incident.status) == (
        "Database unavailable",
        "critical",
        "identified",
    )
    assert incident.updates[0].message == "We are on it."
    post = acme.services.post_update(template="db-down")
    assert (post.title, post.severity, post.text) == ("Database unavailable", "high", "We are on it.")


def test_posts(acme, clock):
    first = acme.services.post_update("New region", text="Paris is **live**.", severity="info")
    clock.advance(hours=1)
    second = acme.services.post_update("Old API retired", severity="warning", pinned=True)
    assert [p.title for p in acme.services.posts()] == ["Old API retired", "New region"]
    acme.services.pin_update(second.id, pinned=False)
    acme.services.pin_update(first.id)
    assert [p.title for p in acme.services.posts()] == ["New region", "Old API retired"]
    acme.services.remove_update(first.id)
    assert [p.title for p in acme.services.posts()] == ["Old API retired"]


def test_status_set_creates_then_updates(acme, clock):
    created = acme.services.set_status("deploy-freeze", value="TODAY", name="Deploy freeze", color=3)
    clock.advance(minutes=5)
    changed = acme.services.set_status("deploy-freeze", value="MONDAY")
    assert (changed.name, changed.value, changed.color_no, changed.access_type) == (
        "Deploy freeze",
        "MONDAY",
        3,
        "public",
    )
    assert changed.updated_utc == clock.now and created.id == changed.id


def test_times_are_entered_in_the_page_time_zone(acme, runner):
    ok(runner("incident", "open", "Paris time", "--at", "2026-06-08T12:00", "--component", "db=PD"))
    incident = acme.services.incident("2026-06-08-paris-time")
    assert incident.start_utc == dt.datetime(2026, 6, 8, 10, 0, tzinfo=UTC)  # CEST is UTC+2
    ok(
        runner(
            "incident",
            "update",
            "2026-06-08-paris-time",
            "--at",
            "2026-06-08T11:00:00Z",
            "--message",
            "UTC given",
        )
    )
    assert acme.services.incident("2026-06-08-paris-time").updates[-1].time_utc == dt.datetime(
        2026, 6, 8, 11, 0, tzinfo=UTC
    )


# -- commits -----------------------------------------------------------------------------------


def test_every_change_is_one_commit_of_one_file(repo, clock):
    services = repo.services
    incident = services.open_incident("Login fails", components={"web": "MO"}, message="Looking.")
    services.update_incident(incident.id, status="identified", message="Found it.")
    services.resolve_incident(incident.id)
    window = services.schedule_maintenance(
        "DB", start=T0 + dt.timedelta(days=3), end=T0 + dt.timedelta(days=3, hours=1), components=["db"]
    )
    services.complete_maintenance(window.id)
    post = services.post_update("Hello", severity="info")
    services.pin_update(post.id)
    services.remove_update(post.id)
    services.set_status("freeze", value="TODAY", name="Deploy freeze")
    head = git(repo.root, "rev-parse", "HEAD")
    services.set_component("api", status="operational")  # what it already is: no commit
    assert git(repo.root, "rev-parse", "HEAD") == head
    log = git(repo.root, "log", "--format=%s|%(trailers:only,unfold,separator=;)", "-9").splitlines()
    assert log == [
        "status freeze: TODAY|Sspage-Status: freeze",
        f'Acme Cloud: remove update "Hello"|Sspage-Service: acme;Sspage-Update: {post.id}',
        f'Acme Cloud: pin update "Hello"|Sspage-Service: acme;Sspage-Update: {post.id}',
        f'Acme Cloud: post update "Hello" (info)|Sspage-Service: acme;Sspage-Update: {post.id}',
        f'Acme Cloud: maintenance "DB" completed|Sspage-Service: acme;Sspage-Maintenance: {window.id}',
        'Acme Cloud: schedule maintenance "DB" 2026-06-11T14:30:00Z to 2026-06-11T15:30:00Z|'
        f"Sspage-Service: acme;Sspage-Maintenance: {window.id}",
        f'Acme Cloud: resolve incident "Login fails"|Sspage-Service: acme;Sspage-Incident: {incident.id}',
        f'Acme Cloud: incident "Login fails" identified|Sspage-Service: acme;Sspage-Incident: {incident.id}',
        f'Acme Cloud: open incident "Login fails" (critical)|Sspage-Service: acme;Sspage-Incident: {incident.id}',
    ]
    counts = [len(git(repo.root, "show", "--format=", "--name-only", f"HEAD~{n}").split()) for n in range(9)]
    assert counts == [1] * 9
    assert git(repo.root, "status", "--porcelain") == ""


# -- the command line --------------------------------------------------------------------------


def test_cli_incident_flow(acme, runner):
    opened = ok(runner("incident", "open", "Login fails", "--component", "web=MO", "--message", "Looking."))
    assert opened.stderr == NOT_GIT
    ident = opened.stdout.split()[2]
    assert opened.stdout == f'Opened incident {ident} "Login fails" (critical, investigating)\n'
    updated = ok(runner("incident", "update", ident[:5], "--status", "monitoring", "--message", "Watching."))
    assert updated.stdout == f'Updated incident {ident} "Login fails" (critical, monitoring)\n'
    body = json.loads(ok(runner("incident", "show", ident, "--json")).stdout)
    assert list(body) == STATUSPAGE_INCIDENT
    assert body["shortlink"] == f"https://status.example.com/status/acme/incidents/{ident}.html"
    assert [u["status"] for u in body["incident_updates"]] == ["monitoring", "investigating"]
    assert body["incident_updates"][1]["affected_components"] == [
        {
            "code": body["components"][0]["id"],
            "name": "Website",
            "old_status": "operational",
            "new_status": "major_outage",
        }
    ]
    resolved = ok(runner("incident", "resolve", ident))
    assert resolved.stdout == f'Resolved incident {ident} "Login fails" (critical, resolved)\n'
    listing = ok(runner("incident", "list")).stdout.splitlines()
    assert listing[0] == f"{ident}  2026-06-08  resolved      critical Login fails"
    assert listing[1] == "open00000001  2026-06-08  investigating major    API errors"
    assert ok(runner("incident", "list", "--open", "--json")).stdout.count('"id":') >= 1


def test_cli_service_show_and_component_list(acme, runner):
    shown = ok(runner("service", "show")).stdout
    assert shown.splitlines()[:9] == [
        "Acme Cloud",
        "acme · https://status.example.com/status/acme/ · Partial System Outage · warning",
        "",
        "  ✓ Website (web): operational",
        "  Core platform  [partial outage]",
        "    ◐ REST API (api): partial outage (own status: operational)",
        "    ✓ Database (db): operational",
        "    Edge  [operational]",
        "      ✓ CDN (cdn): operational",
    ]
    summary = json.loads(ok(runner("service", "show", "--json")).stdout)
    assert list(summary) == [
        "page",
        "components",
        "incidents",
        "scheduled_maintenances",
        "status",
        "summarized_status",
    ]
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert summary["page"]["time_zone"] == "Europe/Paris"
    assert [(c["name"], c["position"], c["group"]) for c in summary["components"]] == [
        ("Website", 1, False),
        ("Core platform", 2, True),
        ("REST API", 1, False),
        ("Database", 2, False),
        ("Edge", 3, True),
        ("CDN", 1, False),
    ]
    groups = [c for c in summary["components"] if c["group"]]
    assert [g["name"] for g in groups] == ["Core platform", "Edge"]
    listing = ok(runner("component", "list")).stdout
    assert "api  ◐ partial outage (own: operational)  REST API\n" in listing


def test_cli_status_set_json_is_stativates_shape(acme, runner):
    body = json.loads(
        ok(
            runner(
                "status",
                "set",
                "deploy-freeze",
                "--value",
                "TODAY",
                "--name",
                "Deploy freeze",
                "--color",
                "3",
                "--json",
            )
        ).stdout
    )
    assert list(body) == STATIVATE
    assert (body["name"], body["value"], body["type"], body["accessType"], body["colorNo"]) == (
        "Deploy freeze",
        "TODAY",
        "text",
        "public",
        3,
    )
    again = json.loads(
        ok(runner("status", "set", "deploy-freeze", "--value", "MONDAY", "--private", "--json")).stdout
    )
    assert (again["id"], again["value"], again["accessType"]) == (body["id"], "MONDAY", "private")
    assert (
        ok(runner("status", "show", "deploy-freeze")).stdout
        == "deploy-freeze: MONDAY · Deploy freeze · colour 3 (private)\n"
    )


def test_cli_update_post_json_is_oh_dears_shape(acme, runner):
    body = json.loads(
        ok(
            runner(
                "update", "post", "New region", "--text", "Paris", "--severity", "info", "--pinned", "--json"
            )
        ).stdout
    )
    assert list(body) == OH_DEAR
    assert body["time"] == "2026-06-08 16:30:00"  # the page's time zone, Europe/Paris
    assert body["pinned"] is True and body["status_page_url"] == "https://status.example.com/status/acme/"


def test_cli_maintenance_flow(acme, runner):
    out = ok(
        runner(
            "maintenance",
            "schedule",
            "DB upgrade",
            "--start",
            "2026-07-01T22:00",
            "--end",
            "2026-07-01T23:00",
            "--component",
            "db",
            "--json",
        )
    ).stdout
    body = json.loads(out)
    assert (body["scheduled_for"], body["scheduled_until"], body["status"]) == (
        "2026-07-01T20:00:00Z",
        "2026-07-01T21:00:00Z",
        "scheduled",
    )
    started = ok(runner("maintenance", "start", body["id"]))
    assert started.stdout == (
        f'Started maintenance {body["id"]} "DB upgrade" (in progress, '
        "2026-07-01T20:00:00Z to 2026-07-01T21:00:00Z)\n"
    )
    ok(runner("maintenance", "complete", body["id"], "--message", "Done."))
    assert "completed" in ok(runner("maintenance", "list")).stdout


def test_cli_create_service_and_components(site, runner):
    created = ok(runner("service", "create", "Acme Cloud", "--slug", "acme"))
    assert created.stdout == 'Created service "Acme Cloud" (acme)\n'
    ok(runner("group", "add", "core", "Core platform"))
    ok(runner("component", "add", "api", "REST API", "--group", "core"))
    assert ok(runner("component", "set", "api", "--status", "MO")).stdout == "REST API (api): major outage\n"
    data = yaml.safe_load((service_dir(site) / "service.yaml").read_text("utf-8"))
    assert data["components"] == [
        {"key": "api", "name": "REST API", "group": "core", "status": "major_outage"}
    ]
    ok(runner("component", "rm", "api"))
    assert yaml.safe_load((service_dir(site) / "service.yaml").read_text("utf-8"))["components"] == []
    assert ok(runner("check")).exit_code == 0


def test_cli_schema_kinds(runner):
    for kind in ("service", "incident", "maintenance", "update", "template", "status"):
        schema = json.loads(ok(runner("schema", kind)).stdout)
        assert schema["title"] == f"sspage {kind} file"


def test_cli_component_and_group_json(site, runner):
    ok(runner("service", "create", "Acme Cloud", "--slug", "acme"))
    group = json.loads(ok(runner("group", "add", "core", "Core platform", "--json")).stdout)
    assert (group["name"], group["group"], group["status"], group["components"]) == (
        "Core platform",
        True,
        "operational",
        [],
    )
    body = json.loads(ok(runner("component", "add", "api", "REST API", "--group", "core", "--json")).stdout)
    # Statuspage's component, field for field and in its order.
    assert list(body) == [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "position",
        "description",
        "showcase",
        "start_date",
        "group_id",
        "page_id",
        "group",
        "only_show_if_degraded",
    ]
    assert body["group_id"] == group["id"] and body["page_id"] == group["page_id"]
    # No incident or window has named it: the content knows no time for it.
    assert (body["created_at"], body["updated_at"], body["showcase"], body["start_date"]) == (
        None,
        None,
        False,
        None,
    )
    assert group["showcase"] is True and group["created_at"] is None
    changed = json.loads(ok(runner("component", "set", "api", "--status", "PD", "--json")).stdout)
    assert (changed["id"], changed["status"]) == (body["id"], "degraded_performance")
    # An incident names it: from its start, to its latest update; the group holds the same.
    opened = json.loads(
        ok(
            runner(
                "incident",
                "open",
                "Errors",
                "--component",
                "api=major_outage",
                "--message",
                "Looking.",
                "--at",
                "2026-06-01T10:00Z",
                "--json",
            )
        ).stdout
    )
    ok(runner("incident", "update", opened["id"], "--message", "Found it.", "--at", "2026-06-01T11:00Z"))
    nodes = {n["name"]: n for n in json.loads(ok(runner("component", "list", "--json")).stdout)}
    for name in ("REST API", "Core platform"):
        assert (nodes[name]["created_at"], nodes[name]["updated_at"]) == (
            "2026-06-01T10:00:00Z",
            "2026-06-01T11:00:00Z",
        ), name
    post = json.loads(ok(runner("update", "post", "Hi", "--severity", "info", "--json")).stdout)
    assert json.loads(ok(runner("update", "rm", post["id"], "--json")).stdout) == post
