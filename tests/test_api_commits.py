"""The API's commits made with libgit2 in a helper process: the commits git's plumbing makes."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from sspage.api import commits
from sspage.api.commits import CommitHelper, Moved, Unsupported
from sspage.api.writer import GroupedGit
from sspage.git import find_repo


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env=env).stdout


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Repo User")
    git(root, "config", "user.email", "repo.user@example.com")
    git(root, "config", "commit.gpgsign", "false")
    (root / "content" / "pages").mkdir(parents=True)
    (root / "content" / "old").mkdir()
    for name in ("a", "b", "c"):
        (root / "content" / "pages" / f"{name}.yaml").write_text(f"{name}: 1\n")
    (root / "content" / "old" / "only.yaml").write_text("only: 1\n")
    (root / "README.md").write_text("readme\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Start")
    return root


@pytest.fixture
def helper(tmp_path: Path):
    repo = make_repo(tmp_path / "repo")
    started = CommitHelper.start(repo, {k: v for k, v in os.environ.items() if not k.startswith("GIT_")})
    assert started is not None
    yield repo, started
    started.close()


def expected_tree(repo: Path, paths: list[str]) -> str:
    """The tree ``git update-index`` and ``git write-tree`` make of HEAD with ``paths`` as on disk."""
    env = {**os.environ, "GIT_INDEX_FILE": str(repo / ".git" / "test-index")}
    git(repo, "read-tree", "HEAD", env=env)
    git(repo, "update-index", "--add", "--remove", "--", *paths, env=env)
    return git(repo, "write-tree", env=env).strip()


def test_a_commit_is_the_one_git_plumbing_makes(helper):
    repo, committer = helper
    pages = repo / "content" / "pages"
    (pages / "a.yaml").write_text("a: 2\n")
    (pages / "b.yaml").unlink()
    (pages / "c.yaml").chmod(0o755)
    (repo / "content" / "old" / "only.yaml").unlink()  # its folder goes with it
    (repo / "content" / "new" / "deep").mkdir(parents=True)
    (repo / "content" / "new" / "deep" / "d.yaml").write_text("d: 1\n")
    (pages / "link.yaml").symlink_to("a.yaml")
    paths = ["content/pages/a.yaml", "content/pages/b.yaml", "content/pages/c.yaml",
             "content/old/only.yaml", "content/new/deep/d.yaml", "content/pages/link.yaml"]
    tree = expected_tree(repo, paths)
    old = git(repo, "rev-parse", "HEAD").strip()
    message = "Two changes\n\nSspage-Page: abc\nSspage-Item: 1\n"

    new = committer.build(old, paths, message, "Integration X <x@example.com>")
    assert git(repo, "rev-parse", "HEAD").strip() == old  # built, not yet published
    committer.publish("refs/heads/main", old, new, "Two changes")

    assert git(repo, "rev-parse", "HEAD").strip() == new
    assert git(repo, "rev-parse", "HEAD^{tree}").strip() == tree
    assert git(repo, "rev-parse", "HEAD^").strip() == old
    assert git(repo, "log", "-1", "--format=%an <%ae> | %cn <%ce>") == \
        "Integration X <x@example.com> | Repo User <repo.user@example.com>\n"
    assert git(repo, "log", "-1", "--format=%B") == message + "\n"
    assert git(repo, "reflog", "-1", "--format=%gs") == "sspage: Two changes\n"
    assert git(repo, "ls-tree", "HEAD", "content/pages/c.yaml").startswith("100755 blob ")
    assert git(repo, "ls-tree", "HEAD", "content/pages/link.yaml").startswith("120000 blob ")
    assert git(repo, "ls-tree", "HEAD", "content/").split() == [
        "040000", "tree", git(repo, "rev-parse", "HEAD:content/new").strip(), "content/new",
        "040000", "tree", git(repo, "rev-parse", "HEAD:content/pages").strip(), "content/pages"]
    fsck = subprocess.run(["git", "fsck", "--strict"], cwd=repo, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr

    # Without an author, git's own (here the committer, from the repository's config).
    (pages / "a.yaml").write_text("a: 3\n")
    newer = committer.build(new, ["content/pages/a.yaml"], "Again\n", None)
    committer.publish("refs/heads/main", new, newer, "Again")
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Repo User <repo.user@example.com>\n"


def test_a_branch_that_moved_is_not_moved_again(helper):
    repo, committer = helper
    old = git(repo, "rev-parse", "HEAD").strip()
    (repo / "content" / "pages" / "a.yaml").write_text("a: 2\n")
    new = committer.build(old, ["content/pages/a.yaml"], "Mine\n", None)
    (repo / "README.md").write_text("someone else's\n")
    git(repo, "commit", "-qam", "Someone else")
    theirs = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(Moved):
        committer.publish("refs/heads/main", old, new, "Mine")
    assert git(repo, "rev-parse", "HEAD").strip() == theirs
    (repo / ".git" / "refs" / "heads" / "main.lock").write_text("")  # someone holds git's lock
    again = committer.build(theirs, ["content/pages/a.yaml"], "Mine\n", None)
    with pytest.raises(Moved):
        committer.publish("refs/heads/main", theirs, again, "Mine")
    (repo / ".git" / "refs" / "heads" / "main.lock").unlink()
    committer.publish("refs/heads/main", theirs, again, "Mine")
    assert git(repo, "show", "HEAD:README.md") == "someone else's\n"
    assert git(repo, "show", "HEAD:content/pages/a.yaml") == "a: 2\n"


def test_a_filtered_path_is_left_to_git(helper):
    repo, committer = helper
    (repo / ".gitattributes").write_text("content/pages/a.yaml filter=upper\n")
    git(repo, "config", "filter.upper.clean", "tr a-z A-Z")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "Filter")
    (repo / "content" / "pages" / "a.yaml").write_text("a: lower\n")
    old = git(repo, "rev-parse", "HEAD").strip()
    with pytest.raises(Unsupported, match="filter"):
        committer.build(old, ["content/pages/a.yaml"], "Filtered\n", None)
    # The API's committer then commits it with git's command line, filter and all.
    store = find_repo(repo)
    assert store is not None
    events: list[tuple[str, dict[str, object]]] = []
    grouped = GroupedGit(store, repo, lambda event, **fields: events.append((event, fields)))
    try:
        grouped.commit(["content/pages/a.yaml"], "Filtered\n")
    finally:
        grouped.close()
    assert git(repo, "show", "HEAD:content/pages/a.yaml") == "A: LOWER\n"
    assert git(repo, "status", "--porcelain") == ""
    assert events == []


def grouped_git(tmp_path: Path) -> tuple[Path, GroupedGit, list[tuple[str, dict[str, object]]]]:
    """A repository, the API's committer on it, and the events it logs."""
    repo = make_repo(tmp_path / "repo")
    store = find_repo(repo)
    assert store is not None
    events: list[tuple[str, dict[str, object]]] = []
    return repo, GroupedGit(store, repo, lambda event, **fields: events.append((event, fields))), events


def test_a_stopped_helper_leaves_the_commits_to_git(tmp_path):
    repo, grouped, events = grouped_git(tmp_path)
    try:
        assert grouped.committer is not None
        (repo / "content" / "pages" / "a.yaml").write_text("a: 2\n")
        grouped.commit(["content/pages/a.yaml"], "With the helper\n")
        grouped.committer.process.kill()
        grouped.committer.process.wait()
        (repo / "content" / "pages" / "a.yaml").write_text("a: 3\n")
        grouped.commit(["content/pages/a.yaml"], "Without\n")
        assert grouped.committer is None
    finally:
        grouped.close()
    assert git(repo, "log", "-2", "--format=%s") == "Without\nWith the helper\n"
    assert git(repo, "show", "HEAD:content/pages/a.yaml") == "a: 3\n"
    assert git(repo, "status", "--porcelain") == ""
    assert [event for event, _ in events] == ["error"]
    assert "git's command line" in str(events[0][1]["hint"])


def test_a_hung_helper_is_stopped_and_leaves_the_commits_to_git(tmp_path, monkeypatch):
    repo, grouped, events = grouped_git(tmp_path)
    try:
        assert grouped.committer is not None
        process = grouped.committer.process
        monkeypatch.setattr(commits, "ANSWER_TIMEOUT", 0.5)
        os.kill(process.pid, signal.SIGSTOP)  # alive, but never answers
        (repo / "content" / "pages" / "a.yaml").write_text("a: 2\n")
        grouped.commit(["content/pages/a.yaml"], "While it hung\n")
        assert grouped.committer is None
        assert process.wait(timeout=10) != 0  # killed, not left behind
    finally:
        grouped.close()
    assert git(repo, "log", "-1", "--format=%s") == "While it hung\n"
    assert git(repo, "status", "--porcelain") == ""
    assert [event for event, _ in events] == ["error"]


def test_the_first_commit_of_a_branch(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Repo User")
    git(repo, "config", "user.email", "repo.user@example.com")
    (repo / "first.yaml").write_text("first: 1\n")
    committer = CommitHelper.start(repo, dict(os.environ))
    assert committer is not None
    try:
        new = committer.build(None, ["first.yaml"], "First\n", None)
        committer.publish("refs/heads/main", None, new, "First")
    finally:
        committer.close()
    assert git(repo, "log", "--format=%s") == "First\n"
    assert git(repo, "ls-tree", "--name-only", "HEAD") == "first.yaml\n"


def test_a_group_that_cannot_be_saved_is_refused_and_not_committed(tmp_path, monkeypatch):
    import sspage
    import sspage.atomic as atomic
    from sspage.api.writer import Writer
    from sspage.errors import StoreError

    repo = make_repo(tmp_path / "repo")
    sspage.init_site(repo / "site", title="Test", base_url="https://status.example.com")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Site")
    site = sspage.open_site(repo / "site")
    created = site.create_page("Kitchen", items=["one", "two"])
    slug, items = created.page.slug, [str(item.id) for item in created.page.items]
    path = created.page.path
    before, head = path.read_bytes(), git(repo, "rev-parse", "HEAD")
    events: list[str] = []
    writer = Writer(site, window=0.05, log=lambda event, **fields: events.append(event))
    writer.start()
    try:
        def failing(fd: int) -> None:
            os.close(fd)
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(atomic, "_sync_and_close", failing)
        futures = [writer.submit(lambda item=item: site.update_item(slug, item, state=2), "X <x@e.com>")
                   for item in items]
        for future in futures:
            with pytest.raises(StoreError, match="could not save the change: .*No space left"):
                future.result(timeout=30)
        assert path.read_bytes() == before
        assert git(repo, "rev-parse", "HEAD") == head
        monkeypatch.undo()
        writer.submit(lambda: site.update_item(slug, items[0], state=1), "X <x@e.com>").result(timeout=30)
    finally:
        writer.stop()
    assert "state: active" in path.read_text()
    assert git(repo, "log", "-1", "--format=%an") == "X\n"
    assert git(repo, "rev-list", "--count", f"{head.strip()}..HEAD") == "1\n"
    assert git(repo, "status", "--porcelain") == ""
    assert sorted(os.listdir(path.parent)) == [path.name]  # no temporary files left
    assert not list((repo / ".git" / "sspage-pending").glob("[!.]*"))
