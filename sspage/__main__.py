"""The ``sspage`` command (and ``python -m sspage``)."""

from __future__ import annotations

import gc


def main() -> None:
    # A command is a short process that imports a lot, then does a little. Python's cyclic
    # garbage collector would run dozens of times over those imports and find nothing to free
    # (about 5 ms of every start); it is turned back on once the site is open (cli.common).
    gc.disable()
    from .cli import main as cli_main

    try:
        cli_main()
    finally:
        # Interpreter shutdown runs one last collection over everything alive: after a build,
        # the decoded manifest's objects (tens of ms). Frozen objects are skipped.
        gc.freeze()


if __name__ == "__main__":
    main()
