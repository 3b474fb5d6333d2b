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


@pytest.fixture
def git_identity(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git configuration of its own (an identity, no signing, no guessing), whatever the machine's.

    Returns the file, so that a test can add settings with ``git config --file``.
    """
    config = tmp_path_factory.mktemp("gitconfig") / "gitconfig"
    config.write_text("[user]\n\tname = Init User\n\temail = init.user@example.com\n\tuseConfigOnly = true\n"
                      "[commit]\n\tgpgsign = false\n", "utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                 "SSPAGE_AUTHOR", "SSPAGE_SITE"):
        monkeypatch.delenv(name, raising=False)
    return config
