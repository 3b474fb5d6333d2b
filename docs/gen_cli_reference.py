"""Regenerate docs/cli.md from the commands' own --help: `python docs/gen_cli_reference.py`.

tests/test_docs.py checks that the committed file matches, so the reference cannot go stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

HEADER = """\
# Command line reference

Generated from `--help` by `python docs/gen_cli_reference.py`; do not edit by hand.

Every command accepts `--site DIR` on the `sspage` group (default: the current
folder or the nearest parent holding `content/site.yaml`; also `SSPAGE_SITE`).
Errors print `Error: ...` on standard error and exit 1; usage errors exit 2.
"""


def walk(command: click.Command, path: list[str]) -> list[tuple[str, str]]:
    context = click.Context(command, info_name=" ".join(path), terminal_width=100)
    pages = [(" ".join(path), command.get_help(context))]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(context)):
            pages += walk(command.get_command(context, name), [*path, name])  # type: ignore[arg-type]
    return pages


def render() -> str:
    from sspage.cli import cli

    parts = [HEADER]
    for name, text in walk(cli, ["sspage"]):
        parts.append(f"\n## `{name}`\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    target = Path(__file__).with_name("cli.md")
    target.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {target}\n")
