"""``sspage serve``: a live preview that rebuilds as you edit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import pass_unchecked_site

if TYPE_CHECKING:
    from ..store import Site


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect unless you change it.")
@click.option("--port", "-p", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False),
              help="Build into DIR instead of a temporary folder.")
@pass_unchecked_site
def serve(site: Site, host: str, port: int, out: str | None) -> None:
    """Build the site, serve it, and rebuild and reload open pages on every change.

    Changes under content/ and themes/ are picked up as soon as they settle.
    A failed build keeps the last good site on screen and shows the error in
    the terminal and in the browser. Ctrl-C stops.

    Example:

    \b
      sspage serve --port 8001
    """
    from ..serve import serve as run

    run(site, host=host, port=port, out=Path(out) if out else None)


__all__ = ["serve"]
