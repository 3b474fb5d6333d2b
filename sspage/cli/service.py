"""``sspage service|component|group ...``: service pages and their components."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click

from .common import echo_json, json_option, pass_site, shorten

if TYPE_CHECKING:
    from ..service.compute import ComponentState, GroupState
    from ..store import Site

SERVICE_HELP = "The service's slug (default: the only service)."
#: One mark per status, so a terminal shows status without colour too.
MARKS = {"operational": "✓", "under_maintenance": "⚒", "degraded_performance": "!",
         "partial_outage": "◐", "major_outage": "✗"}


def service_option(func: Any) -> Any:
    return click.option("--service", "-s", "service", metavar="SLUG", help=SERVICE_HELP)(func)


def when(site: Site, service: str | None, value: str | None) -> dt.datetime | None:
    """A time typed on the command line, in the service's time zone unless it names one."""
    from ..when import parse_when

    if value is None:
        return None
    svc = site.services.service(service)
    moment = parse_when(value, now=site.now(), timezone=svc.timezone or site.config.timezone)
    if moment is None:
        from ..errors import InputError

        raise InputError(f"{value!r} is not a time here", hint="give a time, e.g. 2026-06-08T14:30")
    return moment


def words(status: str) -> str:
    return status.replace("_", " ")


# -- service -------------------------------------------------------------------------------


@click.group()
def service() -> None:
    """Create, list and show service status pages.

    A service page lives in content/services/SLUG/: service.yaml holds its
    groups and components; incidents/, maintenance/ and updates/ hold one
    file each.

    Example:

    \b
      sspage service create "Acme Cloud" --slug acme
      sspage service show acme
    """


@service.command("create")
@click.argument("title")
@click.option("--slug", metavar="SLUG", help="The folder name (default: made from the title).")
@click.option("--timezone", metavar="ZONE", help="IANA time zone of the page (default: the site's).")
@click.option("--description", metavar="TEXT", help="An introduction, in Markdown.")
@click.option("--unlisted", is_flag=True, help="Leave it off the site's index.")
@json_option
@pass_site
def create(site: Site, title: str, slug: str | None, timezone: str | None, description: str | None,
           unlisted: bool, as_json: bool) -> None:
    """Create a service page.

    Example:

    \b
      sspage service create "Acme Cloud" --slug acme --timezone Europe/Paris
    """
    created = site.services.create_service(title, slug=slug, timezone=timezone,
                                           description=description, listed=not unlisted)
    if as_json:
        echo_json(site.services.summary(created.slug))
        return
    click.echo(f'Created service "{created.title}" ({created.slug})')
    click.echo("Next: sspage component add KEY NAME", err=True)


@service.command("list")
@json_option
@pass_site
def list_services(site: Site, as_json: bool) -> None:
    """List service pages with their summarised status.

    Example:

    \b
      sspage service list --json | jq -r '.[].page.name'
    """
    summaries = [site.services.summary(slug) for slug in site.services.slugs()]
    if as_json:
        echo_json(summaries)
        return
    if not summaries:
        click.echo('No service pages yet. Create one with: sspage service create "Acme status"', err=True)
        return
    for slug, summary in zip(site.services.slugs(), summaries, strict=True):
        click.echo(f"{slug}  {summary['summarized_status']:<8} {summary['status']['description']}  "
                   f"{shorten(summary['page']['name'], 50)}")


@service.command("show")
@click.argument("slug", metavar="[SERVICE]", required=False)
@click.option("--audience", metavar="NAME", help="Show what this audience sees.")
@click.option("--at", "at", metavar="WHEN", help="Show the state at this time (default: now).")
@json_option
@pass_site
def show(site: Site, slug: str | None, audience: str | None, at: str | None, as_json: bool) -> None:
    """Show a service: its status, components, open incidents and maintenance.

    With --json, Statuspage's summary.json shape (and Oh Dear's summarized_status).

    Example:

    \b
      sspage service show acme
      sspage service show acme --json | jq .status
    """
    if audience is not None:
        site.services.audiences([audience])
    moment = when(site, slug, at)
    summary = site.services.summary(slug, now=moment, audience=audience)
    if as_json:
        echo_json(summary)
        return
    svc, state = site.services.state(slug, now=moment, audience=audience)
    click.secho(svc.title, bold=True)
    click.echo(f"{svc.slug} · {summary['page']['url']} · {state.description} · {state.summarized}")
    if state.roots:
        click.echo()
    for node in state.roots:
        _show_node(node, 1)
    for incident in summary["incidents"]:
        click.echo(f"\nIncident {incident['id']}: {incident['name']} ({incident['impact']}, "
                   f"{incident['status']}, since {incident['started_at']})")
    for window in summary["scheduled_maintenances"]:
        click.echo(f"\nMaintenance {window['id']}: {window['name']} ({words(window['status'])}, "
                   f"{window['scheduled_for']} to {window['scheduled_until']})")


def _show_node(node: GroupState | ComponentState, depth: int) -> None:
    from ..service.compute import GroupState

    pad = "  " * depth
    if isinstance(node, GroupState):
        click.echo(f"{pad}{node.name}  [{words(node.effective)}]")
        children: list[GroupState | ComponentState] = [*node.components, *node.groups]
        for child in children:
            _show_node(child, depth + 1)
    else:
        own = "" if node.own == node.effective else f" (own status: {words(node.own)})"
        click.echo(f"{pad}{MARKS[node.effective]} {node.name} ({node.key}): {words(node.effective)}{own}")


# -- components and groups -----------------------------------------------------------------


@click.group()
def component() -> None:
    """Add, change, remove and list a service's components.

    Statuses: operational, degraded_performance, partial_outage, major_outage,
    under_maintenance (or Freshstatus's OP, PD, PO, MO, UM).

    Example:

    \b
      sspage component add api "REST API" --group core
      sspage component set api --status degraded_performance
    """


@component.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--group", metavar="KEY", help="The group it belongs to.")
@click.option("--description", metavar="TEXT", help="Shown under its name.")
@click.option("--status", default="operational", show_default=True, metavar="STATUS",
              help="Its own status.")
@service_option
@json_option
@pass_site
def component_add(site: Site, key: str, name: str, group: str | None, description: str | None,
                  status: str, service: str | None, as_json: bool) -> None:
    """Add a component to a service.

    Example:

    \b
      sspage component add api "REST API" --group core --description "api.acme.example"
    """
    site.services.add_component(key, name, service=service, group=group, description=description,
                                status=status)
    if as_json:
        return _echo_node(site, service, key)
    click.echo(f'Added component "{name}" ({key})')


@component.command("set")
@click.argument("key")
@click.option("--status", metavar="STATUS", help="Its own status.")
@click.option("--name", metavar="TEXT", help="A new name.")
@click.option("--description", metavar="TEXT", help="A new description ('' removes it).")
@click.option("--group", metavar="KEY", help="Move it to this group ('' takes it out of any).")
@service_option
@json_option
@pass_site
def component_set(site: Site, key: str, status: str | None, name: str | None,
                  description: str | None, group: str | None, service: str | None,
                  as_json: bool) -> None:
    """Change a component's own status, name, description or group.

    Incidents and active maintenance can still make its shown status worse.

    Example:

    \b
      sspage component set api --status degraded_performance
    """
    options: dict[str, Any] = {}
    if description is not None:
        options["description"] = description or None
    if group is not None:
        options["group"] = group or None
    svc = site.services.set_component(key, service=service, status=status, name=name, **options)
    if as_json:
        return _echo_node(site, service, key)
    found = next(c for c in svc.components if c.key == key)
    click.echo(f"{found.name} ({key}): {words(found.status)}")


@component.command("rm")
@click.argument("key")
@service_option
@pass_site
def component_rm(site: Site, key: str, service: str | None) -> None:
    """Remove a component that no incident or maintenance window names.

    Example:

    \b
      sspage component rm legacy-api
    """
    site.services.remove_component(key, service=service)
    click.echo(f"Removed component {key}")


@component.command("list")
@service_option
@json_option
@pass_site
def component_list(site: Site, service: str | None, as_json: bool) -> None:
    """List components with their own and their shown (effective) status.

    With --json, Statuspage's component objects (groups too, with group: true).

    Example:

    \b
      sspage component list --json | jq -r '.[] | "\\(.name): \\(.status)"'
    """
    from ..service.shapes import components_json

    svc, state = site.services.state(service)
    if as_json:
        echo_json(components_json(state, site.services.context(svc)))
        return
    if not state.components:
        click.echo("No components yet. Add one with: sspage component add KEY NAME", err=True)
        return
    width = max(len(c.key) for c in state.components)
    for c in state.components:
        own = "" if c.own == c.effective else f" (own: {words(c.own)})"
        click.echo(f"{c.key:<{width}}  {MARKS[c.effective]} {words(c.effective)}{own}  {shorten(c.name, 40)}")


@click.group()
def group() -> None:
    """Add groups of components; groups can nest.

    Example:

    \b
      sspage group add core "Core platform"
      sspage group add eu "Europe" --parent core
    """


@group.command("add")
@click.argument("key")
@click.argument("name")
@click.option("--parent", metavar="KEY", help="The group it is nested in.")
@click.option("--description", metavar="TEXT", help="Shown under its name.")
@click.option("--collapsed", is_flag=True, help="Shown closed while everything in it is operational.")
@service_option
@json_option
@pass_site
def group_add(site: Site, key: str, name: str, parent: str | None, description: str | None,
              collapsed: bool, service: str | None, as_json: bool) -> None:
    """Add a group to a service.

    Example:

    \b
      sspage group add core "Core platform" --collapsed
    """
    site.services.add_group(key, name, service=service, parent=parent, description=description,
                            collapsed=collapsed)
    if as_json:
        return _echo_node(site, service, key)
    click.echo(f'Added group "{name}" ({key})')


def _echo_node(site: Site, service: str | None, key: str) -> None:
    """A component's or group's Statuspage JSON, as the page now shows it."""
    from ..service.shapes import components_json

    svc, state = site.services.state(service)
    ids = {c.key: c.id for c in state.components} | {g.key: g.id for g in state.groups}
    wanted = ids.get(key)
    echo_json(next(node for node in components_json(state, site.services.context(svc))
                   if node["id"] == wanted))


__all__ = ["component", "group", "service", "service_option", "when"]
