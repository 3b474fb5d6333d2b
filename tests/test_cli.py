"""The command line through click's CliRunner: exact output, exit codes, stdout/stderr split."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from helpers import (
    BASE_URL,
    GUID_RE,
    ID1,
    ID2,
    ID3,
    PUBLIC_CODE_RE,
    T0_TEXT,
    TOKEN_RE,
    assert_cli_error,
    page_file,
    snapshot,
)

import sspage
from sspage.cli import cli

TOKEN_NOTE = "The token is shown only once and only its hash is stored: keep it now.\n"
# The test sites are not git repositories: a command that changes something says so, once.
NOT_GIT = "Note: not a git repository; changes are saved but not committed\n"
CREATE_KEYS = ["publicCode", "adminCode", "apiToken", "publicUrl", "adminUrl", "items"]
ITEM_KEYS = ["id", "text", "sortOrder", "state", "createdUtc", "updatedUtc"]
PAGE_KEYS = ["publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc", "items"]


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exc_info)
    return result


def create(runner, *args):
    result = ok(runner("page", "create", *args, "--json"))
    return json.loads(result.stdout)


def hand_page(site, slug="hand", **kw):
    path = site.pages_dir / f"{slug}.yaml"
    path.write_text(page_file(**kw), "utf-8")
    return path


# -- init ----------------------------------------------------------------------------------------


def test_init(tmp_path, git_identity):
    target = tmp_path / "new-site"
    result = CliRunner().invoke(cli, ["init", str(target), "--title", "Acme status",
                                      "--base-url", "https://status.acme.example"])
    assert result.exit_code == 0, result.stderr
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=target, capture_output=True, text=True,
                            check=True).stdout.strip()
    assert result.stdout == (f"Created a site in {target.resolve()}\n"
                             f"Committed 8 files ({commit[:10]})\n")
    assert result.stderr == (
        "Made a git repository on branch main\n"
        'Next: sspage page create "My first page" --item "First step"\n'
        "To publish: push to GitHub and choose Settings > Pages > Source: GitHub Actions; "
        "every push to main deploys\n"
        "Docs: https://github.com/sspage/sspage/blob/main/docs/deploying.md\n")
    config = yaml.safe_load((target / "content" / "site.yaml").read_text("utf-8"))
    assert config["title"] == "Acme status"
    assert config["base_url"] == "https://status.acme.example"
    assert (target / "content" / "pages").is_dir()
    assert json.loads((target / "content" / "schema" / "page.schema.json").read_text("utf-8"))
    assert (target / ".gitignore").read_text("utf-8") == "/public/\n/public-*/\n/.sspage/\n"
    site = sspage.open_site(target)
    assert site.config.title == "Acme status"
    assert [page.slug for page in site.pages()] == ["example"]


def test_init_title_with_quotes_and_unicode(tmp_path, git_identity):
    title = 'Bob\'s "status" <page> ✓'
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--title", title])
    assert result.exit_code == 0, result.stderr
    assert sspage.open_site(tmp_path).config.title == title


def test_init_twice_refused(tmp_path, git_identity):
    CliRunner().invoke(cli, ["init", str(tmp_path)])
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert_cli_error(result, "already exists")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("url, message", [
    ("https://x.example/", "must not end with /"),
    ("ftp://x.example", "base_url"),
    ("not a url", "base_url"),
])
def test_init_bad_base_url(tmp_path, url, message, git_identity):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "s"), "--base-url", url])
    assert_cli_error(result, message)
    assert not (tmp_path / "s" / "content" / "site.yaml").exists()


# -- page create / list / show ----------------------------------------------------------------


def test_page_create_human(runner, site):
    result = ok(runner("page", "create", "Kitchen renovation", "--item", "Survey booked",
                       "--item", "Materials ordered"))
    page = site.page("kitchen-renovation")
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        'Created "Kitchen renovation" (kitchen-renovation) with 2 items',
        f"  public URL  {BASE_URL}/s/{page.public_code}",
        "  admin URL   content/pages/kitchen-renovation.yaml",
    ]
    assert lines[3].startswith("  API token   ")
    token = lines[3].split()[-1]
    assert TOKEN_RE.match(token)
    assert len(lines) == 4
    assert result.stderr == NOT_GIT + TOKEN_NOTE
    assert site.verify_token("kitchen-renovation", token)
    assert [i.text for i in page.sorted_items()] == ["Survey booked", "Materials ordered"]


def test_page_create_json(runner, site):
    result = ok(runner("page", "create", "Kitchen renovation", "--item", "Survey booked",
                       "--item", "Materials ordered", "--item", "Work scheduled", "--json"))
    assert result.stderr == NOT_GIT
    body = json.loads(result.stdout)
    assert list(body) == CREATE_KEYS
    assert PUBLIC_CODE_RE.match(body["publicCode"])
    assert body["adminCode"] == "kitchen-renovation"
    assert TOKEN_RE.match(body["apiToken"])
    assert body["publicUrl"] == f"{BASE_URL}/s/{body['publicCode']}"
    assert body["adminUrl"] == "content/pages/kitchen-renovation.yaml"
    assert [list(i) for i in body["items"]] == [ITEM_KEYS] * 3
    assert [(i["text"], i["sortOrder"], i["state"], i["createdUtc"], i["updatedUtc"]) for i in body["items"]] == [
        ("Survey booked", 0, 0, T0_TEXT, T0_TEXT),
        ("Materials ordered", 1, 0, T0_TEXT, T0_TEXT),
        ("Work scheduled", 2, 0, T0_TEXT, T0_TEXT),
    ]
    assert all(GUID_RE.match(i["id"]) for i in body["items"])
    assert site.verify_token(body["publicCode"], body["apiToken"])
    # the ids are the saved ones
    assert [i.id for i in site.page("kitchen-renovation").sorted_items()] == [i["id"] for i in body["items"]]


def test_page_create_empty_json(runner):
    body = create(runner, "Empty")
    assert body["items"] == []
    assert body["adminCode"] == "empty"


def test_page_create_with_options(runner, site):
    body = create(runner, "Loft", "--slug", "loft-2026", "--latest-update", "Hi *there*", "--expires", "2026-12-31")
    assert body["adminCode"] == "loft-2026"
    page = site.page("loft-2026")
    assert page.latest_update == "Hi *there*"
    # a bare date means the end of that day (UTC site)
    assert page.expires_utc.strftime("%Y-%m-%dT%H:%M:%SZ") == "2027-01-01T00:00:00Z"


def test_page_list(runner, site):
    ok(runner("page", "list"))
    empty = runner("page", "list")
    assert empty.stdout == "" and empty.stderr == "No pages yet. Create one with: sspage page create TITLE\n"
    one = create(runner, "Kitchen renovation", "--item", "a", "--item", "b")
    two = create(runner, "Boiler")
    runner("item", "done", "kitchen-renovation", "a")
    result = ok(runner("page", "list"))
    assert result.stdout == (
        f"boiler              {two['publicCode']}      0/0  Boiler\n"
        f"kitchen-renovation  {one['publicCode']}      1/2  Kitchen renovation\n"
    )
    listed = json.loads(ok(runner("page", "list", "--json")).stdout)
    assert listed == [
        {"slug": "boiler", "publicCode": two["publicCode"], "title": "Boiler",
         "publicUrl": f"{BASE_URL}/s/{two['publicCode']}", "updatedUtc": T0_TEXT, "expiresUtc": None,
         "itemCount": 0, "completeCount": 0},
        {"slug": "kitchen-renovation", "publicCode": one["publicCode"], "title": "Kitchen renovation",
         "publicUrl": f"{BASE_URL}/s/{one['publicCode']}", "updatedUtc": T0_TEXT, "expiresUtc": None,
         "itemCount": 2, "completeCount": 1},
    ]


def test_page_show_human(runner, site):
    hand_page(site)
    result = ok(runner("page", "show", "hand"))
    assert result.stdout == (
        "Kitchen renovation\n"
        f"hand · z4hiCKGpsFUg · {BASE_URL}/s/z4hiCKGpsFUg\n"
        f"1 of 3 complete · updated {T0_TEXT}\n"
        "\n"
        "  #1   ● Complete  8c83d648  Survey booked\n"
        "  #2   ◐ Active    3f4a5b6c  Materials ordered\n"
        "  #3   ○ Pending   9a8b7c6d  Work scheduled\n"
    )
    assert result.stderr == ""


def test_page_show_json_is_the_get_shape(runner, site):
    hand_page(site)
    for ref in ("hand", "z4hiCKGpsFUg"):
        body = json.loads(ok(runner("page", "show", ref, "--json")).stdout)
        assert list(body) == PAGE_KEYS
        assert body["publicCode"] == "z4hiCKGpsFUg"
        assert body["latestUpdate"] is None and body["expiresUtc"] is None
        assert [(i["id"], i["state"], i["sortOrder"]) for i in body["items"]] == [
            (ID1, 2, 0), (ID2, 1, 1), (ID3, 0, 2)]
        assert all(list(i) == ITEM_KEYS for i in body["items"])


# -- page set / rm --------------------------------------------------------------------------------


def test_page_set(runner, site, clock):
    create(runner, "Kitchen renovation")
    clock.advance(minutes=10)
    result = ok(runner("page", "set", "kitchen-renovation", "--title", "Kitchen & bath"))
    assert result.stdout == "Updated Kitchen & bath (kitchen-renovation)\n"
    clock.advance(minutes=10)
    body = json.loads(ok(runner("page", "set", "kitchen-renovation", "--latest-update", "Tiles **Tuesday**",
                                "--expires", "2026-12-31T17:00Z", "--json")).stdout)
    assert list(body) == PAGE_KEYS
    assert body["title"] == "Kitchen & bath"
    assert body["latestUpdate"] == "Tiles **Tuesday**"
    assert body["expiresUtc"] == "2026-12-31T17:00:00Z"
    assert body["updatedUtc"] == clock.text
    body = json.loads(ok(runner("page", "set", "kitchen-renovation", "--latest-update", "",
                                "--expires", "never", "--json")).stdout)
    assert body["latestUpdate"] is None and body["expiresUtc"] is None
    page = site.page("kitchen-renovation")
    assert (page.title, page.latest_update, page.expires_utc) == ("Kitchen & bath", None, None)


def test_page_set_latest_update_from_stdin(runner, site):
    create(runner, "Kitchen renovation")
    ok(runner("page", "set", "kitchen-renovation", "--latest-update", "-", input="Line one\n\n- a\n- b\n"))
    assert site.page("kitchen-renovation").latest_update == "Line one\n\n- a\n- b\n"


def test_page_set_expires_relative(runner, site, clock):
    create(runner, "Kitchen renovation")
    body = json.loads(ok(runner("page", "set", "kitchen-renovation", "--expires", "30d", "--json")).stdout)
    assert body["expiresUtc"] == "2026-07-08T14:30:00Z"


def test_page_set_nothing_is_an_error(runner):
    create(runner, "Kitchen renovation")
    assert_cli_error(runner("page", "set", "kitchen-renovation"), "nothing to change")


def test_page_rm(runner, site):
    body = create(runner, "Kitchen renovation")
    create(runner, "Other")
    result = ok(runner("page", "rm", "kitchen-renovation"))
    assert result.stdout == 'Deleted "Kitchen renovation" (kitchen-renovation)\n'
    assert not (site.pages_dir / "kitchen-renovation.yaml").exists()
    assert_cli_error(runner("page", "show", body["publicCode"]), "no page")
    result = ok(runner("page", "rm", site.page("other").public_code))
    assert result.stdout == 'Deleted "Other" (other)\n'
    assert list(site.pages_dir.iterdir()) == []


# -- tokens ----------------------------------------------------------------------------------------


def test_token_rotate_and_verify(runner, site):
    body = create(runner, "Kitchen renovation")
    old = body["apiToken"]
    result = ok(runner("page", "token", "verify", "kitchen-renovation", old))
    assert result.stdout == "The token is valid for this page.\n"
    rotated = ok(runner("page", "token", "rotate", "kitchen-renovation"))
    new = rotated.stdout.strip()
    assert rotated.stdout == new + "\n"
    assert TOKEN_RE.match(new) and new != old
    assert rotated.stderr == NOT_GIT + TOKEN_NOTE
    assert_cli_error(runner("page", "token", "verify", "kitchen-renovation", old),
                     "the token does not match")
    ok(runner("page", "token", "verify", "kitchen-renovation", new))
    ok(runner("page", "token", "verify", body["publicCode"], new))


@pytest.mark.parametrize("args", [(), ("-",)])
def test_token_verify_from_stdin(runner, args):
    body = create(runner, "Kitchen renovation")
    result = ok(runner("page", "token", "verify", "kitchen-renovation", *args, input=body["apiToken"] + "\n"))
    assert result.stdout == "The token is valid for this page.\n"
    result = runner("page", "token", "verify", "kitchen-renovation", *args, input="wrong\n")
    assert_cli_error(result, "does not match")
    result = runner("page", "token", "verify", "kitchen-renovation", *args, input="")
    assert_cli_error(result, "does not match")


# -- items -----------------------------------------------------------------------------------------


def test_item_add(runner, site, clock):
    create(runner, "Kitchen renovation", "--item", "a")
    clock.advance(minutes=50)
    result = ok(runner("item", "add", "kitchen-renovation", "Final inspection booked", "--json"))
    body = json.loads(result.stdout)
    assert list(body) == ITEM_KEYS
    assert GUID_RE.match(body["id"])
    assert {k: v for k, v in body.items() if k != "id"} == {
        "text": "Final inspection booked", "sortOrder": 1, "state": 0,
        "createdUtc": "2026-06-08T15:20:00Z", "updatedUtc": "2026-06-08T15:20:00Z"}
    result = ok(runner("item", "add", "kitchen-renovation", "Late", "--state", "2", "--sort-order", "9"))
    added = site.page("kitchen-renovation").sorted_items()[-1]
    assert result.stdout == f'Added "Late" (Complete, id {added.id})\n'
    assert (added.sort_order, added.state) == (9, 2)


@pytest.mark.parametrize("command, state, verb, label", [
    ("start", 1, "Started", "Active"),
    ("done", 2, "Completed", "Complete"),
    ("reopen", 0, "Reopened", "Pending"),
])
def test_item_state_shortcuts(runner, site, clock, command, state, verb, label):
    hand_page(site)
    clock.advance(hours=1)
    result = ok(runner("item", command, "hand", "Materials ordered"))
    assert result.stdout == f'{verb} "Materials ordered" ({label}, id {ID2})\n'
    body = json.loads(ok(runner("item", command, "hand", ID2[:8], "--json")).stdout)
    assert body["state"] == state
    assert body["updatedUtc"] == (clock.text if state != 1 else T0_TEXT)


def test_item_set(runner, site, clock):
    hand_page(site)
    clock.advance(minutes=55)
    body = json.loads(ok(runner("item", "set", "hand", "#3", "--state", "active", "--text", "Work booked",
                                "--json")).stdout)
    assert body == {"id": ID3, "text": "Work booked", "sortOrder": 2, "state": 1,
                    "createdUtc": T0_TEXT, "updatedUtc": "2026-06-08T15:25:00Z"}
    result = ok(runner("item", "set", "hand", ID3, "--state", "0"))
    assert result.stdout == f'Updated "Work booked" (Pending, id {ID3})\n'
    page = site.page("hand")
    assert page.updated_utc.strftime("%H:%M") == "15:25"


def test_item_move(runner, site, clock):
    hand_page(site)
    clock.advance(minutes=1)
    body = json.loads(ok(runner("item", "move", "hand", "Work scheduled", "--to", "1", "--json")).stdout)
    assert (body["id"], body["sortOrder"], body["updatedUtc"]) == (ID3, 0, clock.text)
    shown = json.loads(ok(runner("page", "show", "hand", "--json")).stdout)
    assert [(i["id"], i["sortOrder"]) for i in shown["items"]] == [(ID3, 0), (ID1, 1), (ID2, 2)]
    result = ok(runner("item", "move", "hand", "#1", "--to", "3"))
    assert result.stdout == f'Moved "Work scheduled" (Pending, id {ID3})\n'


def test_item_rm(runner, site):
    hand_page(site)
    result = ok(runner("item", "rm", "hand", "#2"))
    assert result.stdout == 'Deleted "Materials ordered" (3f4a5b6c)\n'
    assert [i.id for i in site.page("hand").items] == [ID1, ID3]


# -- help, usage and errors -----------------------------------------------------------------------


def command_paths(command, path=()):
    yield path
    if isinstance(command, click.Group):
        context = click.Context(command)
        for name in command.list_commands(context):
            yield from command_paths(command.get_command(context, name), (*path, name))


ALL_COMMANDS = list(command_paths(cli))


def test_command_tree_is_complete():
    names = {" ".join(p) for p in ALL_COMMANDS}
    assert {"init", "check", "fmt", "schema", "page create", "page list", "page show", "page set", "page rm",
            "page token rotate", "page token verify", "item add", "item set", "item start", "item done",
            "item reopen", "item move", "item rm"} <= names


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "sspage")
def test_every_help_has_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="sspage")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout
    assert result.stdout.startswith(f"Usage: sspage {' '.join(path)}".rstrip())


def test_python_dash_m_help():
    result = subprocess.run([sys.executable, "-m", "sspage", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ")
    for name in ("init", "check", "fmt", "page", "item", "schema"):
        assert f"  {name} " in result.stdout
    assert result.stderr == ""


def test_version(runner):
    result = ok(runner("--version"))
    assert result.stdout == f"sspage, version {sspage.__version__}\n"


@pytest.mark.parametrize("args, message", [
    (("item", "move", "hand", "#1"), "Missing option '--to'"),
    (("item", "move", "hand", "#1", "--to", "0"), "--to"),
    (("item", "move", "hand", "#1", "--to", "x"), "--to"),
    (("item", "add", "hand"), "Missing argument 'TEXT'"),
    (("item", "add", "hand", "x", "--sort-order", "-1"), "--sort-order"),
    (("page", "create"), "Missing argument 'TITLE'"),
    (("page", "frobnicate"), "No such command 'frobnicate'"),
    (("nope",), "No such command 'nope'"),
    (("check", "--format", "xml"), "--format"),
    (("page", "show", "hand", "--bogus"), "No such option"),
])
def test_usage_errors_exit_2(runner, site, args, message):
    hand_page(site)
    before = snapshot(site.root)
    result = runner(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Usage: sspage" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(site.root) == before


def test_no_site_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SSPAGE_SITE", raising=False)
    result = CliRunner().invoke(cli, ["page", "list"])
    assert_cli_error(result, "no sspage site here")
    result = CliRunner().invoke(cli, ["--site", str(tmp_path), "page", "list"])
    assert_cli_error(result, "is not an sspage site")


def test_site_from_environment(runner, site, tmp_path, monkeypatch):
    hand_page(site)
    monkeypatch.chdir(tmp_path.parent)
    result = CliRunner().invoke(cli, ["page", "list"], env={"SSPAGE_SITE": str(site.root)})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("hand  z4hiCKGpsFUg")


def _run_subprocess(site_root, *args, input=None):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSPAGE_SITE", None)
    return subprocess.run([sys.executable, "-m", "sspage", "--site", str(site_root), *args], input=input,
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("args, message", [
    (("item", "set", "hand", "#9", "--state", "1"), "Error: Kitchen renovation has no item #9"),
    (("item", "set", "hand", "#1", "--state", "doing"), "Error: unknown state 'doing'"),
    (("page", "show", "../etc"), "Error: '../etc' is not a page name"),
    (("page", "token", "verify", "hand", "nope"), "Error: the token does not match"),
])
def test_errors_in_a_real_process_have_no_traceback(site, args, message):
    hand_page(site)
    result = _run_subprocess(site.root, *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


# -- schema ----------------------------------------------------------------------------------------


def test_schema_page(runner):
    result = ok(runner("schema"))
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    page = schema["$defs"]["Page"]
    assert page["type"] == "object"
    assert page["required"] == ["title"]
    assert page["additionalProperties"] is False
    assert {"publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc", "items"} <= set(
        page["properties"])
    item = schema["$defs"]["Item"]
    assert list(item["properties"]) == ITEM_KEYS
    assert item["required"] == ["text"]
    assert item["properties"]["text"]["maxLength"] == 500
    assert page["properties"]["title"]["maxLength"] == 200
    assert page["properties"]["items"]["maxItems"] == 500
    assert ok(runner("schema", "page")).stdout == result.stdout


def test_schema_site(runner):
    schema = json.loads(ok(runner("schema", "site")).stdout)
    props = schema["$defs"]["SiteConfig"]["properties"]
    assert {"title", "base_url", "edit_url", "language", "timezone"} <= set(props)


def test_schema_matches_the_written_schema_files(runner, site):
    written = json.loads((site.content_dir / "schema" / "page.schema.json").read_text("utf-8"))
    assert json.loads(ok(runner("schema")).stdout) == written


# -- check -----------------------------------------------------------------------------------------


def test_check_good_site(runner, site):
    create(runner, "Kitchen renovation", "--item", "a")
    hand_page(site)
    result = ok(runner("check"))
    assert result.stdout == ""
    assert result.stderr == "Checked 2 pages: no problems\n"


def test_check_empty_site(runner):
    result = ok(runner("check"))
    assert result.stderr == "Checked 0 pages: no problems\n"


BAD_STATE = page_file().replace("state: active", "state: 3")
STATE_HINT = "(use 0/pending, 1/active or 2/complete)"


def test_check_bad_site(runner, site):
    hand_page(site)
    (site.pages_dir / "x.yaml").write_text(BAD_STATE, "utf-8")
    result = runner("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    # line 17 is "    state: 3"; column 12 is the value
    assert lines[0].startswith("content/pages/x.yaml:17:12: items[1].state: ")
    assert "3" in lines[0][len("content/pages/x.yaml:17:12: items[1].state: "):]
    assert lines[0].endswith(STATE_HINT)
    assert result.stderr == "Checked 2 pages: 1 problem\n"
    assert "Traceback" not in result.output


def test_check_format_github(runner, site):
    (site.pages_dir / "x.yaml").write_text(BAD_STATE, "utf-8")
    (site.pages_dir / "y.yaml").write_text("title: [oops\n", "utf-8")
    result = runner("check", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error file=content/pages/x.yaml,line=17,col=12,title=items[1].state::")
    assert lines[0].endswith(STATE_HINT)
    assert lines[1].startswith("::error file=content/pages/y.yaml,line=2,col=1,title=sspage check::YAML syntax error")
    assert result.stderr == "Checked 2 pages: 2 problems\n"


def test_check_format_github_escapes_newlines(runner, site):
    """A message with a newline must stay one workflow command (newline -> %0A)."""
    (site.pages_dir / "ctl.yaml").write_bytes(b"title: a\x01b\n")
    text = runner("check").stdout
    assert text.startswith("content/pages/ctl.yaml")
    result = runner("check", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::error file=content/pages/ctl.yaml")
    if "\n" in text.strip():
        assert "%0A" in lines[0]


def test_check_format_json(runner, site):
    (site.pages_dir / "x.yaml").write_text(BAD_STATE, "utf-8")
    result = runner("check", "--format", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)
    assert list(problem) == ["path", "line", "col", "field", "message", "hint"]
    assert {k: problem[k] for k in ("path", "line", "col", "field", "hint")} == {
        "path": "content/pages/x.yaml", "line": 17, "col": 12, "field": "items[1].state",
        "hint": "use 0/pending, 1/active or 2/complete"}
    assert "3" in problem["message"]


def test_check_format_json_good(runner, site):
    hand_page(site)
    result = ok(runner("check", "--format", "json"))
    assert json.loads(result.stdout) == []


def test_check_duplicate_public_codes(runner, site):
    hand_page(site, "one")
    hand_page(site, "two")
    result = runner("check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/pages/one.yaml:1:1: publicCode: the same publicCode as two "
        "(delete the publicCode line from one and run `sspage fmt`)",
        "content/pages/two.yaml:1:1: publicCode: the same publicCode as one "
        "(delete the publicCode line from one and run `sspage fmt`)",
    ]


def test_check_reports_missing_fields_and_fmt_fixes_them(runner, site):
    (site.pages_dir / "hand.yaml").write_text("title: Hand\nitems:\n  - text: one\n", "utf-8")
    result = runner("check")
    assert result.exit_code == 1
    out = result.stdout
    page_lines = [line for line in out.splitlines() if line.startswith("content/pages/hand.yaml:1:")]
    item_lines = [line for line in out.splitlines() if line.startswith("content/pages/hand.yaml:3:5: items[0]")]
    assert page_lines and item_lines
    assert len(page_lines) + len(item_lines) == len(out.splitlines())
    for name in ("publicCode", "createdUtc", "updatedUtc"):
        assert name in " ".join(page_lines)
    for name in ("id", "sortOrder", "createdUtc", "updatedUtc"):
        assert name in " ".join(item_lines)
    assert all("missing" in line and "sspage fmt" in line for line in out.splitlines())
    ok(runner("fmt"))
    ok(runner("check"))


# -- fmt -------------------------------------------------------------------------------------------

HAND_ADDED = """\
# Boiler job
title: Boiler replacement  # customer's words
items:
  # done already
  - text: Survey
    state: complete
  - text: Order boiler   # next
"""


def test_fmt_fills_in_and_is_idempotent(runner, site, clock):
    path = site.pages_dir / "boiler.yaml"
    path.write_text(HAND_ADDED, "utf-8")
    check = runner("fmt", "--check")
    assert check.exit_code == 1
    assert check.stdout == "Would fill in content/pages/boiler.yaml\n"
    assert path.read_text("utf-8") == HAND_ADDED

    result = ok(runner("fmt"))
    assert result.stdout == "Filled in content/pages/boiler.yaml\n"
    text = path.read_text("utf-8")
    assert text.startswith("# Boiler job\n")
    assert "title: Boiler replacement  # customer's words\n" in text
    assert "  # done already\n" in text
    assert "  - text: Order boiler   # next\n" not in text  # an id line now comes first
    assert "    text: Order boiler   # next\n" in text
    page = site.page("boiler")
    assert PUBLIC_CODE_RE.match(page.public_code)
    assert [(i.text, i.sort_order, i.state) for i in page.sorted_items()] == [
        ("Survey", 0, 2), ("Order boiler", 1, 0)]
    assert all(GUID_RE.match(i.id) for i in page.items)
    assert page.created_utc == page.updated_utc == clock.now
    assert all(i.created_utc == i.updated_utc == clock.now for i in page.items)

    first = path.read_bytes()
    clock.advance(hours=1)
    again = ok(runner("fmt"))
    assert again.stdout == ""
    assert path.read_bytes() == first
    ok(runner("fmt", "--check"))
    ok(runner("check"))


def test_fmt_named_page_only(runner, site):
    (site.pages_dir / "a.yaml").write_text("title: A\n", "utf-8")
    (site.pages_dir / "b.yaml").write_text("title: B\n", "utf-8")
    result = ok(runner("fmt", "a"))
    assert result.stdout == "Filled in content/pages/a.yaml\n"
    assert (site.pages_dir / "b.yaml").read_text("utf-8") == "title: B\n"


def test_fmt_leaves_complete_files_alone(runner, site):
    path = hand_page(site)
    before = path.read_bytes()
    result = ok(runner("fmt"))
    assert result.stdout == ""
    assert path.read_bytes() == before


def test_fmt_reports_broken_files_and_exits_1(runner, site):
    (site.pages_dir / "bad.yaml").write_text("title: [oops\n", "utf-8")
    (site.pages_dir / "good.yaml").write_text("title: Good\n", "utf-8")
    result = runner("fmt")
    assert result.exit_code == 1
    assert result.stdout == "Filled in content/pages/good.yaml\n"
    # fmt never commits, so there is no "not committing" note
    assert result.stderr.startswith("content/pages/bad.yaml:2:1: YAML syntax error")
    assert (site.pages_dir / "bad.yaml").read_text("utf-8") == "title: [oops\n"
