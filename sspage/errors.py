"""The one exception family of sspage.

Every error a user can cause is an :class:`SspageError`. The command line
prints ``Error: <message>`` on stderr and exits 1; scripts catch the class
they care about. Content errors carry every :class:`Problem` found, not just
the first, each pointing at a file, line, column and field.
"""

from __future__ import annotations

from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong with one file, located as precisely as we can."""

    path: str
    line: int | None
    col: int | None
    field: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class SspageError(Exception):
    """Base of every error sspage raises on purpose."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ContentError(SspageError):
    """One or more content files are invalid."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.col or 0))
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(lines if count == 1 else f"{count} {noun}:\n{lines}")


class InputError(SspageError):
    """A value given on the command line or to a library call is not acceptable."""


class NotFoundError(SspageError):
    """A page or item that was named does not exist."""


class AmbiguousError(SspageError):
    """A reference matches more than one item."""


class ConfigError(SspageError):
    """The site configuration is missing or invalid."""


class StoreError(SspageError):
    """The store could not be read or written (locks, file system)."""


class TokenError(SspageError):
    """An API token did not match."""


class BuildError(SspageError):
    """The site could not be built: a template error, an unusable theme or output folder."""
