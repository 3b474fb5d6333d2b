"""Site-wide commands: init, check, fmt, schema, completion."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .common import complete_page, pass_site, pass_unchecked_site

if TYPE_CHECKING:
    from ..errors import Problem
    from ..store import Site


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--title", default="Status", show_default=True, help="The site's title.")
@click.option("--base-url", default="http://localhost:8000", show_default=True,
              help="Where the site will be published.")
def init(directory: str, title: str, base_url: str) -> None:
    """Create a site: content/site.yaml and content/pages/.

    Example:

    \b
      sspage init status --title "Acme status" --base-url https://status.acme.example
    """
    from ..scaffold import init_site

    site = init_site(directory, title=title, base_url=base_url)
    click.echo(f"Created a site in {site.root}")
    click.echo('Next: sspage page create "My first page" --item "First step"', err=True)


@click.command()
@click.option("--format", "output", type=click.Choice(["text", "github", "json"]), default="text",
              show_default=True, help="github prints workflow annotations on the lines at fault.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Worker processes (default: the number of cores).")
@pass_unchecked_site
def check(site: Site, output: str, jobs: int | None) -> None:
    """Validate the whole site and report every problem; exit 1 if there are any.

    Each problem is printed as path:line:col: field: message (hint).

    Example:

    \b
      sspage check --format github
    """
    from ..check import check_site

    result = check_site(site, jobs=jobs)
    if output == "json":
        return _exit_json(result.problems)
    for problem in result.problems:
        click.echo(_format_problem(problem, output))
    count = len(result.problems)
    noun = "page" if result.pages == 1 else "pages"
    if count:
        click.echo(f"Checked {result.pages:,} {noun}: {count} problem{'s' * (count != 1)}", err=True)
        sys.exit(1)
    click.echo(f"Checked {result.pages:,} {noun}: no problems", err=True)


@click.command()
@click.argument("pages", nargs=-1, metavar="[PAGE]...", shell_complete=complete_page)
@click.option("--check", "dry_run", is_flag=True,
              help="Change nothing; exit 1 if some file would change.")
@pass_site
def fmt(site: Site, pages: tuple[str, ...], dry_run: bool) -> None:
    """Fill in what hand edits left out: ids, timestamps, sortOrders, publicCodes.

    Comments and formatting are kept, and running it again changes nothing.

    Example:

    \b
      sspage fmt
      sspage fmt kitchen-renovation --check
    """
    from ..fmt import fmt_site

    paths = [site.find_page(ref) for ref in pages] if pages else None
    result = fmt_site(site, paths, dry_run=dry_run)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    verb = "Would fill in" if dry_run else "Filled in"
    for path in result.changed:
        click.echo(f"{verb} {site.display(path)}")
    if result.problems or (dry_run and result.changed):
        sys.exit(1)


@click.command()
@pass_site
def commit(site: Site) -> None:
    """Commit changes that sspage wrote but did not commit (its process was stopped).

    Each is committed alone, with the message it would have had. Other files,
    staged or not, are left as they are.

    Example:

    \b
      sspage commit
    """
    if site.git is None:
        click.echo("Not a git repository; nothing to commit", err=True)
        return
    done = site.commit_pending()
    for entry, commit_id in done:
        click.echo(f"Committed {entry.path} ({commit_id[:10]}): {entry.message.splitlines()[0]}")
    if not done:
        click.echo("No uncommitted sspage changes", err=True)


@click.command()
@click.argument("kind", type=click.Choice(["page", "site", "service", "incident", "maintenance",
                                          "update", "template", "status"]), default="page")
@click.option("--write", is_flag=True, help="Write every schema to content/schema/ instead.")
def schema(kind: str, write: bool) -> None:
    """Print the JSON Schema of a page file (or of site.yaml, or a service file), for editors and CI.

    Files that sspage writes start with a yaml-language-server comment
    pointing at their schema in content/schema/.

    Example:

    \b
      sspage schema page > page.schema.json
    """
    from ..model import schema as make_schema
    from ..shapes import to_json

    if write:
        from ..scaffold import write_schemas
        from .common import get_site

        site = get_site(click.get_current_context())
        write_schemas(site.content_dir)
        click.echo(f"Wrote {site.display(site.content_dir / 'schema')}/")
        return
    click.echo(to_json(make_schema(kind)))


@click.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Example:

    \b
      eval "$(sspage completion bash)"
    """
    from click.shell_completion import get_completion_class

    from . import cli

    completer = get_completion_class(shell)
    assert completer is not None
    click.echo(completer(cli, {}, "sspage", "_SSPAGE_COMPLETE").source())


def _format_problem(problem: Problem, output: str) -> str:
    if output == "github":
        props = f"file={problem.path}"
        if problem.line:
            props += f",line={problem.line},col={problem.col or 1}"
        props += f",title={_escape_property(problem.field or 'sspage check')}"
        message = problem.message + (f" ({problem.hint})" if problem.hint else "")
        return f"::error {props}::{_escape_data(message)}"
    return str(problem)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _exit_json(problems: list[Problem]) -> None:
    from ..shapes import to_json

    click.echo(to_json([p._asdict() for p in problems]))
    if problems:
        sys.exit(1)


__all__ = ["check", "commit", "completion", "fmt", "init", "schema"]
