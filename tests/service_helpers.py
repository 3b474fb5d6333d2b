"""Hand-written service files with known ids, for the service tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SERVICE_YAML = """\
title: Acme Cloud
timezone: Europe/Paris
groups:
  - key: core
    name: Core platform
  - key: edge
    name: Edge
    parent: core
    collapsed: true
components:
  - key: api
    name: REST API
    group: core
  - key: db
    name: Database
    group: core
  - key: cdn
    name: CDN
    group: edge
  - key: web
    name: Website
"""

OPEN_INCIDENT = """\
id: open00000001
title: API errors
impact: major
startUtc: 2026-06-08T10:00:00Z
components:
  api: partial_outage
updates:
  - timeUtc: 2026-06-08T10:00:00Z
    status: investigating
    message: We are looking into it.
"""

RESOLVED_INCIDENT = """\
id: done00000001
title: Slow database
impact: minor
startUtc: 2026-05-01T10:00:00Z
endUtc: 2026-05-01T11:00:00Z
components:
  db: degraded_performance
updates:
  - timeUtc: 2026-05-01T10:00:00Z
    status: investigating
    message: Queries are slow.
  - timeUtc: 2026-05-01T11:00:00Z
    status: resolved
    message: Fixed.
"""

FUTURE_WINDOW = """\
id: maint0000001
title: CDN upgrade
startUtc: 2026-06-20T22:00:00Z
endUtc: 2026-06-20T23:00:00Z
components: [cdn]
"""


def service_dir(site: Any, slug: str = "acme") -> Path:
    return Path(site.content_dir) / "services" / slug


def write(site: Any, relative: str, text: str, slug: str = "acme") -> Path:
    """``relative`` is under the service folder (``incidents/x.yaml``) or, starting with
    ``/``, under content/ (``/statuses/x.yaml``)."""
    path = (
        (Path(site.content_dir) / relative[1:])
        if relative.startswith("/")
        else service_dir(site, slug) / relative
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def make_service(site: Any, *, incidents: bool = True, slug: str = "acme") -> Any:
    """The service ``acme``: four components in two nested groups; an open and a resolved
    incident and a future window unless ``incidents=False``."""
    write(site, "service.yaml", SERVICE_YAML, slug)
    if incidents:
        write(site, "incidents/2026-06-08-api-errors.yaml", OPEN_INCIDENT, slug)
        write(site, "incidents/2026-05-01-slow-database.yaml", RESOLVED_INCIDENT, slug)
        write(site, "maintenance/2026-06-20-cdn-upgrade.yaml", FUTURE_WINDOW, slug)
    return site
