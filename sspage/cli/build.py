"""``sspage build``: publish the site as static files."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import pass_site

if TYPE_CHECKING:
    from ..store import Site


@click.command()
@click.option("--out", "out", metavar="DIR", type=click.Path(file_okay=False),
              help="The output folder (default: public/ in the site).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Worker processes (default: the number of cores).")
@click.option("--clean", is_flag=True,
              help="Render every page again, ignoring what the last build recorded.")
@pass_site
def build(site: Site, out: str | None, jobs: int | None, clean: bool) -> None:
    """Build the static site: every page, its JSON mirror, and the host files.

    Only pages whose files changed since the last build are rendered again. An
    invalid page fails the build with every problem listed, and the previous
    output is left as it was. SOURCE_DATE_EPOCH, if set, is the build time
    that decides which pages have expired.

    Example:

    \b
      sspage build
      sspage build --out /srv/status --clean
    """
    from ..build import build_site

    result = build_site(site, out, jobs=jobs, clean=clean)
    noun = "page" if result.pages == 1 else "pages"
    changed = f"{result.rendered:,} changed"
    if result.removed:
        changed += f", {result.removed:,} removed"
    click.echo(f"Built {result.pages:,} {noun} ({changed}) in {result.seconds:.2f} s", err=True)


__all__ = ["build"]
