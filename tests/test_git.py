"""Every change is one commit: real git repositories in temporary folders, real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import BASE_URL

import sspage
from sspage.cli import cli
from sspage.errors import InputError, StoreError

USER = "Repo User <repo.user@example.com>"
NOTE = "Note: not a git repository; changes are saved but not committed\n"


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env=env).stdout


def make_repo(root: Path, *, commit: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Repo User")
    git(root, "config", "user.email", "repo.user@example.com")
    git(root, "config", "commit.gpgsign", "false")
    if commit:
        (root / "README.md").write_text("readme\n")
        git(root, "add", "README.md")
        git(root, "commit", "-q", "-m", "Start")
    return root


def make_site(root: Path) -> sspage.Site:
    sspage.init_site(root, title="Test", base_url=BASE_URL)
    return sspage.open_site(root)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def gsite(repo: Path) -> sspage.Site:
    """A site at the top of a git repository, its scaffold committed by hand."""
    site = make_site(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Scaffold")
    return site


def log(repo: Path, count: int = 1) -> list[str]:
    """The last ``count`` commits, newest first, as ``author | committer | message``."""
    out = git(repo, "log", f"-{count}", "--format=%an <%ae> | %cn <%ce> | %B%x00")
    return [record.strip("\n") for record in out.split("\0")[:count]]


def changed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--format=", "--name-status", rev).splitlines()


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def env_for(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("SSPAGE_SITE", "SSPAGE_AUTHOR", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        env.pop(name, None)
    return {**env, **extra}


def sspage_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "sspage", "--site", str(root), *args]


def run_cli(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(sspage_cmd(root, *args), capture_output=True, text=True, timeout=120,
                          env=env_for(**env))


def fsck(repo: Path) -> None:
    result = subprocess.run(["git", "fsck", "--strict"], cwd=repo,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", "not even a dangling object"


# -- one commit per change ---------------------------------------------------------------------


def test_each_mutation_is_one_commit_of_its_file(gsite, repo):
    start = commit_count(repo)
    created = gsite.create_page("Kitchen renovation", items=["Survey booked", "Materials ordered"])
    code = created.page.public_code
    rel = "content/pages/kitchen-renovation.yaml"
    assert log(repo) == [f"{USER} | {USER} | Kitchen renovation: create page\n\nSspage-Page: {code}"]
    assert changed_files(repo) == [f"A\t{rel}"]

    item = gsite.update_item("kitchen-renovation", "#2", state="active")
    assert log(repo) == [
        f'{USER} | {USER} | Kitchen renovation: "Materials ordered" Pending → Active\n\n'
        f"Sspage-Page: {code}\nSspage-Item: {item.id}"]
    assert changed_files(repo) == [f"M\t{rel}"]

    added = gsite.add_item("kitchen-renovation", "Work\nscheduled")
    assert log(repo)[0].endswith(
        f'Kitchen renovation: add "Work scheduled" (Pending)\n\nSspage-Page: {code}\nSspage-Item: {added.id}')
    gsite.move_item("kitchen-renovation", "#3", 1)
    gsite.update_page("kitchen-renovation", latest_update="On track")
    gsite.rotate_token("kitchen-renovation")
    gsite.delete_item("kitchen-renovation", "#1")
    assert commit_count(repo) == start + 7
    assert git(repo, "status", "--porcelain") == ""
    gsite.delete_page("kitchen-renovation")
    assert log(repo)[0].endswith(f"Kitchen renovation: delete page\n\nSspage-Page: {code}")
    assert changed_files(repo) == [f"D\t{rel}"]
    assert git(repo, "status", "--porcelain") == ""
    assert commit_count(repo) == start + 8
    fsck(repo)


def test_an_unchanged_item_makes_no_commit(gsite, repo):
    gsite.create_page("P", items=["a"])
    before = commit_count(repo)
    gsite.update_item("p", "#1", state="pending")
    assert commit_count(repo) == before


def test_author_override_library_cli_and_env(gsite, repo):
    gsite.create_page("P", items=["a", "b", "c"])
    other = sspage.open_site(repo, author="Ada Lovelace <ada@example.com>")
    other.update_item("p", "#1", state="active")
    assert log(repo)[0].startswith(f"Ada Lovelace <ada@example.com> | {USER} | ")

    result = run_cli(repo, "--author", "Grace Hopper <grace@example.com>", "item", "done", "p", "#2")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert log(repo)[0].startswith(f"Grace Hopper <grace@example.com> | {USER} | ")

    result = run_cli(repo, "item", "done", "p", "#3", SSPAGE_AUTHOR="Env Person <env@example.com>")
    assert result.returncode == 0, result.stderr
    assert log(repo)[0].startswith(f"Env Person <env@example.com> | {USER} | ")


def test_a_bad_author_is_refused_before_writing(gsite, repo):
    gsite.create_page("P", items=["a"])
    before = (repo / "content/pages/p.yaml").read_bytes()
    result = run_cli(repo, "--author", "nobody", "item", "done", "p", "#1")
    assert result.returncode == 1
    assert result.stderr == "Error: --author must look like 'Name <email>', not 'nobody'\n"
    assert (repo / "content/pages/p.yaml").read_bytes() == before
    with pytest.raises(InputError):
        sspage.open_site(repo, author="<x@y>")


def test_unrelated_staged_and_unstaged_changes_survive(gsite, repo):
    gsite.create_page("P", items=["a"])
    (repo / "README.md").write_text("readme, staged edit\n")
    git(repo, "add", "README.md")
    (repo / "README.md").write_text("readme, staged edit, then unstaged edit\n")
    (repo / "new.txt").write_text("a new staged file\n")
    git(repo, "add", "new.txt")
    (repo / "content" / "site.yaml").write_text((repo / "content" / "site.yaml").read_text() + "# unstaged\n")
    (repo / "untracked.txt").write_text("untracked\n")
    before = (git(repo, "diff"), git(repo, "diff", "--cached"), git(repo, "status", "--porcelain"))

    gsite.update_item("p", "#1", state="complete")
    run = run_cli(repo, "item", "reopen", "p", "#1")
    assert run.returncode == 0, run.stderr

    after = (git(repo, "diff"), git(repo, "diff", "--cached"), git(repo, "status", "--porcelain"))
    assert after == before
    assert changed_files(repo) == ["M\tcontent/pages/p.yaml"]
    assert changed_files(repo, "HEAD~1") == ["M\tcontent/pages/p.yaml"]
    assert git(repo, "show", "HEAD:README.md") == "readme\n"


def test_first_commit_of_an_empty_repository(tmp_path):
    repo = make_repo(tmp_path / "fresh", commit=False)
    site = make_site(repo)
    site.create_page("First")
    assert commit_count(repo) == 1
    assert git(repo, "rev-list", "--parents", "HEAD").split() == [git(repo, "rev-parse", "HEAD").strip()]
    assert changed_files(repo) == ["A\tcontent/pages/first.yaml"]
    assert "content/site.yaml" in git(repo, "status", "--porcelain")  # still untracked, untouched
    fsck(repo)


def test_site_in_a_subfolder_of_the_repository(repo):
    site = make_site(repo / "status" / "site")
    site.create_page("Nested", items=["x"])
    site.update_item("nested", "#1", state="active")
    assert changed_files(repo) == ["M\tstatus/site/content/pages/nested.yaml"]
    assert changed_files(repo, "HEAD~1") == ["A\tstatus/site/content/pages/nested.yaml"]
    assert git(repo, "status", "--porcelain", "--", "status/site/content/pages") == ""


def test_detached_head_is_refused_before_writing(gsite, repo):
    gsite.create_page("P", items=["a"])
    git(repo, "checkout", "-q", "--detach")
    before = (repo / "content/pages/p.yaml").read_bytes()
    with pytest.raises(StoreError, match="HEAD is detached"):
        gsite.update_item("p", "#1", state="active")
    assert (repo / "content/pages/p.yaml").read_bytes() == before
    result = run_cli(repo, "--no-commit", "item", "start", "p", "#1")
    assert result.returncode == 0, result.stderr


def test_fmt_never_commits(gsite, repo):
    """fmt completes a hand edit: its changes go in the commit of that edit (or a hook's)."""
    (repo / "content/pages/hand.yaml").write_text("title: Hand made\nitems:\n  - text: One\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Hand edit")
    before = commit_count(repo)
    result = run_cli(repo, "fmt")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "Filled in content/pages/hand.yaml\n", "")
    assert commit_count(repo) == before
    assert git(repo, "status", "--porcelain") == " M content/pages/hand.yaml\n"
    assert not (repo / ".git" / "sspage-pending").exists() or not os.listdir(repo / ".git" / "sspage-pending")


# -- turning it off, and outside git -----------------------------------------------------------


def test_no_commit_option_and_site_setting(gsite, repo):
    gsite.create_page("P", items=["a", "b"])
    before = commit_count(repo)
    result = run_cli(repo, "--no-commit", "item", "done", "p", "#1")
    assert result.returncode == 0 and result.stderr == ""
    assert commit_count(repo) == before
    assert git(repo, "status", "--porcelain") == " M content/pages/p.yaml\n"
    sspage.open_site(repo, commit=False).update_item("p", "#2", state="active")
    assert commit_count(repo) == before

    site_yaml = repo / "content" / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "commit: false\n")
    result = run_cli(repo, "item", "reopen", "p", "#1")
    assert result.returncode == 0 and result.stderr == ""
    assert commit_count(repo) == before


def test_outside_git_the_cli_says_once_that_it_is_not_committing(tmp_path, monkeypatch):
    make_site(tmp_path / "plain")
    monkeypatch.delenv("SSPAGE_SITE", raising=False)
    runner = CliRunner()
    base = ["--site", str(tmp_path / "plain")]
    created = runner.invoke(cli, [*base, "page", "create", "P", "--item", "a", "--json"])
    assert created.exit_code == 0, created.output
    assert created.stderr == NOTE
    changed = runner.invoke(cli, [*base, "item", "done", "p", "#1"])
    assert changed.exit_code == 0 and changed.stderr == NOTE
    fmt = runner.invoke(cli, [*base, "fmt"])  # nothing to fill in: nothing to say
    assert fmt.exit_code == 0 and fmt.stderr == ""
    quiet = runner.invoke(cli, [*base, "--no-commit", "item", "reopen", "p", "#1"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    listed = runner.invoke(cli, [*base, "page", "list"])
    assert listed.stderr == ""
    assert sspage.open_site(tmp_path / "plain").page("p").items[0].state == 0


def test_git_missing_is_explained_before_writing(gsite, repo, tmp_path):
    gsite.create_page("P", items=["a"])
    before = (repo / "content/pages/p.yaml").read_bytes()
    empty = tmp_path / "no-git-here"
    empty.mkdir()
    result = run_cli(repo, "item", "done", "p", "#1", PATH=str(empty))
    assert result.returncode == 1
    assert result.stderr.startswith("Error: git is not installed (or not on PATH)")
    assert (repo / "content/pages/p.yaml").read_bytes() == before


# -- git's own lock ----------------------------------------------------------------------------


def test_a_held_index_lock_is_waited_for_then_explained_and_kept(gsite, repo):
    gsite.create_page("P", items=["a"])
    before = (repo / "content/pages/p.yaml").read_bytes()
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    started = time.monotonic()
    result = run_cli(repo, "item", "done", "p", "#1", SSPAGE_GIT_LOCK_TIMEOUT="1")
    assert time.monotonic() - started >= 1
    assert result.returncode == 1
    assert f"Error: {lock} has existed for over 1 s" in result.stderr
    assert "sspage never deletes it" in result.stderr
    assert lock.exists()
    assert (repo / "content/pages/p.yaml").read_bytes() == before  # nothing written


def test_a_lock_released_while_waiting_lets_the_change_through(gsite, repo):
    gsite.create_page("P", items=["a"])
    before = commit_count(repo)
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    proc = subprocess.Popen(sspage_cmd(repo, "item", "done", "p", "#1"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env_for())
    time.sleep(0.8)
    lock.unlink()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert commit_count(repo) == before + 1
    assert git(repo, "status", "--porcelain") == ""


# -- twenty writers at once --------------------------------------------------------------------


def _start_all(commands: list[list[str]]) -> list[tuple[int, str, str]]:
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env_for()) for c in commands]
    return [(p.returncode, *p.communicate(timeout=180)) for p in procs]  # type: ignore[misc]


def test_twenty_processes_on_one_page(gsite, repo):
    gsite.create_page("Shared", items=[f"item {n}" for n in range(20)])
    before = commit_count(repo)
    results = _start_all([sspage_cmd(repo, "item", "done", "shared", f"item {n}") for n in range(20)])
    outputs = [(code, err) for code, _, err in results]
    assert all(err == "" for _, err in outputs), outputs
    assert commit_count(repo) == before + 20
    assert all(int(i.state) == 2 for i in gsite.page("shared").items)
    subjects = git(repo, "log", "-20", "--format=%s").splitlines()
    assert sorted(subjects) == sorted(f'Shared: "item {n}" Pending → Complete' for n in range(20))
    assert git(repo, "status", "--porcelain") == ""
    fsck(repo)


def test_twenty_processes_on_twenty_pages(gsite, repo):
    for n in range(20):
        gsite.create_page(f"Page {n}", items=["first"])
    before = commit_count(repo)
    results = _start_all([sspage_cmd(repo, "item", "start", f"page-{n}", "#1") for n in range(20)])
    assert all(err == "" for _, _, err in results), results
    assert commit_count(repo) == before + 20
    assert all(int(gsite.page(f"page-{n}").items[0].state) == 1 for n in range(20))
    files = git(repo, "log", "-20", "--format=", "--name-only").split()
    assert sorted(files) == sorted(f"content/pages/page-{n}.yaml" for n in range(20))
    assert git(repo, "status", "--porcelain") == ""
    fsck(repo)


# -- killed processes --------------------------------------------------------------------------


def _wait_until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_killed_between_write_and_commit_then_sspage_commit(gsite, repo):
    gsite.create_page("Kitchen renovation", items=["Survey booked"])
    path = repo / "content/pages/kitchen-renovation.yaml"
    old = path.read_bytes()
    before = commit_count(repo)
    proc = subprocess.Popen(sspage_cmd(repo, "item", "start", "kitchen-renovation", "#1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env_for(SSPAGE_TEST_PAUSE_BEFORE_COMMIT="60"))
    _wait_until(lambda: path.read_bytes() != old)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert int(gsite.page("kitchen-renovation").items[0].state) == 1  # wholly new
    assert commit_count(repo) == before
    fsck(repo)
    assert git(repo, "status", "--porcelain") == " M content/pages/kitchen-renovation.yaml\n"

    listed = run_cli(repo, "page", "list")
    assert listed.returncode == 0
    assert listed.stderr == (
        "Warning: content/pages/kitchen-renovation.yaml was changed by sspage but not committed "
        '("Kitchen renovation: \\"Survey booked\\" Pending → Active"); '
        "run `sspage commit` to commit it\n").replace('\\"', '"')

    finished = run_cli(repo, "commit")
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("Committed content/pages/kitchen-renovation.yaml (")
    assert commit_count(repo) == before + 1
    assert log(repo)[0].split(" | ")[2].startswith(
        'Kitchen renovation: "Survey booked" Pending → Active\n\nSspage-Page: ')
    assert git(repo, "status", "--porcelain") == ""
    again = run_cli(repo, "commit")
    assert again.stdout == "" and again.stderr == "No uncommitted sspage changes\n"
    assert run_cli(repo, "page", "list").stderr == ""
    fsck(repo)


def test_the_next_change_to_the_page_commits_the_interrupted_one_first(gsite, repo):
    gsite.create_page("P", items=["a", "b"])
    path = repo / "content/pages/p.yaml"
    old = path.read_bytes()
    before = commit_count(repo)
    proc = subprocess.Popen(sspage_cmd(repo, "item", "done", "p", "#1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env_for(SSPAGE_TEST_PAUSE_BEFORE_COMMIT="60"))
    _wait_until(lambda: path.read_bytes() != old)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    sspage.open_site(repo).update_item("p", "#2", state="active")
    assert commit_count(repo) == before + 2
    assert git(repo, "log", "-2", "--format=%s").splitlines() == [
        'P: "b" Pending → Active', 'P: "a" Pending → Complete']
    assert git(repo, "status", "--porcelain") == ""


WRITE_THEN_HANG = """
import os, sys, time
real_replace = os.replace
def slow_replace(src, dst):
    if str(src).endswith(".tmp"):  # the page's temp file is written; hang before the rename
        time.sleep(60)
    return real_replace(src, dst)
os.replace = slow_replace
from sspage.cli import main
sys.argv = ["sspage", *sys.argv[1:]]
main()
"""


def test_killed_during_the_write_leaves_the_old_file(gsite, repo):
    gsite.create_page("P", items=["a"])
    path = repo / "content/pages/p.yaml"
    old = path.read_bytes()
    before = commit_count(repo)
    proc = subprocess.Popen([sys.executable, "-c", WRITE_THEN_HANG, "--site", str(repo), "item", "done",
                             "p", "#1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env_for())
    _wait_until(lambda: any(p.name.startswith(".p.yaml.") for p in path.parent.iterdir()))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert path.read_bytes() == old
    assert commit_count(repo) == before
    fsck(repo)
    result = run_cli(repo, "page", "list")
    assert result.returncode == 0 and result.stderr == ""  # nothing was written: nothing pending
    done = run_cli(repo, "item", "done", "p", "#1")
    assert done.returncode == 0 and done.stderr == ""
    assert commit_count(repo) == before + 1


def test_no_git_identity_is_explained(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    isolated = {"HOME": str(home), "XDG_CONFIG_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": str(home / "gitconfig"), "EMAIL": ""}
    repo = tmp_path / "anon"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    sspage.init_site(repo, title="Test", base_url=BASE_URL)
    result = run_cli(repo, "page", "create", "P", **isolated)
    if result.returncode == 0:  # git guessed an identity from the host name: nothing to explain
        pytest.skip("git made up an identity on this machine")
    assert "Error: git does not know who you are, so it cannot commit" in result.stderr
    assert "git config --global user.name" in result.stderr
    assert "the change is saved in content/pages/p.yaml but not committed" in result.stderr
    git(repo, "config", "user.name", "Late User")
    git(repo, "config", "user.email", "late@example.com")
    finished = run_cli(repo, "commit", **isolated)
    assert finished.returncode == 0, finished.stderr
    assert git(repo, "log", "--format=%an|%s") == "Late User|P: create page\n"


def test_a_failed_commit_gives_the_index_its_entries_back(gsite, repo, tmp_path):
    """The real index takes the new file while the commit is built; if it fails, it gets the old one."""
    gsite.create_page("P", items=["a"])
    page = repo / "content/pages/p.yaml"
    page.write_text(page.read_text() + "# staged by hand\n")
    git(repo, "add", "content/pages/p.yaml")
    page.write_text(page.read_text() + "# and more, not staged\n")
    before = (git(repo, "ls-files", "--stage", "--", "content/pages/p.yaml"), git(repo, "diff", "--cached"))
    head = git(repo, "rev-parse", "HEAD")
    # No identity, and git may not guess one: commit-tree fails after the index was changed.
    git(repo, "config", "--unset", "user.name")
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "user.useConfigOnly", "true")
    (tmp_path / "empty").write_text("")
    no_identity = {"GIT_CONFIG_GLOBAL": str(tmp_path / "empty"), "GIT_CONFIG_NOSYSTEM": "1",
                   "EMAIL": "", "GIT_AUTHOR_NAME": "", "GIT_COMMITTER_NAME": ""}
    failed = run_cli(repo, "item", "done", "p", "#1", **no_identity)
    assert failed.returncode == 1
    assert "Error: git does not know who you are" in failed.stderr
    assert "the change is saved in content/pages/p.yaml but not committed" in failed.stderr
    after = (git(repo, "ls-files", "--stage", "--", "content/pages/p.yaml"), git(repo, "diff", "--cached"))
    assert after == before
    created = run_cli(repo, "page", "create", "New", **no_identity)
    assert created.returncode == 1
    assert git(repo, "ls-files", "--", "content/pages/new.yaml") == ""  # a new file stays untracked
    assert git(repo, "rev-parse", "HEAD") == head
    check = subprocess.run(["git", "fsck", "--strict"], cwd=repo, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr  # the trees of the failed commits dangle, that is all
    assert {line.split()[1] for line in check.stdout.splitlines()} <= {"tree"}


def test_a_commit_made_by_someone_else_meanwhile_is_kept(gsite, repo):
    gsite.create_page("P", items=["a"])
    gsite.update_item("p", "#1", state="active")  # the kept temporary index now matches HEAD
    (repo / "README.md").write_text("changed by hand\n")
    git(repo, "commit", "-q", "-am", "By hand")
    gsite.update_item("p", "#1", state="complete")
    assert git(repo, "log", "-3", "--format=%s").splitlines() == [
        'P: "a" Active → Complete', "By hand", 'P: "a" Pending → Active']
    assert git(repo, "show", "HEAD:README.md") == "changed by hand\n"
    assert git(repo, "status", "--porcelain") == ""


def test_someone_elses_commit_then_staged_work(gsite, repo):
    """HEAD moved and git's index holds staged work: the commit still holds the page alone."""
    gsite.create_page("P", items=["a"])
    (repo / "README.md").write_text("committed by hand\n")
    git(repo, "commit", "-q", "-am", "By hand")  # git's own index is HEAD's now...
    (repo / "README.md").write_text("staged by hand\n")
    git(repo, "add", "README.md")  # ...and now it is not
    staged = git(repo, "diff", "--cached")
    gsite.update_item("p", "#1", state="active")
    assert changed_files(repo) == ["M\tcontent/pages/p.yaml"]
    assert git(repo, "show", "HEAD:README.md") == "committed by hand\n"
    assert git(repo, "diff", "--cached") == staged
    git(repo, "commit", "-q", "-m", "Staged work")  # clean again: the quick way is taken
    gsite.update_item("p", "#1", state="complete")
    assert changed_files(repo) == ["M\tcontent/pages/p.yaml"]
    assert git(repo, "status", "--porcelain") == ""
    fsck(repo)


def test_packed_refs_and_a_linked_worktree(gsite, repo, tmp_path):
    gsite.create_page("P", items=["a", "b"])
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git/refs/heads/main").exists()
    gsite.update_item("p", "#1", state="active")
    assert git(repo, "log", "-1", "--format=%s") == 'P: "a" Pending → Active\n'

    other = tmp_path / "other"
    git(repo, "worktree", "add", "-q", "-b", "side", str(other))
    site = sspage.open_site(other)
    site.update_item("p", "#2", state="complete")
    assert git(other, "log", "-1", "--format=%s") == 'P: "b" Pending → Complete\n'
    assert git(repo, "log", "-1", "--format=%s", "main") == 'P: "a" Pending → Active\n'
    assert git(other, "status", "--porcelain") == ""
    assert git(repo, "status", "--porcelain") == ""
    fsck(repo)


def test_a_sha256_repository(tmp_path):
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    git(repo, "config", "user.name", "Repo User")
    git(repo, "config", "user.email", "repo.user@example.com")
    site = make_site(repo)
    site.create_page("P", items=["a"])
    site.update_item("p", "#1", state="active")
    assert commit_count(repo) == 2
    assert len(git(repo, "rev-parse", "HEAD").strip()) == 64
    fsck(repo)


def test_sspage_commit_outside_git_and_with_nothing_pending(tmp_path, gsite, repo):
    make_site(tmp_path / "plain")
    outside = run_cli(tmp_path / "plain", "commit")
    assert (outside.returncode, outside.stdout, outside.stderr) == (
        0, "", "Not a git repository; nothing to commit\n")
    inside = run_cli(repo, "commit")
    assert (inside.returncode, inside.stdout, inside.stderr) == (0, "", "No uncommitted sspage changes\n")
