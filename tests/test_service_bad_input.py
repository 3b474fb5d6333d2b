"""Service files and commands given bad input: every problem named by file, line and field,
exit 1, and not one byte of any file written."""

from __future__ import annotations

import pytest
from helpers import assert_cli_error, snapshot
from service_helpers import OPEN_INCIDENT, make_service, write

import sspage
from sspage.build import build_site
from sspage.errors import ContentError

INC = "content/services/acme/incidents/x.yaml"
MNT = "content/services/acme/maintenance"


def check_lines(runner):
    result = runner("check")
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


@pytest.fixture
def acme(site):
    return make_service(site)


# -- one rule each, in a file: path:line:col: field: message (hint) ------------------------------

FILE_RULES = [
    (
        "unknown component",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("  api: partial_outage", "  apii: MO"),
        f"{INC}:6:9: components.apii: unknown component 'apii' (did you mean 'api'?)",
    ),
    (
        "unknown component in an update",
        "incidents/x.yaml",
        OPEN_INCIDENT + "    components:\n      dbb: OP\n",
        f"{INC}:12:12: updates[0].components.dbb: unknown component 'dbb' (did you mean 'db'?)",
    ),
    (
        "unknown component status",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("partial_outage", "broken"),
        f"{INC}:6:8: components.api: unknown component status 'broken' (use operational, "
        "degraded_performance, partial_outage, major_outage or under_maintenance (or OP, PD, PO, MO, UM))",
    ),
    (
        "ends before it starts",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace(
            "startUtc: 2026-06-08T10:00:00Z", "startUtc: 2026-06-08T10:00:00Z\nendUtc: 2026-06-08T09:00:00Z"
        ).replace("10:00:00Z\n    status", "09:00:00Z\n    status"),
        f"{INC}:5:9: endUtc: the incident ends (2026-06-08T09:00:00Z) before it starts "
        "(2026-06-08T10:00:00Z) (correct startUtc or endUtc)\n"
        f"{INC}:9:14: updates[0].timeUtc: the update (2026-06-08T09:00:00Z) is before the incident starts "
        "(2026-06-08T10:00:00Z) (correct the time, or move startUtc earlier)",
    ),
    (
        "time without a zone",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("startUtc: 2026-06-08T10:00:00Z", "startUtc: 2026-06-08T10:00:00"),
        f"{INC}:4:11: startUtc: expected a time with its zone (and seconds) (write a time with its zone, "
        "like 2026-06-08T14:30:00Z or 2026-06-08T15:30:00+01:00)",
    ),
    (
        "update after the end (a closed incident is reopened explicitly)",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("components:", "endUtc: 2026-06-08T09:30:00Z\ncomponents:", 1).replace(
            "startUtc: 2026-06-08T10:00:00Z", "startUtc: 2026-06-08T09:00:00Z"
        ),
        f"{INC}:9:14: updates[0].timeUtc: the update (2026-06-08T10:00:00Z) is after the incident ended "
        "(2026-06-08T09:30:00Z) (to reopen the incident, set endUtc: null)",
    ),
    (
        "resolved without an end",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("status: investigating", "status: resolved"),
        f"{INC}:9:13: updates[0].status: the last update says resolved, but the incident has no endUtc "
        "(add endUtc: 2026-06-08T10:00:00Z)",
    ),
    (
        "unknown incident status",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("status: investigating", "status: paused"),
        f"{INC}:9:13: updates[0].status: unknown incident status 'paused' (use investigating, identified, "
        "monitoring, resolved; site.yaml can add more under incident_statuses:)",
    ),
    (
        "unknown impact",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("impact: major", "impact: huge"),
        f"{INC}:3:9: impact: unknown value 'huge' (use none, minor, major or critical)",
    ),
    (
        "unknown audience",
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("components:", "audiences: [vip]\ncomponents:", 1),
        f"{INC}:5:13: audiences[0]: unknown audience 'vip' (declare it in site.yaml under audiences: "
        "(none are declared))",
    ),
    (
        "reversed window",
        "maintenance/w.yaml",
        "title: W\nstartUtc: 2026-07-01T10:00:00Z\nendUtc: 2026-07-01T09:00:00Z\ncomponents: [db]\n",
        f"{MNT}/w.yaml:3:9: endUtc: the window ends (2026-07-01T09:00:00Z) before or when it starts "
        "(2026-07-01T10:00:00Z) (correct startUtc or endUtc)",
    ),
    (
        "window on an unknown component",
        "maintenance/w.yaml",
        "title: W\nstartUtc: 2026-07-01T10:00:00Z\nendUtc: 2026-07-01T11:00:00Z\ncomponents: [db, nope]\n",
        f"{MNT}/w.yaml:4:18: components[1]: unknown component 'nope' (the service's components: "
        "api, cdn, db, web)",
    ),
    (
        "window status",
        "maintenance/w.yaml",
        "title: W\nstartUtc: 2026-07-01T10:00:00Z\nendUtc: 2026-07-01T11:00:00Z\nstatus: started\n",
        f"{MNT}/w.yaml:4:9: status: unknown value 'started' (use scheduled, in_progress, verifying or "
        "completed)",
    ),
    (
        "posted update severity",
        "updates/u.yaml",
        "title: U\nseverity: urgent\ntimeUtc: 2026-06-01T10:00:00Z\n",
        "content/services/acme/updates/u.yaml:2:11: severity: unknown value 'urgent' (use info, warning, "
        "high, resolved or scheduled)",
    ),
    (
        "file name not a slug",
        "incidents/Bad Name.yaml",
        OPEN_INCIDENT,
        "content/services/acme/incidents/Bad Name.yaml: the file name is not a valid slug (rename it with "
        "lower-case letters, digits and single hyphens, ending in .yaml)",
    ),
]


@pytest.mark.parametrize(
    ("relative", "text", "expected"), [r[1:] for r in FILE_RULES], ids=[r[0] for r in FILE_RULES]
)
def test_file_rule(acme, runner, relative, text, expected):
    write(acme, relative, text)
    assert check_lines(runner) == expected.split("\n")


STATUS_RULES = [
    (
        "value of 11 characters",
        "value: ABCDEFGHIJK",
        "content/statuses/s.yaml:2:8: value: expected text of length <= 10, got 'ABCDEFGHIJK' "
        "(Stativate's limit: 1 to 10 characters)",
    ),
    (
        "empty value",
        "value: ''",
        "content/statuses/s.yaml:2:8: value: expected text of length >= 1, "
        "got '' (Stativate's limit: 1 to 10 characters)",
    ),
    (
        "colour 13",
        "value: OK\ncolorNo: 13",
        "content/statuses/s.yaml:3:10: colorNo: expected a whole "
        "number <= 12, got '13' (a colour number from 1 to 12)",
    ),
    (
        "colour 0",
        "value: OK\ncolorNo: 0",
        "content/statuses/s.yaml:3:10: colorNo: expected a whole "
        "number >= 1, got '0' (a colour number from 1 to 12)",
    ),
    (
        "description of 401",
        "value: OK\ndescription: " + "d" * 401,
        "content/statuses/s.yaml:3:14: description: expected text of length <= 400, got '" + "d" * 401 + "'",
    ),
    (
        "a link where the site allows none",
        "value: OK\ndescription: see https://example.com",
        "content/statuses/s.yaml:3:14: description: links are not allowed in a status description "
        "(remove the link, or set status_links: true in site.yaml)",
    ),
    (
        "a Markdown link",
        "value: OK\ndescription: see [here](x)",
        "content/statuses/s.yaml:3:14: description: links are not allowed in a status description "
        "(remove the link, or set status_links: true in site.yaml)",
    ),
    (
        "access type",
        "value: OK\naccessType: secret",
        "content/statuses/s.yaml:3:13: accessType: unknown value 'secret' (use public or private)",
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"), [r[1:] for r in STATUS_RULES], ids=[r[0] for r in STATUS_RULES]
)
def test_status_rule(site, runner, body, expected):
    write(site, "/statuses/s.yaml", "name: Deploy freeze\n" + body + "\n")
    assert check_lines(runner) == [expected]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("No", "expected text of length >= 3, got 'No'"),
        ("N" * 43, f"expected text of length <= 42, got '{'N' * 43}'"),
    ],
)
def test_status_name_limits(site, runner, name, expected):
    write(site, "/statuses/s.yaml", f"name: {name}\nvalue: OK\n")
    assert check_lines(runner) == [
        f"content/statuses/s.yaml:1:7: name: {expected} "
        "(Stativate's limit for a status name: 3 to 42 characters)"
    ]


def test_status_links_allowed_when_the_site_says_so(site, runner):
    with open(site.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("status_links: true\n")
    write(site, "/statuses/s.yaml", "name: Deploy freeze\nvalue: OK\ndescription: see https://example.com\n")
    assert runner("check").exit_code == 0


def test_limits_at_the_edges_are_fine(site, runner):
    write(
        site,
        "/statuses/s.yaml",
        f"name: {'N' * 42}\nvalue: {'V' * 10}\ncolorNo: 12\ndescription: {'d' * 400}\n",
    )
    write(site, "/statuses/t.yaml", "name: Nnn\nvalue: V\ncolorNo: 1\n")
    assert runner("check").exit_code == 0


def test_cycle_in_groups(site, runner):
    write(
        site,
        "service.yaml",
        "title: A\ngroups:\n  - key: a\n    name: A\n    parent: c\n"
        "  - key: b\n    name: B\n    parent: a\n  - key: c\n    name: C\n    parent: b\n"
        "  - key: d\n    name: D\n    parent: d\n",
    )
    path = "content/services/acme/service.yaml"
    hint = "(a group cannot be inside itself: remove one of these parent: lines)"
    assert check_lines(runner) == [
        f"{path}:5:13: groups[0].parent: groups form a cycle: a → c → b → a {hint}",
        f"{path}:8:13: groups[1].parent: groups form a cycle: b → a → c → b {hint}",
        f"{path}:11:13: groups[2].parent: groups form a cycle: c → b → a → c {hint}",
        f"{path}:14:13: groups[3].parent: groups form a cycle: d → d {hint}",
    ]


def test_service_references(site, runner):
    write(
        site,
        "service.yaml",
        "title: A\ngroups:\n  - key: a\n    name: A\n    parent: zz\n"
        "components:\n  - key: x\n    name: X\n    group: b\n  - key: x\n    name: Y\n"
        "timezone: Mars/Base\n",
    )
    path = "content/services/acme/service.yaml"
    assert check_lines(runner) == [
        f"{path}:5:13: groups[0].parent: unknown group 'zz' (name a group listed under groups:)",
        f"{path}:9:12: components[0].group: unknown group 'b' (name a group listed under groups:, or "
        "leave it out)",
        f"{path}:10:10: components[1].key: duplicate component key 'x': components[0] has it too "
        "(give each component its own key)",
        f"{path}:12:11: timezone: unknown time zone 'Mars/Base' (use an IANA name such as "
        "Europe/London, or leave it out)",
    ]


def test_a_status_the_page_names_must_exist(site, runner):
    write(site, "service.yaml", "title: A\nstatuses: [here, nope]\n")
    write(site, "/statuses/here.yaml", "name: Here\nvalue: OK\n")
    assert check_lines(runner) == [
        "content/services/acme/service.yaml:2:18: statuses[1]: no status 'nope' (create "
        "content/statuses/nope.yaml, e.g. with `sspage status set nope --value ...`)"
    ]


def test_overlapping_windows(acme, runner):
    write(
        acme,
        "maintenance/2026-06-20-db.yaml",
        "title: DB\nstartUtc: 2026-06-20T22:30:00Z\nendUtc: 2026-06-21T01:00:00Z\ncomponents: [db, web]\n",
    )
    write(
        acme,
        "maintenance/2026-06-21-db-again.yaml",
        "title: DB again\nstartUtc: 2026-06-21T00:30:00Z\nendUtc: 2026-06-21T02:00:00Z\ncomponents: [db]\n",
    )
    # Touching windows (one ends when the next starts) do not overlap; nor do windows
    # at the same time on different components.
    write(
        acme,
        "maintenance/2026-06-21-cdn-again.yaml",
        "title: CDN\nstartUtc: 2026-06-20T23:00:00Z\nendUtc: 2026-06-21T00:00:00Z\ncomponents: [cdn]\n",
    )
    write(
        acme,
        "maintenance/2026-06-21-web.yaml",
        "title: Web\nstartUtc: 2026-06-21T01:00:00Z\nendUtc: 2026-06-21T02:00:00Z\ncomponents: [web]\n",
    )
    assert check_lines(runner) == [
        f"{MNT}/2026-06-21-db-again.yaml:2:11: startUtc: overlaps {MNT}/2026-06-20-db.yaml "
        "(2026-06-20T22:30:00Z to 2026-06-21T01:00:00Z) on component 'db' (move one window, or merge "
        "the two into one file)",
    ]


def test_duplicate_incident_ids(acme, runner):
    write(acme, "incidents/copy.yaml", OPEN_INCIDENT)
    assert check_lines(runner) == [
        "content/services/acme/incidents/copy.yaml:1:5: id: the same id as "
        "content/services/acme/incidents/2026-06-08-api-errors.yaml (delete the id line from one of "
        "them (a new one is derived from the file name))"
    ]


def test_freshstatus_aliases_and_custom_statuses_are_accepted(acme, runner):
    with open(acme.content_dir / "site.yaml", "a", encoding="utf-8") as handle:
        handle.write("incident_statuses: [paused]\n")
    write(
        acme,
        "incidents/x.yaml",
        OPEN_INCIDENT.replace("partial_outage", "PO")
        .replace("status: investigating", "status: paused")
        .replace("open00000001", "x0000001"),
    )
    assert runner("check").exit_code == 0
    incident = sspage.open_site(acme.root).services.incident("x")
    assert incident.components == {"api": "partial_outage"} and incident.status == "paused"


def test_every_problem_of_every_file_and_the_build_writes_nothing(acme, tmp_path, monkeypatch):
    write(
        acme,
        "incidents/a.yaml",
        OPEN_INCIDENT.replace("api:", "nope:").replace("id: open00000001", "id: a0000001"),
    )
    write(
        acme,
        "incidents/b.yaml",
        OPEN_INCIDENT.replace("impact: major", "impact: big").replace("id: open00000001", "id: b0000001"),
    )
    write(acme, "/statuses/s.yaml", "name: St\nvalue: TOOLONGVALUE\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1781524800")
    out = tmp_path / "out"
    with pytest.raises(ContentError) as caught:
        build_site(sspage.open_site(acme.root), out)
    fields = [(p.path.rsplit("/", 1)[-1], p.field) for p in caught.value.problems]
    assert fields == [
        ("s.yaml", "name"),
        ("s.yaml", "value"),
        ("a.yaml", "components.nope"),
        ("b.yaml", "impact"),
    ] or sorted(fields) == sorted(
        [("s.yaml", "name"), ("s.yaml", "value"), ("a.yaml", "components.nope"), ("b.yaml", "impact")]
    )
    assert not out.exists() or [p for p in out.rglob("*") if p.is_file()] == []


# -- the command line: a clear error, exit 1, nothing written -----------------------------------

CLI_ERRORS = [
    (
        "unknown component",
        ["incident", "open", "X", "--component", "nope=MO"],
        ["Acme Cloud has no component 'nope'", "its components: api, cdn, db, web"],
    ),
    (
        "unknown component status",
        ["incident", "open", "X", "--component", "api=bad"],
        ["unknown component status 'bad'"],
    ),
    ("not KEY=STATUS", ["incident", "open", "X", "--component", "api"], ["'api' is not KEY=STATUS"]),
    (
        "unknown template",
        ["incident", "open", "--template", "nope"],
        ["unknown template 'nope'", "templates (content/templates/*.yaml): none yet"],
    ),
    (
        "update on a resolved incident",
        ["incident", "update", "done0000", "--message", "again"],
        ['incident "Slow database" is resolved (pass --reopen to reopen it with this update)'],
    ),
    ("resolve twice", ["incident", "resolve", "done00000001"], ["is already resolved"]),
    ("update without a message", ["incident", "update", "open0000"], ["an update needs a message"]),
    ("unknown incident", ["incident", "update", "zzzz", "--message", "x"], ["acme has no incident 'zzzz'"]),
    ("unknown impact", ["incident", "open", "X", "--impact", "huge"], ["unknown impact 'huge'"]),
    (
        "resolved status on open",
        ["incident", "open", "X", "--status", "resolved"],
        ["use `sspage incident resolve` to resolve an incident"],
    ),
    ("unknown audience", ["incident", "open", "X", "--audience", "vip"], ["unknown audience 'vip'"]),
    (
        "reversed window",
        [
            "maintenance",
            "schedule",
            "W",
            "--start",
            "2026-07-01T10:00",
            "--end",
            "2026-07-01T09:00",
            "--component",
            "db",
        ],
        ["the window ends (2026-07-01T07:00:00Z) before or when it starts (2026-07-01T08:00:00Z)"],
    ),
    (
        "overlapping window",
        [
            "maintenance",
            "schedule",
            "W",
            "--start",
            "2026-06-20T23:30",
            "--end",
            "2026-06-21T03:00",
            "--component",
            "cdn",
        ],
        [
            "the window overlaps content/services/acme/maintenance/2026-06-20-cdn-upgrade.yaml on component 'cdn'"
        ],
    ),
    ("complete twice", ["maintenance", "start", "maint000"], []),
    (
        "status value of 11",
        ["status", "set", "s", "--value", "ABCDEFGHIJK"],
        ["value: expected text of length <= 10, got 'ABCDEFGHIJK'"],
    ),
    (
        "status colour 13",
        ["status", "set", "s", "--value", "OK", "--color", "13"],
        ["colorNo: expected a whole number <= 12"],
    ),
    (
        "status name too short",
        ["status", "set", "s", "--value", "OK", "--name", "ab"],
        ["name: expected text of length >= 3"],
    ),
    ("new status without a value", ["status", "set", "s"], ["a new one needs a value"]),
    ("status key", ["status", "set", "Bad Key", "--value", "x"], ["invalid status key 'Bad Key'"]),
    ("severity", ["update", "post", "T", "--severity", "urgent"], ["unknown severity 'urgent'"]),
    ("no severity", ["update", "post", "T"], ["an update needs a severity"]),
    ("component exists", ["component", "add", "api", "API"], ["Acme Cloud already has a component 'api'"]),
    ("component in use", ["component", "rm", "api"], ["component 'api' is named by 1 file(s)"]),
    ("unknown group", ["component", "add", "x", "X", "--group", "nope"], ["Acme Cloud has no group 'nope'"]),
    ("bad key", ["component", "add", "Bad Key", "X"], ["invalid component key 'Bad Key'"]),
    ("time", ["incident", "open", "X", "--at", "next week"], ["cannot read the time 'next week'"]),
    ("unknown service", ["incident", "list", "--service", "nope"], ["no service 'nope'"]),
]


@pytest.mark.parametrize(
    ("args", "fragments"), [e[1:] for e in CLI_ERRORS if e[2]], ids=[e[0] for e in CLI_ERRORS if e[2]]
)
def test_cli_error_writes_nothing(acme, runner, args, fragments):
    before = snapshot(acme.root)
    assert_cli_error(runner(*args), *fragments)
    assert snapshot(acme.root) == before


def test_several_services_need_a_name(acme, runner):
    make_service(acme, slug="other", incidents=False)
    assert_cli_error(
        runner("incident", "list"), "there are 2 services: say which with --service", "services: acme, other"
    )


def test_a_broken_incident_blocks_its_own_update_with_its_location(acme, runner):
    write(acme, "incidents/2026-06-08-api-errors.yaml", OPEN_INCIDENT.replace("impact: major", "impact: x"))
    before = snapshot(acme.root)
    assert_cli_error(
        runner("incident", "update", "2026-06-08-api-errors", "--message", "m"),
        "content/services/acme/incidents/2026-06-08-api-errors.yaml:3:9: impact: unknown value 'x'",
    )
    assert snapshot(acme.root) == before
