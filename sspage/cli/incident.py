"""``sspage incident|maintenance ...``: incidents and scheduled maintenance of a service."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from .common import echo_json, json_option, pass_site, shorten
from .service import service_option, when, words

if TYPE_CHECKING:
    from ..service.model import Incident, Maintenance
    from ..store import Site

REF_HELP = "ID is the incident's id, a unique prefix of it (4 or more characters), or its file name."
AT_HELP = "When (default: now), in the page's time zone unless given: 2026-06-08T14:30, 2026-06-08T13:30Z."


def _message(value: str | None) -> str | None:
    return sys.stdin.read() if value == "-" else value


def _incident_json(site: Site, incident: Incident, service: str | None) -> dict[str, Any]:
    from ..service.shapes import incident_json

    svc, state = site.services.state(service)
    return incident_json(incident, site.services.context(svc), {c.key: c for c in state.components})


def _print_incident(site: Site, incident: Incident, service: str | None, as_json: bool,
                    verb: str) -> None:
    from ..service.reader import object_id

    if as_json:
        echo_json(_incident_json(site, incident, service))
        return
    ident = object_id(incident, incident.path.parent.parent.name, "incident")
    click.echo(f'{verb} incident {ident} "{incident.title}" ({incident.impact}, {incident.status})')


# -- incidents -----------------------------------------------------------------------------


@click.group()
def incident() -> None:
    """Open, update, resolve, list and show incidents. Each is one file, each change one commit.

    Example:

    \b
      sspage incident open "Elevated API errors" --component api=major_outage \\
        --message "We are investigating."
      sspage incident update 8kbf --status monitoring --message "A fix is deployed."
      sspage incident resolve 8kbf
    """


@incident.command("open")
@click.argument("title", required=False)
@click.option("--component", "components", multiple=True, metavar="KEY=STATUS",
              help="An affected component and the status it gets. Repeat for more.")
@click.option("--impact", metavar="IMPACT",
              help="none, minor, major or critical (default: from the template, or the worst status).")
@click.option("--status", metavar="STATUS", help="investigating (default), identified, monitoring.")
@click.option("--message", metavar="TEXT", help="The first update, in Markdown; '-' reads standard input.")
@click.option("--template", metavar="NAME", help="Take the title, message and impact from a template.")
@click.option("--private", is_flag=True, help="Never publish it.")
@click.option("--audience", "audiences", multiple=True, metavar="NAME", help="Only this audience sees it.")
@click.option("--at", "at", metavar="WHEN", help=AT_HELP)
@service_option
@json_option
@pass_site
def incident_open(site: Site, title: str | None, components: tuple[str, ...], impact: str | None,
                  status: str | None, message: str | None, template: str | None, private: bool,
                  audiences: tuple[str, ...], at: str | None, service: str | None, as_json: bool) -> None:
    """Open an incident. With --json, Statuspage's incident object.

    Example:

    \b
      sspage incident open "Elevated API errors" --component api=major_outage --impact major \\
        --message "We are investigating elevated error rates."
      sspage incident open --template database-down --component db=MO
    """
    opened = site.services.open_incident(
        title, service=service, components=list(components), impact=impact, status=status,
        message=_message(message), template=template, private=private, audiences=audiences,
        at=when(site, service, at))
    _print_incident(site, opened, service, as_json, "Opened")


@incident.command("update")
@click.argument("ref", metavar="ID")
@click.option("--status", metavar="STATUS", help="investigating, identified, monitoring, or a custom one "
              "(default: unchanged).")
@click.option("--message", metavar="TEXT", help="The update, in Markdown; '-' reads standard input.")
@click.option("--component", "components", multiple=True, metavar="KEY=STATUS",
              help="A component status that changes with this update. Repeat for more.")
@click.option("--reopen", is_flag=True, help="Allow an update on a resolved incident, reopening it.")
@click.option("--template", metavar="NAME", help="Take the message and status from a template.")
@click.option("--at", "at", metavar="WHEN", help=AT_HELP)
@service_option
@json_option
@pass_site
def incident_update(site: Site, ref: str, status: str | None, message: str | None,
                    components: tuple[str, ...], reopen: bool, template: str | None, at: str | None,
                    service: str | None, as_json: bool) -> None:
    """Add an update to an incident.

    ID is the incident's id, a unique prefix of it (4 or more characters), or its file name.

    Example:

    \b
      sspage incident update 8kbf --status monitoring --message "A fix is deployed." \\
        --component api=degraded_performance
    """
    updated = site.services.update_incident(
        ref, service=service, status=status, message=_message(message), components=list(components),
        reopen=reopen, template=template, at=when(site, service, at))
    _print_incident(site, updated, service, as_json, "Updated")


@incident.command("resolve")
@click.argument("ref", metavar="ID")
@click.option("--message", metavar="TEXT", help="The closing update (default: a standard sentence).")
@click.option("--at", "at", metavar="WHEN", help=AT_HELP)
@service_option
@json_option
@pass_site
def incident_resolve(site: Site, ref: str, message: str | None, at: str | None, service: str | None,
                     as_json: bool) -> None:
    """Resolve an incident: it ends, and its components go back to their own status.

    ID is the incident's id, a unique prefix of it (4 or more characters), or its file name.

    Example:

    \b
      sspage incident resolve 8kbf --message "Error rates are back to normal."
    """
    resolved = site.services.resolve_incident(ref, service=service, message=_message(message),
                                              at=when(site, service, at))
    _print_incident(site, resolved, service, as_json, "Resolved")


@incident.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only incidents that are not resolved.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N, newest first.")
@service_option
@json_option
@pass_site
def incident_list(site: Site, only_open: bool, limit: int | None, service: str | None,
                  as_json: bool) -> None:
    """List incidents, newest first.

    Example:

    \b
      sspage incident list --open
      sspage incident list --json | jq -r '.[].shortlink'
    """
    from ..service.reader import object_id

    found = [i for i in site.services.incidents(service) if not (only_open and i.resolved)]
    found = found[:limit] if limit else found
    if as_json:
        echo_json([_incident_json(site, i, service) for i in found])
        return
    if not found:
        click.echo("No incidents." if only_open else "No incidents yet.", err=True)
        return
    for i in found:
        slug = i.path.parent.parent.name
        private = " private" if i.private else ""
        click.echo(f"{object_id(i, slug, 'incident')}  {i.start_utc:%Y-%m-%d}  {i.status:<13} "
                   f"{i.impact:<8}{private} {shorten(i.title, 50)}")


@incident.command("show")
@click.argument("ref", metavar="ID")
@service_option
@json_option
@pass_site
def incident_show(site: Site, ref: str, service: str | None, as_json: bool) -> None:
    """Show an incident and its updates. With --json, Statuspage's incident object.

    ID is the incident's id, a unique prefix of it (4 or more characters), or its file name.

    Example:

    \b
      sspage incident show 8kbf
    """
    shown = site.services.incident(ref, service)
    body = _incident_json(site, shown, service)
    if as_json:
        echo_json(body)
        return
    click.secho(shown.title, bold=True)
    end = f" to {body['resolved_at']}" if body["resolved_at"] else ""
    click.echo(f"{body['id']} · {shown.impact} impact · {shown.status} · {body['started_at']}{end}")
    click.echo(body["shortlink"])
    effects = shown.component_effects()
    if effects:
        click.echo("Affects: " + ", ".join(f"{key} ({words(status)})" for key, status in effects.items()))
    for update in body["incident_updates"]:
        click.echo(f"\n{update['display_at']}  {update['status']}")
        click.echo("  " + update["body"].strip().replace("\n", "\n  "))


# -- maintenance ---------------------------------------------------------------------------


def _maintenance_json(site: Site, window: Maintenance, service: str | None) -> dict[str, Any]:
    from ..service.shapes import maintenance_json

    svc, state = site.services.state(service)
    return maintenance_json(window, site.services.context(svc), {c.key: c for c in state.components},
                            site.now())


def _print_window(site: Site, window: Maintenance, service: str | None, as_json: bool,
                  verb: str) -> None:
    body = _maintenance_json(site, window, service)
    if as_json:
        echo_json(body)
        return
    click.echo(f'{verb} maintenance {body["id"]} "{window.title}" ({words(body["status"])}, '
               f'{body["scheduled_for"]} to {body["scheduled_until"]})')


@click.group()
def maintenance() -> None:
    """Schedule, start, complete, list and show maintenance windows.

    A window starts and ends by the clock (at build time) unless it was
    scheduled with --no-auto-start or --no-auto-end. Only an active window
    puts its components under maintenance; a future one changes nothing.

    Example:

    \b
      sspage maintenance schedule "Database upgrade" --start 2026-07-01T22:00 \\
        --end 2026-07-01T23:30 --component db --message "Writes pause for a few minutes."
      sspage maintenance complete 3qpx
    """


@maintenance.command("schedule")
@click.argument("title", required=False)
@click.option("--start", required=True, metavar="WHEN", help="Start, in the page's time zone unless given.")
@click.option("--end", required=True, metavar="WHEN", help="End, in the page's time zone unless given.")
@click.option("--component", "components", multiple=True, metavar="KEY",
              help="A component under maintenance while the window is active. Repeat for more.")
@click.option("--message", metavar="TEXT", help="The announcement, in Markdown; '-' reads standard input.")
@click.option("--template", metavar="NAME", help="Take the title and message from a template.")
@click.option("--no-auto-start", is_flag=True, help="Start only with `sspage maintenance start`.")
@click.option("--no-auto-end", is_flag=True, help="End only with `sspage maintenance complete`.")
@click.option("--private", is_flag=True, help="Never publish it.")
@click.option("--audience", "audiences", multiple=True, metavar="NAME", help="Only this audience sees it.")
@service_option
@json_option
@pass_site
def maintenance_schedule(site: Site, title: str | None, start: str, end: str,
                         components: tuple[str, ...], message: str | None, template: str | None,
                         no_auto_start: bool, no_auto_end: bool, private: bool,
                         audiences: tuple[str, ...], service: str | None, as_json: bool) -> None:
    """Schedule a maintenance window. Windows on one component may not overlap.

    Example:

    \b
      sspage maintenance schedule "Database upgrade" --start 2026-07-01T22:00 \\
        --end 2026-07-01T23:30 --component db
    """
    begins, ends = when(site, service, start), when(site, service, end)
    assert begins is not None and ends is not None
    window = site.services.schedule_maintenance(
        title, service=service, start=begins, end=ends, components=components,
        message=_message(message), template=template, auto_start=not no_auto_start,
        auto_end=not no_auto_end, private=private, audiences=audiences)
    _print_window(site, window, service, as_json, "Scheduled")


def _transition(name: str, method: str, verb: str, doc: str) -> click.Command:
    @maintenance.command(name, help=f"{doc}\n\n{REF_HELP.replace('incident', 'window')}\n\n"
                         f"Example:\n\n\b\n  sspage maintenance {name} 3qpx --message \"...\"")
    @click.argument("ref", metavar="ID")
    @click.option("--message", metavar="TEXT", help="An update to post with it, in Markdown.")
    @click.option("--at", "at", metavar="WHEN", help=AT_HELP)
    @service_option
    @json_option
    @pass_site
    def command(site: Site, ref: str, message: str | None, at: str | None, service: str | None,
                as_json: bool) -> None:
        window = getattr(site.services, method)(ref, service=service, message=_message(message),
                                                at=when(site, service, at))
        _print_window(site, window, service, as_json, verb)

    return command


maintenance_start = _transition("start", "start_maintenance", "Started",
                                "Start a window now (in progress), whatever its schedule says.")
maintenance_verify = _transition("verify", "verify_maintenance", "Verifying",
                                 "Mark a window as verifying: the work is done and being checked.")
maintenance_complete = _transition("complete", "complete_maintenance", "Completed",
                                   "Complete a window: its components are no longer under maintenance.")


@maintenance.command("list")
@service_option
@json_option
@pass_site
def maintenance_list(site: Site, service: str | None, as_json: bool) -> None:
    """List maintenance windows, latest first, with their status now.

    Example:

    \b
      sspage maintenance list
    """
    found = site.services.maintenances(service)
    bodies = [_maintenance_json(site, m, service) for m in found]
    if as_json:
        echo_json(bodies)
        return
    if not found:
        click.echo("No maintenance windows yet.", err=True)
        return
    for body in bodies:
        click.echo(f"{body['id']}  {body['scheduled_for']}  {words(body['status']):<11}  "
                   f"{shorten(body['name'], 50)}")


@maintenance.command("show")
@click.argument("ref", metavar="ID")
@service_option
@json_option
@pass_site
def maintenance_show(site: Site, ref: str, service: str | None, as_json: bool) -> None:
    """Show a maintenance window and its updates.

    Example:

    \b
      sspage maintenance show 3qpx --json
    """
    window = site.services.maintenance(ref, service)
    body = _maintenance_json(site, window, service)
    if as_json:
        echo_json(body)
        return
    click.secho(window.title, bold=True)
    click.echo(f"{body['id']} · {words(body['status'])} · {body['scheduled_for']} to "
               f"{body['scheduled_until']}")
    click.echo(body["shortlink"])
    if window.components:
        click.echo("Components: " + ", ".join(window.components))
    for update in body["incident_updates"]:
        click.echo(f"\n{update['display_at']}  {words(update['status'])}")
        click.echo("  " + update["body"].strip().replace("\n", "\n  "))


__all__ = ["incident", "maintenance"]
