"""Files people edit by hand: a change rewrites only the lines it is about."""

from __future__ import annotations

import difflib
import hashlib
import re

import pytest
import yaml
from helpers import GUID_RE, ID1, ID2, ID3

from sspage import fmt_site

LATER = "2026-06-08T15:00:00Z"

# Comments at the top, at line ends, between items and at the end; items at column 0;
# states as numbers; extra blank lines.
HAND = f"""\
# Kitchen job for the Smiths.
# Keep this file tidy: the customer sees the texts.
publicCode: z4hiCKGpsFUg
title: Kitchen renovation   # the customer's own words
latestUpdate: null
createdUtc: 2026-06-08T14:30:00Z
updatedUtc: 2026-06-08T14:30:00Z
expiresUtc: null
apiTokenHash: sha256:{'0' * 64}


items:
# first the survey
- id: {ID1}
  text: Survey booked
  sortOrder: 0
  state: 2     # done last week
  createdUtc: 2026-06-08T14:30:00Z
  updatedUtc: 2026-06-08T14:30:00Z

# then the materials
- id: {ID2}
  text: Materials ordered   # from the usual supplier
  sortOrder: 1
  state: 1
  createdUtc: 2026-06-08T14:30:00Z
  updatedUtc: 2026-06-08T14:30:00Z   # touched by hand


- id: {ID3}
  text: Work scheduled
  sortOrder: 2
  state: 0
  createdUtc: 2026-06-08T14:30:00Z
  updatedUtc: 2026-06-08T14:30:00Z
# end of items
"""
LINES = HAND.splitlines(keepends=True)
PAGE_UPDATED = 7  # 1-based line numbers in HAND
ITEM1_STATE, ITEM1_UPDATED = 17, 19
ITEM2_TEXT, ITEM2_SORT, ITEM2_STATE, ITEM2_UPDATED = 23, 24, 25, 27
ITEM3_SORT, ITEM3_STATE, ITEM3_UPDATED = 32, 33, 35


def test_line_numbers_are_right():
    assert LINES[PAGE_UPDATED - 1].startswith("updatedUtc:")
    assert LINES[ITEM1_STATE - 1] == "  state: 2     # done last week\n"
    assert LINES[ITEM2_STATE - 1] == "  state: 1\n"
    assert LINES[ITEM2_UPDATED - 1].endswith("# touched by hand\n")
    assert LINES[ITEM3_UPDATED - 1] == "  updatedUtc: 2026-06-08T14:30:00Z\n"


@pytest.fixture
def hand(site, clock):
    path = site.pages_dir / "hand.yaml"
    path.write_text(HAND, "utf-8")
    clock.advance(minutes=30)
    assert clock.text == LATER
    return path


def changed_lines(path):
    """{line number: new line} for every line that differs; the line count must not change."""
    after = path.read_text("utf-8").splitlines(keepends=True)
    assert len(after) == len(LINES), "".join(after)
    return {number: new for number, (old, new) in enumerate(zip(LINES, after), 1) if old != new}


def diff(before_lines, after_lines):
    """(removed lines, added lines), each sorted, from a line diff."""
    removed, added = [], []
    matcher = difflib.SequenceMatcher(a=before_lines, b=after_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed.extend(before_lines[i1:i2])
            added.extend(after_lines[j1:j2])
    return sorted(removed), sorted(added)


def is_subsequence(small, big):
    it = iter(big)
    return all(any(line == other for other in it) for line in small)


EDITS = {
    "item set --state (number stays a number)": (
        ["item", "set", "hand", "Materials ordered", "--state", "complete"],
        {ITEM2_STATE: "  state: 2\n", ITEM2_UPDATED: f"  updatedUtc: {LATER}   # touched by hand\n"},
    ),
    "item start keeps the end-of-line comment": (
        ["item", "start", "hand", "#1"],
        {ITEM1_STATE: "  state: 1     # done last week\n", ITEM1_UPDATED: f"  updatedUtc: {LATER}\n"},
    ),
    "item reopen by id prefix": (
        ["item", "reopen", "hand", ID1[:6]],
        {ITEM1_STATE: "  state: 0     # done last week\n", ITEM1_UPDATED: f"  updatedUtc: {LATER}\n"},
    ),
    "item done, last item": (
        ["item", "done", "hand", "Work scheduled"],
        {ITEM3_STATE: "  state: 2\n", ITEM3_UPDATED: f"  updatedUtc: {LATER}\n"},
    ),
    "item set --text": (
        ["item", "set", "hand", "#2", "--text", "Materials delivered"],
        {ITEM2_TEXT: "  text: Materials delivered   # from the usual supplier\n",
         ITEM2_UPDATED: f"  updatedUtc: {LATER}   # touched by hand\n"},
    ),
    "page set --title": (
        ["page", "set", "hand", "--title", "Kitchen and bathroom"],
        {4: "title: Kitchen and bathroom   # the customer's own words\n"},
    ),
    "page set --expires": (
        ["page", "set", "hand", "--expires", "2026-12-31T17:00:00Z"],
        {8: "expiresUtc: 2026-12-31T17:00:00Z\n"},
    ),
    "item move": (
        ["item", "move", "hand", "Work scheduled", "--to", "1"],
        {16: "  sortOrder: 1\n", ITEM2_SORT: "  sortOrder: 2\n", ITEM3_SORT: "  sortOrder: 0\n",
         ITEM3_UPDATED: f"  updatedUtc: {LATER}\n"},
    ),
}


@pytest.mark.parametrize("args, expected", list(EDITS.values()), ids=list(EDITS))
def test_edit_changes_only_its_lines(site, runner, hand, args, expected):
    result = runner(*args)
    assert result.exit_code == 0, result.stderr
    expected = {PAGE_UPDATED: f"updatedUtc: {LATER}\n", **expected}
    assert changed_lines(hand) == expected


def test_token_rotate_changes_only_the_hash_line(runner, hand):
    result = runner("page", "token", "rotate", "hand")
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    changes = changed_lines(hand)
    assert list(changes) == [9]
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(rf"apiTokenHash: (\"?)sha256:{digest}\1\n", changes[9])


def test_unchanged_edit_writes_nothing(runner, hand):
    before = hand.read_bytes()
    result = runner("item", "set", "hand", "#1", "--state", "2", "--text", "Survey booked")
    assert result.exit_code == 0, result.stderr
    assert hand.read_bytes() == before


def test_fmt_leaves_a_complete_hand_file_alone(site, runner, hand):
    result = runner("fmt")
    assert result.exit_code == 0 and result.stdout == ""
    assert hand.read_text("utf-8") == HAND
    assert runner("check").exit_code == 0


def test_add_item_keeps_every_line_and_the_style(site, runner, hand):
    result = runner("item", "add", "hand", "Final inspection", "--json")
    assert result.exit_code == 0, result.stderr
    after = hand.read_text("utf-8").splitlines(keepends=True)
    expected = LINES.copy()
    expected[PAGE_UPDATED - 1] = f"updatedUtc: {LATER}\n"
    assert is_subsequence(expected, after), "".join(after)
    added = [line for line in after if line not in expected]
    new_id = result.stdout.split('"id": "')[1].split('"')[0]
    assert added == [f"- id: {new_id}\n", "  text: Final inspection\n", "  sortOrder: 3\n", "  state: pending\n",
                     f"  createdUtc: {LATER}\n", f"  updatedUtc: {LATER}\n"]
    assert len(after) == len(LINES) + 6


def test_delete_item_removes_only_its_lines(site, runner, hand):
    result = runner("item", "rm", "hand", "Materials ordered")
    assert result.exit_code == 0, result.stderr
    after = hand.read_text("utf-8").splitlines(keepends=True)
    removed, added = diff(LINES, after)
    assert added == [f"updatedUtc: {LATER}\n"]
    # the item's own six lines, the page's old updatedUtc, and at most the blank lines after the item
    assert [line for line in removed if line.strip()] == sorted(LINES[21:27] + [LINES[PAGE_UPDATED - 1]])
    assert len(removed) <= 7 + 2
    for comment in ("# Kitchen job for the Smiths.\n", "# first the survey\n", "# end of items\n",
                    "  state: 2     # done last week\n"):
        assert comment in after
    data = yaml.safe_load("".join(after))
    assert [item["id"] for item in data["items"]] == [ID1, ID3]


def test_many_edits_keep_comments(site, runner, hand, clock):
    for args in (["item", "start", "hand", "#3"], ["item", "done", "hand", "#3"],
                 ["item", "add", "hand", "Snagging"], ["page", "set", "hand", "--latest-update", "Nearly there"],
                 ["item", "move", "hand", "Snagging", "--to", "1"], ["item", "rm", "hand", "Snagging"]):
        clock.advance(minutes=1)
        result = runner(*args)
        assert result.exit_code == 0, (args, result.stderr)
    text = hand.read_text("utf-8")
    for line in LINES:
        if "#" in line:
            assert line.split("#", 1)[1] in text, line
    assert "\n- id: " in text and "\n  - id: " not in text  # still at column 0
    assert "  state: 2     # done last week\n" in text
    assert runner("check").exit_code == 0


# -- hand-added items -----------------------------------------------------------------------------

HAND_ADDED = HAND.replace("# end of items\n", """\
# added by hand, no id yet
- text: Final inspection   # book with the council
  state: active
""")


@pytest.fixture
def hand_added(site, clock):
    path = site.pages_dir / "hand.yaml"
    path.write_text(HAND_ADDED, "utf-8")
    clock.advance(minutes=30)
    return path


def check_filled(site, path, also_removed=(), also_added=()):
    """The hand-added item got an id, sortOrder and times; no other line of the file changed."""
    after = path.read_text("utf-8").splitlines(keepends=True)
    new = site.page("hand").sorted_items()[-1]
    assert new.text == "Final inspection" and int(new.state) == 1
    assert GUID_RE.match(new.id)
    assert new.sort_order == 3  # after every item that has one
    removed, added = diff(HAND_ADDED.splitlines(keepends=True), after)
    assert removed == sorted([f"updatedUtc: {LINES[PAGE_UPDATED - 1].split()[1]}\n",
                              "- text: Final inspection   # book with the council\n", *also_removed])
    assert added == sorted([f"updatedUtc: {LATER}\n", f"- id: {new.id}\n",
                            "  text: Final inspection   # book with the council\n", "  sortOrder: 3\n",
                            f"  createdUtc: {LATER}\n", f"  updatedUtc: {LATER}\n", *also_added])
    assert after[-7:] == ["# added by hand, no id yet\n", f"- id: {new.id}\n",
                          "  text: Final inspection   # book with the council\n", "  sortOrder: 3\n",
                          "  state: active\n", f"  createdUtc: {LATER}\n", f"  updatedUtc: {LATER}\n"]
    return new


def test_item_set_on_another_item_fills_in_the_hand_added_one(site, runner, hand_added):
    result = runner("item", "done", "hand", "#2")
    assert result.exit_code == 0, result.stderr
    check_filled(site, hand_added,
                 also_removed=["  state: 1\n", "  updatedUtc: 2026-06-08T14:30:00Z   # touched by hand\n"],
                 also_added=["  state: 2\n", f"  updatedUtc: {LATER}   # touched by hand\n"])
    assert int(site.page("hand").sorted_items()[1].state) == 2
    assert runner("check").exit_code == 0


def test_fmt_fills_in_the_hand_added_item_and_is_idempotent(site, runner, hand_added, clock):
    assert runner("check").exit_code == 1
    result = runner("fmt")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Filled in content/pages/hand.yaml\n"
    check_filled(site, hand_added)
    first = hand_added.read_bytes()
    clock.advance(hours=1)
    again = runner("fmt")
    assert again.exit_code == 0 and again.stdout == ""
    assert hand_added.read_bytes() == first
    assert runner("fmt", "--check").exit_code == 0
    assert runner("check").exit_code == 0


def test_fmt_fills_in_a_minimal_page(site, runner):
    path = site.pages_dir / "mini.yaml"
    path.write_text("title: Minimal   # just a title\nitems:\n  - text: one\n  - text: two\n    state: 2\n", "utf-8")
    assert runner("fmt").exit_code == 0
    text = path.read_text("utf-8")
    assert "title: Minimal   # just a title\n" in text
    page = site.page("mini")
    assert [(i.text, i.sort_order, int(i.state)) for i in page.sorted_items()] == [("one", 0, 0), ("two", 1, 2)]
    assert "\n  - id: " in text  # the file's own indentation is kept
    assert runner("fmt", "--check").exit_code == 0


def test_fmt_keeps_comment_before_next_item_in_place(site, runner):
    path = site.pages_dir / "hand.yaml"
    path.write_text("""\
title: Kitchen renovation
items:
  - text: Hand added first
    state: active

  # the next one
  - text: Second
""", "utf-8")
    assert runner("fmt").exit_code == 0
    lines = path.read_text("utf-8").splitlines()
    at = lines.index("  # the next one")
    assert lines[at + 1].startswith("  - "), lines
    assert lines[at - 1] == "", lines
    assert lines[at - 2].startswith("    updatedUtc: "), lines


def test_markdown_list_in_latest_update_does_not_reindent_items(site, runner):
    created = runner("page", "create", "Lists", "--item", "one", "--item", "two",
                     "--latest-update", "Notes:\n- tiles arrive\n- paint")
    assert created.exit_code == 0, created.stderr
    path = site.pages_dir / "lists.yaml"
    before = path.read_text("utf-8").splitlines(keepends=True)
    assert runner("item", "add", "lists", "three").exit_code == 0
    after = path.read_text("utf-8").splitlines(keepends=True)
    item_lines = [line for line in before if line.startswith("    ") or line.startswith("  - id:")]
    assert is_subsequence(item_lines, after)


def test_crlf_file_keeps_one_line_ending(site, runner):
    path = site.pages_dir / "hand.yaml"
    path.write_bytes(HAND.replace("\n", "\r\n").encode())
    assert runner("item", "add", "hand", "x").exit_code == 0
    data = path.read_bytes()
    assert data.count(b"\r\n") in (0, data.count(b"\n"))


def test_crlf_file_in_place_edit(site, runner):
    path = site.pages_dir / "hand.yaml"
    path.write_bytes(HAND.replace("\n", "\r\n").encode())
    assert runner("item", "done", "hand", "#2").exit_code == 0
    data = path.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == len(LINES)
    assert int(site.page("hand").sorted_items()[1].state) == 2


@pytest.mark.parametrize("args", [["item", "done", "hand", "#2"], ["page", "set", "hand", "--title", "New"]])
def test_file_with_bom_can_be_edited(site, runner, args):
    path = site.pages_dir / "hand.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HAND.encode())
    assert runner("check").exit_code == 0
    result = runner(*args)
    assert result.exit_code == 0, result.stderr
    page = site.page("hand")
    if args[0] == "item":
        assert int(page.sorted_items()[1].state) == 2
    else:
        assert page.title == "New"
    # only the changed lines differ; the rest of the file (after the BOM) is as it was
    after = path.read_bytes().decode("utf-8").lstrip("\ufeff").splitlines(keepends=True)
    assert len(after) == len(LINES)
    assert sum(1 for old, new in zip(LINES, after) if old != new) <= 3
