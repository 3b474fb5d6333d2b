"""``sspage api`` and ``sspage integration-key ...``: the HTTP API and the keys it accepts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import echo_json, json_option, pass_site

if TYPE_CHECKING:
    from ..store import Site


class Rate(click.ParamType):  # type: ignore[type-arg]
    name = "RATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        from ..api.ratelimit import parse_limit

        try:
            return parse_limit(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Only this machine can connect unless you change it.")
@click.option("--port", "-p", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--build", "build", is_flag=True,
              help="Build the static site at start, rebuild changed pages after each write, "
                   "and serve it beside the API.")
@click.option("--out", metavar="DIR", type=click.Path(file_okay=False),
              help="With --build: the output folder (default: public/ in the site).")
@click.option("--push", metavar="REMOTE",
              help="Push the branch to REMOTE after commits (batched, retried).")
@click.option("--group-commit", "group_ms", type=click.IntRange(0, 10_000), default=0,
              metavar="MS", show_default=True,
              help="Commit the changes that arrive within MS milliseconds together "
                   "(0: one commit per request).")
@click.option("--create-limit", type=Rate(), default="10/min", show_default=True,
              help="Anonymous page creations per client address (0: no limit).")
@click.option("--key-create-limit", type=Rate(), default="600/min", show_default=True,
              help="Page creations per address with an integration key.")
@click.option("--write-limit", type=Rate(), default="0", show_default=True,
              help="Item changes per client address (0: no limit).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log every request (as a JSON line on stderr, never with its token).")
@click.pass_context
def api(ctx: click.Context, host: str, port: int, build: bool, out: str | None, push: str | None,
        group_ms: int, create_limit: float, key_create_limit: float, write_limit: float,
        access_log: bool) -> None:
    """Serve SharedStatus's HTTP API: every write is a commit in this site's repository.

    POST /v1/status-pages, GET /v1/status-pages/{publicCode}, and POST, PATCH
    and DELETE on its items, exactly as SharedStatus answers them; the
    OpenAPI document is at /openapi.json. Logs are JSON lines on stderr.
    Commits are authored by --author (default "sspage API"), or by the name
    of the integration key a page was created with. Needs the api extra:
    pip install 'sspage[api]'. Ctrl-C stops, after answering every write.

    Example:

    \b
      sspage api --port 8080 --build --push origin
    """
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        from ..errors import ConfigError

        raise ConfigError("sspage api needs Starlette and uvicorn",
                          hint="pip install 'sspage[api]'") from None
    from ..api import DEFAULT_AUTHOR, Options, serve_api
    from ..api.log import Log
    from .common import get_site

    site: Site = get_site(ctx)
    options = Options(group_window=group_ms / 1000, create_limit=create_limit,
                      key_create_limit=key_create_limit, write_limit=write_limit,
                      author=ctx.find_root().obj.get("author") or DEFAULT_AUTHOR,
                      commit=False if ctx.find_root().obj.get("no_commit") else None)
    serve_api(site, host=host, port=port, options=options, build=build,
              out=Path(out) if out else None, push=push, log=Log(access=access_log))


@click.group("integration-key")
def integration_key() -> None:
    """Create, list and revoke the keys that let integrations create pages at a higher rate.

    A key is sent as the SharedStatus-Integration-Key header on
    POST /v1/status-pages. It creates pages and nothing else; site.yaml
    keeps only its hash.

    Example:

    \b
      sspage integration-key create crm-import
    """


@integration_key.command("create")
@click.argument("name")
@pass_site
def create_key(site: Site, name: str) -> None:
    """Make a key named NAME and print it (shown only this once).

    NAME says who uses it; commits of pages it creates name it as their author.

    Example:

    \b
      sspage integration-key create crm-import
    """
    from ..keys import create_integration_key

    key = create_integration_key(site, name)
    click.echo(key)
    click.echo("The key is shown only once and only its hash is stored: keep it now.", err=True)


@integration_key.command("list")
@json_option
@pass_site
def list_keys(site: Site, as_json: bool) -> None:
    """List the keys by name (the keys themselves are not stored).

    Example:

    \b
      sspage integration-key list
    """
    from ..keys import key_summary

    keys = [key_summary(key) for key in site.config.integration_keys]
    if as_json:
        echo_json(keys)
        return
    for key in keys:
        click.echo(f"{key['name']}  created {key['created'] or 'unknown'}")
    if not keys:
        click.echo("No integration keys", err=True)


@integration_key.command("revoke")
@click.argument("name")
@pass_site
def revoke_key(site: Site, name: str) -> None:
    """Delete the key named NAME; requests that send it are refused from then on.

    Example:

    \b
      sspage integration-key revoke crm-import
    """
    from ..keys import revoke_integration_key

    revoke_integration_key(site, name)
    click.echo(f"Revoked {name}")


__all__ = ["api", "integration_key"]
