"""Site-wide commands: init, check, fmt, schema, completion."""

from __future__ import annotations

import sys
from pathlib import Path
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
@click.option("--no-workflows", is_flag=True, help="Leave out the GitHub workflows (.github/workflows/).")
@click.option("--no-git", is_flag=True,
              help="Neither make a git repository nor commit (--no-commit: make it, don't commit).")
@click.pass_context
def init(ctx: click.Context, directory: str, title: str, base_url: str, no_workflows: bool,
         no_git: bool) -> None:
    """Create a site repository that works at once, and commit it.

    Writes content/site.yaml, an example page, .gitignore, a .pre-commit-config.yaml
    using sspage's hooks, and two GitHub workflows: one checks every pull request,
    the other deploys to GitHub Pages on every push to the default branch and every
    hour. Hooks and workflows go to the top of the git repository DIRECTORY is in;
    if it is in none, one is made there. Then the files written are committed (see
    --author and --no-commit). Files that exist already are kept as they are.

    Example:

    \b
      sspage init status --title "Acme status" --base-url https://acme.github.io/status
    """
    from ..scaffold import scaffold_site

    options = ctx.find_root().obj
    done = scaffold_site(directory, title=title, base_url=base_url, workflows=not no_workflows,
                         git=not no_git, commit=not options.get("no_commit"),
                         author=options.get("author"))
    click.echo(f"Created a site in {done.site.root}")
    for path in done.kept:
        also = "; make sure it ignores /public/ and /.sspage/" if path.name == ".gitignore" else ""
        click.echo(f"Kept {_shown(path)} as it was (sspage init never overwrites a file){also}", err=True)
    if done.repo_created:
        click.echo(f"Made a git repository on branch {done.branch}", err=True)
    if done.commit is not None:
        noun = "file" if len(done.written) == 1 else "files"
        click.echo(f"Committed {len(done.written)} {noun} ({done.commit[:10]})")
    elif not no_git and done.written:
        click.echo("Not committed (--no-commit): review the files, then git add and git commit them",
                   err=True)
    click.echo('Next: sspage page create "My first page" --item "First step"', err=True)
    if not no_workflows:
        from ..skeleton import REPOSITORY_URL

        click.echo("To publish: push to GitHub and choose Settings > Pages > Source: GitHub Actions; "
                   f"every push to {done.branch} deploys", err=True)
        click.echo(f"Docs: {REPOSITORY_URL}/blob/main/docs/deploying.md", err=True)


def _shown(path: Path) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    prefix = _repo_prefix(site) if output == "github" else ""
    for problem in result.problems:
        click.echo(_format_problem(problem, output, prefix))
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
@click.option("--since", metavar="REV",
              help="Only files that differ from git revision REV, and stamp updatedUtc on "
              "what changed since.")
@pass_site
def fmt(site: Site, pages: tuple[str, ...], dry_run: bool, since: str | None) -> None:
    """Fill in what hand edits left out: ids, timestamps, sortOrders, publicCodes.

    With --since REV, only the page files that differ from git revision REV
    (committed, staged, unstaged or untracked) are looked at, and items whose
    text or state changed since REV, and their pages, get a new updatedUtc
    unless it was already changed. Comments and formatting are kept, running
    it again changes nothing, and nothing is committed: commit the result
    with your edits.

    Example:

    \b
      sspage fmt
      sspage fmt kitchen-renovation --check
      sspage fmt --since origin/main
    """
    from ..fmt import fmt_site

    paths = [site.find_page(ref) for ref in pages] if pages else None
    result = fmt_site(site, paths, dry_run=dry_run, since=since)
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


def _repo_prefix(site: Site) -> str:
    """The site folder relative to the repository's top (``status/``), which annotations need."""
    if site.git is None or site.git.top == site.root:
        return ""
    return site.git.rel(site.root) + "/"


def _format_problem(problem: Problem, output: str, prefix: str = "") -> str:
    if output == "github":
        path = problem.path if Path(problem.path).is_absolute() else prefix + problem.path
        props = f"file={_escape_property(path)}"
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
