"""The OpenAPI 3.1 document served at ``/openapi.json``: exactly the endpoints of the API.

Written out rather than generated, so that it says what SharedStatus's
reference says (names, order, types, status codes) and nothing a framework
adds. tests/test_api_fuzz.py fuzzes the running server from it, and fails if
a response does not match it.
"""

from __future__ import annotations

import functools
from typing import Any

from .. import __version__
from ..model import MAX_ITEMS, MAX_PUBLIC_CODE, MAX_SORT_ORDER, MAX_TEXT, MAX_TITLE, MIN_PUBLIC_CODE


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/problem+json": {"schema": _ref("Problem")}}}
    if headers:
        response["headers"] = headers
    return response


def _json(description: str, schema: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description,
                                "content": {"application/json": {"schema": _ref(schema)}}}
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
ERRORS = {
    "400": _problem("The body is not valid JSON, or not a JSON object."),
    "401": _problem("The Authorization header is missing, or its token is not this page's API token."),
    "404": _problem("There is no such status page, or no such item on it."),
    "413": _problem("The body is larger than the server accepts (1 MiB)."),
    "415": _problem("The body was not sent as application/json."),
    "422": _problem("A field is missing, of the wrong type or out of range."),
    "429": _problem("Too many requests from this address; see Retry-After.", RETRY_AFTER),
    "503": _problem("The server cannot make the change right now; see Retry-After.", RETRY_AFTER),
}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): ERRORS[str(code)] for code in codes}


TIME = {"type": "string", "format": "date-time", "examples": ["2026-06-08T14:30:00Z"]}
STATE = {"type": "integer", "enum": [0, 1, 2],
         "description": "0 = Pending, 1 = Active, 2 = Complete."}
# What sspage stores as text (sspage.model.text_problem), as patterns: no control character
# (a multi-line text may hold tabs and line feeds), and not only spaces.
_CONTROL = r"\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff"
_SPACE = r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TEXT_PATTERN = rf"^[^{_CONTROL}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"
LINE_PATTERN = rf"^[^\t\n{_CONTROL}]*[^{_SPACE}{_CONTROL}][^\t\n{_CONTROL}]*$"
TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": TEXT_PATTERN}
# In requests an optional field may also be null, which means left out (as C#'s int? sends it).
OPTIONAL_STATE = {"type": ["integer", "null"], "enum": [0, 1, 2, None],
                  "description": "0 = Pending, 1 = Active, 2 = Complete; null or left out: unchanged "
                                 "(PATCH) or Pending (create)."}
OPTIONAL_SORT_ORDER = {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SORT_ORDER}

SCHEMAS: dict[str, Any] = {
    "StatusItemResponse": {
        "type": "object",
        "required": ["id", "text", "sortOrder", "state", "createdUtc", "updatedUtc"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "text": {"type": "string"},
            "sortOrder": {"type": "integer"},
            "state": STATE,
            "createdUtc": TIME,
            "updatedUtc": TIME,
        },
    },
    "CreatePageResponse": {
        "type": "object",
        "required": ["publicCode", "adminCode", "apiToken", "publicUrl", "adminUrl", "items"],
        "additionalProperties": False,
        "properties": {
            "publicCode": {"type": "string"},
            "adminCode": {"type": "string"},
            "apiToken": {"type": "string", "description": "Shown once; only its hash is stored."},
            "publicUrl": {"type": "string"},
            "adminUrl": {"type": "string"},
            "items": {"type": "array", "items": _ref("StatusItemResponse")},
        },
    },
    "StatusPageResponse": {
        "type": "object",
        "required": ["publicCode", "title", "latestUpdate", "createdUtc", "updatedUtc", "expiresUtc",
                     "items"],
        "additionalProperties": False,
        "properties": {
            "publicCode": {"type": "string"},
            "title": {"type": "string"},
            "latestUpdate": {"type": ["string", "null"]},
            "createdUtc": TIME,
            "updatedUtc": TIME,
            "expiresUtc": {"type": ["string", "null"], "format": "date-time"},
            "items": {"type": "array", "items": _ref("StatusItemResponse")},
        },
    },
    "CreatePageRequest": {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE, "pattern": LINE_PATTERN},
            "items": {"type": ["array", "null"], "maxItems": MAX_ITEMS,
                      "items": _ref("CreateItemRequest")},
        },
    },
    "CreateItemRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {"text": TEXT, "state": OPTIONAL_STATE, "sortOrder": OPTIONAL_SORT_ORDER},
    },
    "UpdateItemRequest": {
        "type": "object",
        "anyOf": [{"required": ["text"], "properties": {"text": TEXT}},
                  {"required": ["state"], "properties": {"state": STATE}}],
        "properties": {"text": {"anyOf": [TEXT, {"type": "null"}]}, "state": OPTIONAL_STATE},
        "description": "Send at least one of text and state (not null).",
    },
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string", "description": "What went wrong, and what to do about it."},
            "field": {"type": "string", "description": "The request field at fault, if one is."},
        },
    },
}

PUBLIC_CODE = {"name": "publicCode", "in": "path", "required": True,
               "schema": {"type": "string", "pattern": f"^[0-9A-Za-z]{{{MIN_PUBLIC_CODE},"
                          f"{MAX_PUBLIC_CODE}}}$"}}
ITEM_GUID = {"name": "itemGuid", "in": "path", "required": True,
             "schema": {"type": "string", "format": "uuid"}}
BEARER: list[dict[str, list[str]]] = [{"apiToken": []}]


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def document() -> dict[str, Any]:
    page_json = {"application/json": {"schema": _ref("StatusPageResponse")}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sspage: the SharedStatus status API",
            "version": __version__,
            "description": "SharedStatus's developer API, served from an sspage site: every "
                           "write is a git commit. Errors are RFC 9457 problem details.",
        },
        "paths": {
            "/v1/status-pages": {
                "post": {
                    "operationId": "createStatusPage",
                    "summary": "Create a status page, optionally with initial items.",
                    "security": [{}, {"integrationKey": []}],
                    "requestBody": _body("CreatePageRequest"),
                    "responses": {
                        "201": _json("Created: URLs, the one-time apiToken, and the items.",
                                     "CreatePageResponse"),
                        **_errors(400, 401, 413, 415, 422, 429, 503),
                    },
                },
            },
            "/v1/status-pages/{publicCode}": {
                "get": {
                    "operationId": "getStatusPage",
                    "summary": "A status page and its items. Public.",
                    "parameters": [PUBLIC_CODE],
                    "responses": {
                        "200": {"description": "The page.", "content": page_json,
                                "headers": {"ETag": {"schema": {"type": "string"}}}},
                        "304": {"description": "Not modified since the ETag in If-None-Match."},
                        **_errors(404, 503),
                    },
                },
            },
            "/v1/status-pages/{publicCode}/items": {
                "post": {
                    "operationId": "addItem",
                    "summary": "Add an item. state and sortOrder are optional.",
                    "parameters": [PUBLIC_CODE],
                    "security": BEARER,
                    "requestBody": _body("CreateItemRequest"),
                    "responses": {
                        "201": _json("The item as saved.", "StatusItemResponse"),
                        **_errors(400, 401, 404, 413, 415, 422, 429, 503),
                    },
                },
            },
            "/v1/status-pages/{publicCode}/items/{itemGuid}": {
                "patch": {
                    "operationId": "updateItem",
                    "summary": "Change an item's text and/or state.",
                    "parameters": [PUBLIC_CODE, ITEM_GUID],
                    "security": BEARER,
                    "requestBody": _body("UpdateItemRequest"),
                    "responses": {
                        "200": _json("The item as saved.", "StatusItemResponse"),
                        **_errors(400, 401, 404, 413, 415, 422, 429, 503),
                    },
                },
                "delete": {
                    "operationId": "deleteItem",
                    "summary": "Delete an item.",
                    "parameters": [PUBLIC_CODE, ITEM_GUID],
                    "security": BEARER,
                    "responses": {
                        "204": {"description": "Deleted."},
                        **_errors(401, 404, 429, 503),
                    },
                },
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "apiToken": {"type": "http", "scheme": "bearer",
                             "description": "The page's apiToken, from its create response."},
                "integrationKey": {"type": "apiKey", "in": "header",
                                   "name": "SharedStatus-Integration-Key",
                                   "description": "Raises the page-creation rate limit. "
                                                  "Creates pages and nothing else."},
            },
        },
    }


@functools.cache
def openapi_json() -> bytes:
    from ..shapes import to_json

    return (to_json(document()) + "\n").encode()
