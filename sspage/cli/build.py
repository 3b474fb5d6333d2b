"""``sspage build``: publish the site as static files."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

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
@click.option("--audience", metavar="NAME",
              help="Build what this audience (site.yaml audiences) sees of service pages, into "
              "public-NAME/ by default. Deploy it behind your host's access control.")
@pass_site
def build(site: Site, out: str | None, jobs: int | None, clean: bool, audience: str | None) -> None:
    """Build the static site: every page, its JSON mirror, and the host files.

    Only pages whose files changed since the last build are rendered again. An
    invalid page fails the build with every problem listed, and the previous
    output is left as it was. SOURCE_DATE_EPOCH, if set, is the build time
    that decides which pages have expired.

    Service pages are built too; maintenance windows start and end by the build's
    clock, so a scheduled build keeps them current.

    Example:

    \b
      sspage build
      sspage build --out /srv/status --clean
      sspage build --audience enterprise
    """
    from ..build import build_site

    with _ProgressBar() as bar:
        result = build_site(site, out, jobs=jobs, clean=clean, progress=bar.update,
                            audience=audience)
    noun = "page" if result.pages == 1 else "pages"
    changed = f"{result.rendered:,} changed"
    if result.removed:
        changed += f", {result.removed:,} removed"
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    services = ""
    if result.services:
        services = (f" and {result.services:,} service{'s' * (result.services != 1)} "
                    f"({result.service_files:,} file{'s' * (result.service_files != 1)} rendered)")
    where = f" for audience {audience}" if audience else ""
    click.echo(f"Built {result.pages:,} {noun} ({changed}){services}{where} in {result.seconds:.2f} s",
               err=True)


class _ProgressBar:
    """A progress bar on stderr for long builds on a terminal; silent otherwise."""

    SHOW_FROM = 500  # pages to render; smaller builds finish before a bar is worth drawing

    def __init__(self) -> None:
        self.bar: Any = None
        self.shown = 0

    def __enter__(self) -> _ProgressBar:
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < self.SHOW_FROM or not sys.stderr.isatty() or os.environ.get("CI"):
                return
            self.bar = click.progressbar(length=total, label="Building", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


__all__ = ["build"]
