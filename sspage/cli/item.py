"""``sspage item ...``: add, change, move and delete checklist items."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .common import ITEM_ARG, PAGE_ARG, echo_json, json_option, pass_site

if TYPE_CHECKING:
    from ..model import Item
    from ..store import Site

ITEM_HELP = "ITEM is a #position, an id, a unique id prefix, or the exact text."


@click.group()
def item() -> None:
    """Add, change, move and delete a page's checklist items.

    ITEM is a #position (#2), an id, a unique id prefix (3f4a), or the exact text.

    Example:

    \b
      sspage item add kitchen-renovation "Final inspection booked"
      sspage item done kitchen-renovation "#2"
    """


@item.command("add")
@PAGE_ARG
@click.argument("text")
@click.option("--state", metavar="STATE", default="pending", show_default=True,
              help="0/pending, 1/active or 2/complete.")
@click.option("--sort-order", type=click.IntRange(min=0), metavar="N",
              help="Position key (default: after the last item).")
@json_option
@pass_site
def add(site: Site, page_ref: str, text: str, state: str, sort_order: int | None,
        as_json: bool) -> None:
    """Add an item to a page.

    Example:

    \b
      sspage item add kitchen-renovation "Final inspection booked" --state pending --sort-order 3
    """
    _print(site.add_item(page_ref, text, state=state, sort_order=sort_order), as_json, "Added")


@item.command("set")
@PAGE_ARG
@ITEM_ARG
@click.option("--state", metavar="STATE", help="0/pending, 1/active or 2/complete.")
@click.option("--text", metavar="TEXT", help="New text for the item.")
@json_option
@pass_site
def set_item(site: Site, page_ref: str, item_ref: str, state: str | None, text: str | None,
             as_json: bool) -> None:
    """Change an item's state and/or text (the PATCH of the API).

    ITEM is a #position, an id, a unique id prefix, or the exact text.

    Example:

    \b
      sspage item set kitchen-renovation 3f4a5b6c --state active
    """
    _print(site.update_item(page_ref, item_ref, state=state, text=text), as_json, "Updated")


def _shortcut(name: str, state: str, verb: str) -> click.Command:
    @item.command(name, help=f"Mark an item {state} (short for: item set PAGE ITEM --state {state})."
                  f"\n\n{ITEM_HELP}\n\nExample:\n\n\b\n  sspage item {name} kitchen-renovation \"#2\"")
    @PAGE_ARG
    @ITEM_ARG
    @json_option
    @pass_site
    def command(site: Site, page_ref: str, item_ref: str, as_json: bool) -> None:
        _print(site.update_item(page_ref, item_ref, state=state), as_json, verb)

    return command


start = _shortcut("start", "active", "Started")
done = _shortcut("done", "complete", "Completed")
reopen = _shortcut("reopen", "pending", "Reopened")


@item.command("move")
@PAGE_ARG
@ITEM_ARG
@click.option("--to", "position", type=click.IntRange(min=1), required=True, metavar="N",
              help="The new position, counting from 1.")
@json_option
@pass_site
def move(site: Site, page_ref: str, item_ref: str, position: int, as_json: bool) -> None:
    """Move an item to position N (1 is the top); sortOrders are renumbered.

    Example:

    \b
      sspage item move kitchen-renovation "Work scheduled" --to 1
    """
    _print(site.move_item(page_ref, item_ref, position), as_json, "Moved")


@item.command("rm")
@PAGE_ARG
@ITEM_ARG
@pass_site
def remove(site: Site, page_ref: str, item_ref: str) -> None:
    """Delete an item.

    Example:

    \b
      sspage item rm kitchen-renovation "#3"
    """
    removed = site.delete_item(page_ref, item_ref)
    click.echo(f'Deleted "{removed.text}" ({str(removed.id)[:8]})')


def _print(result: Item, as_json: bool, verb: str) -> None:
    from ..model import State

    if as_json:
        from ..shapes import item_response

        echo_json(item_response(result))
    else:
        label = State.parse(result.state).label
        click.echo(f'{verb} "{result.text}" ({label}, id {result.id})')
