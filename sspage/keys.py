"""Integration keys: what lets an integration create pages through ``sspage api`` at a higher rate.

A key is a random token shown once; ``content/site.yaml`` keeps only its hash,
under ``integration_keys:``, so the repository can be shared without sharing
the keys. A key creates pages and nothing else: items are changed with each
page's own API token. Adding and revoking a key is a change to site.yaml, made
under the site lock and committed like any other change.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .errors import ContentError, InputError, NotFoundError
from .model import INTEGRATION_KEY_NAME_PATTERN, IntegrationKey, SiteConfig, utc_now
from .store import SITE_FILE, Change

if TYPE_CHECKING:
    from .store import Site

KEY_PREFIX = "ssik_"  # tells a key from a page's API token at a glance (and to secret scanners)
_NAME = re.compile(INTEGRATION_KEY_NAME_PATTERN)


def create_integration_key(site: Site, name: str) -> str:
    """Store the hash of a new key named ``name``; return the key (show it once)."""
    from .document import new_mapping, time_value
    from .tokens import hash_token, new_token

    if len(name) > 64 or not _NAME.fullmatch(name):
        raise InputError(f"invalid key name {name!r}",
                         hint="use lower-case letters and digits, joined by single - _ or ., "
                              "at most 64 characters")
    key = KEY_PREFIX + new_token()

    def change(data: Any, config: SiteConfig) -> str:
        if any(existing.name == name for existing in config.integration_keys):
            raise InputError(f"an integration key named {name!r} already exists",
                             hint=f"revoke it first (sspage integration-key revoke {name}) or pick "
                                  "another name")
        keys = data.get("integration_keys")
        if keys is None:
            from ruamel.yaml.comments import CommentedSeq

            keys = data["integration_keys"] = CommentedSeq()
        keys.append(new_mapping([("name", name), ("hash", hash_token(key)),
                                 ("created", time_value(site.now()))]))
        return f"create integration key {name}"

    _edit_site_file(site, change)
    return key


def revoke_integration_key(site: Site, name: str) -> None:
    """Remove the key named ``name``; requests that send it are refused from then on."""

    def change(data: Any, config: SiteConfig) -> str:
        names = [key.name for key in config.integration_keys]
        if name not in names:
            known = ", ".join(names) if names else "there are none"
            raise NotFoundError(f"no integration key named {name!r}", hint=f"known keys: {known}")
        keys = data["integration_keys"]
        del keys[names.index(name)]
        if not keys:
            del data["integration_keys"]
        return f"revoke integration key {name}"

    _edit_site_file(site, change)


def find_integration_key(config: SiteConfig, key: str) -> IntegrationKey | None:
    """The key ``key`` matches, compared in constant time with every stored hash."""
    import hmac

    from .tokens import hash_token

    presented = hash_token(key).encode()
    found = None
    for candidate in config.integration_keys:  # no early exit: the time says nothing
        if hmac.compare_digest(presented, candidate.hash.encode()):
            found = candidate
    return found


def _edit_site_file(site: Site, change: Any) -> None:
    """Apply ``change(data, config)`` to site.yaml's round-trip data, validate, write, commit."""
    from .atomic import atomic_write
    from .validate import Invalid, format_loc, site_from_data
    from .yamlio import YamlProblem, edit_document, parse

    path = site.content_dir / SITE_FILE
    with site.lock:
        site._config = None  # read it again under the lock
        config = site.config
        text, newline = site._read_for_edit(path)
        try:
            document = edit_document(text)
        except YamlProblem as problem:
            raise ContentError([problem.problem(site.display(path))]) from None
        summary = change(document.data, config)
        new_text = document.dump()
        try:
            site_from_data(parse(new_text).data)
        except (Invalid, YamlProblem) as error:  # pragma: no cover - the edits above are valid
            detail = "; ".join(f"{format_loc(i.loc)}: {i.message}" for i in error.issues) \
                if isinstance(error, Invalid) else str(error)
            raise InputError(f"the change would make site.yaml invalid: {detail}") from None
        record = Change(path, f"site: {summary}", {})
        site._changing(record)
        atomic_write(path, new_text, newline)
        site._changed(record)
        site._config = None


def key_summary(key: IntegrationKey) -> dict[str, Any]:
    """A key as ``integration-key list --json`` shows it: never its hash."""
    from .model import format_utc

    return {"name": key.name, "created": None if key.created is None else format_utc(key.created)}


__all__ = ["KEY_PREFIX", "create_integration_key", "find_integration_key", "key_summary",
           "revoke_integration_key", "utc_now"]
