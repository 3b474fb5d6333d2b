"""``sspage log``: real git repositories in temporary folders, real commits by the CLI and by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitrepo import Repo, git
from helpers import BASE_URL, assert_cli_error

import sspage
import sspage.git
import sspage.gitsetup
import sspage.history
from sspage.cli import cli
from sspage.history import LogEntry, has_changed_path_filters, site_log


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """Kitchen renovation: created by the CLI, two items changed by the CLI, one by hand; and
    a second page, Loft, created later. Times are in June (BST, UTC+1) and one in December."""
    monkeypatch.delenv("SSPAGE_SITE", raising=False)
    monkeypatch.delenv("SSPAGE_AUTHOR", raising=False)
    repo = Repo(tmp_path / "repo", monkeypatch)
    repo.ok("page", "create", "Kitchen renovation", "--item", "Survey booked", "--item",
            "Materials ordered", "--item", "Work scheduled", at="2026-06-08T14:30:00Z")
    repo.ok("item", "start", "kitchen-renovation", "#1", at="2026-06-08T15:00:00Z")
    repo.ok("--author", "Jo Bloggs <jo@example.com>", "item", "done", "kitchen-renovation", "#1",
            at="2026-06-09T08:15:00Z")
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: active\n")  # #2, by hand
    repo.hand_commit("Materials are on their way", "2026-06-10T12:00:00Z")
    repo.ok("page", "create", "Loft", "--item", "Plans drawn", at="2026-12-01T10:00:00Z")
    return repo


def commits(repo: Repo) -> list[str]:
    """Every commit id, newest first."""
    return git(repo.top, "log", "--format=%H").split()


# -- output ------------------------------------------------------------------------------------


def test_log_lists_every_change_newest_first_in_the_site_time_zone(repo: Repo) -> None:
    loft, hand, done, start, create, _ = commits(repo)
    result = repo.ok("log")
    assert result.stdout == (
        f"{loft[:10]}  2026-12-01 10:00 GMT  Repo User    loft                Loft: create page\n"
        f"{hand[:10]}  2026-06-10 13:00 BST  Hand Editor  kitchen-renovation  Materials are on their way\n"
        f"{done[:10]}  2026-06-09 09:15 BST  Jo Bloggs    kitchen-renovation  "
        'Kitchen renovation: "Survey booked" Active → Complete\n'
        f"{start[:10]}  2026-06-08 16:00 BST  Repo User    kitchen-renovation  "
        'Kitchen renovation: "Survey booked" Pending → Active\n'
        f"{create[:10]}  2026-06-08 15:30 BST  Repo User    kitchen-renovation  "
        "Kitchen renovation: create page\n"
    )
    assert result.stderr == ""


def test_log_of_one_page_by_slug_or_public_code(repo: Repo) -> None:
    _, hand, done, start, create, _ = commits(repo)
    by_slug = repo.ok("log", "kitchen-renovation")
    shown = [line[:10] for line in by_slug.stdout.splitlines()]
    assert shown == [c[:10] for c in (hand, done, start, create)]
    assert repo.ok("log", repo.code("kitchen-renovation")).stdout == by_slug.stdout
    loft = repo.ok("log", "loft").stdout
    assert loft.splitlines() == [f"{commits(repo)[0][:10]}  2026-12-01 10:00 GMT  Repo User  loft  "
                                 "Loft: create page"]


@pytest.mark.parametrize("option", ["-n", "--max-count"])
def test_log_max_count_keeps_the_newest(repo: Repo, option: str) -> None:
    newest = commits(repo)
    assert [line[:10] for line in repo.ok("log", option, "2").stdout.splitlines()] == \
        [newest[0][:10], newest[1][:10]]
    assert [line[:10] for line in repo.ok("log", "kitchen-renovation", option, "1").stdout.splitlines()] \
        == [newest[1][:10]]
    assert repo("log", option, "0").exit_code == 2


def test_log_json_is_strict_json_with_every_field(repo: Repo) -> None:
    result = repo.ok("log", "kitchen-renovation", "--json", "-n", "2")
    entries = json.loads(result.stdout)
    _, hand, done, *_ = commits(repo)
    code, first = repo.code("kitchen-renovation"), repo.item_id("kitchen-renovation", 1)
    assert entries == [
        {"commit": hand, "time": "2026-06-10T12:00:00Z", "authorName": "Hand Editor",
         "authorEmail": "hand@example.com", "subject": "Materials are on their way",
         "pages": ["kitchen-renovation"], "pageCode": None, "itemId": None, "changes": []},
        {"commit": done, "time": "2026-06-09T08:15:00Z", "authorName": "Jo Bloggs",
         "authorEmail": "jo@example.com",
         "subject": 'Kitchen renovation: "Survey booked" Active → Complete',
         "pages": ["kitchen-renovation"], "pageCode": code, "itemId": first, "changes": []},
    ]
    assert list(entries[0]) == ["commit", "time", "authorName", "authorEmail", "subject", "pages",
                                "pageCode", "itemId", "changes"]
    assert result.stderr == ""


def test_log_item_keeps_its_commits_and_hand_edits_that_changed_it(repo: Repo) -> None:
    _, hand, done, start, create, _ = commits(repo)
    first = repo.ok("log", "kitchen-renovation", "--item", "#1").stdout.splitlines()
    assert [line[:10] for line in first] == [done[:10], start[:10], create[:10]]
    assert first[-1].endswith('Kitchen renovation: create page (added "Survey booked" as Pending)')
    second = repo.ok("log", "kitchen-renovation", "--item", "Materials ordered").stdout.splitlines()
    assert [line[:10] for line in second] == [hand[:10], create[:10]]
    assert second[0].endswith('Materials are on their way ("Materials ordered" Pending → Active)')
    third = repo.ok("log", "kitchen-renovation", "--item", repo.item_id("kitchen-renovation", 3)[:8])
    assert [line[:10] for line in third.stdout.splitlines()] == [create[:10]]


def test_log_item_json_gives_the_changes_read_from_the_file(repo: Repo) -> None:
    entries = json.loads(repo.ok("log", "kitchen-renovation", "--item", "#2", "--json").stdout)
    ident = repo.item_id("kitchen-renovation", 2)
    assert [entry["changes"] for entry in entries] == [
        [{"id": ident, "text": "Materials ordered", "before": "pending", "after": "active",
          "textBefore": None}],
        [{"id": ident, "text": "Materials ordered", "before": None, "after": "pending",
          "textBefore": None}],
    ]
    assert repo.ok("log", "kitchen-renovation", "--item", "#2", "--json", "-n", "1").stdout.count(
        '"commit"') == 1


def test_log_item_follows_an_item_added_by_hand_without_an_id(repo: Repo) -> None:
    repo.edit("kitchen-renovation", "items:\n", "items:\n  - text: Skip hire\n    state: active\n")
    added = repo.hand_commit("Add a skip", "2026-06-11T09:00:00Z")
    repo.ok("fmt", at="2026-06-11T09:30:00Z")  # commits the id it gives: not a change of the item
    repo.ok("item", "done", "kitchen-renovation", "Skip hire", at="2026-06-12T09:00:00Z")
    lines = repo.ok("log", "kitchen-renovation", "--item", "Skip hire").stdout.splitlines()
    assert [line[:10] for line in lines] == [repo.head()[:10], added[:10]]
    assert lines[1].endswith('Add a skip (added "Skip hire" as Active)')


def test_log_item_text_and_deletion_by_hand(repo: Repo) -> None:
    ident = repo.item_id("kitchen-renovation", 3)
    repo.edit("kitchen-renovation", "text: Work scheduled", "text: Work booked")
    repo.hand_commit("Rename a step", "2026-06-11T09:00:00Z")
    path = repo.page_file("kitchen-renovation")
    text = path.read_text("utf-8")
    start = text.index(f"  - id: {ident}")
    end = text.find("  - id:", start + 1)
    path.write_text(text[:start] + (text[end:] if end != -1 else ""), "utf-8")
    repo.hand_commit("Drop a step", "2026-06-12T09:00:00Z")
    lines = repo.ok("log", "kitchen-renovation", "--item", ident).stdout.splitlines()
    assert [line.split("  ")[-1] for line in lines] == [
        'Drop a step (deleted "Work booked")',
        'Rename a step ("Work scheduled" now "Work booked")',
        'Kitchen renovation: create page (added "Work scheduled" as Pending)',
    ]


# -- merges, deleted pages, odd repositories -----------------------------------------------------


def test_log_lists_merged_commits_not_the_merge(repo: Repo) -> None:
    git(repo.top, "switch", "-q", "-c", "update")
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: complete\n")
    branch = repo.hand_commit("Work is booked", "2026-12-11T09:00:00Z")
    git(repo.top, "switch", "-q", "main")
    repo.edit("loft", "title: Loft", "title: Loft conversion")
    repo.hand_commit("Better title", "2026-12-11T10:00:00Z")
    repo.at("2026-12-11T11:00:00Z")
    git(repo.top, "merge", "-q", "--no-ff", "-m", "Merge pull request #1", "update")
    lines = repo.ok("log", "-n", "3").stdout.splitlines()
    subjects = [line.split("  ")[-1] for line in lines]
    assert subjects == ["Better title", "Work is booked", "Loft: create page"]
    assert lines[1].startswith(branch[:10])
    item = repo.ok("log", "kitchen-renovation", "--item", "#3", "-n", "1").stdout
    assert item.startswith(branch[:10]) and item.endswith('("Work scheduled" Pending → Complete)\n')


def test_log_lists_what_a_merge_itself_changed(repo: Repo) -> None:
    git(repo.top, "switch", "-q", "-c", "update")
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: complete\n")
    repo.hand_commit("Work done", "2026-12-11T09:00:00Z")
    git(repo.top, "switch", "-q", "main")
    repo.edit("kitchen-renovation", "    state: pending\n", "    state: active\n")
    repo.hand_commit("Work started", "2026-12-11T10:00:00Z")
    repo.at("2026-12-11T11:00:00Z")
    merged = subprocess.run(["git", "merge", "-q", "update"], cwd=repo.top, capture_output=True)
    assert merged.returncode != 0  # a conflict on the state line
    repo.edit("kitchen-renovation", "<<<<<<< HEAD\n    state: active\n=======\n    state: complete\n"
              ">>>>>>> update\n", "    state: pending\n")
    merge = repo.hand_commit("Merge, and the work is not started after all", "2026-12-11T11:00:00Z")
    lines = repo.ok("log", "kitchen-renovation", "--item", "#3").stdout.splitlines()
    assert lines[0].startswith(merge[:10])
    assert lines[0].endswith('("Work scheduled" Active → Pending)')
    assert len(lines) == 4  # the merge, both branches' commits, create


def test_log_of_a_deleted_page_by_its_slug(repo: Repo) -> None:
    repo.ok("page", "rm", "loft", at="2026-12-02T10:00:00Z")
    lines = repo.ok("log", "loft").stdout.splitlines()
    assert [line.split("  ")[-1] for line in lines] == ["Loft: delete page", "Loft: create page"]
    assert_cli_error(repo("log", "never-was"), "no page 'never-was'")


def test_log_of_a_site_in_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo(tmp_path / "repo", monkeypatch, sub="status", timezone="UTC")
    repo.ok("page", "create", "Boiler", "--item", "Quote", at="2026-06-08T14:30:00Z")
    (repo.top / "notes.txt").write_text("not a page\n")
    repo.hand_commit("Notes", "2026-06-09T09:00:00Z")
    assert repo.ok("log").stdout == (
        f"{commits(repo)[1][:10]}  2026-06-08 14:30 UTC  Repo User  boiler  Boiler: create page\n")


def test_log_in_a_shallow_clone_says_older_changes_are_missing(repo: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{repo.top}", str(clone))
    result = CliRunner().invoke(cli, ["--site", str(clone), "log"], prog_name="sspage")
    assert result.exit_code == 0, result.stderr
    assert [line.split("  ")[-1] for line in result.stdout.splitlines()] == [
        "Loft: create page", "Materials are on their way"]
    assert result.stderr == ("Note: this is a shallow clone, so older changes are missing "
                             "(git fetch --unshallow fetches them)\n")
    deeper = tmp_path / "deeper"  # starts at "item done", whose parent it lacks
    git(tmp_path, "clone", "-q", "--depth", "3", f"file://{repo.top}", str(deeper))
    item = CliRunner().invoke(cli, ["--site", str(deeper), "log", "kitchen-renovation", "--item",
                                    "Survey booked"], prog_name="sspage")
    assert [line.split("  ")[-1] for line in item.stdout.splitlines()] == [
        'Kitchen renovation: "Survey booked" Active → Complete']  # by its trailer
    item = CliRunner().invoke(cli, ["--site", str(deeper), "log", "kitchen-renovation", "--item",
                                    "Materials ordered"], prog_name="sspage")
    assert [line.split("  ")[-1] for line in item.stdout.splitlines()] == [
        'Materials are on their way ("Materials ordered" Pending → Active)']
    item = CliRunner().invoke(cli, ["--site", str(deeper), "log", "kitchen-renovation", "--item",
                                    "Work scheduled"], prog_name="sspage")
    assert (item.exit_code, item.stdout) == (0, "")  # not "added" by the clone's first commit


def test_log_before_the_first_commit(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    sspage.init_site(root, title="Test", base_url=BASE_URL)
    runner = CliRunner()
    result = runner.invoke(cli, ["--site", str(root), "log"], prog_name="sspage")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No changes found\n")
    result = runner.invoke(cli, ["--site", str(root), "log", "--json"], prog_name="sspage")
    assert (result.exit_code, result.stdout) == (0, "[]\n")


# -- errors --------------------------------------------------------------------------------------


def test_log_item_needs_a_page(repo: Repo) -> None:
    result = repo("log", "--item", "#1")
    assert result.exit_code == 2
    assert "--item needs a PAGE" in result.stderr


def test_log_unknown_page_and_item(repo: Repo) -> None:
    assert_cli_error(repo("log", "nope"), "no page 'nope'")
    assert_cli_error(repo("log", "kitchen-renovation", "--item", "#9"),
                     "Kitchen renovation has no item #9")
    assert_cli_error(repo("log", "kitchen-renovation", "--item", "Nothing like it"),
                     "has no item 'Nothing like it'")


def test_log_outside_a_git_repository(tmp_path: Path) -> None:
    sspage.init_site(tmp_path / "plain", title="Test", base_url=BASE_URL)
    result = CliRunner().invoke(cli, ["--site", str(tmp_path / "plain"), "log"], prog_name="sspage")
    assert_cli_error(result, "is not in a git repository, so it has no history",
                     "run `git init` and commit the site")


def test_log_without_git(repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sspage.gitsetup, "_git_found", False)
    assert_cli_error(repo("log"), "git is not installed")


# -- the library and git's commit-graph ------------------------------------------------------------


def test_site_log_is_the_library_call_behind_the_command(repo: Repo) -> None:
    site = sspage.open_site(repo.root)
    entries = site_log(site, "kitchen-renovation", item="#1", limit=2)
    assert all(isinstance(entry, LogEntry) for entry in entries)
    assert [entry.author_name for entry in entries] == ["Jo Bloggs", "Repo User"]
    assert entries[0].time.isoformat() == "2026-06-09T08:15:00+00:00"
    with pytest.raises(sspage.InputError, match="--item needs a PAGE"):
        site_log(site, item="#1")


def test_changed_path_filters_are_found_in_the_commit_graph(repo: Repo) -> None:
    store = sspage.open_site(repo.root).git
    assert store is not None
    assert not has_changed_path_filters(store)
    git(repo.top, "commit-graph", "write", "--reachable")
    assert not has_changed_path_filters(store)
    git(repo.top, "commit-graph", "write", "--reachable", "--changed-paths")
    assert has_changed_path_filters(store)
    first = repo.ok("log").stdout
    git(repo.top, "commit-graph", "write", "--reachable", "--changed-paths", "--split")
    assert has_changed_path_filters(store)
    assert repo.ok("log").stdout == first



def test_log_ignores_the_users_log_settings(repo: Repo) -> None:
    expected = repo.ok("log", "kitchen-renovation").stdout
    for key, value in (("log.follow", "true"), ("log.showSignature", "true"), ("color.ui", "always"),
                       ("log.decorate", "full"), ("i18n.logOutputEncoding", "ISO-8859-1")):
        git(repo.top, "config", key, value)
    assert repo.ok("log", "kitchen-renovation").stdout == expected


def test_a_slow_log_suggests_the_commit_graph_until_there_is_one(repo: Repo,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sspage.history, "SLOW_LOG_SECONDS", 0.0)  # every log is "slow"
    result = repo.ok("log", "loft")
    assert result.stderr.startswith("Hint: that took ")
    assert result.stderr.endswith(" s; `git commit-graph write --reachable --changed-paths`, run once, "
                                  "lets git skip the commits that did not touch a page (docs/git.md)\n")
    git(repo.top, "commit-graph", "write", "--reachable", "--changed-paths")
    assert repo.ok("log", "loft").stderr == ""

