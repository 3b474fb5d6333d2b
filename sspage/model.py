"""The data model: pages, their checklist items, and the site configuration.

The classes are msgspec Structs. One definition gives three things: fast
validation of the plain data that the YAML readers produce, the JSON Schema
that editors use for completion (``sspage schema``), and the field order of
the JSON that sspage writes. msgspec was chosen over pydantic because the
command line must start in well under 0.1 s and pydantic's model set-up alone
costs about that much (measured in docs/performance.md).

Python attributes are snake_case; files and JSON use SharedStatus's camelCase.
"""

# No `from __future__ import annotations` here: msgspec would have to evaluate every field's
# annotation from a string when it first validates (about 5 ms of each command's start).
import datetime as dt
import enum
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

if TYPE_CHECKING:
    from pathlib import Path

# Limits. docs/file-format.md explains each; tests pin them.
MAX_TITLE = 200
MAX_TEXT = 500
MAX_LATEST_UPDATE = 10_000
MAX_ITEMS = 500
MAX_SORT_ORDER = 2**31 - 1  # SharedStatus's sortOrder is a C# int
MAX_FILE_BYTES = 1024 * 1024
MIN_PUBLIC_CODE = 12
MAX_PUBLIC_CODE = 64

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
PUBLIC_CODE_PATTERN = rf"^[0-9A-Za-z]{{{MIN_PUBLIC_CODE},{MAX_PUBLIC_CODE}}}$"
TOKEN_HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG = 64

# Tab and newline are text; every other control character is refused because
# it is invisible on the page and usually a paste accident. U+FFFE and U+FFFF
# are not characters at all, and YAML cannot hold them; nor can lone surrogates.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class State(enum.IntEnum):
    """An item's state. Files and the command line accept the number or the name."""

    PENDING = 0
    ACTIVE = 1
    COMPLETE = 2

    @property
    def label(self) -> str:
        return self.name.capitalize()

    @classmethod
    def parse(cls, value: object) -> "State":
        """Accept 0/1/2 (as int or digit string) or a name, case-insensitively."""
        if value.__class__ is not bool and (value.__class__ in (int, str) or isinstance(value, State)):
            found = _STATES.get(value)
            if found is None and isinstance(value, str):
                found = _STATES.get(value.strip().lower())
            if found is not None:
                return found
        raise ValueError(
            f"unknown state {value!r}: expected 0, 1, 2, pending, active or complete"
        )


_STATES: dict[object, State] = {}
for _state in State:
    _STATES.update({_state: _state, int(_state): _state, str(int(_state)): _state,
                    _state.name.lower(): _state})

StateValue = Literal[0, 1, 2] | Literal["pending", "active", "complete"]
UtcTime = Annotated[
    dt.datetime,
    Meta(tz=True, description="ISO-8601 time with a zone, for example 2026-06-08T14:30:00Z."),
]
Guid = Annotated[str, Meta(pattern=GUID_PATTERN, description="The item's GUID.")]


class Item(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """One checklist item. Fields that a hand edit may leave out are filled by ``sspage fmt``."""

    id: Guid | UnsetType = UNSET
    text: Annotated[
        str, Meta(min_length=1, max_length=MAX_TEXT, description="What this step is.")
    ]
    sort_order: (
        Annotated[
            int,
            Meta(ge=0, le=MAX_SORT_ORDER, description="Position key; lower comes first."),
        ]
        | UnsetType
    ) = UNSET
    state: Annotated[
        StateValue, Meta(description="0 or pending, 1 or active, 2 or complete.")
    ] = 0
    created_utc: UtcTime | UnsetType = UNSET
    updated_utc: UtcTime | UnsetType = UNSET

    def __post_init__(self) -> None:
        self.state = State.parse(self.state)  # type: ignore[assignment]
        if isinstance(self.id, str):
            self.id = self.id.lower()
        self.created_utc = _to_utc(self.created_utc)
        self.updated_utc = _to_utc(self.updated_utc)

    @property
    def state_enum(self) -> State:
        return State.parse(self.state)


class Page(Struct, kw_only=True, rename="camel", forbid_unknown_fields=True, dict=True):
    """A status page. ``slug`` and ``path`` are set by the store; they are not file fields."""

    public_code: (
        Annotated[
            str,
            Meta(pattern=PUBLIC_CODE_PATTERN, description="Random base62 code in public URLs."),
        ]
        | UnsetType
    ) = UNSET
    title: Annotated[str, Meta(min_length=1, max_length=MAX_TITLE)]
    latest_update: (
        Annotated[
            str,
            Meta(
                max_length=MAX_LATEST_UPDATE,
                description="Latest news for viewers; Markdown allowed.",
            ),
        ]
        | None
    ) = None
    created_utc: UtcTime | UnsetType = UNSET
    updated_utc: UtcTime | UnsetType = UNSET
    expires_utc: UtcTime | None = None
    listed: Annotated[
        bool,
        Meta(description="Name the page in the site's index and sitemap. Unlisted by default."),
    ] = False
    history: Annotated[
        bool | None,
        Meta(description="Show a timeline of the items' state changes, read from git, on the "
             "public page. Left out: the site's history setting."),
    ] = None
    api_token_hash: (
        Annotated[
            str,
            Meta(
                pattern=TOKEN_HASH_PATTERN,
                description="Hash of the page's API token; the token itself is never stored.",
            ),
        ]
        | None
    ) = None
    items: Annotated[list[Item], Meta(max_length=MAX_ITEMS)] = []

    if TYPE_CHECKING:  # set by the store on every page it reads; not file fields
        slug: str
        path: Path

    def __post_init__(self) -> None:
        self.created_utc = _to_utc(self.created_utc)
        self.updated_utc = _to_utc(self.updated_utc)
        self.expires_utc = _to_utc(self.expires_utc)

    def sorted_items(self) -> list[Item]:
        """Items in display order: by sortOrder, then by position in the file."""
        return sorted(self.items, key=_sort_key)

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_utc is not None and self.expires_utc <= now

    def shows_history(self, config: "SiteConfig") -> bool:
        """Whether the public page shows a timeline: its own ``history``, else the site's."""
        return self.history if self.history is not None else config.history


INTEGRATION_KEY_NAME_PATTERN = r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$"


class IntegrationKey(Struct, kw_only=True, forbid_unknown_fields=True):
    """A key that lets an integration create pages at a higher rate; only its hash is stored."""

    name: Annotated[
        str,
        Meta(pattern=INTEGRATION_KEY_NAME_PATTERN, max_length=64,
             description="Who uses the key; API commits made with it name it as their author."),
    ]
    hash: Annotated[
        str,
        Meta(pattern=TOKEN_HASH_PATTERN, description="Hash of the key; the key itself is never stored."),
    ]
    created: UtcTime | None = None


COLOUR = r"^#[0-9a-fA-F]{6}$"


class SiteConfig(Struct, kw_only=True, forbid_unknown_fields=True):
    """``content/site.yaml``."""

    title: Annotated[str, Meta(min_length=1, max_length=MAX_TITLE)] = "Status"
    base_url: Annotated[
        str,
        Meta(
            pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
            description="Where the site is published; publicUrl is {base_url}/s/{publicCode}.",
        ),
    ] = "http://localhost:8000"
    edit_url: (
        Annotated[
            str,
            Meta(
                description="Template for adminUrl, the page file on your git host. "
                "{path} is the file's path in the repository, {slug} the page's slug."
            ),
        ]
        | None
    ) = None
    language: Annotated[str, Meta(pattern=r"^[a-z]{2}(-[A-Za-z]{2,4})?$")] = "en"
    timezone: Annotated[str, Meta(description="IANA time zone, e.g. Europe/London.")] = "UTC"
    theme: Annotated[
        str,
        Meta(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$",
             description="The theme: a folder under the site's themes/, or the built-in default."),
    ] = "default"
    history: Annotated[
        bool,
        Meta(description="Pages show a timeline of their items' state changes, read from git, "
             "unless a page says history: false."),
    ] = False
    commit: Annotated[
        bool,
        Meta(description="Commit each change to git (when the site is in a git work tree). "
             "false writes without committing, like --no-commit."),
    ] = True
    integration_keys: Annotated[
        list[IntegrationKey],
        Meta(description="Keys for page creation through `sspage api` (sspage integration-key)."),
    ] = []
    # Service pages (docs/service-pages.md).
    audiences: Annotated[
        list[Annotated[str, Meta(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)]],
        Meta(description="Audiences that components, incidents and updates can be limited to; "
             "`sspage build --audience NAME` builds what one of them sees."),
    ] = []
    incident_statuses: Annotated[
        list[Annotated[str, Meta(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=64)]],
        Meta(description="Incident update statuses besides investigating, identified, "
             "monitoring and resolved."),
    ] = []
    status_links: Annotated[
        bool, Meta(description="Allow links in the descriptions of single-value statuses.")
    ] = False
    default_service: Annotated[
        str | None,
        Meta(description="The slug of a service page whose Statuspage API (api/v2/) and feeds "
             "are also published at the site root."),
    ] = None
    # The status embed script (docs/service-pages.md#embeds): where its banner sits and its colours.
    embed_position: Annotated[
        Literal["bottom-left", "bottom-right", "top-left", "top-right"],
        Meta(description="Where the embed script's banner sits on the host page."),
    ] = "bottom-right"
    embed_incident_background: Annotated[str, Meta(pattern=COLOUR, description=(
        "Banner background during an incident, #rrggbb."))] = "#b71c1c"
    embed_incident_text: Annotated[str, Meta(pattern=COLOUR, description=(
        "Banner text during an incident, #rrggbb."))] = "#ffffff"
    embed_maintenance_background: Annotated[str, Meta(pattern=COLOUR, description=(
        "Banner background during maintenance, #rrggbb."))] = "#1f5fa8"
    embed_maintenance_text: Annotated[str, Meta(pattern=COLOUR, description=(
        "Banner text during maintenance, #rrggbb."))] = "#ffffff"


def _to_utc(value: Any) -> Any:
    if value is None or value is UNSET or value.tzinfo is dt.timezone.utc:
        return value
    if isinstance(value, dt.datetime) and value.utcoffset() != dt.timedelta(0):
        return value.astimezone(dt.timezone.utc)
    if isinstance(value, dt.datetime) and value.tzinfo is not dt.timezone.utc:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _sort_key(item: Item) -> int:
    return item.sort_order if isinstance(item.sort_order, int) else MAX_SORT_ORDER


def utc_now() -> dt.datetime:
    """Now, to the second: SharedStatus timestamps carry no fractions."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def format_utc(value: dt.datetime) -> str:
    """``2026-06-08T14:30:00Z``: the one timestamp format of files and JSON."""
    text = _FORMATTED.get(value)
    if text is None:
        # A page's items mostly share a few times; a build formats each one once.
        if len(_FORMATTED) > 4096:
            _FORMATTED.clear()
        text = _FORMATTED[value] = value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


_FORMATTED: dict[dt.datetime, str] = {}


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why ``value`` cannot be stored as text, or None if it can."""
    if not value.strip():
        return "must not be empty or only spaces"
    if not multiline and ("\n" in value or "\t" in value):
        return "must be a single line"
    found = _CONTROL.search(value)
    if found:
        code = ord(found.group())
        if 0xD800 <= code <= 0xDFFF:
            return "is not valid Unicode text"
        if code >= 0xFFFE:
            return f"contains U+{code:04X}, which is not a character"
        return f"contains the control character U+{code:04X}"
    return None


SCHEMA_KINDS = ("page", "site", "service", "incident", "maintenance", "update", "template", "status")


def schema(kind: str = "page") -> dict[str, Any]:
    """The JSON Schema of a page file, ``site.yaml``, or a service file kind."""
    if kind not in ("page", "site"):
        from .service.model import schema as service_schema

        return service_schema(kind)
    cls = {"page": Page, "site": SiteConfig}[kind]
    result: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"sspage {kind} file",
    }
    result.update(msgspec.json.schema(cls))
    return result
