"""Bad input of every kind: a clear error, exit 1, and not one byte of any file changed."""

from __future__ import annotations

import re
import time

import pytest
from helpers import ID1, ID2, ID3, assert_cli_error, page_file, snapshot

import sspage
from sspage import AmbiguousError, ContentError, InputError, NotFoundError

CYRILLIC_A = "\u0430"  # looks like a Latin 'a'
PREFIX_A = "abcd1111-6f1d-4d69-8f1c-98eb3c8ef8a1"
PREFIX_B = "abcd2222-7d8e-49f0-a1b2-c3d4e5f60718"


@pytest.fixture
def pages(site):
    """A good page ``kitchen`` and a page ``dups`` whose items share a text and an id prefix."""
    (site.pages_dir / "kitchen.yaml").write_text(page_file(), "utf-8")
    (site.pages_dir / "dups.yaml").write_text(page_file(public_code="DupsDupsDups1", title="Dups", items=[
        {"id": PREFIX_A, "text": "Same", "sortOrder": 0, "state": 0},
        {"id": PREFIX_B, "text": "Same", "sortOrder": 1, "state": 1},
        {"id": ID3, "text": "Other", "sortOrder": 2, "state": 2},
    ]), "utf-8")
    return site


def assert_unchanged_after(site, run):
    before = snapshot(site.root)
    result = run()
    assert snapshot(site.root) == before
    return result


# -- command-line input ------------------------------------------------------------------------

INPUT_ERRORS = [
    ("unknown page", ["item", "set", "nope", "#1", "--state", "1"], ["no page 'nope'"]),
    ("unknown page show", ["page", "show", "nope"], ["no page 'nope'"]),
    ("unknown publicCode", ["page", "show", "ABCDEFGHIJKL"], ["no page 'ABCDEFGHIJKL'"]),
    ("unknown page rm", ["page", "rm", "nope"], ["no page 'nope'"]),
    ("unknown page token", ["page", "token", "rotate", "nope"], ["no page 'nope'"]),
    ("unknown item text", ["item", "set", "kitchen", "Nonexistent", "--state", "1"],
     ["Kitchen renovation has no item 'Nonexistent'"]),
    ("unknown item position", ["item", "done", "kitchen", "#4"], ["Kitchen renovation has no item #4", "#1 to #3"]),
    ("item position 0", ["item", "done", "kitchen", "#0"], ["has no item #0"]),
    ("unknown item guid", ["item", "rm", "kitchen", "00000000-0000-4000-8000-000000000000"], ["has no item"]),
    ("item prefix too short", ["item", "rm", "kitchen", ID2[:3]], [f"has no item '{ID2[:3]}'"]),
    ("item text wrong case", ["item", "start", "kitchen", "survey booked"], ["has no item 'survey booked'"]),
    ("empty item ref", ["item", "start", "kitchen", ""], ["item reference cannot be empty"]),
    ("ambiguous text", ["item", "done", "dups", "Same"], ["'Same' matches 2 items of Dups"]),
    ("ambiguous prefix", ["item", "done", "dups", "abcd"], ["'abcd' matches 2 items of Dups"]),
    ("ambiguous prefix move", ["item", "move", "dups", "abcd", "--to", "3"], ["matches 2 items"]),
    ("ambiguous prefix rm", ["item", "rm", "dups", "abcd"], ["matches 2 items"]),
    ("state 3 set", ["item", "set", "kitchen", "#1", "--state", "3"], ["unknown state '3'"]),
    ("state doing set", ["item", "set", "kitchen", "#1", "--state", "doing"], ["unknown state 'doing'"]),
    ("state -1 set", ["item", "set", "kitchen", "#1", "--state=-1"], ["unknown state '-1'"]),
    ("state 3 add", ["item", "add", "kitchen", "x", "--state", "3"], ["unknown state '3'"]),
    ("state doing add", ["item", "add", "kitchen", "x", "--state", "doing"], ["unknown state 'doing'"]),
    ("state true add", ["item", "add", "kitchen", "x", "--state", "true"], ["unknown state 'true'"]),
    ("empty text add", ["item", "add", "kitchen", ""], ["the text must not be empty or only spaces"]),
    ("spaces text add", ["item", "add", "kitchen", "   "], ["the text must not be empty or only spaces"]),
    ("blank lines text add", ["item", "add", "kitchen", "\n\t\n"], ["the text must not be empty or only spaces"]),
    ("empty text set", ["item", "set", "kitchen", "#1", "--text", ""], ["the text must not be empty"]),
    ("spaces text set", ["item", "set", "kitchen", "#1", "--text", " \u3000 "], ["the text must not be empty"]),
    ("long text add", ["item", "add", "kitchen", "x" * 501], ["the text is 501 characters long; the limit is 500"]),
    ("long text set", ["item", "set", "kitchen", "#1", "--text", "é" * 501], ["the limit is 500"]),
    ("control char text", ["item", "add", "kitchen", "bell\x07"], ["control character U+0007"]),
    ("long title create", ["page", "create", "t" * 201], ["the title is 201 characters long; the limit is 200"]),
    ("long title set", ["page", "set", "kitchen", "--title", "t" * 201], ["the limit is 200"]),
    ("empty title create", ["page", "create", "   "], ["the title must not be empty"]),
    ("two-line title", ["page", "set", "kitchen", "--title", "a\nb"], ["the title must be a single line"]),
    ("tab title", ["page", "create", "a\tb"], ["the title must be a single line"]),
    ("bad expires", ["page", "set", "kitchen", "--expires", "next tuesday"], ["cannot read the time 'next tuesday'"]),
    ("bad expires create", ["page", "create", "New", "--expires", "2026-13-01"], ["cannot read the time"]),
    ("move out of range", ["item", "move", "kitchen", "#1", "--to", "9"], ["position 9 is out of range", "1 to 3"]),
    ("nothing to change item", ["item", "set", "kitchen", "#1"], ["nothing to change"]),
    ("nothing to change page", ["page", "set", "kitchen"], ["nothing to change"]),
    ("wrong token", ["page", "token", "verify", "kitchen", "nope"], ["does not match"]),
    ("slug exists", ["page", "create", "X", "--slug", "kitchen"], ["'kitchen' already exists"]),
]


@pytest.mark.parametrize("args, fragments", [c[1:] for c in INPUT_ERRORS], ids=[c[0] for c in INPUT_ERRORS])
def test_cli_input_errors(pages, runner, args, fragments):
    result = assert_unchanged_after(pages, lambda: runner(*args))
    assert_cli_error(result, *fragments)


def test_ambiguous_error_lists_the_candidates(pages, runner):
    result = runner("item", "done", "dups", "abcd")
    message = assert_cli_error(result)
    assert "#1 abcd1111 'Same'" in message and "#2 abcd2222 'Same'" in message
    assert "longer id prefix" in message


def test_ambiguous_refs_resolve_when_longer(pages, runner):
    assert runner("item", "done", "dups", "abcd1").exit_code == 0
    assert runner("item", "done", "dups", "#2").exit_code == 0
    states = {i.id: int(i.state) for i in pages.page("dups").items}
    assert states == {PREFIX_A: 2, PREFIX_B: 2, ID3: 2}


@pytest.mark.parametrize("call, error", [
    (lambda s: s.update_item("kitchen", "Nope", state=1), NotFoundError),
    (lambda s: s.update_item("dups", "Same", state=1), AmbiguousError),
    (lambda s: s.delete_item("dups", "abcd"), AmbiguousError),
    (lambda s: s.update_item("kitchen", "#1", state=3), InputError),
    (lambda s: s.update_item("kitchen", "#1", state="doing"), InputError),
    (lambda s: s.update_item("kitchen", "#1", state=True), InputError),
    (lambda s: s.add_item("kitchen", "x", state=None), InputError),
    (lambda s: s.add_item("kitchen", "x", sort_order=-1), InputError),
    (lambda s: s.add_item("kitchen", "x", sort_order=True), InputError),
    (lambda s: s.add_item("kitchen", 5), InputError),
    (lambda s: s.add_item("kitchen", "\x00"), InputError),
    (lambda s: s.create_page("X", items=[{"state": 1}]), InputError),
    (lambda s: s.create_page("X", items=[{"text": "a", "sortOrder": "1"}]), InputError),
    (lambda s: s.create_page("X", items=[{"text": "a", "state": "doing"}]), InputError),
    (lambda s: s.update_page("kitchen", latest_update="   "), InputError),
    (lambda s: s.page("nope"), NotFoundError),
], ids=lambda v: "" if callable(v) else v.__name__)
def test_library_input_errors(pages, call, error):
    before = snapshot(pages.root)
    with pytest.raises(error):
        call(pages)
    assert snapshot(pages.root) == before


# -- page names ----------------------------------------------------------------------------------

BAD_REFS = [
    ("slash", "a/b", "is not a page name"),
    ("dotdot", "../kitchen", "is not a page name"),
    ("bare dotdot", "..", "is not a page name"),
    ("dotdot inside", "kitchen/../kitchen", "is not a page name"),
    ("absolute", "/etc/passwd", "is not a page name"),
    ("backslash", "a\\b", "is not a page name"),
    ("nul", "kit\x00chen", "is not a page name"),
    ("upper case", "Kitchen", "no page 'Kitchen'"),
    ("all upper", "KITCHEN", "no page 'KITCHEN'"),
    ("cyrillic a", f"kitchen-renov{CYRILLIC_A}tion", "plain ASCII"),
    ("cyrillic only", f"kitch{CYRILLIC_A}n", "plain ASCII"),
    ("zero width", "kitchen\u200b", "plain ASCII"),
    ("file name", "kitchen.yaml", "no page 'kitchen.yaml'"),
    ("empty", "", "cannot be empty"),
]


@pytest.mark.parametrize("ref, message", [c[1:] for c in BAD_REFS], ids=[c[0] for c in BAD_REFS])
@pytest.mark.parametrize("command", [
    ["page", "show", "{}"],
    ["item", "add", "{}", "new item"],
    ["item", "done", "{}", "#1"],
    ["page", "rm", "{}"],
    ["page", "token", "rotate", "{}"],
], ids=["show", "add", "done", "rm", "rotate"])
def test_bad_page_names(pages, runner, ref, message, command):
    args = [part.replace("{}", ref) for part in command]
    result = assert_unchanged_after(pages, lambda: runner(*args))
    assert_cli_error(result, message)


@pytest.mark.parametrize("slug", ["a/b", "../x", "..", "a\x00b", "Kitchen", f"k{CYRILLIC_A}", "a--b", "-a", "a-",
                                  "a_b", "a b", "a.b", "x" * 65])
def test_bad_slugs_on_create(pages, runner, slug):
    result = assert_unchanged_after(pages, lambda: runner("page", "create", "New page", "--slug", slug))
    assert_cli_error(result, "invalid slug")


@pytest.mark.parametrize("slug", ["a/b", "..", "Kitchen", f"k{CYRILLIC_A}", "a\x00b"])
def test_bad_slugs_in_library(pages, slug):
    before = snapshot(pages.root)
    with pytest.raises(InputError, match="invalid slug"):
        pages.create_page("New", slug=slug)
    assert snapshot(pages.root) == before


def test_slug_with_trailing_newline_is_refused(pages):
    """Regression: '$' in SLUG_PATTERN matched before a trailing newline ('abc\\n.yaml' was written)."""
    before = snapshot(pages.root)
    with pytest.raises(InputError, match="invalid slug"):
        pages.create_page("New", slug="abc\n")
    assert snapshot(pages.root) == before


# -- broken page files ---------------------------------------------------------------------------

GOOD = page_file()


def edited(old, new):
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))
        + "title: x\n")

X = "content/pages/x.yaml"

# name, file content, fragments the message must contain (location first)
FILE_CASES = [
    ("malformed guid", edited(ID2, ID2[:-1]), [f"{X}:14:9: items[1].id: ", ID2[:-1]]),
    ("guid not hex", edited(ID2, "zzzzzzzz" + ID2[8:]), [f"{X}:14:9: items[1].id: ", "zzzzzzzz"]),
    ("guid in braces", edited(ID2, "{" + ID2 + "}"), [f"{X}:14:9: items[1].id: "]),
    ("two items one id", edited(ID2, ID1), [f"{X}:14:9: items[1].id: ", "duplicate id", "items[0]"]),
    ("state 3", edited("state: active", "state: 3"), [f"{X}:17:12: items[1].state: ", "3", "0/pending"]),
    ("state doing", edited("state: active", "state: doing"), [f"{X}:17:12: items[1].state: ", "'doing'"]),
    ("state -1", edited("state: active", "state: -1"), [f"{X}:17:12: items[1].state: "]),
    ("text over 500", edited("text: Materials ordered", "text: " + "m" * 501), [f"{X}:15:11: items[1].text: ", "500"]),
    ("empty text", edited("text: Materials ordered", 'text: ""'), [f"{X}:15:11: items[1].text: "]),
    ("null text", edited("text: Materials ordered", "text: null"), [f"{X}:15:11: items[1].text: "]),
    ("spaces text", edited("text: Materials ordered", 'text: "   "'),
     [f"{X}:15:11: items[1].text: ", "empty or only spaces"]),
    ("missing text", edited("    text: Materials ordered\n", ""), [f"{X}:14:5: items[1].text: ", "missing"]),
    ("title over 200", edited("title: Kitchen renovation", "title: " + "t" * 201), [f"{X}:2:8: title: ", "200"]),
    ("two-line title", edited("title: Kitchen renovation", 'title: "a\\nb"'), [f"{X}:2:8: title: ", "single line"]),
    ("control char title", edited("title: Kitchen renovation", 'title: "a\\x07b"'), [f"{X}:2:8: title: ", "U+0007"]),
    ("publicCode with - and _", edited("publicCode: z4hiCKGpsFUg", "publicCode: abc-def_ghij1"),
     [f"{X}:1:13: publicCode: ", "abc-def_ghij1"]),
    ("publicCode cyrillic", edited("publicCode: z4hiCKGpsFUg", f"publicCode: z4hiCKGpsFU{CYRILLIC_A}"),
     [f"{X}:1:13: publicCode: "]),
    ("publicCode too short", edited("publicCode: z4hiCKGpsFUg", "publicCode: abc"), [f"{X}:1:13: publicCode: "]),
    ("publicCode with space", edited("publicCode: z4hiCKGpsFUg", "publicCode: z4hi CKGpsFUg"),
     [f"{X}:1:13: publicCode: "]),
    ("sortOrder negative", edited("sortOrder: 1", "sortOrder: -1"), [f"{X}:16:16: items[1].sortOrder: "]),
    ("sortOrder text", edited("sortOrder: 1", "sortOrder: first"), [f"{X}:16:16: items[1].sortOrder: "]),
    ("bad time", edited("    state: active\n    createdUtc: 2026-06-08T14:30:00Z",
                        "    state: active\n    createdUtc: yesterday"), [f"{X}:18:17: items[1].createdUtc: "]),
    ("time without zone", edited("    state: active\n    createdUtc: 2026-06-08T14:30:00Z",
                                 "    state: active\n    createdUtc: 2026-06-08T14:30:00"),
     [f"{X}:18:17: items[1].createdUtc: "]),
    ("unknown field", edited("    state: active\n", "    state: active\n    colour: red\n"),
     [f"{X}:18:13: items[1].colour: ", "unknown field"]),
    ("items not a list", edited("items:\n", "items: many\nextra:\n"), [f"{X}:7:"]),
    ("yaml syntax error", edited("text: Materials ordered", "text: Materials: ordered"),
     [f"{X}:15:20: ", "YAML syntax error"]),
    ("unclosed bracket", "title: [oops\n", [f"{X}:2:1: ", "YAML syntax error"]),
    ("bad indentation", edited("    sortOrder: 1\n", "      sortOrder: 1\n"), [f"{X}:", "YAML syntax error"]),
    ("duplicate key", edited("title: Kitchen renovation\n", "title: Kitchen renovation\ntitle: Again\n"),
     [f"{X}:3:1: title: ", "duplicate key 'title'"]),
    ("duplicate item key", edited("    state: active\n", "    state: active\n    state: pending\n"),
     [f"{X}:18:5: ", "duplicate key 'state'"]),
    ("alias bomb", BOMB, [f"{X}:1:4: ", "anchors and aliases"]),
    ("single alias", edited("title: Kitchen renovation\n", "title: &t Kitchen renovation\nlatestUpdate2: *t\n"),
     [f"{X}:2:8: ", "anchors and aliases"]),
    ("python tag", 'title: !!python/object/apply:os.system ["touch {marker}"]\n',
     [f"{X}:1:8: ", "python/object/apply:os.system", "not allowed"]),
    ("python tag in item", edited("text: Materials ordered", 'text: !!python/object/apply:os.system ["touch {marker}"]'),
     [f"{X}:15:11: ", "not allowed"]),
    ("custom tag", edited("title: Kitchen renovation", "title: !secret Kitchen"), [f"{X}:2:8: ", "not allowed"]),
    ("top-level list", "- title: x\n- title: y\n", [f"{X}:1:1: ", "must be a mapping"]),
    ("top-level scalar", "just some words\n", [f"{X}:1:1: ", "must be a mapping"]),
    ("top-level number", "42\n", [f"{X}:1:1: ", "must be a mapping"]),
    ("empty file", "", [f"{X}:1:1: ", "empty"]),
    ("comment only", "# nothing here\n", [f"{X}:", "empty"]),
    ("10 MB file", "title: x\nlatestUpdate: " + "a" * (10 * 1024 * 1024) + "\n",
     [f"{X}: file is 10,485,784 bytes; the limit is 1,048,576"]),
    ("just over 1 MiB", "title: x\nlatestUpdate: " + "a" * (1024 * 1024) + "\n", [f"{X}: file is", "1,048,576"]),
    ("two documents", GOOD + "---\ntitle: second\n", [f"{X}:"]),
]
FILE_CASE_IDS = [c[0] for c in FILE_CASES]

NON_TEXT_CASES = [
    ("latin-1 bytes", b"title: caf\xe9\n", [f"{X}: ", "not UTF-8"]),
    ("control char in file", b"title: a\x01b\n", [f"{X}", "0001"]),
    ("nul in file", b"title: a\x00b\n", [f"{X}", "0000"]),
]

COMMANDS = {
    "page show": ["page", "show", "x"],
    "page show --json": ["page", "show", "x", "--json"],
    "item add": ["item", "add", "x", "New item"],
    "item set": ["item", "set", "x", "#1", "--state", "1"],
    "item rm": ["item", "rm", "x", "#1"],
    "item move": ["item", "move", "x", "#1", "--to", "1"],
    "page set": ["page", "set", "x", "--title", "New"],
    "token rotate": ["page", "token", "rotate", "x"],
    "page list": ["page", "list"],
}


def write_case(site, content, tmp_path):
    marker = tmp_path / "MARKER"
    path = site.pages_dir / "x.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content.replace("{marker}", str(marker)), "utf-8")
    return marker


@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
@pytest.mark.parametrize("content, fragments", [c[1:] for c in FILE_CASES + NON_TEXT_CASES],
                         ids=FILE_CASE_IDS + [c[0] for c in NON_TEXT_CASES])
def test_broken_file_commands(site, runner, tmp_path, content, fragments, command):
    marker = write_case(site, content, tmp_path)
    started = time.monotonic()
    result = assert_unchanged_after(site, lambda: runner(*command))
    assert time.monotonic() - started < 5
    message = assert_cli_error(result, *fragments)
    assert message.count("Error: ") == 1
    assert not marker.exists()


@pytest.mark.parametrize("content, fragments", [c[1:] for c in FILE_CASES + NON_TEXT_CASES],
                         ids=FILE_CASE_IDS + [c[0] for c in NON_TEXT_CASES])
def test_broken_file_check(site, runner, tmp_path, content, fragments):
    (site.pages_dir / "good.yaml").write_text(page_file(public_code="GoodGoodGood"), "utf-8")
    marker = write_case(site, content, tmp_path)
    result = assert_unchanged_after(site, lambda: runner("check"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    assert lines, result.stderr
    assert all(line.startswith(X) for line in lines), lines  # nothing about the good file
    joined = "\n".join(lines)
    for fragment in fragments:
        assert fragment in joined
    assert result.stderr.startswith("Checked 2 pages: ")
    assert not marker.exists()


@pytest.mark.parametrize("content, fragments", [c[1:] for c in FILE_CASES], ids=FILE_CASE_IDS)
def test_broken_file_fmt(site, runner, tmp_path, content, fragments):
    marker = write_case(site, content, tmp_path)
    result = assert_unchanged_after(site, lambda: runner("fmt"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert fragments[0] in result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists()


@pytest.mark.parametrize("content, fragments", [c[1:] for c in FILE_CASES], ids=FILE_CASE_IDS)
def test_broken_file_library(site, tmp_path, content, fragments):
    marker = write_case(site, content, tmp_path)
    before = snapshot(site.root)
    for call in (lambda: site.page("x"), lambda: site.add_item("x", "new"), lambda: site.pages()):
        with pytest.raises(ContentError) as caught:
            call()
        problems = caught.value.problems
        assert all(problem.path == X for problem in problems)
        assert any(str(problem).startswith(fragments[0]) for problem in problems), problems
        if re.match(rf"{re.escape(X)}:\d+:", fragments[0]):  # the case has a line number
            assert all(isinstance(problem.line, int) and problem.line >= 1 for problem in problems)
    assert snapshot(site.root) == before
    assert not marker.exists()


def test_python_tag_is_never_executed_anywhere(site, runner, tmp_path):
    marker = tmp_path / "MARKER"
    (site.pages_dir / "x.yaml").write_text(
        f'title: Hi\nitems:\n  - text: !!python/object/apply:os.system ["touch {marker}"]\n', "utf-8")
    for args in (["check"], ["fmt"], ["page", "list"], ["page", "show", "x"], ["item", "add", "x", "y"],
                 ["item", "done", "x", "#1"]):
        runner(*args)
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(site, runner):
    (site.pages_dir / "x.yaml").write_text(BOMB, "utf-8")
    started = time.monotonic()
    for args in (["check"], ["page", "show", "x"], ["item", "add", "x", "y"], ["fmt"]):
        assert runner(*args).exit_code == 1
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("field", ["id", "publicCode"])
def test_trailing_newline_in_id_or_public_code_is_refused(site, runner, field):
    """Regression: msgspec's re.search with '$' let "...\\n" pass as a GUID or publicCode."""
    if field == "id":
        text = edited(f"id: {ID2}", f'id: "{ID2}\\n"')
    else:
        text = edited("publicCode: z4hiCKGpsFUg", 'publicCode: "z4hiCKGpsFUg\\n"')
    (site.pages_dir / "x.yaml").write_text(text, "utf-8")
    result = runner("check")
    assert result.exit_code == 1
    assert f"{X}:" in result.stdout and field in result.stdout


# -- every problem at once -------------------------------------------------------------------------


def test_check_reports_every_problem_in_every_file(site, runner):
    many = (GOOD.replace("state: active", "state: doing")
            .replace("text: Work scheduled", 'text: ""')
            .replace("publicCode: z4hiCKGpsFUg", "publicCode: nope")
            .replace("    sortOrder: 0\n", "    sortOrder: -5\n    colour: red\n"))
    (site.pages_dir / "many.yaml").write_text(many, "utf-8")
    (site.pages_dir / "syntax.yaml").write_text("title: [oops\n", "utf-8")
    (site.pages_dir / "dupid.yaml").write_text(edited(ID3, ID1).replace("z4hiCKGpsFUg", "DupIdDupId12"), "utf-8")
    (site.pages_dir / "list.yaml").write_text("- a\n", "utf-8")
    (site.pages_dir / "good.yaml").write_text(page_file(public_code="GoodGoodGood"), "utf-8")
    (site.pages_dir / "Bad Name.yaml").write_text(page_file(public_code="BadNameBadName"), "utf-8")
    before = snapshot(site.root)
    result = runner("check")
    assert snapshot(site.root) == before
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    prefixes = [
        "content/pages/Bad Name.yaml: ",
        "content/pages/dupid.yaml:20:9: items[2].id: ",
        "content/pages/list.yaml:1:1: ",
        "content/pages/many.yaml:1:13: publicCode: ",
        "content/pages/many.yaml:10:16: items[0].sortOrder: ",
        "content/pages/many.yaml:11:13: items[0].colour: ",
        "content/pages/many.yaml:18:12: items[1].state: ",
        "content/pages/many.yaml:22:11: items[2].text: ",
        "content/pages/syntax.yaml:2:1: ",
    ]
    assert len(lines) == len(prefixes), lines
    for line, prefix in zip(lines, prefixes):
        assert line.startswith(prefix), (line, prefix)
    assert result.stderr == f"Checked 6 pages: {len(prefixes)} problems\n"
    # the library raises the same problems, all of them
    with pytest.raises(ContentError) as caught:
        sspage.open_site(site.root).pages()
    assert len(caught.value.problems) == len(prefixes) - 1  # the file-name rule is check's alone
    assert str(caught.value).startswith(f"{len(prefixes) - 1} problems:\n")


def test_mutation_on_a_file_with_many_problems_lists_them_all(site, runner):
    many = GOOD.replace("state: active", "state: doing").replace("text: Work scheduled", 'text: ""')
    (site.pages_dir / "x.yaml").write_text(many, "utf-8")
    result = assert_unchanged_after(site, lambda: runner("item", "add", "x", "new"))
    message = assert_cli_error(result, "2 problems:")
    assert f"\n{X}:17:12: items[1].state: " in message
    assert f"\n{X}:21:11: items[2].text: " in message


def break_site_yaml(site):
    config = site.content_dir / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("timezone: UTC", "timezone: Mars/Olympus"), "utf-8")
    (site.pages_dir / "kitchen.yaml").write_text(GOOD, "utf-8")


def test_bad_site_yaml(site, runner):
    break_site_yaml(site)
    result = assert_unchanged_after(site, lambda: runner("check"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "content/site.yaml:9:11: timezone: " in result.output
    assert "Mars/Olympus" in result.output
    result = assert_unchanged_after(site, lambda: runner("page", "show", "kitchen"))  # needs base_url
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: content/site.yaml:9:11: timezone: ")
    assert "Traceback" not in result.stderr


def test_page_create_with_bad_site_yaml_writes_nothing(site, runner):
    """Regression: the page was written before site.yaml was read, losing the once-shown token."""
    break_site_yaml(site)
    result = assert_unchanged_after(site, lambda: runner("page", "create", "New"))
    assert_cli_error(result, "content/site.yaml:", "timezone")
