"""Pieces every command uses: the site, ``--json``, page-name completion, output helpers."""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..store import Site

F = TypeVar("F", bound=Callable[..., Any])

EXAMPLE_EPILOG = "Docs: docs/cli.md. Every command has --help with an example."


GC_THRESHOLD = 100_000  # allocations between collections of the young generation (default 700)

NOT_COMMITTING = "Note: not a git repository; changes are saved but not committed"


def get_site(ctx: click.Context, *, check_config: bool = True) -> Site:
    from ..store import open_site

    root = ctx.find_root()
    if "site" not in root.obj:
        noted: list[bool] = []

        def note_not_committing(change: Any) -> None:
            if not noted and site.git is None and root.obj.get("commit_wanted"):
                noted.append(True)
                click.echo(NOT_COMMITTING, err=True)

        site = open_site(root.obj.get("site_dir"), check_config=check_config,
                         author=root.obj.get("author"),
                         commit=False if root.obj.get("no_commit") else None,
                         on_change=note_not_committing)
        if not gc.isenabled():
            # The collector was off while the command started (sspage/__main__.py). What was
            # made so far (modules, classes) lives as long as the process: freeze it, so that the
            # collector does not walk it all once it is back on; builds and serve need it on.
            gc.freeze()
            # A build decodes its manifest (some 100,000 objects for 10,000 incidents, none of
            # them in a cycle): at the default threshold (700) the young generation is
            # collected some 150 times over them and the old one walked whole, about 20 ms of
            # a 0.3 s rebuild. Cycles still get collected, every GC_THRESHOLD allocations.
            gc.set_threshold(GC_THRESHOLD, 20, 20)
            gc.enable()
        root.obj["site"] = site
        root.obj["commit_wanted"] = not root.obj.get("no_commit") and _config_commit(site)
        if site.git is not None and root.obj["commit_wanted"] and ctx.info_name != "commit":
            for entry in site.pending():
                click.echo(f"Warning: {entry.path} was changed by sspage but not committed "
                           f"(\"{entry.message.splitlines()[0]}\"); run `sspage commit` to commit it",
                           err=True)
    return root.obj["site"]  # type: ignore[no-any-return]


def _config_commit(site: Site) -> bool:
    from ..errors import SspageError

    try:
        return site.config.commit
    except SspageError:  # reported by the command itself (check)
        return True


def pass_site(func: F) -> F:
    """Hand the command its :class:`Site` as the first argument."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(get_site(click.get_current_context()), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def pass_unchecked_site(func: F) -> F:
    """Like :func:`pass_site`, for commands that report a broken site.yaml themselves."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(get_site(click.get_current_context(), check_config=False), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True,
                        help="Print the SharedStatus JSON response body instead of text.")(func)


def echo_json(value: Any) -> None:
    from ..shapes import to_json

    click.echo(to_json(value))


def complete_page(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of page slugs: the file names under content/pages."""
    from click.shell_completion import CompletionItem

    root = ctx.find_root().params.get("site_dir") or os.environ.get("SSPAGE_SITE") or "."
    for folder in (Path(root).resolve(), *Path(root).resolve().parents):
        pages = folder / "content" / "pages"
        if pages.is_dir():
            return [CompletionItem(p.stem) for p in sorted(pages.glob(f"{incomplete}*.yaml"))]
    return []


PAGE_ARG = click.argument("page_ref", metavar="PAGE", shell_complete=complete_page)
ITEM_ARG = click.argument("item_ref", metavar="ITEM")


def shorten(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
