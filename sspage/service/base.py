"""What every service operation shares: the site, its rules, naming services and files."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AmbiguousError, InputError, NotFoundError
from ..refs import is_slug
from . import layout, reader
from .model import COMPONENT_ALIASES, COMPONENT_STATUSES, component_status
from .rules import Rules, rules_for

if TYPE_CHECKING:
    from ..store import Site
    from .model import Service

_WRITTEN_ID = re.compile(rb"(?m)^id:[ \t]*['\"]?([a-z0-9]+)")
MIN_PREFIX = 4
KIND_WORDS = {"incident": "incident", "maintenance": "maintenance window", "update": "posted update"}
LIST_COMMANDS = {"incident": "sspage incident list", "maintenance": "sspage maintenance list",
                 "update": "sspage update list"}


class ServiceBase:
    """The site, and the lookups that every operation on services needs."""

    def __init__(self, site: Site) -> None:
        self.site = site

    @property
    def rules(self) -> Rules:
        """The site's rules, without a service's components."""
        return rules_for(self.site.config)

    def rules_of(self, service: Service) -> Rules:
        return rules_for(self.site.config, [c.key for c in service.components])

    def now(self) -> dt.datetime:
        return self.site.now()

    # -- naming ---------------------------------------------------------------------------

    def slugs(self) -> list[str]:
        return layout.service_slugs(self.site)

    def slug(self, ref: str | None) -> str:
        """The service ``ref`` names; None names the only service there is."""
        if ref is not None:
            if not is_slug(ref) or not (layout.service_dir(self.site, ref) / layout.SERVICE_FILE).is_file():
                known = ", ".join(self.slugs()) or "none yet"
                raise NotFoundError(f"no service {ref!r}", hint=f"services: {known}")
            return ref
        slugs = self.slugs()
        if len(slugs) == 1:
            return slugs[0]
        if not slugs:
            raise NotFoundError("there is no service yet",
                                hint='create one with `sspage service create "Acme status"`')
        raise InputError(f"there are {len(slugs)} services: say which with --service",
                         hint="services: " + ", ".join(slugs))

    def service(self, ref: str | None = None) -> Service:
        """A service's ``service.yaml`` (checked against the site's rules)."""
        return reader.read_service(self.site, self.slug(ref), self.rules)  # type: ignore[no-any-return]

    def find(self, slug: str, kind: str, ref: str) -> Path:
        """The file of a service's incident, window or post: by file name, id, or id prefix."""
        if not ref.strip():
            raise InputError(f"a {KIND_WORDS[kind]} reference cannot be empty")
        folder = layout.kind_dir(self.site, slug, kind)
        if is_slug(ref) and (folder / f"{ref}.yaml").is_file():
            return folder / f"{ref}.yaml"
        wanted = ref.strip().lower()
        exact, prefixed = [], []
        for path in layout.kind_paths(self.site, slug, kind):
            found = _WRITTEN_ID.search(path.read_bytes())
            ident = found.group(1).decode() if found else reader.derived_id(slug, kind, path.stem)
            if ident == wanted:
                exact.append(path)
            elif len(wanted) >= MIN_PREFIX and ident.startswith(wanted):
                prefixed.append(path)
        matches = exact or prefixed
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise NotFoundError(f"{slug} has no {KIND_WORDS[kind]} {ref!r}",
                                hint=f"name it by id, id prefix or file name; `{LIST_COMMANDS[kind]}` "
                                "lists them")
        names = ", ".join(p.stem for p in matches[:5])
        raise AmbiguousError(f"{ref!r} matches {len(matches)} of {slug}'s {KIND_WORDS[kind]}s: {names}",
                             hint="give more of the id, or the file name")

    def read(self, slug: str, kind: str, ref: str, rules: Rules | None = None) -> Any:
        path = self.find(slug, kind, ref)
        return reader.read(self.site, path, kind, rules or self.rules)

    def all(self, slug: str, kind: str, rules: Rules | None = None) -> list[Any]:
        return reader.read_all(self.site, slug, kind, rules or self.rules)

    # -- checking input -------------------------------------------------------------------

    def component_changes(self, service: Service, changes: Mapping[str, str] | Iterable[str],
                          ) -> dict[str, str]:
        """``{"api": "major_outage"}`` or ``["api=MO"]``: known keys, known statuses, as words."""
        pairs: list[tuple[str, str]] = []
        if isinstance(changes, Mapping):
            pairs = list(changes.items())
        else:
            for entry in changes:
                key, sep, status = entry.partition("=")
                if not sep:
                    raise InputError(f"{entry!r} is not KEY=STATUS",
                                     hint="for example --component api=major_outage")
                pairs.append((key.strip(), status.strip()))
        known = {c.key for c in service.components}
        result = {}
        for key, status in pairs:
            if key not in known:
                raise InputError(f"{service.title} has no component {key!r}",
                                 hint="its components: " + (", ".join(sorted(known)) or "none yet"))
            result[key] = self.component_status(status)
        return result

    @staticmethod
    def component_status(value: str) -> str:
        if value not in COMPONENT_STATUSES and value not in COMPONENT_ALIASES:
            raise InputError(f"unknown component status {value!r}",
                             hint="use " + ", ".join(COMPONENT_STATUSES) + " (or OP, PD, PO, MO, UM)")
        return component_status(value)

    def component_keys(self, service: Service, keys: Iterable[str]) -> list[str]:
        known = {c.key for c in service.components}
        result = []
        for key in keys:
            if key not in known:
                raise InputError(f"{service.title} has no component {key!r}",
                                 hint="its components: " + (", ".join(sorted(known)) or "none yet"))
            if key not in result:
                result.append(key)
        return result

    def audiences(self, names: Iterable[str]) -> list[str]:
        known = set(self.site.config.audiences)
        result = []
        for name in names:
            if name not in known:
                raise InputError(f"unknown audience {name!r}",
                                 hint="declare it in site.yaml under audiences: ("
                                 + (", ".join(sorted(known)) or "none are declared") + ")")
            if name not in result:
                result.append(name)
        return result

    def local_date(self, service: Service, moment: dt.datetime) -> str:
        """The date of ``moment`` in the service's time zone, for file names."""
        import zoneinfo

        zone = zoneinfo.ZoneInfo(service.timezone or self.site.config.timezone)
        return moment.astimezone(zone).date().isoformat()


def trailers(service: str, kind: str | None = None, ident: str | None = None) -> dict[str, str]:
    """Commit trailers: ``Sspage-Service: acme`` and ``Sspage-Incident: 8kbf7d35c070``."""
    found = {"Sspage-Service": service}
    if kind is not None and ident is not None:
        found[f"Sspage-{kind.capitalize()}"] = ident
    return found


def quoted(text: str) -> str:
    from ..inputs import quoted as quote

    return quote(text)
