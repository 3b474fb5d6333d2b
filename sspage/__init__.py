"""sspage: status pages as code.

The library does everything the command line does::

    import sspage

    site = sspage.open_site("path/to/site")
    created = site.create_page("Kitchen renovation", items=["Survey booked"])
    print(created.token)                     # shown once; only its hash is stored
    item = site.add_item(created.page.slug, "Materials ordered", state="active")
    site.update_item(created.page.slug, item.id, state=sspage.State.COMPLETE)
    print(sspage.page_response(site.page(created.page.slug)))   # the GET shape
"""

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
from .model import Item, Page, SiteConfig, State
from .scaffold import init_site
from .shapes import create_response, item_response, page_response
from .store import Change, CreatedPage, Site, open_site

__version__ = "0.1.0"

__all__ = [
    "AmbiguousError", "Change", "ConfigError", "ContentError", "CreatedPage", "InputError", "Item",
    "NotFoundError", "Page", "Problem", "Site", "SiteConfig", "SspageError", "State", "StoreError",
    "TokenError", "create_response", "init_site", "item_response", "open_site", "page_response",
]
