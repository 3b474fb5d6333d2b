"""``sspage log``: who changed which page, and when, from git."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from .common import complete_page, pass_site

if TYPE_CHECKING:
    from ..history import ItemChange, LogEntry
    from ..store import Site


@click.command()
@click.argument("page_ref", metavar="[PAGE]", required=False, shell_complete=complete_page)
@click.option("--item", "item_ref", metavar="ITEM",
              help="Only changes to this item (#position, id, id prefix or exact text); needs PAGE.")
@click.option("-n", "--max-count", "limit", type=click.IntRange(min=1), metavar="N",
              help="Show only the newest N changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON, for scripts.")
@pass_site
def log(site: Site, page_ref: str | None, item_ref: str | None, limit: int | None,
        as_json: bool) -> None:
    """Show who changed which page, and when, from git; newest first.

    Each line gives the commit, its date in the site's time zone, the author,
    the pages it changed and its subject. Hand edits and merged pull requests
    count as well as sspage's own commits. With --item, commits without sspage's
    Sspage-Item trailer are kept when they changed that item in the file, and
    the change is shown after the subject.

    Example:

    \b
      sspage log -n 20
      sspage log kitchen-renovation --item "#2"
      sspage log kitchen-renovation --json | jq -r '.[].authorName'
    """
    from .. import history
    from ..history import has_changed_path_filters, is_shallow, site_log

    if item_ref is not None and page_ref is None:
        raise click.UsageError("--item needs a PAGE: sspage log PAGE --item ITEM")
    started = time.perf_counter()
    entries = site_log(site, page_ref, item_ref, limit)
    seconds = time.perf_counter() - started
    git = site.git
    assert git is not None  # site_log said so otherwise
    if as_json:
        from .common import echo_json

        echo_json(entries)
    else:
        _print(site, entries)
    if is_shallow(git):
        click.echo("Note: this is a shallow clone, so older changes are missing "
                   "(git fetch --unshallow fetches them)", err=True)
    if seconds > history.SLOW_LOG_SECONDS and not has_changed_path_filters(git):
        click.echo(f"Hint: that took {seconds:.1f} s; `git commit-graph write --reachable "
                   "--changed-paths`, run once, lets git skip the commits that did not touch a "
                   "page (docs/git.md)", err=True)


def _print(site: Site, entries: list[LogEntry]) -> None:
    import zoneinfo

    if not entries:
        click.echo("No changes found", err=True)
        return
    zone = zoneinfo.ZoneInfo(site.config.timezone)
    rows = [(entry.commit[:10], entry.time.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
             entry.author_name, ", ".join(entry.pages),
             entry.subject + "".join(f" ({_describe(change)})" for change in entry.changes))
            for entry in entries]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        columns = (cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        click.echo("  ".join(columns) + "  " + row[4])


def _describe(change: ItemChange) -> str:
    """A change in the words of sspage's own commit subjects."""
    from ..inputs import quoted

    text = quoted(change.text, 40)
    if change.before is None:
        return f"added {text} as {str(change.after).capitalize()}"
    if change.after is None:
        return f"deleted {text}"
    words = f"{quoted(change.text_before, 40)} now {text}" if change.text_before is not None else text
    if change.before != change.after:
        words += f" {change.before.capitalize()} → {change.after.capitalize()}"
    return words


__all__ = ["log"]
