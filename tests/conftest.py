from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import BASE_URL, Clock

import sspage
import sspage.store
from sspage.cli import cli


@pytest.fixture
def clock() -> Clock:
    """A fixed clock at 2026-06-08T14:30:00Z; call ``clock.advance(minutes=5)`` to move it."""
    return Clock()


@pytest.fixture
def site(tmp_path: Path, clock: Clock) -> sspage.Site:
    """An initialised, empty site in ``tmp_path`` whose clock is ``clock``."""
    sspage.init_site(tmp_path, title="Test", base_url=BASE_URL)
    return sspage.open_site(tmp_path, now=clock)


class Runner:
    """Invoke the real click CLI on the ``site`` fixture's folder, with the fixed clock."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, site: bool = True) -> Result:
        argv: Sequence[str] = ["--site", str(self.root), *args] if site else list(args)
        return self.runner.invoke(cli, argv, input=input, prog_name="sspage")


@pytest.fixture
def runner(site: sspage.Site, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Runner:
    real_open_site = sspage.store.open_site

    def open_site_with_clock(path: Any = None, **options: Any) -> sspage.Site:
        options.setdefault("now", clock)
        return real_open_site(path, **options)

    # The CLI imports open_site from sspage.store at call time; give it the test clock.
    monkeypatch.setattr(sspage.store, "open_site", open_site_with_clock)
    return Runner(site.root)
