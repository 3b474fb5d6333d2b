"""The SharedStatus JSON shapes: keys, key order, value types and formats, as in the reference."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from helpers import BASE_URL, ID1, ID2, ID3, REFERENCE_GET, T0, UTC, page_file

from sspage import Item, Page, State, create_response, item_response, page_response
from sspage.shapes import to_json

ITEM_KEYS = ["id", "text", "sortOrder", "state", "createdUtc", "updatedUtc"]
PAGE_KEYS = ["publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc", "items"]
CREATE_KEYS = ["publicCode", "adminCode", "apiToken", "publicUrl", "adminUrl", "items"]

# Bodies copied from the SharedStatus API reference (sharedstatus-api.txt).
REFERENCE_ADD_ITEM = """{
"id": "5d2d9a7b-5f2a-46f5-bf73-6db4dc8c74a9",
"text": "Final inspection booked",
"sortOrder": 3,
"state": 0,
"createdUtc": "2026-06-08T15:20:00Z",
"updatedUtc": "2026-06-08T15:20:00Z"
}"""

REFERENCE_CREATE_EMPTY = """{
"publicCode": "z4hiCKGpsFUg",
"adminCode": "4XLI4LN9su",
"apiToken": "T3jO7d3pCecYTJSXKFDtr8mSJDn8tuMaBCNYnXBjBx0",
"publicUrl": "https://sharedstatus.com/s/z4hiCKGpsFUg",
"adminUrl": "https://sharedstatus.com/a/4XLI4LN9su",
"items": []
}"""


def at(hour, minute, second=0):
    return dt.datetime(2026, 6, 8, hour, minute, second, tzinfo=UTC)


def make_item(**overrides):
    fields = dict(id=ID1, text="Survey booked", sort_order=0, state=0, created_utc=T0, updated_utc=T0)
    fields.update(overrides)
    return Item(**fields)


def reference_page():
    page = Page(
        public_code="z4hiCKGpsFUg",
        title="Kitchen renovation",
        created_utc=T0,
        updated_utc=T0,
        items=[
            make_item(id=ID2, text="Materials ordered", sort_order=1, state=1, updated_utc=at(15, 10)),
            make_item(),
        ],
    )
    page.slug = "kitchen-renovation"
    return page


def test_item_response_matches_reference_exactly():
    item = make_item(id="5d2d9a7b-5f2a-46f5-bf73-6db4dc8c74a9", text="Final inspection booked",
                     sort_order=3, created_utc=at(15, 20), updated_utc=at(15, 20))
    body = item_response(item)
    assert list(body) == ITEM_KEYS
    assert body == json.loads(REFERENCE_ADD_ITEM)
    assert to_json(body) == json.dumps(json.loads(REFERENCE_ADD_ITEM), indent=2)


def test_page_response_matches_reference_exactly():
    body = page_response(reference_page())
    assert list(body) == PAGE_KEYS
    assert all(list(item) == ITEM_KEYS for item in body["items"])
    assert body == json.loads(REFERENCE_GET)
    # Items come in display order (by sortOrder), not file order.
    assert [item["sortOrder"] for item in body["items"]] == [0, 1]


def test_create_response_matches_reference_shape():
    page = reference_page()
    page.items = []
    body = create_response(page, "T3jO7d3pCecYTJSXKFDtr8mSJDn8tuMaBCNYnXBjBx0",
                           "https://sharedstatus.com/s/z4hiCKGpsFUg",
                           "https://sharedstatus.com/a/4XLI4LN9su")
    assert list(body) == CREATE_KEYS
    expected = json.loads(REFERENCE_CREATE_EMPTY)
    expected["adminCode"] = "kitchen-renovation"  # sspage's adminCode is the page's slug
    assert body == expected


def test_create_response_with_items():
    page = reference_page()
    body = create_response(page, "tok", "pub", "adm")
    assert list(body) == CREATE_KEYS
    assert [i["text"] for i in body["items"]] == ["Survey booked", "Materials ordered"]
    assert all(list(i) == ITEM_KEYS for i in body["items"])


def test_page_response_with_latest_update_and_expiry():
    page = reference_page()
    page.latest_update = "Tiles **Tuesday**"
    page.expires_utc = dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    body = page_response(page)
    assert body["latestUpdate"] == "Tiles **Tuesday**"
    assert body["expiresUtc"] == "2026-12-31T23:59:59Z"


@pytest.mark.parametrize("moment, text", [
    (dt.datetime(2026, 6, 8, 14, 30, tzinfo=UTC), "2026-06-08T14:30:00Z"),
    (dt.datetime(2026, 6, 8, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), "2026-06-08T14:30:00Z"),
    (dt.datetime(2026, 6, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2026-06-08T14:30:00Z"),
    (dt.datetime(2026, 6, 8, 14, 30, 5, 999999, tzinfo=UTC), "2026-06-08T14:30:05Z"),
    (dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
])
def test_timestamp_format(moment, text):
    body = item_response(make_item(created_utc=moment, updated_utc=moment))
    assert body["createdUtc"] == text
    assert body["updatedUtc"] == text


@pytest.mark.parametrize("state, number", [
    (0, 0), (1, 1), (2, 2), ("pending", 0), ("active", 1), ("complete", 2), (State.ACTIVE, 1),
])
def test_states_are_plain_ints(state, number):
    body = item_response(make_item(state=state))
    assert body["state"] == number
    assert type(body["state"]) is int
    assert f'"state": {number}' in to_json(body)


def test_item_response_types():
    body = item_response(make_item(sort_order=7))
    assert type(body["sortOrder"]) is int and body["sortOrder"] == 7
    assert type(body["id"]) is str


def test_shapes_from_a_page_file(site):
    """Times written with an offset in a hand-edited file come out in UTC with a Z."""
    text = page_file().replace("createdUtc: 2026-06-08T14:30:00Z\n", "createdUtc: 2026-06-08T16:30:00+02:00\n", 1)
    text = text.replace(f"id: {ID3}", f"id: {ID3.upper()}")
    (site.pages_dir / "hand.yaml").write_text(text, "utf-8")
    body = page_response(site.page("hand"))
    assert body["createdUtc"] == "2026-06-08T14:30:00Z"
    assert [i["id"] for i in body["items"]] == [ID1, ID2, ID3]  # GUIDs come out lower-case
    assert [i["state"] for i in body["items"]] == [2, 1, 0]


def test_create_response_from_site(site):
    created = site.create_page("Kitchen renovation", items=["a", "b"])
    page = created.page
    body = create_response(page, created.token, site.public_url(page), site.admin_url(page))
    assert list(body) == CREATE_KEYS
    assert body["publicUrl"] == f"{BASE_URL}/s/{page.public_code}"
    assert body["adminCode"] == "kitchen-renovation"
    assert body["apiToken"] == created.token
    assert [(i["text"], i["sortOrder"], i["state"]) for i in body["items"]] == [("a", 0, 0), ("b", 1, 0)]


# -- strict JSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "</script><script>alert(1)</script>",
    "a\u2028b\u2029c",
    "emoji 🎉 and ünïcode",
    'quotes " and \\ backslash',
    "tab\tnew\nline",
    "\u200f\u202e rtl",
])
def test_to_json_round_trips_and_is_html_safe(value):
    body = {"text": value, "n": 1, "none": None}
    for indent in (2, None):
        text = to_json(body, indent=indent)
        assert json.loads(text) == body
        assert "<" not in text
        assert "\u2028" not in text and "\u2029" not in text
    assert to_json(body, indent=None).startswith('{"text":')


def test_to_json_keeps_unicode_readable():
    assert to_json("ünï 🎉", indent=None) == '"ünï 🎉"'
    assert to_json("<b>", indent=None) == '"\\u003cb>"'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_to_json_refuses_non_finite_numbers(bad):
    with pytest.raises(ValueError):
        to_json({"x": bad})


def test_to_json_of_page_response_is_strict_json():
    text = to_json(page_response(reference_page()))
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard {name}")) == json.loads(
        REFERENCE_GET)
