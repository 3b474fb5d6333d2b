"""``sspage update|status|template ...``: posted updates, single-value statuses, templates."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .common import echo_json, json_option, pass_site, shorten
from .service import service_option, when

if TYPE_CHECKING:
    from ..service.model import PostedUpdate, SingleStatus
    from ..store import Site


def _post_json(site: Site, post: PostedUpdate, service: str | None) -> dict[str, object]:
    from ..service.shapes import post_json

    return post_json(post, site.services.context(site.services.service(service)))


def _print_post(site: Site, post: PostedUpdate, service: str | None, as_json: bool, verb: str) -> None:
    body = _post_json(site, post, service)
    if as_json:
        echo_json(body)
    else:
        pinned = ", pinned" if post.pinned else ""
        click.echo(f'{verb} update {body["id"]} "{post.title}" ({post.severity}{pinned})')


# -- posted updates ------------------------------------------------------------------------


@click.group("update")
def update() -> None:
    """Post, pin and remove updates on a service page (Oh Dear's status page updates).

    Example:

    \b
      sspage update post "New region in Paris" --severity info --text "Now **live**." --pinned
      sspage update pin 7c2d --off
    """


@update.command("post")
@click.argument("title", required=False)
@click.option("--text", metavar="TEXT", help="The body, in Markdown; '-' reads standard input.")
@click.option("--severity", metavar="SEVERITY", help="info, warning, high, resolved or scheduled.")
@click.option("--pinned", is_flag=True, help="Show it first, above recent updates.")
@click.option("--template", metavar="NAME", help="Take the title, text and severity from a template.")
@click.option("--audience", "audiences", multiple=True, metavar="NAME", help="Only this audience sees it.")
@click.option("--at", "at", metavar="WHEN",
              help="When (default: now), in the page's time zone unless given.")
@service_option
@json_option
@pass_site
def post(site: Site, title: str | None, text: str | None, severity: str | None, pinned: bool,
         template: str | None, audiences: tuple[str, ...], at: str | None, service: str | None,
         as_json: bool) -> None:
    """Post an update. With --json, Oh Dear's update object.

    Example:

    \b
      sspage update post "Scheduled network work" --severity scheduled --text "Tonight, 22:00."
      sspage update post --template deployment
    """
    posted = site.services.post_update(
        title, service=service, text=sys.stdin.read() if text == "-" else text, severity=severity,
        pinned=pinned, template=template, audiences=audiences, at=when(site, service, at))
    _print_post(site, posted, service, as_json, "Posted")


@update.command("pin")
@click.argument("ref", metavar="ID")
@click.option("--off", is_flag=True, help="Unpin it instead.")
@service_option
@json_option
@pass_site
def pin(site: Site, ref: str, off: bool, service: str | None, as_json: bool) -> None:
    """Pin an update to the top of the page (or unpin it with --off).

    ID is the update's id, a unique prefix of it, or its file name.

    Example:

    \b
      sspage update pin 7c2d
    """
    changed = site.services.pin_update(ref, service=service, pinned=not off)
    _print_post(site, changed, service, as_json, "Unpinned" if off else "Pinned")


@update.command("rm")
@click.argument("ref", metavar="ID")
@service_option
@json_option
@pass_site
def remove(site: Site, ref: str, service: str | None, as_json: bool) -> None:
    """Remove a posted update (git history keeps it).

    Example:

    \b
      sspage update rm 7c2d
    """
    removed = site.services.remove_update(ref, service=service)
    if as_json:
        echo_json(_post_json(site, removed, service))
        return
    click.echo(f'Removed update "{removed.title}"')


@update.command("list")
@service_option
@json_option
@pass_site
def list_updates(site: Site, service: str | None, as_json: bool) -> None:
    """List posted updates: pinned first, then newest first.

    Example:

    \b
      sspage update list --json
    """
    found = site.services.posts(service)
    bodies = [_post_json(site, p, service) for p in found]
    if as_json:
        echo_json(bodies)
        return
    if not found:
        click.echo("No posted updates yet.", err=True)
    for body in bodies:
        mark = "pinned" if body["pinned"] else "      "
        click.echo(f"{body['id']}  {mark}  {body['time']}  {body['severity']:<9} "
                   f"{shorten(str(body['title']), 50)}")


# -- single-value statuses -----------------------------------------------------------------


def _print_status(status: SingleStatus, as_json: bool) -> None:
    from ..service.shapes import status_json

    body = status_json(status)
    if as_json:
        echo_json(body)
    else:
        access = " (private)" if status.access_type == "private" else ""
        click.echo(f"{status.key}: {status.value} · {status.name} · colour {status.color_no}{access}")


@click.group()
def status() -> None:
    """Single-value statuses (Stativate's status keys): a name, a short value and a colour.

    Example:

    \b
      sspage status set deploy-freeze --value TODAY --name "Deploy freeze" --color 3
      sspage status show deploy-freeze --json
    """


@status.command("set")
@click.argument("key")
@click.option("--value", metavar="TEXT", help="1 to 10 characters.")
@click.option("--name", metavar="TEXT", help="3 to 42 characters (default for a new one: the key).")
@click.option("--color", type=int, metavar="N", help="A colour number from 1 to 12.")
@click.option("--description", metavar="TEXT", help="Up to 400 characters ('' removes it).")
@click.option("--private/--public", "private", default=None,
              help="private: never published (default for a new one: public).")
@json_option
@pass_site
def set_status(site: Site, key: str, value: str | None, name: str | None, color: int | None,
               description: str | None, private: bool | None, as_json: bool) -> None:
    """Create or update a status by its key. With --json, Stativate's response shape.

    Example:

    \b
      sspage status set deploy-freeze --value TODAY --name "Deploy freeze" --color 3
      sspage status set deploy-freeze --value MONDAY
    """
    options = {} if description is None else {"description": description or None}
    result = site.services.set_status(key, value=value, name=name, color=color, private=private,
                                      **options)
    _print_status(result, as_json)


@status.command("show")
@click.argument("key")
@json_option
@pass_site
def show_status(site: Site, key: str, as_json: bool) -> None:
    """Show a status. With --json, Stativate's response shape.

    Example:

    \b
      sspage status show deploy-freeze
    """
    _print_status(site.services.status(key), as_json)


@status.command("list")
@json_option
@pass_site
def list_statuses(site: Site, as_json: bool) -> None:
    """List every status.

    Example:

    \b
      sspage status list --json
    """
    from ..service.shapes import status_json

    found = site.services.statuses()
    if as_json:
        echo_json([status_json(s) for s in found])
        return
    if not found:
        click.echo("No statuses yet. Set one with: sspage status set KEY --value TEXT", err=True)
    for entry in found:
        _print_status(entry, False)


# -- templates -----------------------------------------------------------------------------


@click.group()
def template() -> None:
    """Update templates: content/templates/NAME.yaml, used with --template NAME.

    Example:

    \b
      sspage template list
    """


@template.command("list")
@json_option
@pass_site
def list_templates(site: Site, as_json: bool) -> None:
    """List update templates.

    Example:

    \b
      sspage template list --json
    """
    found = site.services.templates()
    if as_json:
        echo_json([{"name": t.stem, "title": t.title, "text": t.text, "severity": t.severity,
                    "impact": t.impact, "status": t.status} for t in found])
        return
    if not found:
        click.echo("No templates yet: write content/templates/NAME.yaml (docs/service-pages.md)",
                   err=True)
    for entry in found:
        kind = ", ".join(x for x in (entry.severity, entry.impact and f"{entry.impact} impact") if x)
        click.echo(f"{entry.stem}  {shorten(entry.title, 50)}" + (f"  ({kind})" if kind else ""))


__all__ = ["status", "template", "update"]
