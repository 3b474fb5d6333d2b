"""Embeds of a service page on other sites: an iframe page and a banner script.

* ``status/{slug}/embed.html``: the page's status, its open incidents and the
  maintenance in progress, and a link to the page. No JavaScript. It is the
  only page that other sites may frame: ``_headers`` gives it its own
  Content-Security-Policy with ``frame-ancestors *``.
* ``status/{slug}/embed.js``: the theme's ``embed.js`` after one line of
  configuration (the site's ``embed_*`` settings and the theme's words, as
  JSON). On the host page it fetches the page's ``api/v2/summary.json`` and
  shows a banner while an incident or maintenance is active. It needs nothing
  a strict host CSP forbids besides the status site in ``script-src`` and
  ``connect-src``: no inline style (CSSOM only), no eval, text by
  ``textContent`` only.

Both are rendered with the main page, from the same state.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import BuildError

if TYPE_CHECKING:
    from ..model import SiteConfig
    from .compute import ServiceState
    from .model import Service
    from .views import IncidentView, MaintenanceView, ServicePages

SCRIPT = "embed.js"  # in the theme, beside theme.yaml


def embed_paths(slug: str) -> list[str]:
    return [f"status/{slug}/embed.html", f"status/{slug}/embed.js"]


def embed_files(pages: ServicePages, service: Service, state: ServiceState, *,
                incidents: Sequence[IncidentView], active: Sequence[MaintenanceView],
                config: SiteConfig) -> list[tuple[str, bytes]]:
    html_path, js_path = embed_paths(service.slug)
    view = pages.service_view(service, state)
    html = pages.render("embed.html", html_path, service, service=view, incidents=list(incidents),
                        active_maintenance=list(active))
    return [(html_path, html), (js_path, embed_script(pages.renderer, config))]


def embed_script(renderer: Any, config: SiteConfig) -> bytes:
    """The theme's script after its settings: JSON, with ``<`` escaped, is a JavaScript literal."""
    source: Path | None = renderer.theme.find(SCRIPT)
    if source is None:
        raise BuildError(f"the theme has no {SCRIPT}",
                         "add one beside theme.yaml, or extend the default theme")
    words = renderer.strings["service"]
    settings = {
        "position": config.embed_position,
        "incident": {"background": config.embed_incident_background, "color": config.embed_incident_text},
        "maintenance": {"background": config.embed_maintenance_background,
                        "color": config.embed_maintenance_text},
        "words": {"maintenance": words["active_maintenance"], "view": words["embed_view"],
                  "dismiss": words["embed_dismiss"], "impact": dict(words["impact"])},
    }
    literal = json.dumps(settings, ensure_ascii=True, sort_keys=True).replace("<", "\\u003c")
    return f"var SSPAGE_EMBED = {literal};\n".encode() + source.read_bytes()
