"""Errors the API answers with: RFC 9457 problem details, each with a message a developer can act on.

Handlers raise :class:`ApiError`; the library's own errors are mapped by
:func:`from_library`. Nothing a client sends reaches the generic 500 handler:
that one exists for bugs, and logs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import (
    AmbiguousError,
    ContentError,
    InputError,
    NotFoundError,
    SspageError,
    StoreError,
)

if TYPE_CHECKING:
    from starlette.responses import Response

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An answer other than success: a status, a message, and any headers it needs."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None,
                 field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.field = field

    def response(self) -> Response:
        return problem(self.status, self.detail, headers=self.headers, field=self.field)


def problem(status: int, detail: str, *, headers: dict[str, str] | None = None,
            field: str | None = None) -> Response:
    from starlette.responses import Response

    from ..shapes import to_json

    body: dict[str, object] = {"type": "about:blank", "title": TITLES.get(status, "Error"),
                               "status": status, "detail": detail}
    if field is not None:
        body["field"] = field
    return Response(to_json(body, indent=None, check_numbers=False), status_code=status,
                    headers=headers, media_type=PROBLEM_TYPE)


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="sspage"'})


def from_library(error: SspageError, field: str | None = None) -> ApiError:
    """The answer to an error the library raised while serving a request."""
    if isinstance(error, InputError):
        return ApiError(422, _sentence(error.message), field=field)
    if isinstance(error, (NotFoundError, AmbiguousError)):
        return ApiError(404, _sentence(error.message))
    if isinstance(error, ContentError):
        # The page file was broken by a hand edit: the site's maintainer must fix it,
        # and its path and lines are not the client's business (they are logged).
        return ApiError(503, "the page's file has problems that its maintainer must fix "
                        "(`sspage check` lists them); try again later",
                        headers={"Retry-After": "60"})
    if isinstance(error, StoreError):
        return ApiError(503, "the store is busy; try again shortly", headers={"Retry-After": "1"})
    return ApiError(503, "the change could not be made; try again later",
                    headers={"Retry-After": "5"})


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
