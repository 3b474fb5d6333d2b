"""Where service content lives under ``content/``, and where its outputs go under the site.

Only names and paths, with no model behind them: a build of a site without
service pages asks this module whether there are any, and goes no further.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..yamlio import yaml_names

if TYPE_CHECKING:
    from ..store import Site

SERVICES = "services"
TEMPLATES = "templates"
STATUSES = "statuses"
SERVICE_FILE = "service.yaml"
#: The folder of each per-service file kind.
FOLDERS = {"incident": "incidents", "maintenance": "maintenance", "update": "updates"}


def services_dir(site: Site) -> Path:
    return site.content_dir / SERVICES


def service_slugs(site: Site) -> list[str]:
    """Every service, by its folder name, sorted. A folder without service.yaml is not one."""
    folder = services_dir(site)
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return []
    return [entry.name for entry in entries
            if not entry.name.startswith(".") and (entry / SERVICE_FILE).is_file()]


def service_dir(site: Site, slug: str) -> Path:
    return services_dir(site) / slug


def kind_dir(site: Site, slug: str, kind: str) -> Path:
    return service_dir(site, slug) / FOLDERS[kind]


def kind_paths(site: Site, slug: str, kind: str) -> list[Path]:
    folder = kind_dir(site, slug, kind)
    return [folder / name for name in yaml_names(folder)]


def template_paths(site: Site) -> list[Path]:
    folder = site.content_dir / TEMPLATES
    return [folder / name for name in yaml_names(folder)]


def status_paths(site: Site) -> list[Path]:
    folder = site.content_dir / STATUSES
    return [folder / name for name in yaml_names(folder)]


# -- outputs, relative to the site's output folder -------------------------------------------


def service_path(slug: str) -> str:
    return f"status/{slug}/"


def service_page_path(slug: str) -> str:
    return f"status/{slug}/index.html"


def incident_path(slug: str, ident: str) -> str:
    return f"status/{slug}/incidents/{ident}.html"


def maintenance_path(slug: str, ident: str) -> str:
    return f"status/{slug}/maintenance/{ident}.html"


def history_path(slug: str, month: str | None = None) -> str:
    return f"status/{slug}/history/" + (f"{month}.html" if month else "index.html")


def status_path(share_id: str) -> str:
    return f"st/{share_id}/"


def status_outputs(share_id: str) -> list[str]:
    return [f"st/{share_id}/index.html", f"st/{share_id}/status.json"]
