"""Schema-driven fuzzing of the running API from its own /openapi.json (schemathesis).

Every operation is called with generated requests, valid and invalid, against
a real server on 127.0.0.1. Half of the generated publicCodes and item ids are
swapped for real ones and a real token is sent, so that the fuzzing reaches
the writes and not only the 404s and 401s. Every response must be documented
(status, content type, headers, body schema), invalid requests must be
refused, and nothing may be a 500.
"""

from __future__ import annotations

import json
import zlib

import pytest
import schemathesis
from apiserver import ApiServer, make_git_site
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, missing_required_header

from sspage.api.openapi import openapi_json

# The document the server serves at /openapi.json (test_openapi_is_served checks that it is
# byte for byte this one). Loaded at collection time: schemathesis's lazy fixture loader
# does not work with pytest 9.
schema = schemathesis.openapi.from_dict(json.loads(openapi_json()))


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    root = make_git_site(tmp_path_factory.mktemp("fuzz") / "site")
    with ApiServer(root, "--create-limit", "0", "--no-access-log") as server:
        created = server.client.post("/v1/status-pages", json={
            "title": "Fuzzed", "items": [{"text": f"Item {n}"} for n in range(40)]}).json()
        yield server, created
        assert not server.events("error"), server.text()  # no unexpected exception, ever


def test_openapi_is_served(fuzzed):
    server, _ = fuzzed
    served = server.client.get("/openapi.json")
    assert served.status_code == 200 and served.content == openapi_json()
    assert served.headers["content-type"] == "application/json; charset=utf-8"
    paths = json.loads(served.content)["paths"]
    assert {(path, method) for path, ops in paths.items() for method in ops} == {
        ("/v1/status-pages", "post"), ("/v1/status-pages/{publicCode}", "get"),
        ("/v1/status-pages/{publicCode}/items", "post"),
        ("/v1/status-pages/{publicCode}/items/{itemGuid}", "patch"),
        ("/v1/status-pages/{publicCode}/items/{itemGuid}", "delete")}


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, fuzzed):
    server, created = fuzzed
    params = case.path_parameters or {}
    seed = zlib.crc32(repr((case.method, params, case.body)).encode())
    if "publicCode" in params and seed % 2:
        params["publicCode"] = created["publicCode"]
    if "itemGuid" in params and seed % 3:
        params["itemGuid"] = created["items"][seed % len(created["items"])]["id"]
    headers = dict(case.headers or {})
    if "Authorization" not in headers and seed % 5:
        headers["Authorization"] = f"Bearer {created['apiToken']}"
    case.headers = headers
    # ignored_auth and missing_required_header send requests without credentials and expect a
    # 401; this harness adds a real token to the case itself, which those checks cannot tell
    # from a generated one. test_api.py tests every 401 instead.
    case.call_and_validate(base_url=server.url, excluded_checks=[ignored_auth, missing_required_header])
