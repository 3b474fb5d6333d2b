"""`sspage init`: a site repository that works at once. Real git, real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from helpers import assert_cli_error, snapshot

import sspage
import sspage.gitsetup
from sspage.cli import cli
from sspage.errors import StoreError

SCAFFOLD = [
    ".github/workflows/sspage-check.yml",
    ".github/workflows/sspage-deploy.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "content/pages/example.yaml",
    "content/schema/page.schema.json",
    "content/schema/site.schema.json",
    "content/site.yaml",
]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def init(*args: str, cwd: Path | None = None):
    if cwd is None:
        return CliRunner().invoke(cli, ["init", *args], prog_name="sspage")
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, ["init", *args], prog_name="sspage")
    finally:
        os.chdir(old)


def ok(result):
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exc_info)
    return result


def committed_files(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "show", "--name-only", "--format=", rev).split()


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--untracked-files=all")


def make_repo(root: Path, branch: str = "main") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    git(root, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    (root / "README.md").write_text("readme\n")
    git(root, "add", "README.md")
    git(root, "commit", "-q", "-m", "Start")
    return root


# -- a new folder ---------------------------------------------------------------------------------


def test_init_makes_a_repository_with_one_clean_commit(tmp_path, git_identity):
    target = tmp_path / "status"
    result = ok(init(str(target), "--title", "Acme status"))
    assert git(target, "rev-list", "--count", "HEAD").strip() == "1"
    assert sorted(committed_files(target)) == SCAFFOLD
    assert status(target) == ""  # the example page's lock folder is ignored, nothing is left over
    assert git(target, "log", "-1", "--format=%an <%ae>|%cn|%s") == \
        "Init User <init.user@example.com>|Init User|Acme status: create the site (sspage init)\n"
    assert git(target, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert "Made a git repository on branch main" in result.stderr


def test_init_then_check_and_build(tmp_path, git_identity):
    target = tmp_path / "status"
    ok(init(str(target), "--base-url", "https://acme.github.io/status"))
    run = CliRunner().invoke
    check = ok(run(cli, ["--site", str(target), "check"]))
    assert check.stderr == "Checked 1 page: no problems\n"
    ok(run(cli, ["--site", str(target), "fmt", "--check"]))
    build = ok(run(cli, ["--site", str(target), "build"]))
    assert build.stderr.startswith("Built 1 page (1 changed) in ")
    page = sspage.open_site(target).page("example")
    html = (target / "public" / "s" / page.public_code / "index.html").read_text("utf-8")
    assert "Example project" in html and "Design approved" in html
    assert status(target) == ""  # public/ and .sspage/ are ignored


def test_init_then_check_and_build_as_real_processes(tmp_path, git_identity):
    target = tmp_path / "status"

    def sspage_cmd(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sspage", *args], cwd=tmp_path, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)

    created = sspage_cmd("init", "status", "--title", "Real")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith(f"Created a site in {target.resolve()}\nCommitted 8 files (")
    for args in (["check", "--format", "github"], ["fmt", "--check"], ["build"]):
        done = sspage_cmd("--site", "status", *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    assert (target / "public" / "v1" / "status-pages").is_dir()
    assert status(target) == ""


def test_init_twice_errors_and_changes_nothing(tmp_path, git_identity):
    ok(init(str(tmp_path / "s")))
    before = snapshot(tmp_path / "s")
    result = init(str(tmp_path / "s"))
    assert_cli_error(result, f"Error: {tmp_path / 's' / 'content' / 'site.yaml'} already exists "
                             "(this folder already holds a site)")
    assert snapshot(tmp_path / "s") == before
    assert git(tmp_path / "s", "rev-list", "--count", "HEAD").strip() == "1"


def test_init_author_overrides_the_configured_one(tmp_path, git_identity):
    target = tmp_path / "s"
    ok(CliRunner().invoke(cli, ["--author", "Jo Bloggs <jo@example.com>", "init", str(target)]))
    assert git(target, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == \
        "Jo Bloggs <jo@example.com>|Init User <init.user@example.com>\n"


def test_init_bad_author_writes_nothing(tmp_path, git_identity):
    result = CliRunner().invoke(cli, ["--author", "nobody", "init", str(tmp_path / "s")])
    assert_cli_error(result, "--author must look like 'Name <email>'")
    assert not (tmp_path / "s").exists()


def test_init_no_commit_makes_the_repository_but_no_commit(tmp_path, git_identity):
    target = tmp_path / "s"
    result = ok(CliRunner().invoke(cli, ["--no-commit", "init", str(target)]))
    assert "Committed" not in result.stdout
    assert ("Not committed (--no-commit): review the files, then git add and git commit them\n"
            in result.stderr)
    assert (target / ".git").is_dir()
    assert subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=target,
                          capture_output=True).returncode != 0
    assert sorted(line[3:] for line in status(target).splitlines()) == SCAFFOLD


def test_init_no_git(tmp_path, git_identity):
    target = tmp_path / "s"
    result = ok(init(str(target), "--no-git"))
    assert not (target / ".git").exists()
    assert result.stdout == f"Created a site in {target.resolve()}\n"
    assert "git repository" not in result.stderr and "Not committed" not in result.stderr
    assert sorted(snapshot(target)) == SCAFFOLD


def test_init_no_workflows(tmp_path, git_identity):
    target = tmp_path / "s"
    result = ok(init(str(target), "--no-workflows"))
    assert not (target / ".github").exists()
    assert sorted(committed_files(target)) == [p for p in SCAFFOLD if not p.startswith(".github/")]
    assert "To publish" not in result.stderr


def test_init_without_a_git_identity_writes_nothing(tmp_path, git_identity):
    git_identity.write_text("[user]\n\tuseConfigOnly = true\n", "utf-8")
    result = init(str(tmp_path / "s"))
    assert_cli_error(result, "git does not know who you are, so it cannot commit")
    assert not (tmp_path / "s").exists()
    ok(CliRunner().invoke(cli, ["--no-commit", "init", str(tmp_path / "s")]))  # the way out it names


def test_init_without_git_installed_writes_nothing(tmp_path, git_identity, monkeypatch):
    import sspage.git

    monkeypatch.setattr(sspage.gitsetup, "_git_found", False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = init(str(tmp_path / "s"))
    assert_cli_error(result, "git is not installed (or not on PATH) (install git, or pass --no-git)")
    assert not (tmp_path / "s").exists()
    ok(init(str(tmp_path / "s"), "--no-git"))


def test_init_new_repository_uses_the_configured_first_branch(tmp_path, git_identity):
    git_identity.write_text(git_identity.read_text("utf-8") + "[init]\n\tdefaultBranch = trunk\n", "utf-8")
    target = tmp_path / "s"
    ok(init(str(target)))
    assert git(target, "symbolic-ref", "HEAD").strip() == "refs/heads/trunk"
    deploy = yaml.safe_load((target / ".github/workflows/sspage-deploy.yml").read_text("utf-8"))
    assert deploy[True]["push"]["branches"] == ["trunk"]  # YAML 1.1 reads the key `on` as True


# -- inside an existing repository ----------------------------------------------------------------


def test_init_in_a_subfolder_of_a_repository(tmp_path, git_identity):
    repo = make_repo(tmp_path / "repo", branch="develop")
    (repo / "README.md").write_text("staged change\n")
    git(repo, "add", "README.md")
    (repo / "README.md").write_text("staged change\nand an unstaged one\n")
    (repo / "notes.txt").write_text("untracked\n")
    before = status(repo)

    result = ok(init("status", "--title", "Ops", cwd=repo))
    assert "Made a git repository" not in result.stderr
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"
    assert sorted(committed_files(repo)) == sorted([
        ".github/workflows/sspage-check.yml", ".github/workflows/sspage-deploy.yml",
        ".pre-commit-config.yaml", "status/.gitignore", "status/content/pages/example.yaml",
        "status/content/schema/page.schema.json", "status/content/schema/site.schema.json",
        "status/content/site.yaml"])
    assert status(repo) == before  # the user's staged, unstaged and untracked work is as it was
    assert git(repo, "diff", "--cached", "--name-only") == "README.md\n"
    assert (repo / "README.md").read_text() == "staged change\nand an unstaged one\n"

    check = yaml.safe_load((repo / ".github/workflows/sspage-check.yml").read_text("utf-8"))
    assert check["jobs"]["check"]["with"] == {"site": "status"}
    deploy = yaml.safe_load((repo / ".github/workflows/sspage-deploy.yml").read_text("utf-8"))
    assert deploy[True]["push"]["branches"] == ["develop"]
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text("utf-8"))["repos"][0]["hooks"]
    assert hooks == [{"id": "sspage-check", "args": ["--site", "status", "check"]},
                     {"id": "sspage-fmt", "args": ["--site", "status", "fmt", "--since", "HEAD"]}]


def test_init_deploys_the_remote_default_branch(tmp_path, git_identity):
    repo = make_repo(tmp_path / "repo", branch="main")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    git(repo, "switch", "-q", "-c", "add-status-site")
    ok(init("status", cwd=repo))
    deploy = yaml.safe_load((repo / ".github/workflows/sspage-deploy.yml").read_text("utf-8"))
    assert deploy[True]["push"]["branches"] == ["main"]
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/add-status-site"


def test_init_keeps_existing_files_and_says_so(tmp_path, git_identity):
    repo = make_repo(tmp_path / "repo")
    (repo / ".gitignore").write_text("*.pyc\n")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "sspage-deploy.yml").write_text("# mine\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Mine")

    result = ok(init(cwd=repo))
    assert result.stderr.splitlines()[:2] == [
        "Kept .github/workflows/sspage-deploy.yml as it was (sspage init never overwrites a file)",
        "Kept .gitignore as it was (sspage init never overwrites a file); "
        "make sure it ignores /public/ and /.sspage/",
    ]
    assert (repo / ".gitignore").read_text() == "*.pyc\n"
    assert (repo / ".github" / "workflows" / "sspage-deploy.yml").read_text() == "# mine\n"
    assert "Committed 6 files" in result.stdout
    assert ".gitignore" not in committed_files(repo)


def test_init_on_a_detached_head_writes_nothing(tmp_path, git_identity):
    repo = make_repo(tmp_path / "repo")
    git(repo, "checkout", "-q", "--detach")
    before = snapshot(repo)
    result = init("status", cwd=repo)
    assert_cli_error(result, "HEAD is detached")
    assert snapshot(repo) == before


def test_check_annotations_name_files_from_the_repository_top(tmp_path, git_identity):
    repo = make_repo(tmp_path / "repo")
    ok(init("status", cwd=repo))
    page = repo / "status" / "content" / "pages" / "example.yaml"
    page.write_text(page.read_text("utf-8").replace("state: pending", "state: bogus"), "utf-8")
    result = CliRunner().invoke(cli, ["--site", str(repo / "status"), "check", "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.startswith("::error file=status/content/pages/example.yaml,line=")


# -- the library ----------------------------------------------------------------------------------


def test_scaffold_site_reports_what_it_did(tmp_path, git_identity):
    done = sspage.scaffold_site(tmp_path / "s", title="Lib", author="Lib Author <lib@example.com>")
    assert [p.relative_to(tmp_path / "s").as_posix() for p in done.written] == SCAFFOLD
    assert done.kept == []
    assert done.branch == "main" and done.repo_created
    assert done.commit == git(tmp_path / "s", "rev-parse", "HEAD").strip()
    assert done.site.config.title == "Lib"


def test_scaffold_site_commit_failure_says_the_files_are_written(tmp_path, git_identity, monkeypatch):
    import sspage.git

    def fail(self, *args, **kwargs):
        raise StoreError("git commit-tree failed: disk full")

    monkeypatch.setattr(sspage.git.GitStore, "commit", fail)
    with pytest.raises(StoreError, match="disk full; the files are written but not committed") as error:
        sspage.scaffold_site(tmp_path / "s")
    assert error.value.hint == "commit them with git add and git commit"
