"""Text survives a save and a reload exactly, through the library and the CLI, and plain
``yaml.safe_load`` reads the same strings from the files sspage writes."""

from __future__ import annotations

import json
import uuid

import pytest
import yaml
from helpers import Clock, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sspage
from sspage.model import MAX_TEXT, MAX_TITLE, text_problem

TRICKY = [
    "**Markdown** _emphasis_ [link](https://example.com) `code`",
    "# Heading",
    "- list item",
    "1. numbered",
    "> quote",
    "<b>bold</b> <script>alert('x')</script> &amp; &lt;",
    "'single' quotes",
    '"double" quotes',
    "it's \"mixed\" 'quotes'",
    "back\\slash \\n not a newline",
    "emoji 🎉🚀 and 👩‍👩‍👧 family",
    "ünïcödé Ελληνικά 日本語 עברית العربية",
    "line one\nline two",
    "trailing newline\n",
    "two trailing newlines\n\n",
    "\nleading newline",
    "a\n\n\nthree blank lines",
    "indented\n  second line",
    "  \n  leading spaces on lines",
    "trailing spaces on a line  \nnext",
    "tab\tinside",
    "\u200fright-to-left mark",
    "\u202eRTL override\u202c",
    "zero\u200bwidth",
    "no", "No", "NO", "off", "Off", "on", "yes", "y", "n", "true", "False", "~",
    "null", "Null", "NULL", "none", "1.10", "012", "0x1F", "0o17", "1e3", "+1", "-1", ".5", "1_000",
    "1:20", "12:30:45", "2026-06-08", "2026-06-08T14:30:00Z", ".inf", "-.inf", ".NaN", "=", "<<",
    " leading space", "trailing space ", "  both  ",
    "key: value", "a: b: c", "ends with colon:", "# not a comment", "text # with hash", "#hashtag",
    "- dash", "? question", "! bang", "& amp", "* star", "| pipe", "> gt", "% percent", "@at", "`backtick",
    "{curly}", "[square]", "a, b", "comma,", "---", "...", "--- x", "'", '"', "\\",
    "\u00a0non-breaking\u00a0space",
    "\u2028line separator",
    "para\u2029separator",
    "x\ufeffy",
    "é" * MAX_TEXT,
    "a" * MAX_TEXT,
    "Ｆｕｌｌｗｉｄｔｈ",
    "\U0001d54f math",
]

SINGLE_LINE = [t for t in TRICKY if text_problem(t, multiline=False) is None and len(t) <= MAX_TITLE]


def file_data(path):
    return yaml.safe_load(path.read_text("utf-8"))


def item_text_in_file(path, item_id):
    (text,) = [item["text"] for item in file_data(path)["items"] if str(item["id"]) == item_id]
    return text


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One site for the per-text tests (building a site per text would be slow)."""
    root = tmp_path_factory.mktemp("roundtrip")
    sspage.init_site(root, title="Test")
    site = sspage.open_site(root, now=Clock())
    site.create_page("Round trip", items=["seed"])
    return site


@pytest.fixture
def page(site):
    return site.create_page("Round trip", items=["seed"]).page


# -- library ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_item_text_and_latest_update_round_trip(shared, text):
    path = shared.pages_dir / "round-trip.yaml"
    updated = shared.update_item("round-trip", "#1", text=text)
    assert updated.text == text
    reloaded = shared.page("round-trip")
    assert reloaded.items[0].text == text
    assert item_text_in_file(path, updated.id) == text
    assert json.loads(sspage.shapes.to_json(sspage.page_response(reloaded)))["items"][0]["text"] == text
    # it can be found again by its exact text (unless it looks like a #position)
    if not text.strip().startswith("#"):
        assert shared.update_item("round-trip", text, state=2).id == updated.id

    assert shared.update_page("round-trip", latest_update=text).latest_update == text
    assert shared.page("round-trip").latest_update == text
    assert file_data(path)["latestUpdate"] == text


@pytest.mark.parametrize("title", SINGLE_LINE)
def test_title_round_trip(shared, title):
    path = shared.pages_dir / "round-trip.yaml"
    assert shared.update_page("round-trip", title=title).title == title
    assert shared.page("round-trip").title == title
    assert file_data(path)["title"] == title


def test_create_and_add_round_trip(site):
    """All the texts at once: written by create_page, re-written by add/update/move/delete."""
    created = site.create_page("Items", items=TRICKY)
    assert [i.text for i in created.page.sorted_items()] == TRICKY
    assert [i.text for i in site.page("items").sorted_items()] == TRICKY
    assert [i["text"] for i in file_data(created.page.path)["items"]] == TRICKY

    added = [site.add_item("items", text).id for text in TRICKY[:3]]
    site.update_page("items", title="Renamed", latest_update="a\n- b\n")
    site.update_item("items", "#1", state=2)
    site.move_item("items", "#1", 5)
    site.delete_item("items", "#2")
    # moved: T1 T2 T3 T4 T0 T5...; then #2 (T2) deleted
    expected = TRICKY[1:2] + TRICKY[3:5] + TRICKY[:1] + TRICKY[5:] + TRICKY[:3]
    assert [i.text for i in site.page("items").sorted_items()] == expected
    assert [i["text"] for i in file_data(created.page.path)["items"]] == TRICKY[:2] + TRICKY[3:] + TRICKY[:3]
    assert [i.text for i in site.page("items").items if i.id in added] == TRICKY[:3]
    assert sspage.fmt_site(site).changed == []


@pytest.mark.parametrize("title", SINGLE_LINE[::4])
def test_create_page_title_round_trip(site, title):
    created = site.create_page(title, items=[title])
    assert site.page(created.page.slug).title == title
    data = file_data(created.page.path)
    assert data["title"] == title and data["items"][0]["text"] == title


def test_written_files_are_plain_yaml(site):
    created = site.create_page("Plain", items=TRICKY, latest_update="x")
    data = file_data(created.page.path)
    assert all(type(item["text"]) is str for item in data["items"])
    assert type(data["title"]) is str
    assert type(data["publicCode"]) is str
    assert type(data["latestUpdate"]) is str
    assert data["expiresUtc"] is None
    assert all(item["state"] in ("pending", "active", "complete") for item in data["items"])
    assert [item["sortOrder"] for item in data["items"]] == list(range(len(TRICKY)))


# -- command line -------------------------------------------------------------------------------


def test_cli_create_round_trip(site, runner):
    args = [arg for text in TRICKY for arg in ("--item=" + text,)]
    result = runner("page", "create", "--json", *args, "--", "CLI")
    assert result.exit_code == 0, result.stderr
    assert [i["text"] for i in json.loads(result.stdout)["items"]] == TRICKY
    shown = json.loads(runner("page", "show", "cli", "--json").stdout)
    assert [i["text"] for i in shown["items"]] == TRICKY
    assert [i["text"] for i in file_data(site.pages_dir / "cli.yaml")["items"]] == TRICKY


@pytest.mark.parametrize("text", TRICKY[::3])
def test_cli_add_and_set_round_trip(site, page, runner, text):
    result = runner("item", "add", "--json", "round-trip", "--", text)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["text"] == text
    assert item_text_in_file(page.path, body["id"]) == text
    result = runner("item", "set", "round-trip", "#1", "--text=" + text, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["text"] == text
    shown = json.loads(runner("page", "show", "round-trip", "--json").stdout)
    assert [i["text"] for i in shown["items"]] == [text, text]


@pytest.mark.parametrize("title", SINGLE_LINE[::5])
def test_cli_title_round_trip(site, page, runner, title):
    result = runner("page", "set", "round-trip", "--title=" + title, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["title"] == title
    assert json.loads(runner("page", "show", "round-trip", "--json").stdout)["title"] == title


# -- properties -----------------------------------------------------------------------------------

ANY_TEXT = st.text(max_size=MAX_TEXT)
EDGE_ALPHABET = st.sampled_from(list(" \n\t#:'\"-?|>{}[]!&*%@`,.~=<+0123yYnNoO\u2028\u2029\ufeff\u200f\u202e"
                                     "\u00a0\u0085\uffffé😀"))
EDGE_TEXT = st.text(alphabet=EDGE_ALPHABET, max_size=20)


def accepted(text, *, multiline, limit):
    return len(text) <= limit and text_problem(text, multiline=multiline) is None


def fresh_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("prop")
    sspage.init_site(root, title="Test")
    return sspage.open_site(root, now=Clock())


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.filter_too_much, HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])


@pytest.mark.parametrize("strategy", [ANY_TEXT, pytest.param(EDGE_TEXT, marks=pytest.mark.slow)],
                         ids=["any", "edge"])
def test_property_item_text_round_trips(tmp_path_factory, strategy):
    """Each example starts from a fresh page whose item holds ``old`` (so how the old value
    was written varies too), then saves ``new`` with update_item and with add_item."""
    site = fresh_site(tmp_path_factory)
    texts = strategy.filter(lambda t: accepted(t, multiline=True, limit=MAX_TEXT))

    @PROPERTY_SETTINGS
    @given(old=texts, new=texts)
    def check(old, new):
        page = site.create_page("Prop", items=[old], slug="prop")
        try:
            assert site.page("prop").items[0].text == old
            updated = site.update_item("prop", "#1", text=new)
            added = site.add_item("prop", new)
            assert (updated.text, added.text) == (new, new)
            reloaded = {i.id: i.text for i in site.page("prop").items}
            assert reloaded == {updated.id: new, added.id: new}
            in_file = {str(i["id"]): i["text"] for i in file_data(page.page.path)["items"]}
            assert in_file == reloaded
        finally:
            page.page.path.unlink()

    check()


@pytest.mark.parametrize("strategy", [ANY_TEXT, pytest.param(EDGE_TEXT, marks=pytest.mark.slow)],
                         ids=["any", "edge"])
def test_property_title_round_trips(tmp_path_factory, strategy):
    site = fresh_site(tmp_path_factory)
    titles = strategy.filter(lambda t: accepted(t, multiline=False, limit=MAX_TITLE))

    @PROPERTY_SETTINGS
    @given(old=titles, new=titles)
    def check(old, new):
        created = site.create_page(old, slug="prop")
        try:
            assert site.page("prop").title == old
            assert site.update_page("prop", title=new).title == new
            assert site.page("prop").title == new
            assert file_data(created.page.path)["title"] == new
        finally:
            created.page.path.unlink()

    check()


@pytest.mark.parametrize("field", ["item text", "latest update"])
def test_block_text_replaced_by_text_starting_with_tab(site, field):
    if field == "item text":
        site.create_page("P", items=["line one\nline two"])
        assert site.update_item("p", "#1", text="\tindented").text == "\tindented"
        assert site.page("p").items[0].text == "\tindented"
    else:
        site.create_page("P", latest_update="line one\nline two")
        assert site.update_page("p", latest_update="\tindented").latest_update == "\tindented"
        assert site.page("p").latest_update == "\tindented"


@pytest.mark.parametrize("text", ["\uffff", "a\ufffe", "\uffff\t", "\uffff\nx", "x\n\ufffe", "a\n\uffff\n"])
def test_noncharacters_are_refused(site, page, text):
    """Regression: U+FFFE/U+FFFF passed text_problem but a literal block cannot hold them
    (the file became unreadable). They are refused up front now, on one line or many."""
    assert text_problem(text, multiline=True) is not None
    before = snapshot(site.root)
    with pytest.raises(sspage.InputError):
        site.add_item("round-trip", text)
    with pytest.raises(sspage.InputError):
        site.update_item("round-trip", "#1", text=text)
    assert snapshot(site.root) == before


def test_unicode_ids_are_not_confused(site, page):
    """A text that is itself a GUID-looking string is text, and refs still find it by position."""
    guid_text = str(uuid.uuid4())
    added = site.add_item("round-trip", guid_text)
    assert site.page("round-trip").items[-1].text == guid_text
    assert site.update_item("round-trip", "#2", state=1).id == added.id


@pytest.mark.parametrize("kind, value", [
    ("text", "0 \u2028"), ("text", "1\u2028 x"), ("text", "0 \u2029 y"), ("title", "1 \u2028"),
])
def test_line_separators_in_quoted_text(site, page, kind, value):
    """Regression: text that must be quoted (it looks like a number or a YAML word) was single-quoted
    with a raw U+2028/U+2029, and YAML line folding dropped the spaces around it."""
    if kind == "text":
        returned = site.update_item("round-trip", "#1", text=value).text
        reloaded = site.page("round-trip").items[0].text
    else:
        returned = site.update_page("round-trip", title=value).title
        reloaded = site.page("round-trip").title
    assert (returned, reloaded) == (value, value)


@pytest.mark.parametrize("value", ["no \u2028", "a \u2028 b", "0\u2028x", "\u2028 x"])
def test_line_separators_in_unquoted_text(site, page, value):
    assert site.update_item("round-trip", "#1", text=value).text == value
    assert site.page("round-trip").items[0].text == value
    assert site.add_item("round-trip", value).text == value
    assert site.page("round-trip").items[-1].text == value


def test_block_text_replaced_by_text_with_line_separator(site):
    site.create_page("P", items=["line one\nline two"])
    site.update_item("p", "#1", text="0\u2028")
    assert site.page("p").items[0].text == "0\u2028"
    site.add_item("p", "next")  # a structural edit of the same file
    assert [i.text for i in site.page("p").sorted_items()] == ["0\u2028", "next"]
