"""The ASGI application: SharedStatus's five endpoints over the page store.

Each handler checks what it can without the store's lock (the page exists,
the token matches its stored hash, the body is JSON of the right shape) and
answers at once when something is wrong. A valid write is handed to the
:class:`~sspage.api.writer.Writer`, which checks the page and token again
under the site lock, makes the change with the library, commits it, and only
then lets the handler answer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from ..errors import ContentError, InputError, SspageError
from ..inputs import check_text
from ..model import MAX_ITEMS, MAX_SORT_ORDER, State, utc_now
from ..refs import is_public_code
from ..shapes import create_response, item_response, to_json
from ..store import SITE_FILE, Site
from ..tokens import verify_token
from .errors import ApiError, from_library, problem, unauthorized
from .log import AccessLog, Log
from .pages import Entry, PageCache
from .ratelimit import RateLimiter
from .writer import Busy, Writer

if TYPE_CHECKING:
    from ..model import Item, Page, SiteConfig

JSON = "application/json; charset=utf-8"
MAX_BODY = 1024 * 1024  # bytes; a page file may not be larger either
DEFAULT_AUTHOR = "sspage API <api@sspage.invalid>"
KEY_HEADER = "sharedstatus-integration-key"


@dataclass
class Options:
    """How ``sspage api`` runs; the command line's options, with its defaults."""

    group_window: float = 0.0  # seconds; 0: a commit per request
    create_limit: float = 10.0  # anonymous page creations per minute per address
    key_create_limit: float = 600.0  # the same with an integration key
    write_limit: float = 0.0  # item writes per minute per address; 0: no limit
    max_body: int = MAX_BODY
    author: str = DEFAULT_AUTHOR
    commit: bool | None = None  # False: write without committing (sspage --no-commit api)
    static: Path | None = None  # the built site to serve beside the API (--build)
    on_commit: list[Callable[[list[Path]], None]] = field(default_factory=list)


class Api:
    """The state behind the handlers: the store, the page cache, the writer, the limits."""

    def __init__(self, root: Path, options: Options, log: Log) -> None:
        from ..git import parse_author

        self.options = options
        self.log = log
        parse_author(options.author)
        self.reader = Site(root)
        self.site = Site(root, author=options.author, commit=options.commit)
        self.cache = PageCache(self.reader)
        self.writer = Writer(self.site, window=options.group_window, log=log,
                             on_commit=self._committed)
        self.anonymous = RateLimiter(options.create_limit)
        self.keyed = RateLimiter(options.key_create_limit)
        self.writes = RateLimiter(options.write_limit)
        self._config_key: tuple[int, int, int] | None = None
        self.config()

    def start(self) -> None:
        self.cache.scan()
        self.writer.start()

    def stop(self) -> None:
        self.writer.stop()

    def _committed(self, paths: list[Path]) -> None:
        for listener in self.options.on_commit:
            listener(paths)

    def config(self) -> SiteConfig:
        """site.yaml, read again when its file changed (a key was added or revoked)."""
        path = self.reader.content_dir / SITE_FILE
        try:
            stat = os.stat(path)
            key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            key = None
        if key != self._config_key:
            self.reader._config = None
            self.site._config = None  # the writer's copy; read again on its next use
            self._config_key = key
        return self.reader.config

    # -- GET -----------------------------------------------------------------------------

    async def get_page(self, request: Request) -> Response:
        code = request.path_params["publicCode"]
        entry = self._entry(code)
        if entry.expires_utc is not None and entry.expires_utc <= utc_now():
            raise ApiError(404, f"The status page {code} has expired")
        headers = {"ETag": entry.etag, "Cache-Control": "no-cache",
                   "Access-Control-Allow-Origin": "*", "X-Robots-Tag": "noindex"}
        wanted = request.headers.get("if-none-match")
        if wanted is not None and _etag_matches(wanted, entry.etag):
            return Response(status_code=304, headers=headers)
        return Response(entry.body, headers=headers, media_type=JSON)

    def cached_get(self, code: str, wanted: str | None) -> tuple[int, list[Any], bytes] | None:
        """The GET answer for a cached, current page, or None to take the full path (errors)."""
        if not is_public_code(code):
            return None
        try:
            entry = self.cache.get(code)
        except ContentError:
            return None
        if entry is None or (entry.expires_utc is not None and entry.expires_utc <= utc_now()):
            return None
        headers = [(b"etag", entry.etag.encode()), (b"cache-control", b"no-cache"),
                   (b"access-control-allow-origin", b"*"), (b"x-robots-tag", b"noindex")]
        if wanted is not None and _etag_matches(wanted, entry.etag):
            return 304, headers, b""
        headers += [(b"content-type", JSON.encode()), (b"content-length", b"%d" % len(entry.body))]
        return 200, headers, entry.body

    def _entry(self, code: str) -> Entry:
        if not is_public_code(code):
            raise ApiError(404, f"There is no status page {code!r}: a publicCode is 12 to 64 "
                           "letters and digits")
        try:
            entry = self.cache.get(code)
        except ContentError as error:
            self.log("content_error", page=code, problems=str(error))
            raise ApiError(503, "The page's file has problems that its maintainer must fix "
                           "(`sspage check` lists them); try again later",
                           headers={"Retry-After": "60"}) from None
        if entry is None:
            raise ApiError(404, f"There is no status page {code}")
        return entry

    # -- POST /v1/status-pages -----------------------------------------------------------

    async def create_page(self, request: Request) -> Response:
        key_name = None
        presented = request.headers.get(KEY_HEADER)
        if presented is not None:
            from ..keys import find_integration_key

            key = find_integration_key(self.config(), presented.strip())
            if key is None:
                raise unauthorized("The SharedStatus-Integration-Key is not a key of this server; "
                                   "leave the header out to create pages anonymously")
            key_name = key.name
        self._limit(self.keyed if key_name else self.anonymous, request,
                    "page creations" + (" with this integration key" if key_name else ""))
        data = await self._json(request)
        title = _text(data.get("title"), "title", required=True, multiline=False)
        items = data.get("items")
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ApiError(422, f"items must be an array of items, not {_shown(items)}", field="items")
        if len(items) > MAX_ITEMS:
            raise ApiError(422, f"A page can hold at most {MAX_ITEMS} items; {len(items)} were sent",
                           field="items")
        specs = [_initial_item(entry, index) for index, entry in enumerate(items)]
        author = self._author_for(key_name)

        def work() -> tuple[Page, str]:
            created = self.site.create_page(str(title), items=specs)
            self.cache.learn(created.page)
            return created.page, created.token

        page, token = await self._write(work, author)
        body = create_response(page, token, self.site.public_url(page), self.site.admin_url(page))
        return _json(body, 201, {"Location": f"/v1/status-pages/{page.public_code}",
                                 "Cache-Control": "no-store"})

    def _author_for(self, key_name: str | None) -> str:
        if key_name is None:
            return self.options.author
        from ..git import parse_author

        _, email = parse_author(self.options.author)
        return f"{key_name} <{email}>"

    # -- items ---------------------------------------------------------------------------

    async def add_item(self, request: Request) -> Response:
        code = request.path_params["publicCode"]
        token = self._authorise(request, code)
        data = await self._json(request)
        text = _text(data.get("text"), "text", required=True, multiline=True)
        state = _state(data.get("state"), "state")
        sort_order = _sort_order(data.get("sortOrder"), "sortOrder")

        def work() -> Item:
            page = self._locked_page(code, token)
            return self.site.add_item(page.slug, str(text), state=state or State.PENDING,
                                      sort_order=sort_order)

        item = await self._write(work, self.options.author)
        return _json(item_response(item), 201)

    async def item(self, request: Request) -> Response:
        """One route for both methods, so that a 405 lists both in its Allow header."""
        if request.method == "DELETE":
            return await self.delete_item(request)
        return await self.update_item(request)

    async def update_item(self, request: Request) -> Response:
        code, guid = request.path_params["publicCode"], request.path_params["itemGuid"]
        token = self._authorise(request, code)
        data = await self._json(request)
        text = _text(data.get("text"), "text", required=False, multiline=True)
        state = _state(data.get("state"), "state")
        if text is None and state is None:
            raise ApiError(422, "Send at least one field to change: text and/or state "
                           "(0 Pending, 1 Active, 2 Complete)")

        def work() -> Item:
            page = self._locked_page(code, token, guid)
            return self.site.update_item(page.slug, guid.lower(), text=text, state=state)

        item = await self._write(work, self.options.author)
        return _json(item_response(item), 200)

    async def delete_item(self, request: Request) -> Response:
        code, guid = request.path_params["publicCode"], request.path_params["itemGuid"]
        token = self._authorise(request, code)

        def work() -> None:
            page = self._locked_page(code, token, guid)
            self.site.delete_item(page.slug, guid.lower())

        await self._write(work, self.options.author)
        return Response(status_code=204)

    def _authorise(self, request: Request, code: str) -> str:
        """The request's bearer token, checked against the page's stored hash (from the cache)."""
        entry = self._entry(code)  # an unknown page is a 404 whatever the token
        self._limit(self.writes, request, "changes")
        header = request.headers.get("authorization")
        if not header or not header.strip():
            raise unauthorized("Send the page's API token: Authorization: Bearer {apiToken}")
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("The Authorization header must be 'Bearer {apiToken}'")
        if not verify_token(token, entry.token_hash):
            raise unauthorized(f"The API token is not the token of page {code}")
        return token

    def _locked_page(self, code: str, token: str, guid: str | None = None) -> Entry:
        """Under the site lock: the page as it is now, its token checked again, the item found.

        The cache stats the file, so a change made since the first check (a rotated
        token, a deleted item, a hand edit) is read before it is trusted.
        """
        entry = self._entry(code)
        if not verify_token(token, entry.token_hash):
            raise unauthorized(f"The API token is not the token of page {code}")
        if guid is not None and guid.lower() not in entry.item_ids:
            raise ApiError(404, f"Page {code} has no item {guid}")
        return entry

    # -- shared steps --------------------------------------------------------------------

    def _limit(self, limiter: RateLimiter, request: Request, what: str) -> None:
        client = request.client.host if request.client else "unknown"
        wait = limiter.take(client)
        if wait:
            raise ApiError(429, f"Too many {what} from {client}: the limit is "
                           f"{limiter.per_minute:g} a minute; retry in {wait} s",
                           headers={"Retry-After": str(wait)})

    async def _json(self, request: Request) -> dict[str, Any]:
        kind = request.headers.get("content-type", "")
        media = kind.split(";", 1)[0].strip().lower()
        if media != "application/json" and not (media.startswith("application/") and
                                                media.endswith("+json")):
            shown = f"not {kind!r}" if kind else "none was sent"
            raise ApiError(415, f"Send the body as JSON with Content-Type: application/json ({shown})")
        limit = self.options.max_body
        length = request.headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > limit:
            raise ApiError(413, f"The body is {int(length):,} bytes; the limit is {limit:,}")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise ApiError(413, f"The body is over the limit of {limit:,} bytes")
        try:
            data = msgspec.json.decode(bytes(body))
        except msgspec.DecodeError as error:
            detail = str(error).replace("JSON is malformed: ", "")
            raise ApiError(400, f"The body is not valid JSON: {detail}") from None
        except RecursionError:
            raise ApiError(400, "The body's JSON is nested too deeply") from None
        if not isinstance(data, dict):
            raise ApiError(400, f"The body must be a JSON object, not {_kind(data)}")
        return data

    async def _write(self, work: Callable[[], Any], author: str) -> Any:
        try:
            future = self.writer.submit(work, author)
        except Busy:
            raise ApiError(503, "Too many changes are waiting to be written; retry shortly",
                           headers={"Retry-After": "1"}) from None
        try:
            return await asyncio.wrap_future(future)
        except ApiError:
            raise
        except SspageError as error:
            if not isinstance(error, InputError):
                self.log("write_error", kind=type(error).__name__, error=str(error))
            raise from_library(error) from None

    async def openapi(self, request: Request) -> Response:
        from .openapi import openapi_json

        return Response(openapi_json(), media_type=JSON)


# -- checking fields -------------------------------------------------------------------------


def _text(value: Any, name: str, *, required: bool, multiline: bool) -> str | None:
    if value is None:
        if required:
            raise ApiError(422, f"{name} is required", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError(422, f"{name} must be a string, not {_shown(value)}", field=name)
    try:
        return check_text("title" if name == "title" else "text", value, multiline=multiline)
    except InputError as error:
        raise ApiError(422, error.message[:1].upper() + error.message[1:], field=name) from None


def _whole(value: Any) -> Any:
    """JSON's 2.0 is the integer 2 (as JSON Schema says); other values as they are."""
    return int(value) if type(value) is float and value.is_integer() else value


def _state(value: Any, name: str) -> State | None:
    if value is None:
        return None
    value = _whole(value)
    if type(value) is int and 0 <= value <= 2:
        return State(value)
    raise ApiError(422, f"{name} must be 0 (Pending), 1 (Active) or 2 (Complete), not {_shown(value)}",
                   field=name)


def _sort_order(value: Any, name: str) -> int | None:
    if value is None:
        return None
    value = _whole(value)
    if type(value) is int and 0 <= value <= MAX_SORT_ORDER:
        return value
    raise ApiError(422, f"{name} must be a whole number from 0 to {MAX_SORT_ORDER}, not {_shown(value)}",
                   field=name)


def _initial_item(entry: Any, index: int) -> dict[str, Any]:
    where = f"items[{index}]"
    if not isinstance(entry, dict):
        raise ApiError(422, f"{where} must be an object with a text, not {_shown(entry)}", field=where)
    spec: dict[str, Any] = {"text": _text(entry.get("text"), f"{where}.text", required=True,
                                          multiline=True)}
    state = _state(entry.get("state"), f"{where}.state")
    if state is not None:
        spec["state"] = state
    order = _sort_order(entry.get("sortOrder"), f"{where}.sortOrder")
    spec["sortOrder"] = index if order is None else order
    return spec


def _shown(value: Any) -> str:
    try:
        text = to_json(value, indent=None)
    except (ValueError, TypeError):
        text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a string" if isinstance(value, str) else "a number"


def _json(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(to_json(body, indent=None, check_numbers=False), status_code=status,
                    headers=headers, media_type=JSON)


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    return any(part.strip().removeprefix("W/") == etag for part in header.split(","))


# -- the application -------------------------------------------------------------------------


def create_app(api: Api) -> Any:
    """The ASGI application (wrapped in the access log) for ``api``."""
    code = "{publicCode}"
    routes: list[BaseRoute] = [
        Route("/openapi.json", api.openapi, methods=["GET"]),
        Route("/v1/status-pages", api.create_page, methods=["POST"]),
        Route(f"/v1/status-pages/{code}", api.get_page, methods=["GET"]),
        Route(f"/v1/status-pages/{code}/items", api.add_item, methods=["POST"]),
        Route(f"/v1/status-pages/{code}/items/{{itemGuid}}", api.item, methods=["PATCH", "DELETE"]),
    ]
    files = None
    if api.options.static is not None:
        from .static import SiteFiles

        files = SiteFiles(api.options.static)
        routes.append(Mount("/", app=files))

    async def api_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ApiError)
        return error.response()

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 404:
            return problem(404, f"There is no endpoint {request.url.path}; /openapi.json lists them")
        if error.status_code == 405:
            allowed = (error.headers or {}).get("Allow", "")
            return problem(405, f"{request.method} is not allowed here; use {allowed}",
                           headers=dict(error.headers or {}))
        return problem(error.status_code, str(error.detail), headers=dict(error.headers or {}))

    async def server_error(request: Request, error: Exception) -> Response:
        api.log("error", method=request.method, path=request.url.path, error=repr(error))
        return problem(500, "The server failed on this request; the error is in its log")

    app = Starlette(routes=routes, exception_handlers={
        ApiError: api_error, HTTPException: http_error, Exception: server_error})
    app.router.redirect_slashes = False  # a redirected PATCH or POST helps nobody: 404 instead
    return AccessLog(FastGet(app, api, files), api.log)


class FastGet:
    """ASGI middleware: answers the GET of a cached page without Starlette's routing.

    The GET is the hot path (thousands a second); everything else, including every
    error of a GET, goes through the application.
    """

    PREFIX = "/v1/status-pages/"

    def __init__(self, app: Any, api: Api, files: Any = None) -> None:
        self.app = app
        self.api = api
        self.files = files  # the built site, whose mirror has a .json twin of each page

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
                and path.startswith(self.PREFIX) and "/" not in path[len(self.PREFIX):]):
            if path.endswith(".json") and self.files is not None:
                await self.files(scope, receive, send)
                return
            wanted = None
            for name, value in scope["headers"]:
                if name == b"if-none-match":
                    wanted = value.decode("latin-1")
            answer = self.api.cached_get(path[len(self.PREFIX):], wanted)
            if answer is not None:
                status, headers, body = answer
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


__all__ = ["Api", "Options", "create_app"]
