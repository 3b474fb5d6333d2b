"""The library, end to end, on real files: every Site operation and what it writes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import yaml
from helpers import (
    BASE_URL,
    GUID_RE,
    ID1,
    ID2,
    ID3,
    PUBLIC_CODE_RE,
    T0,
    TOKEN_RE,
    UTC,
    page_file,
    snapshot,
)

import sspage
from sspage import InputError, NotFoundError, State
from sspage.model import MAX_ITEMS, MAX_SORT_ORDER, MAX_TEXT, MAX_TITLE


def make_page(site, *items, title="Kitchen renovation", **kw):
    return site.create_page(title, items=list(items), **kw)


def reload(site, slug="kitchen-renovation"):
    return site.page(slug)


def texts(page):
    return [item.text for item in page.sorted_items()]


# -- create ------------------------------------------------------------------------------------


def test_create_page_with_items_defaults(site):
    created = site.create_page(
        "Kitchen renovation",
        items=[
            "Survey booked",
            {"text": "Materials ordered", "state": 1},
            {"text": "Work scheduled", "state": "complete"},
        ],
    )
    page = created.page
    assert page.slug == "kitchen-renovation"
    assert page.path == site.pages_dir / "kitchen-renovation.yaml"
    assert page.path.is_file()
    assert page.title == "Kitchen renovation"
    assert PUBLIC_CODE_RE.match(page.public_code)
    assert page.latest_update is None
    assert page.expires_utc is None
    assert page.created_utc == T0
    assert page.updated_utc == T0
    # state omitted = Pending; sortOrder follows the array position
    assert [(i.text, i.state, i.sort_order) for i in page.items] == [
        ("Survey booked", State.PENDING, 0),
        ("Materials ordered", State.ACTIVE, 1),
        ("Work scheduled", State.COMPLETE, 2),
    ]
    ids = [item.id for item in page.items]
    assert all(GUID_RE.match(i) for i in ids)
    assert len(set(ids)) == 3
    assert all(i.created_utc == T0 and i.updated_utc == T0 for i in page.items)
    # what came back is what was saved
    assert reload(site) == page


def test_create_page_without_items(site):
    created = site.create_page("Empty one")
    assert created.page.items == []
    assert reload(site, "empty-one").items == []


def test_create_page_explicit_sort_orders_and_missing_ones(site):
    created = site.create_page(
        "Kitchen renovation",
        items=[{"text": "late", "sortOrder": 10}, {"text": "second position"}, {"text": "x", "sortOrder": 0}],
    )
    assert [i.sort_order for i in created.page.items] == [10, 1, 0]
    assert texts(reload(site)) == ["x", "second position", "late"]


def test_create_page_stores_only_the_token_hash(site):
    created = make_page(site, "a")
    assert TOKEN_RE.match(created.token)
    raw = created.page.path.read_text("utf-8")
    assert created.token not in raw
    expected = "sha256:" + hashlib.sha256(created.token.encode()).hexdigest()
    assert created.page.api_token_hash == expected
    assert f"apiTokenHash: {expected}\n" in raw


def test_create_page_file_layout(site):
    created = make_page(site, "Survey booked", latest_update="Hello")
    data = yaml.safe_load(created.page.path.read_text("utf-8"))
    expected = ["publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc",
                "apiTokenHash", "items"]
    assert [key for key in data if key in expected] == expected
    assert data["latestUpdate"] == "Hello"
    assert list(data["items"][0]) == ["id", "text", "sortOrder", "state", "createdUtc", "updatedUtc"]
    raw = created.page.path.read_text("utf-8")
    assert "createdUtc: 2026-06-08T14:30:00Z\n" in raw
    assert "    state: pending\n" in raw


def test_create_page_slug_from_title_and_collisions(site):
    assert site.create_page("Kitchen renovation").page.slug == "kitchen-renovation"
    assert site.create_page("Kitchen renovation").page.slug == "kitchen-renovation-2"
    assert site.create_page("Kitchen  Renovation!").page.slug == "kitchen-renovation-3"
    assert site.create_page("Crème brûlée").page.slug == "creme-brulee"
    assert site.create_page("☃☃").page.slug == "page"
    assert site.create_page("Mine", slug="custom-slug").page.slug == "custom-slug"


def test_create_page_existing_slug_refused(site):
    site.create_page("A", slug="taken")
    before = snapshot(site.root)
    with pytest.raises(InputError, match="already exists"):
        site.create_page("B", slug="taken")
    assert snapshot(site.root) == before


def test_create_second_page_with_same_long_title(site):
    """Regression: the '-2' suffix after a cut that ended in '-' gave an invalid '--' slug."""
    title = "a" * 61 + " bbbbbb"  # slug: 61 a's, '-', 'bb' (cut at 64)
    first = site.create_page(title).page.slug
    second = site.create_page(title).page.slug
    assert first != second
    assert len(second) <= 64 and "--" not in second


def test_create_page_limits(site):
    site.create_page("t" * MAX_TITLE)
    with pytest.raises(InputError, match="title"):
        site.create_page("t" * (MAX_TITLE + 1))
    site.create_page("Texts", items=["x" * MAX_TEXT])
    with pytest.raises(InputError, match="text"):
        site.create_page("Texts 2", items=["x" * (MAX_TEXT + 1)])
    with pytest.raises(InputError, match=str(MAX_ITEMS)):
        site.create_page("Too many", items=["i"] * (MAX_ITEMS + 1))
    assert sorted(p.slug for p in site.pages()) == ["texts", "t" * 64]


# -- add ---------------------------------------------------------------------------------------


def test_add_item_goes_to_end_as_max_plus_one(site, clock):
    make_page(site, {"text": "a", "sortOrder": 0}, {"text": "b", "sortOrder": 7}, {"text": "c", "sortOrder": 3})
    clock.advance(minutes=50)
    added = site.add_item("kitchen-renovation", "Final inspection booked")
    assert added.sort_order == 8
    assert added.state == State.PENDING
    assert GUID_RE.match(added.id)
    assert added.created_utc == added.updated_utc == clock.now
    page = reload(site)
    assert page.updated_utc == clock.now
    assert page.created_utc == T0
    assert texts(page)[-1] == "Final inspection booked"
    assert [i for i in page.items if i.id == added.id] == [added]


def test_add_item_to_empty_page_gets_sort_order_zero(site):
    make_page(site)
    assert site.add_item("kitchen-renovation", "first").sort_order == 0


def test_add_item_with_state_and_sort_order(site):
    make_page(site, "a", "b")
    added = site.add_item("kitchen-renovation", "z", state="Active", sort_order=0)
    assert (added.state, added.sort_order) == (State.ACTIVE, 0)
    added = site.add_item("kitchen-renovation", "y", state=2)
    assert (added.state, added.sort_order) == (State.COMPLETE, 2)


@pytest.mark.parametrize("given, expected", [
    (0, State.PENDING), ("1", State.ACTIVE), ("complete", State.COMPLETE),
    ("COMPLETE", State.COMPLETE), (" active ", State.ACTIVE), (State.ACTIVE, State.ACTIVE),
])
def test_add_item_state_spellings(site, given, expected):
    make_page(site)
    assert site.add_item("kitchen-renovation", "x", state=given).state == expected


def test_add_item_by_public_code(site):
    created = make_page(site, "a")
    site.add_item(created.page.public_code, "b")
    assert texts(reload(site)) == ["a", "b"]


def test_add_item_refuses_item_beyond_limit(site):
    make_page(site, *["i"] * MAX_ITEMS)
    before = snapshot(site.root)
    with pytest.raises(InputError, match="limit"):
        site.add_item("kitchen-renovation", "one too many")
    assert snapshot(site.root) == before


def test_add_item_after_max_sort_order_is_a_clean_error(site):
    """Regression: max(sortOrder)+1 overflowed into a validation crash (not an SspageError)."""
    make_page(site, {"text": "last", "sortOrder": MAX_SORT_ORDER})
    before = snapshot(site.root)
    with pytest.raises(InputError, match="sortOrder"):
        site.add_item("kitchen-renovation", "after")
    assert snapshot(site.root) == before
    # an explicit sortOrder still works
    assert site.add_item("kitchen-renovation", "first", sort_order=0).sort_order == 0
    with pytest.raises(InputError, match="sortOrder"):
        site.add_item("kitchen-renovation", "x", sort_order=MAX_SORT_ORDER + 1)


# -- update ------------------------------------------------------------------------------------


def test_update_item_state_moves_item_and_page_times(site, clock):
    make_page(site, "Survey booked", "Materials ordered")
    clock.advance(minutes=55)
    updated = site.update_item("kitchen-renovation", "#2", state="active")
    assert updated.state == State.ACTIVE
    assert updated.text == "Materials ordered"
    assert updated.created_utc == T0
    assert updated.updated_utc == clock.now
    page = reload(site)
    assert page.updated_utc == clock.now
    first, second = page.sorted_items()
    assert second == updated
    assert (first.state, first.updated_utc) == (State.PENDING, T0)  # the other item is untouched


def test_update_item_text(site, clock):
    make_page(site, "Survey booked")
    clock.advance(hours=1)
    updated = site.update_item("kitchen-renovation", "Survey booked", text="Survey done")
    assert (updated.text, updated.state, updated.updated_utc) == ("Survey done", State.PENDING, clock.now)
    assert texts(reload(site)) == ["Survey done"]


def test_update_item_text_and_state_together(site, clock):
    make_page(site, "a")
    clock.advance(seconds=1)
    updated = site.update_item("kitchen-renovation", "#1", text="b", state=2)
    assert (updated.text, updated.state) == ("b", State.COMPLETE)


def test_unchanged_update_writes_nothing(site, clock):
    created = make_page(site, "Survey booked", {"text": "Materials", "state": 1})
    changes = []
    site.on_change = changes.append
    path = created.page.path
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    clock.advance(hours=2)
    result = site.update_item("kitchen-renovation", "Materials", state="active", text="Materials")
    assert result.updated_utc == T0
    assert result.state == State.ACTIVE
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime
    assert changes == []
    assert reload(site).updated_utc == T0


def test_update_item_nothing_given_refused(site):
    make_page(site, "a")
    with pytest.raises(InputError, match="nothing to change"):
        site.update_item("kitchen-renovation", "#1")


# -- delete and move ---------------------------------------------------------------------------


def test_delete_item(site, clock):
    make_page(site, "a", "b", "c")
    clock.advance(minutes=1)
    removed = site.delete_item("kitchen-renovation", "b")
    assert removed.text == "b"
    page = reload(site)
    assert texts(page) == ["a", "c"]
    assert removed.id not in [i.id for i in page.items]
    assert page.updated_utc == clock.now
    # the remaining items keep their sortOrders (no renumbering on delete)
    assert [i.sort_order for i in page.sorted_items()] == [0, 2]


@pytest.mark.parametrize("position, expected", [
    (1, ["d", "a", "b", "c"]),
    (2, ["a", "d", "b", "c"]),
    (4, ["a", "b", "c", "d"]),
])
def test_move_item_renumbers(site, clock, position, expected):
    make_page(site, *({"text": t, "sortOrder": n} for t, n in zip("abcd", (10, 20, 30, 40))))
    clock.advance(minutes=3)
    moved = site.move_item("kitchen-renovation", "d", position)
    assert moved.text == "d"
    assert moved.sort_order == position - 1
    assert moved.updated_utc == clock.now
    page = reload(site)
    assert texts(page) == expected
    assert [i.sort_order for i in page.sorted_items()] == [0, 1, 2, 3]
    assert page.updated_utc == clock.now


def test_move_item_up(site):
    make_page(site, "a", "b", "c")
    site.move_item("kitchen-renovation", "#1", 3)
    assert texts(reload(site)) == ["b", "c", "a"]


@pytest.mark.parametrize("position", [0, 4, 99])
def test_move_item_out_of_range(site, position):
    make_page(site, "a", "b", "c")
    before = snapshot(site.root)
    with pytest.raises(InputError, match=f"position {position} is out of range"):
        site.move_item("kitchen-renovation", "#1", position)
    assert snapshot(site.root) == before


def test_move_item_with_upper_case_guid_in_file(site):
    """Regression: move_item looked up the raw (upper-case) id and raised KeyError."""
    text = page_file().replace(ID1, ID1.upper())
    (site.pages_dir / "hand.yaml").write_text(text, "utf-8")
    moved = site.move_item("hand", "#1", 3)
    assert moved.id == ID1
    assert texts(site.page("hand")) == ["Materials ordered", "Work scheduled", "Survey booked"]


# -- item references ---------------------------------------------------------------------------


@pytest.mark.parametrize("ref", ["#2", ID2, ID2.upper(), ID2[:4], ID2[:8], ID2[:13], "Materials ordered",
                                 " #2 "])
def test_item_refs(site, ref):
    (site.pages_dir / "hand.yaml").write_text(page_file(), "utf-8")
    assert site.update_item("hand", ref, state=2).id == ID2


@pytest.mark.parametrize("ref", [ID2[:3], "#0", "#4", "materials ordered", "Materials", "nope"])
def test_item_refs_not_found(site, ref):
    (site.pages_dir / "hand.yaml").write_text(page_file(), "utf-8")
    with pytest.raises(NotFoundError):
        site.update_item("hand", ref, state=2)


# -- pages -------------------------------------------------------------------------------------


def test_update_page_title_latest_update_expires(site, clock):
    make_page(site, "a")
    clock.advance(days=1)
    page = site.update_page("kitchen-renovation", title="New title")
    assert page.title == "New title"
    assert page.updated_utc == clock.now
    assert page.slug == "kitchen-renovation"  # the file name does not follow the title

    clock.advance(days=1)
    page = site.update_page("kitchen-renovation", latest_update="Tiles arrive **Tuesday**.\n\n- one\n- two\n")
    assert page.latest_update == "Tiles arrive **Tuesday**.\n\n- one\n- two\n"
    assert page.updated_utc == clock.now
    assert reload(site).latest_update == page.latest_update

    expires = dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    page = site.update_page("kitchen-renovation", expires=expires)
    assert page.expires_utc == expires
    assert "expiresUtc: 2026-12-31T17:00:00Z\n" in page.path.read_text("utf-8")
    assert reload(site).expires_utc == expires

    page = site.update_page("kitchen-renovation", latest_update=None, expires=None)
    assert page.latest_update is None and page.expires_utc is None
    raw = page.path.read_text("utf-8")
    assert "latestUpdate: null\n" in raw and "expiresUtc: null\n" in raw
    assert reload(site) == page


def test_update_page_expires_in_other_zone_is_stored_in_utc(site):
    make_page(site)
    zone = dt.timezone(dt.timedelta(hours=2))
    page = site.update_page("kitchen-renovation", expires=dt.datetime(2026, 7, 1, 12, 0, tzinfo=zone))
    assert page.expires_utc == dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert "expiresUtc: 2026-07-01T10:00:00Z\n" in page.path.read_text("utf-8")


def test_update_page_nothing_refused(site):
    make_page(site)
    with pytest.raises(InputError, match="nothing to change"):
        site.update_page("kitchen-renovation")


def test_delete_page_by_slug_and_by_public_code(site):
    one = make_page(site, "a", title="One").page
    two = make_page(site, "b", title="Two").page
    removed = site.delete_page("one")
    assert removed.title == "One"
    assert not one.path.exists()
    removed = site.delete_page(two.public_code)
    assert removed.slug == "two"
    assert not two.path.exists()
    assert site.pages() == []
    with pytest.raises(NotFoundError):
        site.page("one")


def test_page_lookup_by_slug_and_public_code(site):
    created = make_page(site, "a").page
    other = make_page(site, "b", title="Other").page
    assert site.page("kitchen-renovation") == created
    assert site.page(created.public_code) == created
    assert site.find_page(created.public_code) == created.path
    assert site.page(other.public_code).title == "Other"
    assert [p.slug for p in site.pages()] == ["kitchen-renovation", "other"]
    with pytest.raises(NotFoundError, match="no page 'missing'"):
        site.page("missing")
    with pytest.raises(NotFoundError):
        site.page("ABCDEFGHIJKL")  # publicCode-shaped but unknown


def test_public_and_admin_urls(site):
    created = make_page(site).page
    assert site.public_url(created) == f"{BASE_URL}/s/{created.public_code}"
    assert site.admin_url(created) == "content/pages/kitchen-renovation.yaml"


def test_admin_url_uses_edit_url_template(site):
    config = site.content_dir / "site.yaml"
    config.write_text(config.read_text("utf-8").replace(
        "# edit_url: https://github.com/OWNER/REPO/edit/main/{path}",
        "edit_url: https://git.example.com/edit/{path}?slug={slug}"), "utf-8")
    fresh = sspage.open_site(site.root)
    created = make_page(fresh).page
    assert fresh.admin_url(created) == (
        "https://git.example.com/edit/content/pages/kitchen-renovation.yaml?slug=kitchen-renovation")


# -- tokens ------------------------------------------------------------------------------------


def test_rotate_token(site, clock):
    created = make_page(site, "a")
    old = created.token
    assert site.verify_token("kitchen-renovation", old) is True
    clock.advance(hours=1)
    new = site.rotate_token("kitchen-renovation")
    assert TOKEN_RE.match(new) and new != old
    assert site.verify_token("kitchen-renovation", old) is False
    assert site.verify_token("kitchen-renovation", new) is True
    assert site.verify_token(created.page.public_code, new) is True
    raw = created.page.path.read_text("utf-8")
    assert new not in raw
    assert "sha256:" + hashlib.sha256(new.encode()).hexdigest() in raw
    # rotating is not a change viewers see: updatedUtc stays
    assert reload(site).updated_utc == T0


@pytest.mark.parametrize("token", ["", " ", "x", "sha256:" + "0" * 64])
def test_verify_token_refuses_wrong_tokens(site, token):
    make_page(site)
    assert site.verify_token("kitchen-renovation", token) is False


def test_page_without_token_accepts_none(site):
    text = page_file()
    assert "apiTokenHash" not in text
    (site.pages_dir / "hand.yaml").write_text(text, "utf-8")
    assert site.verify_token("hand", "") is False
    assert site.verify_token("hand", "anything") is False


# -- change notifications ----------------------------------------------------------------------


def test_on_change_reports_each_write(site):
    changes = []
    site.on_change = changes.append
    created = make_page(site, "a")
    item = site.add_item("kitchen-renovation", "b")
    site.update_item("kitchen-renovation", "b", state=1)
    assert [c.path for c in changes] == [created.page.path] * 3
    assert changes[0].trailers == {"Sspage-Page": created.page.public_code}
    assert changes[1].trailers == {"Sspage-Page": created.page.public_code, "Sspage-Item": item.id}
    assert "Pending → Active" in changes[2].summary


def test_open_site_errors(tmp_path):
    with pytest.raises(sspage.ConfigError, match="not an sspage site"):
        sspage.open_site(tmp_path / "nowhere")


def test_tokens_never_start_like_an_option():
    from sspage.tokens import new_token

    tokens = [new_token() for _ in range(2000)]  # about 60 would start with '-' or '_' by chance
    assert all(token[0].isalnum() and len(token) == 43 for token in tokens)
    assert len(set(tokens)) == len(tokens)
