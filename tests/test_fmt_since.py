"""``sspage fmt --since REV``: stamp what a hand edit changed, compared with git, in real repositories."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import GUID_RE, ID1, ID2, ID3, T0_TEXT

import sspage
from sspage.git import find_repo

LATER = "2026-06-08T15:00:00Z"  # the clock when fmt runs
TOKEN = "sha256:" + "0" * 64

# As committed: comments, a number state, an item at the end.
BEFORE = f"""\
# Kitchen job for the Smiths.
publicCode: z4hiCKGpsFUg
title: Kitchen renovation   # the customer's own words
latestUpdate: null
createdUtc: {T0_TEXT}
updatedUtc: {T0_TEXT}
expiresUtc: null
apiTokenHash: {TOKEN}
items:
  # first the survey
  - id: {ID1}
    text: Survey booked
    sortOrder: 0
    state: 1     # under way
    createdUtc: {T0_TEXT}
    updatedUtc: {T0_TEXT}
  - id: {ID2}
    text: Materials ordered
    sortOrder: 1
    state: pending
    createdUtc: {T0_TEXT}
    updatedUtc: {T0_TEXT}
  - id: {ID3}
    text: Work scheduled
    sortOrder: 2
    state: pending
    createdUtc: {T0_TEXT}
    updatedUtc: {T0_TEXT}
"""

# What a person does by hand: a state changed, a text changed, an item added without id or times.
EDITED = (BEFORE.replace("state: 1     # under way", "state: 2     # done, said Jo")
          .replace("text: Materials ordered", "text: Materials ordered (tiles)   # blue ones")
          + "  # added by hand\n  - text: Final inspection\n    state: active\n")


def git(root: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env=env).stdout


def commit_all(root: Path, message: str = "x") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(site, clock):
    """The ``site`` fixture made a git repository, with BEFORE committed; the clock at LATER."""
    root = site.root
    git(root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Repo User"), ("user.email", "repo@example.com"),
                       ("commit.gpgsign", "false")):
        git(root, "config", key, value)
    (root / ".gitignore").write_text(".sspage/\n")
    (site.pages_dir / "hand.yaml").write_text(BEFORE, "utf-8")
    commit_all(root, "Start")
    clock.advance(minutes=30)
    assert clock.text == LATER
    return root


def hand(site) -> Path:
    return site.pages_dir / "hand.yaml"


def expected_after_edit(new_id: str) -> str:
    return (EDITED
            .replace(f"updatedUtc: {T0_TEXT}\nexpiresUtc", f"updatedUtc: {LATER}\nexpiresUtc")
            .replace(f"# done, said Jo\n    createdUtc: {T0_TEXT}\n    updatedUtc: {T0_TEXT}",
                     f"# done, said Jo\n    createdUtc: {T0_TEXT}\n    updatedUtc: {LATER}")
            .replace(f"# blue ones\n    sortOrder: 1\n    state: pending\n    createdUtc: {T0_TEXT}\n"
                     f"    updatedUtc: {T0_TEXT}",
                     f"# blue ones\n    sortOrder: 1\n    state: pending\n    createdUtc: {T0_TEXT}\n"
                     f"    updatedUtc: {LATER}")
            .replace("  - text: Final inspection\n    state: active\n",
                     f"  - id: {new_id}\n    text: Final inspection\n    sortOrder: 3\n    state: active\n"
                     f"    createdUtc: {LATER}\n    updatedUtc: {LATER}\n"))


# -- a hand-edited file --------------------------------------------------------------------------


def test_hand_edit_gets_its_stamps_and_keeps_its_comments(site, runner, repo):
    hand(site).write_text(EDITED, "utf-8")
    head = git(repo, "rev-parse", "HEAD")
    result = runner("fmt", "--since", "HEAD")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Filled in content/pages/hand.yaml\n", "")
    new = site.page("hand").sorted_items()[-1]
    assert GUID_RE.match(new.id)
    assert hand(site).read_text("utf-8") == expected_after_edit(new.id)
    # fmt never commits: the stamps wait for the commit of the edit they belong to
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == " M content/pages/hand.yaml\n"
    assert runner("check").exit_code == 0


def test_second_run_changes_nothing(site, runner, repo, clock):
    hand(site).write_text(EDITED, "utf-8")
    assert runner("fmt", "--since", "HEAD").exit_code == 0
    first = hand(site).read_bytes()
    clock.advance(hours=1)
    again = runner("fmt", "--since", "HEAD")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    assert hand(site).read_bytes() == first
    check = runner("fmt", "--since", "HEAD", "--check")
    assert (check.exit_code, check.stdout) == (0, "")
    commit_all(repo)  # and once committed, against the commit before it
    assert runner("fmt", "--since", "HEAD~1").stdout == ""
    assert hand(site).read_bytes() == first


def test_check_reports_and_writes_nothing(site, runner, repo):
    hand(site).write_text(EDITED, "utf-8")
    result = runner("fmt", "--since", "HEAD", "--check")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "Would fill in content/pages/hand.yaml\n", "")
    assert hand(site).read_text("utf-8") == EDITED


def test_committed_and_staged_edits_count_too(site, runner, repo):
    """In a pull request the edits are committed: compare with the branch point."""
    added = "  # added by hand\n  - text: Final inspection\n    state: active\n"
    hand(site).write_text(EDITED.replace(added, ""))
    commit_all(repo, "Hand edit")
    result = runner("fmt", "--since", "HEAD~1")
    assert result.stdout == "Filled in content/pages/hand.yaml\n"
    stamped = {item.id: item.updated_utc for item in site.page("hand").items}
    assert [sspage.model.format_utc(stamped[i]) for i in (ID1, ID2, ID3)] == [LATER, LATER, T0_TEXT]
    git(repo, "checkout", "-q", "--", ".")  # back to the committed edit, now staged only
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    assert runner("fmt", "--since", "HEAD").stdout == "Filled in content/pages/hand.yaml\n"


def test_what_was_already_stamped_is_left_alone(site, runner, repo):
    """A person who updated the times themselves, or sspage in an earlier commit, did the job."""
    stamped = (BEFORE.replace("state: 1     # under way", "state: 2")
               .replace(f"state: 2\n    createdUtc: {T0_TEXT}\n    updatedUtc: {T0_TEXT}",
                        f"state: 2\n    createdUtc: {T0_TEXT}\n    updatedUtc: 2026-06-08T14:45:00Z")
               .replace(f"updatedUtc: {T0_TEXT}\nexpiresUtc", "updatedUtc: 2026-06-08T14:45:00Z\nexpiresUtc"))
    hand(site).write_text(stamped, "utf-8")
    result = runner("fmt", "--since", "HEAD")
    assert (result.exit_code, result.stdout) == (0, "")
    assert hand(site).read_text("utf-8") == stamped


def test_a_page_change_stamps_the_page_only(site, runner, repo):
    moved = (BEFORE.replace("sortOrder: 1", "sortOrder: 5")
             .replace("title: Kitchen renovation ", "title: Kitchen renovation, phase 1 "))
    hand(site).write_text(moved, "utf-8")
    assert runner("fmt", "--since", "HEAD").stdout == "Filled in content/pages/hand.yaml\n"
    assert hand(site).read_text("utf-8") == moved.replace(
        f"updatedUtc: {T0_TEXT}\nexpiresUtc", f"updatedUtc: {LATER}\nexpiresUtc")


def test_a_new_token_is_not_a_page_update(site, runner, repo):
    rotated = BEFORE.replace(TOKEN, "sha256:" + "1" * 64)
    hand(site).write_text(rotated, "utf-8")
    assert runner("fmt", "--since", "HEAD").stdout == ""
    assert hand(site).read_text("utf-8") == rotated


# -- which files -----------------------------------------------------------------------------------


def test_files_new_since_rev_are_new_throughout(site, runner, repo):
    """New pages keep the times they have (sspage wrote them) and get those they lack."""
    created = runner("page", "create", "Made by sspage", "--item", "one")
    assert created.exit_code == 0
    made = site.pages_dir / "made-by-sspage.yaml"
    written = made.read_bytes()
    (site.pages_dir / "typed.yaml").write_text("title: Typed in   # by hand\nitems:\n  - text: one\n")
    git(repo, "add", "content/pages/typed.yaml")  # one staged, one untracked
    result = runner("fmt", "--since", "HEAD~1")  # before both
    assert (result.exit_code, result.stdout) == (0, "Filled in content/pages/typed.yaml\n")
    assert made.read_bytes() == written
    typed = site.page("typed")
    assert [sspage.model.format_utc(t) for t in (typed.created_utc, typed.updated_utc,
                                                 typed.items[0].updated_utc)] == [LATER] * 3
    assert "title: Typed in   # by hand\n" in (site.pages_dir / "typed.yaml").read_text()


def test_a_stamp_in_the_revisions_own_second_still_moves(site, runner, clock):
    """Edited and formatted in the second of the commit: the stamps are a second later than
    the revision's, or the next run (later) would take them as missing and stamp again."""
    git(site.root, "init", "-q", "-b", "main")
    for key, value in (("user.name", "Repo User"), ("user.email", "repo@example.com"),
                       ("commit.gpgsign", "false")):
        git(site.root, "config", key, value)
    (site.root / ".gitignore").write_text(".sspage/\n")
    hand(site).write_text(BEFORE, "utf-8")
    commit_all(site.root)
    assert clock.text == T0_TEXT  # the clock has not moved since the commit
    hand(site).write_text(EDITED, "utf-8")
    assert runner("fmt", "--since", "HEAD").exit_code == 0
    text = hand(site).read_text("utf-8")
    assert f"updatedUtc: {T0_TEXT}\nexpiresUtc" not in text
    assert "updatedUtc: 2026-06-08T14:30:01Z\nexpiresUtc" in text
    assert "# done, said Jo\n    createdUtc: 2026-06-08T14:30:00Z\n    updatedUtc: 2026-06-08T14:30:01Z" in text
    clock.advance(minutes=5)
    again = runner("fmt", "--since", "HEAD")
    assert (again.exit_code, again.stdout) == (0, "")
    assert hand(site).read_text("utf-8") == text


def test_head_before_the_first_commit_makes_every_file_new(site, runner, clock):
    """A pre-commit hook runs `fmt --since HEAD` on a repository's first commit too."""
    git(site.root, "init", "-q", "-b", "main")
    (site.pages_dir / "typed.yaml").write_text("title: Typed in   # by hand\nitems:\n  - text: one\n")
    result = runner("fmt", "--since", "HEAD")
    assert (result.exit_code, result.stdout) == (0, "Filled in content/pages/typed.yaml\n")
    assert GUID_RE.fullmatch(str(site.page("typed").items[0].id))
    assert runner("fmt", "--since", "HEAD", "--check").exit_code == 0


@pytest.mark.parametrize("how", ["git mv", "mv"])
def test_a_renamed_file_is_compared_with_its_old_self(site, runner, repo, how):
    if how == "git mv":
        git(repo, "mv", "content/pages/hand.yaml", "content/pages/kitchen.yaml")
    else:
        hand(site).rename(site.pages_dir / "kitchen.yaml")
    kitchen = site.pages_dir / "kitchen.yaml"
    kitchen.write_text(BEFORE.replace("state: pending", "state: active", 1), "utf-8")
    result = runner("fmt", "--since", "HEAD")
    assert result.stdout == "Filled in content/pages/kitchen.yaml\n"
    times = {item.id: sspage.model.format_utc(item.updated_utc) for item in site.page("kitchen").items}
    assert times == {ID1: T0_TEXT, ID2: LATER, ID3: T0_TEXT}


def test_only_files_that_changed_are_read(site, runner, repo):
    """A file that did not change since REV is not even opened: a broken one is not reported."""
    (site.pages_dir / "broken.yaml").write_text("title: [oops\n")
    (site.pages_dir / "gaps.yaml").write_text("title: Gaps\nitems:\n  - text: no id\n")
    commit_all(repo)
    hand(site).write_text(EDITED, "utf-8")
    result = runner("fmt", "--since", "HEAD")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Filled in content/pages/hand.yaml\n", "")
    assert (site.pages_dir / "gaps.yaml").read_text() == "title: Gaps\nitems:\n  - text: no id\n"
    everything = runner("fmt")  # without --since: every file
    assert everything.exit_code == 1
    assert everything.stdout == "Filled in content/pages/gaps.yaml\n"
    assert everything.stderr.startswith("content/pages/broken.yaml:2:1: YAML syntax error")


def test_a_site_in_a_subfolder_of_the_repository(tmp_path, clock):
    top = tmp_path / "top"
    sspage.init_site(top / "status", title="Test", base_url="https://status.example.com")
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.name", "Repo User")
    git(top, "config", "user.email", "repo@example.com")
    site = sspage.open_site(top / "status", now=clock, commit=False)
    (site.pages_dir / "hand.yaml").write_text(BEFORE, "utf-8")
    commit_all(top, "Start")
    clock.advance(minutes=30)
    (site.pages_dir / "hand.yaml").write_text(BEFORE.replace("state: pending", "state: active", 1))
    assert sspage.fmt_site(site, since="HEAD").changed == [site.pages_dir / "hand.yaml"]
    times = {item.id: sspage.model.format_utc(item.updated_utc) for item in site.page("hand").items}
    assert times == {ID1: T0_TEXT, ID2: LATER, ID3: T0_TEXT}


def test_named_pages_limit_it_further(site, runner, repo):
    hand(site).write_text(EDITED, "utf-8")
    (site.pages_dir / "other.yaml").write_text("title: Other\n")
    result = runner("fmt", "--since", "HEAD", "other")
    assert result.stdout == "Filled in content/pages/other.yaml\n"
    assert hand(site).read_text("utf-8") == EDITED


def test_a_broken_file_is_reported_and_the_rest_done(site, runner, repo):
    hand(site).write_text(EDITED, "utf-8")
    (site.pages_dir / "broken.yaml").write_text("title: Broken\nitems:\n  - state: 7\n")
    result = runner("fmt", "--since", "HEAD")
    assert result.exit_code == 1
    assert result.stdout == "Filled in content/pages/hand.yaml\n"
    assert result.stderr.startswith("content/pages/broken.yaml:3:")


def test_an_unreadable_old_version_counts_as_new(site, runner, repo):
    hand(site).write_text("title: [oops\n")
    commit_all(repo, "Broken")
    hand(site).write_text(BEFORE.replace("state: pending", "state: active", 1), "utf-8")
    assert runner("fmt", "--since", "HEAD").stdout == ""  # nothing missing, nothing to compare with


# -- errors and the library --------------------------------------------------------------------------


def test_unknown_revision(site, runner, repo):
    result = runner("fmt", "--since", "no-such-branch")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: unknown revision 'no-such-branch': not a commit, branch or tag of this repository "
        "(for example HEAD~1 or origin/main; a shallow clone may need `git fetch` first)\n")
    assert runner("fmt", "--since", "--check").exit_code == 1  # an option's name is no revision


def test_not_a_git_repository(site, runner, tmp_path):
    if find_repo(site.root) is not None:
        pytest.skip("the temporary folder is inside a git repository")
    result = runner("fmt", "--since", "HEAD")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: {site.root} is not in a git repository, so there is no revision 'HEAD' to compare "
        "with (leave out --since, or run `git init` and commit first)\n")


def test_since_needs_a_value(site, runner):
    result = runner("fmt", "--since")
    assert result.exit_code == 2
    assert "Option '--since' requires an argument" in result.stderr


def test_library(site, repo):
    hand(site).write_text(EDITED, "utf-8")
    preview = sspage.fmt_site(site, since="HEAD", dry_run=True)
    assert (preview.changed, preview.problems) == ([hand(site)], [])
    assert hand(site).read_text("utf-8") == EDITED
    assert sspage.fmt_site(site, since="HEAD").changed == [hand(site)]
    assert sspage.fmt_site(site, since="HEAD").changed == []


def test_files_at_reads_many_files_in_one_go(site, repo):
    (site.pages_dir / "with space.yaml").write_text("title: S\n")
    commit_all(repo)
    store = find_repo(site.root)
    assert store is not None
    head = store.resolve("HEAD")
    found = store.files_at(head, ["content/pages/with space.yaml", "content/pages/hand.yaml",
                                  "content/pages/none.yaml", "content/pages", "a\nb"])
    assert found == {"content/pages/with space.yaml": b"title: S\n",
                     "content/pages/hand.yaml": BEFORE.encode(),
                     "content/pages/none.yaml": None, "content/pages": None}


# -- as a git pre-commit hook -------------------------------------------------------------------------


def test_as_a_pre_commit_hook(site, repo):
    """Inside `git commit` (which holds the index lock) fmt --check refuses an unstamped edit."""
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m sspage fmt --since HEAD --check\n")
    hook.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SSPAGE_"))}
    hand(site).write_text(EDITED, "utf-8")
    git(repo, "add", "-A")
    refused = subprocess.run(["git", "commit", "-q", "-m", "Hand edit"], cwd=repo, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert refused.stderr == "Would fill in content/pages/hand.yaml\n"  # git sends hook output there
    fixed = subprocess.run([sys.executable, "-m", "sspage", "fmt", "--since", "HEAD"], cwd=repo,
                           env=env, capture_output=True, text=True, timeout=60)
    assert fixed.stdout == "Filled in content/pages/hand.yaml\n"
    git(repo, "add", "-A")
    done = subprocess.run(["git", "commit", "-q", "-m", "Hand edit"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "status", "--porcelain") == ""
