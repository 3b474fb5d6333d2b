"""Timelines on built pages (``history: true``): real git repositories, real commits, real builds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from gitrepo import Repo, git
from helpers import BASE_URL

import sspage
import sspage.history
from sspage.build import BuildResult, build_site
from sspage.cli import cli

SECTION = re.compile(r'<section class="history".*?</section>\n', re.S)


def li(state: str, moment: str, shown: str, text: str, change: str) -> str:
    return (f'<li class="event is-{state}"><time datetime="{moment}">{shown}</time> '
            f'<span class="text">{text}</span> <span class="change">{change}</span></li>\n')


def section(*entries: str, partial: bool = False) -> str:
    if entries:
        body = f'<ol class="timeline">\n{"".join(entries)}</ol>\n'
    else:
        body = '<p class="empty">No changes have been recorded yet.</p>\n'
    note = '<p class="note">Earlier changes are not shown here.</p>\n' if partial else ""
    return ('<section class="history" aria-labelledby="history-title">\n'
            '<h2 id="history-title">History</h2>\n' + body + note + "</section>\n")


KITCHEN_ADDED = [
    li("pending", "2026-06-08T14:30:00Z", "8 June 2026, 15:30 BST", "Survey booked", "added as Pending"),
    li("pending", "2026-06-08T14:30:00Z", "8 June 2026, 15:30 BST", "Materials ordered",
       "added as Pending"),
    li("pending", "2026-06-08T14:30:00Z", "8 June 2026, 15:30 BST", "Work scheduled", "added as Pending"),
]
KITCHEN_CHANGES = [
    li("active", "2026-06-10T12:00:00Z", "10 June 2026, 13:00 BST", "Materials ordered",
       "changed from Pending to In progress"),
    li("complete", "2026-06-09T08:15:00Z", "9 June 2026, 09:15 BST", "Survey booked",
       "changed from In progress to Complete"),
    li("active", "2026-06-08T15:00:00Z", "8 June 2026, 16:00 BST", "Survey booked",
       "changed from Pending to In progress"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Kitchen renovation (history: true by hand) with three changes, and Loft (no history)."""
    monkeypatch.delenv("SSPAGE_SITE", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = Repo(tmp_path / "repo", monkeypatch)
    repo.ok("page", "create", "Kitchen renovation", "--item", "Survey booked", "--item",
            "Materials ordered", "--item", "Work scheduled", at="2026-06-08T14:30:00Z")
    repo.edit("kitchen-renovation", "items:\n", "history: true\nitems:\n")
    repo.hand_commit("Show the kitchen's history", "2026-06-08T14:40:00Z")
    repo.ok("item", "start", "kitchen-renovation", "#1", at="2026-06-08T15:00:00Z")
    repo.ok("item", "done", "kitchen-renovation", "#1", at="2026-06-09T08:15:00Z")
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: active\n")  # #2, by hand
    repo.hand_commit("Materials are on their way", "2026-06-10T12:00:00Z")
    repo.ok("page", "create", "Loft", "--item", "Plans drawn", at="2026-06-11T10:00:00Z")
    return repo


def build(repo: Repo, out: Path) -> BuildResult:
    return build_site(sspage.open_site(repo.root), out, jobs=1)


def html(out: Path, repo: Repo, slug: str) -> str:
    return (out / "s" / repo.code(slug) / "index.html").read_text("utf-8")


def timeline(out: Path, repo: Repo, slug: str) -> str | None:
    found = SECTION.search(html(out, repo, slug))
    return found.group() if found else None


def set_site_history(repo: Repo, value: str) -> None:
    config = repo.root / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8") + f"history: {value}\n", "utf-8")


class Counted:
    """Counts the ``git log`` passes that read history, with their ranges and commits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.passes: list[tuple[list[str], int]] = []
        real = sspage.history.LogRunner
        counted = self

        class Runner(real):  # type: ignore[misc, valid-type]
            def __init__(self, git_store: Any, revisions: list[str], *args: Any, **kwargs: Any) -> None:
                super().__init__(git_store, revisions, *args, **kwargs)
                self.revisions = list(revisions)

            def commits(self) -> Any:
                found = super().commits()
                counted.passes.append((self.revisions, len(found)))
                return found

        monkeypatch.setattr(sspage.history, "LogRunner", Runner)


# -- what the page shows ---------------------------------------------------------------------------


def test_timeline_shows_each_state_change_newest_first(repo: Repo, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = build(repo, out)
    assert (result.pages, result.rendered, result.notes) == (2, 2, [])
    assert timeline(out, repo, "kitchen-renovation") == section(*KITCHEN_CHANGES, *KITCHEN_ADDED)
    assert timeline(out, repo, "loft") is None  # it did not ask for one
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"@example.com" not in data and b"Hand Editor" not in data, path


def test_site_default_and_the_page_value_that_wins(repo: Repo, tmp_path: Path) -> None:
    set_site_history(repo, "true")
    repo.edit("kitchen-renovation", "history: true\n", "history: false\n")
    repo.hand_commit("Timeline for every page but the kitchen", "2026-06-12T09:00:00Z")
    out = tmp_path / "public"
    build(repo, out)
    assert timeline(out, repo, "kitchen-renovation") is None
    assert timeline(out, repo, "loft") == section(
        li("pending", "2026-06-11T10:00:00Z", "11 June 2026, 11:00 BST", "Plans drawn", "added as Pending"))


def test_timeline_in_french(repo: Repo, tmp_path: Path) -> None:
    config = repo.root / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("language: en", "language: fr"), "utf-8")
    out = tmp_path / "public"
    build(repo, out)
    found = timeline(out, repo, "kitchen-renovation")
    assert found is not None
    assert '<h2 id="history-title">Historique</h2>' in found
    assert ('<time datetime="2026-06-09T08:15:00Z">9 juin 2026 à 09:15 BST</time> '
            '<span class="text">Survey booked</span> '
            '<span class="change">passé de « En cours » à « Terminé »</span>') in found
    assert "ajouté : En attente" in found


def test_item_texts_are_escaped_and_deleted_items_leave_the_timeline(repo: Repo, tmp_path: Path) -> None:
    repo.ok("item", "add", "kitchen-renovation", "<b>Skip</b> & hire", "--state", "active",
            at="2026-06-12T09:00:00Z")
    ident = repo.item_id("kitchen-renovation", 1)
    path = repo.page_file("kitchen-renovation")
    text = path.read_text("utf-8")
    start = text.index(f"  - id: {ident}")
    path.write_text(text[:start] + text[text.index("  - id:", start + 1):], "utf-8")
    repo.hand_commit("The survey was never needed", "2026-06-12T10:00:00Z")
    out = tmp_path / "public"
    build(repo, out)
    assert timeline(out, repo, "kitchen-renovation") == section(
        li("active", "2026-06-12T09:00:00Z", "12 June 2026, 10:00 BST", "&lt;b&gt;Skip&lt;/b&gt; &amp; hire",
           "added as In progress"),
        KITCHEN_CHANGES[0], *KITCHEN_ADDED[1:])


def test_an_item_added_by_hand_without_an_id_keeps_its_history(repo: Repo, tmp_path: Path) -> None:
    repo.edit("kitchen-renovation", "items:\n", "items:\n  - text: Skip hire\n    state: active\n")
    repo.hand_commit("Add a skip", "2026-06-12T09:00:00Z")
    repo.ok("fmt", at="2026-06-12T09:30:00Z")  # commits the id it gives the item: no event
    repo.ok("item", "done", "kitchen-renovation", "Skip hire", at="2026-06-13T09:00:00Z")
    out = tmp_path / "public"
    build(repo, out)
    assert timeline(out, repo, "kitchen-renovation") == section(
        li("complete", "2026-06-13T09:00:00Z", "13 June 2026, 10:00 BST", "Skip hire",
           "changed from In progress to Complete"),
        li("active", "2026-06-12T09:00:00Z", "12 June 2026, 10:00 BST", "Skip hire", "added as In progress"),
        *KITCHEN_CHANGES, *KITCHEN_ADDED)


def test_an_expired_page_shows_no_timeline(repo: Repo, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    repo.ok("page", "set", "kitchen-renovation", "--expires", "2026-07-01", at="2026-06-12T09:00:00Z")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01
    out = tmp_path / "public"
    build(repo, out)
    assert "history" not in html(out, repo, "kitchen-renovation")


# -- incremental builds and the cache --------------------------------------------------------------


def test_a_page_whose_history_changed_is_rendered_again_and_only_it(repo: Repo, tmp_path: Path) -> None:
    set_site_history(repo, "true")
    repo.hand_commit("Every page shows its history", "2026-06-12T09:00:00Z")
    out = tmp_path / "public"
    assert build(repo, out).rendered == 2
    loft = out / "s" / repo.code("loft") / "index.html"
    loft_stat = loft.stat()
    # Edited but not committed: the file changed, its history not yet.
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: complete\n")  # #3
    assert build(repo, out).rendered == 1
    assert timeline(out, repo, "kitchen-renovation") == section(*KITCHEN_CHANGES, *KITCHEN_ADDED)
    # Committed: the file is as it was, its history is not.
    repo.hand_commit("Work done", "2026-06-13T09:00:00Z")
    assert build(repo, out).rendered == 1
    done = li("complete", "2026-06-13T09:00:00Z", "13 June 2026, 10:00 BST", "Work scheduled",
              "changed from Pending to Complete")
    assert timeline(out, repo, "kitchen-renovation") == section(done, *KITCHEN_CHANGES, *KITCHEN_ADDED)
    assert build(repo, out).rendered == 0
    assert loft.stat().st_mtime_ns == loft_stat.st_mtime_ns  # never written again
    # A commit that touches no page changes no timeline.
    (repo.root / "README.md").write_text("Status pages\n")
    repo.hand_commit("Readme", "2026-06-14T09:00:00Z")
    assert build(repo, out).rendered == 0


def test_the_cache_means_only_new_commits_are_read(repo: Repo, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    counted = Counted(monkeypatch)
    out = tmp_path / "public"
    first_head = repo.head()
    build(repo, out)
    assert counted.passes == [([first_head], 5)]  # create, history on, start, done, by hand
    build(repo, out)
    build(repo, tmp_path / "elsewhere")  # the cache is the site's, whatever the output
    assert counted.passes == [([first_head], 5)]  # HEAD did not move: no git at all
    repo.ok("item", "done", "kitchen-renovation", "#3", at="2026-06-12T09:00:00Z")
    build(repo, out)
    assert counted.passes[1:] == [([f"{first_head}..{repo.head()}"], 1)]
    assert "Work scheduled</span> <span class=\"change\">changed from Pending to Complete" in html(
        out, repo, "kitchen-renovation")


def test_a_damaged_cache_is_read_again(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "public"
    build(repo, out)
    expected = timeline(out, repo, "kitchen-renovation")
    (repo.root / ".sspage" / "history.json").write_text('{"format": 1, "head": ')
    counted = Counted(monkeypatch)
    build_site(sspage.open_site(repo.root), out, jobs=1, clean=True)
    assert counted.passes == [([repo.head()], 5)]
    assert timeline(out, repo, "kitchen-renovation") == expected


def test_rewritten_history_is_read_again(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "public"
    build(repo, out)
    git(repo.top, "reset", "-q", "--hard", "HEAD~2")  # drop the hand edit of #2 and the loft
    repo.ok("item", "start", "kitchen-renovation", "#3", at="2026-06-12T09:00:00Z")
    counted = Counted(monkeypatch)
    result = build(repo, out)
    assert counted.passes == [([repo.head()], 5)]
    assert result.removed == 1
    started = li("active", "2026-06-12T09:00:00Z", "12 June 2026, 10:00 BST", "Work scheduled",
                 "changed from Pending to In progress")
    assert timeline(out, repo, "kitchen-renovation") == section(started, *KITCHEN_CHANGES[1:],
                                                                *KITCHEN_ADDED)


def test_a_page_that_turns_its_timeline_on_gets_one(repo: Repo, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "public"
    build(repo, out)
    before = repo.head()
    repo.edit("loft", "items:\n", "history: true\nitems:\n")
    repo.hand_commit("Show the loft's history", "2026-06-12T09:00:00Z")
    counted = Counted(monkeypatch)
    result = build(repo, out)
    assert result.rendered == 1
    # The kitchen's timeline needs the commits since (none touched it); the loft, found
    # showing one only when it was read, its whole history, after.
    assert counted.passes == [([f"{before}..{repo.head()}"], 0), ([repo.head()], 2)]
    assert timeline(out, repo, "loft") == section(
        li("pending", "2026-06-11T10:00:00Z", "11 June 2026, 11:00 BST", "Plans drawn", "added as Pending"))


def test_no_git_is_run_when_no_page_shows_a_timeline(repo: Repo, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo.edit("kitchen-renovation", "history: true\n", "")
    counted = Counted(monkeypatch)
    build(repo, tmp_path / "public")
    assert counted.passes == []
    assert not (repo.root / ".sspage" / "history.json").exists()


# -- without git, or with part of the history ------------------------------------------------------


def test_a_build_outside_git_shows_empty_timelines_and_says_so_once(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    sspage.init_site(root, title="Test", base_url=BASE_URL)
    config = root / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8") + "history: true\n", "utf-8")
    site = sspage.open_site(root)
    site.create_page("Kitchen renovation", items=["Survey booked"])
    site.create_page("Loft", items=["Plans drawn"])
    result = CliRunner().invoke(cli, ["--site", str(root), "build", "--out", str(tmp_path / "out")],
                                prog_name="sspage")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("Note: the site is not in a git repository, so page timelines "
                                     "(history: true) are empty\nBuilt 2 pages (2 changed) in ")
    page = (tmp_path / "out" / "s" / str(site.page("loft").public_code) / "index.html").read_text()
    assert SECTION.search(page).group() == section(partial=True)  # type: ignore[union-attr]


def test_a_shallow_clone_shows_what_it_has(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{repo.top}", str(clone))
    out = tmp_path / "public"
    result = CliRunner().invoke(cli, ["--site", str(clone), "build", "--out", str(out)], prog_name="sspage")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(
        "Note: this is a shallow clone, so page timelines (history: true) start at its oldest commit "
        "(git fetch --unshallow fetches the rest)\n")
    code = repo.code("kitchen-renovation")
    found = SECTION.search((out / "s" / code / "index.html").read_text("utf-8"))
    # The clone starts at "item done": its parent is missing, so it adds nothing (not every item).
    assert found is not None and found.group() == section(KITCHEN_CHANGES[0], partial=True)


def test_history_must_be_true_or_false(repo: Repo) -> None:
    repo.edit("loft", "items:\n", "history: yes\nitems:\n")
    result = repo("check")
    assert result.exit_code == 1
    assert "content/pages/loft.yaml:9:10: history: expected true or false | null, got 'yes' " \
           "(write true or false)" in result.stdout


def test_the_cache_lives_in_the_sites_state_folder(repo: Repo, tmp_path: Path) -> None:
    build(repo, tmp_path / "public")
    assert (repo.root / ".sspage" / "history.json").is_file()
    assert git(repo.top, "status", "--porcelain") == ""  # ignored, like the rest of .sspage/
