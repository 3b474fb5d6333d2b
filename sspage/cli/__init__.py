"""The ``sspage`` command line: a thin layer over the library.

Commands parse arguments, call :mod:`sspage`, and print. Library errors
become ``Error: ...`` on stderr with exit 1; usage errors exit 2. The
library is imported inside each command so that start-up stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ..errors import SspageError
from .common import EXAMPLE_EPILOG

# Each command's module, imported only when that command runs (or help lists them
# all): `sspage build` need not load the code of `sspage page`.
COMMANDS = {
    "init": "site", "check": "site", "fmt": "site", "commit": "site", "schema": "site",
    "completion": "site", "page": "page", "item": "item", "log": "log", "build": "build",
    "serve": "serve", "api": "api", "integration-key": "api",
    "service": "service", "component": "service", "group": "service", "incident": "incident",
    "maintenance": "incident", "update": "posts", "status": "posts", "template": "posts",
}


class SspageGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS and name not in self.commands:
            module = importlib.import_module(f".{COMMANDS[name]}", __name__)
            self.add_command(getattr(module, name.replace("-", "_")), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SspageError as error:
            raise click.ClickException(str(error)) from None
        except BrokenPipeError:  # `sspage page list | head`
            ctx.exit(0)


@click.group(cls=SspageGroup, epilog=EXAMPLE_EPILOG)
@click.option("--site", "site_dir", metavar="DIR", envvar="SSPAGE_SITE",
              type=click.Path(file_okay=False),
              help="The site folder (default: this folder or the nearest parent with content/site.yaml).")
@click.option("--author", metavar='"NAME <EMAIL>"', envvar="SSPAGE_AUTHOR",
              help="Commit as this author instead of git's user.name/user.email.")
@click.option("--no-commit", is_flag=True,
              help="Write changes without committing them to git.")
@click.version_option(package_name="sspage")
@click.pass_context
def cli(ctx: click.Context, site_dir: str | None, author: str | None, no_commit: bool) -> None:
    """Status pages as code: SharedStatus pages kept as YAML files in git.

    Example:

    \b
      sspage init mysite && cd mysite
      sspage page create "Kitchen renovation" --item "Survey booked" --item "Materials ordered"
      sspage item start kitchen-renovation "#2"
    """
    ctx.obj = {"site_dir": site_dir, "author": author or None, "no_commit": no_commit}


def main() -> None:
    cli(prog_name="sspage")


__all__ = ["cli", "main"]
