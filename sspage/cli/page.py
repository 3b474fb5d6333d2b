"""``sspage page ...``: create, list, show, change and delete pages; rotate their tokens."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .common import PAGE_ARG, echo_json, json_option, pass_site, shorten

if TYPE_CHECKING:
    from ..model import Page
    from ..store import Site

STATE_ICONS = {0: "○", 1: "◐", 2: "●"}


@click.group()
def page() -> None:
    """Create, list, show, change and delete pages.

    Example:

    \b
      sspage page create "Kitchen renovation" --item "Survey booked"
      sspage page list
    """


@page.command("create")
@click.argument("title")
@click.option("--item", "items", multiple=True, metavar="TEXT",
              help="An initial item (Pending). Repeat for more, in order.")
@click.option("--latest-update", metavar="TEXT", help="News for viewers; Markdown allowed.")
@click.option("--expires", metavar="WHEN", help="2026-12-31, 2026-12-31T17:00Z, 30d or never.")
@click.option("--slug", metavar="SLUG", help="The file name (default: made from the title).")
@json_option
@pass_site
def create(site: Site, title: str, items: tuple[str, ...], latest_update: str | None,
           expires: str | None, slug: str | None, as_json: bool) -> None:
    """Create a page and print its URLs and its API token (shown only this once).

    Example:

    \b
      sspage page create "Kitchen renovation" \\
        --item "Survey booked" --item "Materials ordered" --item "Work scheduled"
    """
    from ..shapes import create_response

    created = site.create_page(title, items=list(items), latest_update=latest_update,
                               expires=_when(site, expires), slug=slug)
    result = created.page
    body = create_response(result, created.token, site.public_url(result), site.admin_url(result))
    if as_json:
        echo_json(body)
        return
    click.echo(f'Created "{result.title}" ({result.slug}) with {len(result.items)} items')
    click.echo(f"  public URL  {body['publicUrl']}")
    click.echo(f"  admin URL   {body['adminUrl']}")
    click.echo(f"  API token   {created.token}")
    click.echo("The token is shown only once and only its hash is stored: keep it now.", err=True)


@page.command("list")
@json_option
@pass_site
def list_pages(site: Site, as_json: bool) -> None:
    """List every page with its progress.

    Example:

    \b
      sspage page list --json | jq -r '.[].slug'
    """
    from ..model import format_utc

    pages = site.pages()
    if as_json:
        echo_json([
            {"slug": p.slug, "publicCode": p.public_code, "title": p.title,
             "publicUrl": site.public_url(p), "updatedUtc": format_utc(p.updated_utc),  # type: ignore[arg-type]
             "expiresUtc": None if p.expires_utc is None else format_utc(p.expires_utc),
             "itemCount": len(p.items), "completeCount": _complete(p)}
            for p in pages
        ])
        return
    if not pages:
        click.echo("No pages yet. Create one with: sspage page create TITLE", err=True)
        return
    width = max(len(p.slug) for p in pages)
    for p in pages:
        progress = f"{_complete(p)}/{len(p.items)}"
        click.echo(f"{p.slug:<{width}}  {p.public_code}  {progress:>7}  {shorten(p.title, 50)}")


@page.command("show")
@PAGE_ARG
@json_option
@pass_site
def show(site: Site, page_ref: str, as_json: bool) -> None:
    """Show a page and its items (the GET response with --json).

    Example:

    \b
      sspage page show kitchen-renovation
    """
    from ..model import State, format_utc
    from ..shapes import page_response

    shown = site.page(page_ref)
    if as_json:
        echo_json(page_response(shown))
        return
    click.secho(shown.title, bold=True)
    click.echo(f"{shown.slug} · {shown.public_code} · {site.public_url(shown)}")
    expiry = f" · expires {format_utc(shown.expires_utc)}" if shown.expires_utc else ""
    click.echo(f"{_complete(shown)} of {len(shown.items)} complete · updated "
               f"{format_utc(shown.updated_utc)}{expiry}")  # type: ignore[arg-type]
    if shown.latest_update:
        click.echo(f"\n{shown.latest_update.strip()}")
    if shown.items:
        click.echo()
    for position, entry in enumerate(shown.sorted_items(), 1):
        state = State.parse(entry.state)
        click.echo(f"  #{position:<3} {STATE_ICONS[state]} {state.label:<8}  "
                   f"{str(entry.id)[:8]}  {shorten(entry.text)}")


@page.command("set")
@PAGE_ARG
@click.option("--title", metavar="TEXT", help="A new title.")
@click.option("--latest-update", metavar="TEXT",
              help="News for viewers (Markdown); '-' reads standard input; '' clears it.")
@click.option("--expires", metavar="WHEN", help="2026-12-31, 2026-12-31T17:00Z, 30d or never.")
@json_option
@pass_site
def set_page(site: Site, page_ref: str, title: str | None, latest_update: str | None,
             expires: str | None, as_json: bool) -> None:
    """Change a page's title, latest update or expiry.

    Example:

    \b
      sspage page set kitchen-renovation --latest-update "Tiles arrive **Tuesday**."
      sspage page set kitchen-renovation --expires never
    """
    from ..shapes import page_response

    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = title
    if latest_update is not None:
        text = sys.stdin.read() if latest_update == "-" else latest_update
        changes["latest_update"] = text if text.strip() else None
    if expires is not None:
        changes["expires"] = _when(site, expires)
    result = site.update_page(page_ref, **changes)
    if as_json:
        echo_json(page_response(result))
    else:
        click.echo(f"Updated {result.title} ({result.slug})")


@page.command("rm")
@PAGE_ARG
@pass_site
def remove(site: Site, page_ref: str) -> None:
    """Delete a page's file. With git, the history keeps it.

    Example:

    \b
      sspage page rm kitchen-renovation
    """
    removed = site.delete_page(page_ref)
    click.echo(f'Deleted "{removed.title}" ({removed.slug})')


@page.group("token")
def token() -> None:
    """Rotate or verify a page's API token.

    Example:

    \b
      sspage page token rotate kitchen-renovation
    """


@token.command("rotate")
@PAGE_ARG
@pass_site
def rotate(site: Site, page_ref: str) -> None:
    """Make a new API token (printed once); the old one stops working.

    Example:

    \b
      sspage page token rotate kitchen-renovation
    """
    new = site.rotate_token(page_ref)
    click.echo(new)
    click.echo("The token is shown only once and only its hash is stored: keep it now.", err=True)


@token.command("verify")
@PAGE_ARG
@click.argument("token_value", metavar="[TOKEN]", required=False)
@pass_site
def verify(site: Site, page_ref: str, token_value: str | None) -> None:
    """Check a token against the page's stored hash. Exit 0 if it matches, 1 if not.

    Without TOKEN (or with '-') the token is read from standard input, which
    keeps it out of the shell history and the process list.

    Example:

    \b
      printenv STATUS_TOKEN | sspage page token verify kitchen-renovation
    """
    from ..errors import TokenError

    value = token_value if token_value not in (None, "-") else sys.stdin.readline()
    if site.verify_token(page_ref, value.strip()):
        click.echo("The token is valid for this page.")
        return
    raise TokenError("the token does not match this page's API token")


def _complete(shown: Page) -> int:
    return sum(1 for entry in shown.items if int(entry.state) == 2)


def _when(site: Site, value: str | None) -> Any:
    from ..when import parse_when

    if value is None:
        return None
    return parse_when(value, now=site.now(), timezone=site.config.timezone)
