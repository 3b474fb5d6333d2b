"""A site in a real git repository, changed by the real CLI and by hand at set times."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from helpers import BASE_URL, Clock

import sspage
import sspage.store
from sspage.cli import cli

HAND = "Hand Editor <hand@example.com>"


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env=env).stdout


def when(text: str) -> str:
    """A git date for GIT_AUTHOR_DATE: ``2026-06-08T14:30:00Z`` -> ``2026-06-08T14:30:00+0000``."""
    return text.replace("Z", "+0000")


class Repo:
    """A site at the top of a git repository, changed by the real CLI and by hand, at set times."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, *, timezone: str = "Europe/London",
                 sub: str = "") -> None:
        self.top = root
        self.root = root / sub if sub else root
        self.monkeypatch = monkeypatch
        self.clock = Clock()
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.name", "Repo User")
        git(root, "config", "user.email", "repo.user@example.com")
        git(root, "config", "commit.gpgsign", "false")
        sspage.init_site(self.root, title="Test", base_url=BASE_URL)
        config = self.root / "content" / "site.yaml"
        text = config.read_text("utf-8")
        config.write_text(re.sub(r"(?m)^timezone: .*$", f"timezone: {timezone}", text), "utf-8")
        real_open_site = sspage.store.open_site

        def open_site_with_clock(path: Any = None, **options: Any) -> sspage.Site:
            options.setdefault("now", self.clock)
            return real_open_site(path, **options)

        monkeypatch.setattr(sspage.store, "open_site", open_site_with_clock)
        self.hand_commit("Scaffold", "2026-06-01T09:00:00Z", author="Repo User <repo.user@example.com>")

    def at(self, moment: str) -> None:
        """Make the next commits, by the CLI or by hand, at ``moment`` (UTC)."""
        self.monkeypatch.setenv("GIT_AUTHOR_DATE", when(moment))
        self.monkeypatch.setenv("GIT_COMMITTER_DATE", when(moment))

    def __call__(self, *args: str, at: str | None = None) -> Result:
        if at is not None:
            self.at(at)
        return CliRunner().invoke(cli, ["--site", str(self.root), *args], prog_name="sspage")

    def ok(self, *args: str, at: str | None = None) -> Result:
        result = self(*args, at=at)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exc_info)
        return result

    def hand_commit(self, message: str, moment: str, author: str = HAND, *paths: str) -> str:
        """``git add`` (everything, or ``paths``) and ``git commit`` as ``author`` at ``moment``."""
        self.at(moment)
        git(self.top, "add", "-A", *paths)
        git(self.top, "commit", "-q", "--author", author, "-m", message)
        return self.head()

    def head(self) -> str:
        return git(self.top, "rev-parse", "HEAD").strip()

    def page_file(self, slug: str) -> Path:
        return self.root / "content" / "pages" / f"{slug}.yaml"

    def edit(self, slug: str, old: str, new: str, count: int = 1) -> None:
        path = self.page_file(slug)
        text = path.read_text("utf-8")
        assert text.count(old) >= count, (old, text)
        path.write_text(text.replace(old, new, count), "utf-8")

    def code(self, slug: str) -> str:
        return sspage.open_site(self.root).page(slug).public_code  # type: ignore[return-value]

    def item_id(self, slug: str, position: int) -> str:
        page = sspage.open_site(self.root).page(slug)
        return str(page.sorted_items()[position - 1].id)
