"""`sspage api` against a real server on 127.0.0.1: the reference's quick start, every error, tokens."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import time
from urllib.parse import quote

import pytest
from apiserver import ApiServer, git, make_git_site, run_cli
from helpers import BASE_URL, GUID_RE, PUBLIC_CODE_RE, REFERENCE_GET, TOKEN_RE

# The reference's "Create response" of the quick start, verbatim.
REFERENCE_CREATE = """{
"publicCode": "z4hiCKGpsFUg",
"adminCode": "4XLI4LN9su",
"apiToken": "T3jO7d3pCecYTJSXKFDtr8mSJDn8tuMaBCNYnXBjBx0",
"publicUrl": "https://sharedstatus.com/s/z4hiCKGpsFUg",
"adminUrl": "https://sharedstatus.com/a/4XLI4LN9su",
"items": [
{
"id": "8c83d648-6f1d-4d69-8f1c-98eb3c8ef8a1",
"text": "Survey booked",
"sortOrder": 0,
"state": 2,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T14:30:00Z"
},
{
"id": "3f4a5b6c-7d8e-49f0-a1b2-c3d4e5f60718",
"text": "Materials ordered",
"sortOrder": 1,
"state": 1,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T14:30:00Z"
},
{
"id": "9a8b7c6d-5e4f-43a2-b1c0-d9e8f7a6b504",
"text": "Work scheduled",
"sortOrder": 2,
"state": 0,
"createdUtc": "2026-06-08T14:30:00Z",
"updatedUtc": "2026-06-08T14:30:00Z"
}
]
}"""

# The reference's "Add item response", verbatim.
REFERENCE_ADD = """{
"id": "5d2d9a7b-5f2a-46f5-bf73-6db4dc8c74a9",
"text": "Final inspection booked",
"sortOrder": 3,
"state": 0,
"createdUtc": "2026-06-08T15:20:00Z",
"updatedUtc": "2026-06-08T15:20:00Z"
}"""

QUICK_START = {"title": "Kitchen renovation", "items": [
    {"text": "Survey booked", "state": 2, "sortOrder": 0},
    {"text": "Materials ordered", "state": 1, "sortOrder": 1},
    {"text": "Work scheduled", "state": 0, "sortOrder": 2},
]}
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
ITEM_KEYS = ["id", "text", "sortOrder", "state", "createdUtc", "updatedUtc"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = make_git_site(tmp_path_factory.mktemp("api") / "site")
    with ApiServer(root, "--create-limit", "0") as running:
        yield running


@pytest.fixture
def page(server):
    """A fresh page on the shared server: (create body, auth headers)."""
    response = server.client.post("/v1/status-pages", json=QUICK_START)
    assert response.status_code == 201, response.text
    body = response.json()
    return body, {"Authorization": f"Bearer {body['apiToken']}"}


def assert_like(actual, reference):
    """Same fields in the same order, and the same JSON type for each, recursively."""
    if isinstance(reference, dict):
        assert isinstance(actual, dict)
        assert list(actual) == list(reference), (list(actual), list(reference))
        for key in reference:
            assert_like(actual[key], reference[key])
    elif isinstance(reference, list):
        assert isinstance(actual, list)
        for entry in actual:
            assert_like(entry, reference[0])
    else:
        assert type(actual) is type(reference) or reference is None, (actual, reference)


def assert_time(value, after):
    assert TIME_RE.match(value), value
    moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert after - dt.timedelta(seconds=2) <= moment <= dt.datetime.now(dt.timezone.utc), value


def assert_problem(response, status, *fragments):
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert list(body)[:4] == ["type", "title", "status", "detail"]
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["detail"], (fragment, body["detail"])
    return body


# -- the reference's quick start ---------------------------------------------------------


def test_quick_start_flow(server):
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    client = server.client
    commits_before = int(git(server.root, "rev-list", "--count", "HEAD"))

    # 1. Create the page with initial items.
    created = client.post("/v1/status-pages", json=QUICK_START)
    assert created.status_code == 201
    assert created.headers["content-type"] == "application/json; charset=utf-8"
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert_like(body, json.loads(REFERENCE_CREATE))
    code, token = body["publicCode"], body["apiToken"]
    assert PUBLIC_CODE_RE.match(code) and TOKEN_RE.match(token)
    assert created.headers["location"] == f"/v1/status-pages/{code}"
    assert body["adminCode"] == "kitchen-renovation"
    assert body["publicUrl"] == f"{BASE_URL}/s/{code}"
    assert body["adminUrl"] == "content/pages/kitchen-renovation.yaml"
    for sent, item in zip(QUICK_START["items"], body["items"], strict=True):
        assert list(item) == ITEM_KEYS
        assert GUID_RE.match(item["id"])
        assert (item["text"], item["state"], item["sortOrder"]) == \
            (sent["text"], sent["state"], sent["sortOrder"])
        assert_time(item["createdUtc"], started)
        assert item["updatedUtc"] == item["createdUtc"]
    ids = [item["id"] for item in body["items"]]
    auth = {"Authorization": f"Bearer {token}"}

    # 2. Update an existing item, as the reference's curl does.
    patched = client.patch(f"/v1/status-pages/{code}/items/{ids[1]}", json={"state": 1}, headers=auth)
    assert patched.status_code == 200
    assert patched.json() == body["items"][1]  # the state was already 1: nothing changed
    patched = client.patch(f"/v1/status-pages/{code}/items/{ids[1]}", json={"state": 2}, headers=auth)
    assert patched.status_code == 200
    assert_like(patched.json(), json.loads(REFERENCE_ADD))
    assert patched.json()["state"] == 2 and patched.json()["id"] == ids[1]

    # 3. Add an additional item later.
    added = client.post(f"/v1/status-pages/{code}/items", headers=auth,
                        json={"text": "Final inspection booked", "state": 0, "sortOrder": 3})
    assert added.status_code == 201
    item = added.json()
    assert_like(item, json.loads(REFERENCE_ADD))
    assert (item["text"], item["state"], item["sortOrder"]) == ("Final inspection booked", 0, 3)
    assert_time(item["createdUtc"], started)

    # 4. The public GET: the reference's shape, and the change made.
    got = client.get(f"/v1/status-pages/{code}")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json; charset=utf-8"
    page = got.json()
    assert_like(page, json.loads(REFERENCE_GET))
    assert (page["publicCode"], page["title"], page["latestUpdate"], page["expiresUtc"]) == \
        (code, "Kitchen renovation", None, None)
    assert [(i["text"], i["state"], i["sortOrder"]) for i in page["items"]] == [
        ("Survey booked", 2, 0), ("Materials ordered", 2, 1), ("Work scheduled", 0, 2),
        ("Final inspection booked", 0, 3)]
    assert page["items"][3] == item

    # 5. Delete an item.
    deleted = client.delete(f"/v1/status-pages/{code}/items/{ids[0]}", headers=auth)
    assert deleted.status_code == 204 and deleted.content == b""
    assert [i["id"] for i in client.get(f"/v1/status-pages/{code}").json()["items"]] == \
        [ids[1], ids[2], item["id"]]

    # One commit per request that changed something, by the API, with trailers.
    log = git(server.root, "log", f"-{4}", "--format=%an <%ae>%n%s%n%(trailers:key=Sspage-Page)")
    assert int(git(server.root, "rev-list", "--count", "HEAD")) == commits_before + 4
    assert log.count("sspage API <api@sspage.invalid>") == 4
    assert log.count(f"Sspage-Page: {code}") == 4
    subjects = git(server.root, "log", "-4", "--format=%s").splitlines()
    assert subjects == ['Kitchen renovation: delete "Survey booked"',
                        'Kitchen renovation: add "Final inspection booked" (Pending)',
                        'Kitchen renovation: "Materials ordered" Active → Complete',
                        "Kitchen renovation: create page"]
    assert git(server.root, "status", "--porcelain") == ""


def test_get_is_the_static_mirror(server, page, tmp_path):
    """One code path: the API's GET body is byte for byte the file `sspage build` writes."""
    body, _ = page
    got = server.client.get(f"/v1/status-pages/{body['publicCode']}")
    run_cli(server.root, "build", "--out", str(tmp_path / "out"))
    mirror = (tmp_path / "out" / "v1" / "status-pages" / body["publicCode"]).read_bytes()
    assert got.content == mirror


def test_create_empty_page_and_defaults(server):
    empty = server.client.post("/v1/status-pages", json={"title": "Kitchen renovation"})
    assert empty.status_code == 201
    assert empty.json()["items"] == []
    assert empty.json()["adminCode"].startswith("kitchen-renovation-")
    page = server.client.get(f"/v1/status-pages/{empty.json()['publicCode']}").json()
    assert page["items"] == [] and page["createdUtc"] == page["updatedUtc"]
    # state and sortOrder left out: Pending, and the item's position.
    created = server.client.post("/v1/status-pages", json={
        "title": "Loft", "items": [{"text": "Survey booked"}, {"text": "Materials ordered"}]}).json()
    assert [(i["state"], i["sortOrder"]) for i in created["items"]] == [(0, 0), (0, 1)]
    auth = {"Authorization": f"Bearer {created['apiToken']}"}
    added = server.client.post(f"/v1/status-pages/{created['publicCode']}/items",
                               json={"text": "Later"}, headers=auth).json()
    assert (added["state"], added["sortOrder"]) == (0, 2)
    # Unknown fields are ignored, as SharedStatus's JSON binding does.
    extra = server.client.post("/v1/status-pages", json={"title": "X", "colour": "red"})
    assert extra.status_code == 201


def test_patch_text_and_state(server, page):
    body, auth = page
    code, item = body["publicCode"], body["items"][2]["id"]
    patched = server.client.patch(f"/v1/status-pages/{code}/items/{item.upper()}",
                                  json={"text": "Work in progress", "state": 1}, headers=auth)
    assert patched.status_code == 200
    result = patched.json()
    assert (result["id"], result["text"], result["state"]) == (item, "Work in progress", 1)
    assert result["updatedUtc"] >= result["createdUtc"]
    page_now = server.client.get(f"/v1/status-pages/{code}").json()
    assert page_now["updatedUtc"] == result["updatedUtc"]


def test_etag_and_304(server, page):
    code = page[0]["publicCode"]
    first = server.client.get(f"/v1/status-pages/{code}")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = server.client.get(f"/v1/status-pages/{code}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert server.client.get(f"/v1/status-pages/{code}",
                             headers={"If-None-Match": '"other", ' + etag}).status_code == 304
    assert server.client.get(f"/v1/status-pages/{code}",
                             headers={"If-None-Match": '"other"'}).status_code == 200
    item = page[0]["items"][0]["id"]
    server.client.patch(f"/v1/status-pages/{code}/items/{item}", json={"state": 0}, headers=page[1])
    changed = server.client.get(f"/v1/status-pages/{code}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    head = server.client.head(f"/v1/status-pages/{code}")
    assert head.status_code == 200 and head.content == b""


# -- every error ---------------------------------------------------------------------------


def test_400_malformed_json(server, page):
    body, auth = page
    url = f"/v1/status-pages/{body['publicCode']}/items"
    headers = {**auth, "Content-Type": "application/json"}
    assert_problem(server.client.post(url, content=b'{"text":', headers=headers), 400,
                   "not valid JSON")
    assert_problem(server.client.post(url, content=b"", headers=headers), 400, "not valid JSON")
    assert_problem(server.client.post(url, content=b"\xff\xfe", headers=headers), 400)
    assert_problem(server.client.post(url, content=b'["text"]', headers=headers), 400,
                   "must be a JSON object, not an array")
    assert_problem(server.client.post("/v1/status-pages", content=b"{nope}",
                                      headers={"Content-Type": "application/json"}), 400)
    deep = b"[" * 100_000 + b"]" * 100_000
    assert server.client.post(url, content=deep, headers=headers).status_code == 400


def test_401_missing_wrong_or_malformed_token(server, page):
    body, auth = page
    code, item = body["publicCode"], body["items"][0]["id"]
    url = f"/v1/status-pages/{code}/items/{item}"
    missing = assert_problem(server.client.patch(url, json={"state": 1}), 401,
                             "Authorization: Bearer {apiToken}")
    assert missing["detail"]
    assert server.client.patch(url, json={"state": 1}).headers["www-authenticate"].startswith("Bearer")
    assert_problem(server.client.patch(url, json={"state": 1}, headers={"Authorization": "Bearer x"}),
                   401, f"not the token of page {code}")
    assert_problem(server.client.patch(url, json={"state": 1},
                                       headers={"Authorization": "Basic " + body["apiToken"]}),
                   401, "must be 'Bearer {apiToken}'")
    assert_problem(server.client.delete(url), 401)
    assert_problem(server.client.post(f"/v1/status-pages/{code}/items", json={"text": "x"}), 401)
    # Nothing was changed by any of them.
    assert server.client.get(f"/v1/status-pages/{code}").json()["items"][0]["state"] == 2


def test_token_of_another_page_is_refused(server, page):
    other = server.client.post("/v1/status-pages", json={"title": "Other"}).json()
    body, _ = page
    wrong = {"Authorization": f"Bearer {other['apiToken']}"}
    url = f"/v1/status-pages/{body['publicCode']}/items"
    assert_problem(server.client.post(url, json={"text": "x"}, headers=wrong), 401,
                   f"not the token of page {body['publicCode']}")
    assert_problem(server.client.delete(f"{url}/{body['items'][0]['id']}", headers=wrong), 401)


def test_rotated_token_is_refused(server, page):
    body, auth = page
    code, item = body["publicCode"], body["items"][0]["id"]
    url = f"/v1/status-pages/{code}/items/{item}"
    assert server.client.patch(url, json={"state": 1}, headers=auth).status_code == 200
    rotated = run_cli(server.root, "page", "token", "rotate", body["adminCode"]).stdout.strip()
    assert TOKEN_RE.match(rotated)
    assert_problem(server.client.patch(url, json={"state": 0}, headers=auth), 401)
    fresh = {"Authorization": f"Bearer {rotated}"}
    assert server.client.patch(url, json={"state": 0}, headers=fresh).json()["state"] == 0


def test_404_unknown_page_or_item(server, page):
    body, auth = page
    code = body["publicCode"]
    assert_problem(server.client.get("/v1/status-pages/AAAAAAAAAAAAAAAA"), 404,
                   "no status page AAAAAAAAAAAAAAAA")
    assert_problem(server.client.get("/v1/status-pages/short"), 404, "12 to 64 letters and digits")
    assert_problem(server.client.get("/v1/status-pages/..%2F..%2Fetc"), 404)
    assert_problem(server.client.post("/v1/status-pages/AAAAAAAAAAAAAAAA/items", json={"text": "x"},
                                      headers=auth), 404)
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(server.client.patch(f"/v1/status-pages/{code}/items/{missing}", json={"state": 1},
                                       headers=auth), 404, f"no item {missing}")
    assert_problem(server.client.delete(f"/v1/status-pages/{code}/items/{missing}", headers=auth), 404)
    # A text or a prefix names an item on the command line, never in the API.
    for ref in ("Survey booked", body["items"][0]["id"][:8], "#1"):
        assert_problem(server.client.patch(f"/v1/status-pages/{code}/items/{quote(ref, safe='')}",
                                           json={"state": 1}, headers=auth), 404)
    assert_problem(server.client.get(f"/v1/status-pages/{code}/"), 404)
    assert_problem(server.client.get("/v2/nothing"), 404, "/openapi.json lists them")


def test_413_body_too_large(server, page):
    body, auth = page
    url = f"/v1/status-pages/{body['publicCode']}/items"
    big = b'{"text": "' + b"x" * (1024 * 1024) + b'"}'
    assert_problem(server.client.post(url, content=big, headers={**auth, "Content-Type": "application/json"}),
                   413, "limit is 1,048,576")

    def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(20):
            yield b"x" * 65536

    assert_problem(server.client.post(url, content=chunks(),
                                      headers={**auth, "Content-Type": "application/json"}), 413)


def test_415_wrong_content_type(server, page):
    body, auth = page
    url = f"/v1/status-pages/{body['publicCode']}/items"
    assert_problem(server.client.post(url, content=b'{"text":"x"}', headers=auth), 415,
                   "Content-Type: application/json", "none was sent")
    assert_problem(server.client.post(url, content=b'{"text":"x"}',
                                      headers={**auth, "Content-Type": "text/plain"}), 415, "text/plain")
    assert_problem(server.client.post("/v1/status-pages", data={"title": "x"}), 415)
    ok = server.client.post(url, content=b'{"text":"x"}',
                            headers={**auth, "Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


@pytest.mark.parametrize(("method", "path", "payload", "fragment", "field"), [
    ("post", "items", {"text": "x", "state": 3}, "0 (Pending), 1 (Active) or 2 (Complete), not 3", "state"),
    ("post", "items", {"text": "x", "state": "active"}, 'not "active"', "state"),
    ("post", "items", {"text": "x", "state": True}, "not true", "state"),
    ("post", "items", {"text": ""}, "must not be empty", "text"),
    ("post", "items", {"text": "   "}, "must not be empty", "text"),
    ("post", "items", {"state": 1}, "text is required", "text"),
    ("post", "items", {"text": 5}, "must be a string, not 5", "text"),
    ("post", "items", {"text": "x" * 501}, "the limit is 500", "text"),
    ("post", "items", {"text": "a\u0000b"}, "control character U+0000", "text"),
    ("post", "items", {"text": "x", "sortOrder": -1}, "from 0 to 2147483647, not -1", "sortOrder"),
    ("post", "items", {"text": "x", "sortOrder": 1.5}, "not 1.5", "sortOrder"),
    ("post", "items", {"text": "x", "sortOrder": 1e300}, "to 2147483647, not 1000", "sortOrder"),
    ("post", "items", {"text": "x", "sortOrder": 2**31}, "not 2147483648", "sortOrder"),
    ("patch", "item", {}, "at least one field", None),
    ("patch", "item", {"sortOrder": 3}, "at least one field", None),
    ("patch", "item", {"state": None, "text": None}, "at least one field", None),
    ("patch", "item", {"state": -1}, "not -1", "state"),
    ("patch", "item", {"text": ""}, "must not be empty", "text"),
    ("create", "", {}, "title is required", "title"),
    ("create", "", {"title": ""}, "must not be empty", "title"),
    ("create", "", {"title": "a\nb"}, "single line", "title"),
    ("create", "", {"title": "x" * 201}, "the limit is 200", "title"),
    ("create", "", {"title": "x", "items": "Survey"}, "items must be an array", "items"),
    ("create", "", {"title": "x", "items": ["Survey"]}, "items[0] must be an object", "items[0]"),
    ("create", "", {"title": "x", "items": [{"text": "a"}, {"text": "b", "state": 9}]}, "not 9",
     "items[1].state"),
    ("create", "", {"title": "x", "items": [{"text": "a"}] * 501}, "at most 500 items", "items"),
])
def test_422_field_out_of_range(server, page, method, path, payload, fragment, field):
    body, auth = page
    code = body["publicCode"]
    if method == "create":
        response = server.client.post("/v1/status-pages", json=payload)
    elif method == "post":
        response = server.client.post(f"/v1/status-pages/{code}/items", json=payload, headers=auth)
    else:
        response = server.client.patch(f"/v1/status-pages/{code}/items/{body['items'][0]['id']}",
                                       json=payload, headers=auth)
    problem = assert_problem(response, 422, fragment)
    assert problem.get("field") == field


def test_405_and_trailing_slash(server, page):
    code = page[0]["publicCode"]
    response = server.client.put(f"/v1/status-pages/{code}", json={})
    assert_problem(response, 405, "PUT is not allowed here")
    assert "GET" in response.headers["allow"]
    assert_problem(server.client.get("/v1/status-pages"), 405)


def test_garbage_on_the_wire_is_not_a_500(server):
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    for request in (b"NOT HTTP AT ALL\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    b"POST /v1/status-pages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    b"Content-Type: application/json\r\n\r\nzz\r\n"):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request)
            reply = sock.recv(200)
        assert reply.startswith(b"HTTP/1.1 4"), reply
    assert server.client.get("/openapi.json").status_code == 200  # still serving


# -- rate limits, integration keys, logs --------------------------------------------------


def test_rate_limit_and_integration_keys(tmp_path):
    root = make_git_site(tmp_path / "site")
    key = run_cli(root, "integration-key", "create", "crm-import").stdout.strip()
    assert key.startswith("ssik_")
    with ApiServer(root, "--create-limit", "2/min", "--key-create-limit", "3/min") as server:
        client = server.client
        for _ in range(2):
            assert client.post("/v1/status-pages", json={"title": "Anon"}).status_code == 201
        limited = assert_problem(client.post("/v1/status-pages", json={"title": "Anon"}), 429,
                                 "limit is 2 a minute")
        assert limited
        retry = client.post("/v1/status-pages", json={"title": "Anon"}).headers["retry-after"]
        assert 1 <= int(retry) <= 30
        # The key has a limit of its own, higher or not.
        keyed = {"SharedStatus-Integration-Key": key}
        made = [client.post("/v1/status-pages", json={"title": "Keyed"}, headers=keyed) for _ in range(3)]
        assert [r.status_code for r in made] == [201] * 3
        assert_problem(client.post("/v1/status-pages", json={"title": "Keyed"}, headers=keyed), 429,
                       "with this integration key")
        assert_problem(client.post("/v1/status-pages", json={"title": "x"},
                                   headers={"SharedStatus-Integration-Key": "ssik_wrong"}), 401,
                       "not a key of this server")
        # A key creates pages and nothing else: it is not a page's token.
        code, item = made[0].json()["publicCode"], None
        assert_problem(client.post(f"/v1/status-pages/{code}/items", json={"text": "x"},
                                   headers={"Authorization": f"Bearer {key}"}), 401)
        assert_problem(client.post(f"/v1/status-pages/{code}/items", json={"text": "x"}, headers=keyed), 401)
        assert item is None
        # The commit of a page created with the key names the key as its author.
        authors = git(root, "log", "-4", "--format=%an <%ae>").splitlines()
        assert authors[0] == "crm-import <api@sspage.invalid>"
        # A key revoked while the server runs stops working at once.
        run_cli(root, "integration-key", "revoke", "crm-import")
        assert_problem(client.post("/v1/status-pages", json={"title": "x"}, headers=keyed), 401)
        text = server.text()
    assert key not in text
    for created in made:
        assert created.json()["apiToken"] not in text


def test_access_log_is_structured_and_has_no_tokens(server, page):
    body, auth = page
    code = body["publicCode"]
    server.client.patch(f"/v1/status-pages/{code}/items/{body['items'][0]['id']}?token=x",
                        json={"state": 1}, headers=auth)
    server.client.patch(f"/v1/status-pages/{code}/items/{body['items'][0]['id']}", json={"state": 1},
                        headers={"Authorization": "Bearer wrong-token-123"})
    time.sleep(0.5)  # request lines are flushed in batches
    requests = server.events("request")
    patches = [r for r in requests if r["method"] == "PATCH" and code in r["path"]]
    assert [r["status"] for r in patches][-2:] == [200, 401]
    for record in patches:
        assert list(record) == ["time", "event", "client", "method", "path", "status", "bytes", "ms"]
        assert record["client"] == "127.0.0.1" and "?" not in record["path"]
    text = server.text()
    assert body["apiToken"] not in text and "wrong-token-123" not in text
    assert server.events("commit")


def test_page_changed_outside_the_api(server, page):
    """Hand edits and the command line are seen at once; the API never undoes them."""
    body, auth = page
    code, slug = body["publicCode"], body["adminCode"]
    path = server.root / "content" / "pages" / f"{slug}.yaml"
    path.write_text(path.read_text().replace("title: Kitchen renovation", "title: Kitchen, by hand"))
    assert server.client.get(f"/v1/status-pages/{code}").json()["title"] == "Kitchen, by hand"
    patched = server.client.patch(f"/v1/status-pages/{code}/items/{body['items'][2]['id']}",
                                  json={"state": 1}, headers=auth)
    assert patched.status_code == 200
    assert "title: Kitchen, by hand" in path.read_text()
    made = json.loads(run_cli(server.root, "page", "create", "Made by the CLI", "--json").stdout)
    assert server.client.get(f"/v1/status-pages/{made['publicCode']}").json()["title"] == \
        "Made by the CLI"
    run_cli(server.root, "page", "rm", made["adminCode"])
    assert_problem(server.client.get(f"/v1/status-pages/{made['publicCode']}"), 404)


def test_expired_page_is_gone(server, page):
    body, _ = page
    run_cli(server.root, "page", "set", body["adminCode"], "--expires", "2020-01-01")
    assert_problem(server.client.get(f"/v1/status-pages/{body['publicCode']}"), 404, "has expired")


def test_broken_page_file_is_503_not_500(server, page):
    body, auth = page
    path = server.root / "content" / "pages" / f"{body['adminCode']}.yaml"
    path.write_text(path.read_text().replace("state: complete", "state: finished", 1))
    problem = assert_problem(server.client.get(f"/v1/status-pages/{body['publicCode']}"), 503,
                             "sspage check")
    assert str(path.name) not in problem["detail"]  # file paths are the maintainer's business
    assert_problem(server.client.post(f"/v1/status-pages/{body['publicCode']}/items",
                                      json={"text": "x"}, headers=auth), 503)
