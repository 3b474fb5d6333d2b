"""sspage: status pages as code.

The library does everything the command line does::

    import sspage

    site = sspage.open_site("path/to/site")
    created = site.create_page("Kitchen renovation", items=["Survey booked"])
    print(created.token)                     # shown once; only its hash is stored
    item = site.add_item(created.page.slug, "Materials ordered", state="active")
    site.update_item(created.page.slug, item.id, state=sspage.State.COMPLETE)
    print(sspage.page_response(site.page(created.page.slug)))   # the GET shape

Names are imported on first use, so that ``sspage`` commands start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AmbiguousError": "errors", "ConfigError": "errors", "ContentError": "errors",
    "InputError": "errors", "NotFoundError": "errors", "Problem": "errors",
    "SspageError": "errors", "StoreError": "errors", "TokenError": "errors",
    "Item": "model", "Page": "model", "SiteConfig": "model", "State": "model",
    "init_site": "scaffold", "scaffold_site": "scaffold", "Scaffold": "scaffold",
    "create_response": "shapes", "item_response": "shapes", "page_response": "shapes",
    "Change": "store", "CreatedPage": "store", "Site": "store", "open_site": "store",
    "check_site": "check", "fmt_site": "fmt",
    "LogEntry": "history", "site_log": "history",
}

__all__ = [
    "AmbiguousError", "Change", "ConfigError", "ContentError", "CreatedPage", "InputError",
    "Item", "LogEntry", "NotFoundError", "Page", "Problem", "Scaffold", "Site", "SiteConfig",
    "SspageError", "State", "StoreError", "TokenError", "check_site", "create_response", "fmt_site",
    "init_site", "item_response", "open_site", "page_response", "scaffold_site", "site_log",
]

if TYPE_CHECKING:
    from .check import check_site
    from .errors import (
        AmbiguousError,
        ConfigError,
        ContentError,
        InputError,
        NotFoundError,
        Problem,
        SspageError,
        StoreError,
        TokenError,
    )
    from .fmt import fmt_site
    from .history import LogEntry, site_log
    from .model import Item, Page, SiteConfig, State
    from .scaffold import Scaffold, init_site, scaffold_site
    from .shapes import create_response, item_response, page_response
    from .store import Change, CreatedPage, Site, open_site


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sspage' has no attribute {name!r}")
