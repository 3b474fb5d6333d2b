"""The published pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit framework.

pre-commit installs sspage from a git repository into an environment of its own, as it would
from GitHub: here the repository is a snapshot of this source tree (with uncommitted changes),
and the site's `.pre-commit-config.yaml` is the one `sspage init` wrote, pointed at it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import sspage
from sspage import skeleton

ROOT = Path(__file__).resolve().parents[1]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def git(repo: Path, *args: str) -> str:
    result = run(["git", *args], repo)
    assert result.returncode == 0, result.stderr
    return result.stdout


# -- fast: the files themselves -------------------------------------------------------------------


def test_manifest_and_scaffold_config_are_valid(tmp_path, git_identity):
    manifest = run([sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"], ROOT)
    assert manifest.returncode == 0, manifest.stdout + manifest.stderr
    sspage.scaffold_site(tmp_path, commit=False)
    config = run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"], tmp_path)
    assert config.returncode == 0, config.stdout + config.stderr
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert [h["id"] for h in hooks] == ["sspage-check", "sspage-fmt"]
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks)
    # A hook must never commit: pre-commit runs it in the middle of the user's own commit.
    assert hooks[1]["args"] == ["fmt", "--since", "HEAD"]
    repos = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text("utf-8"))["repos"]
    assert repos == [{"repo": skeleton.REPOSITORY_URL, "rev": f"v{sspage.__version__}",
                      "hooks": [{"id": "sspage-check"}, {"id": "sspage-fmt"}]}]


# -- slow: the real framework ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This source tree as it is now (tracked and new files), committed in a repository of its own."""
    snapshot = tmp_path_factory.mktemp("hooks-repo")
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT)
    if listed.returncode != 0:
        pytest.fail(f"the hook tests need a git checkout of sspage: {listed.stderr}")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "T", "GIT_COMMITTER_NAME": "T",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_EMAIL": "t@example.com"}
    commit = ["-c", "commit.gpgsign=false", "commit", "-q", "-m", "snapshot"]
    for args in (["init", "-q"], ["add", "-A"], commit):
        done = run(["git", *args], snapshot, env)
        assert done.returncode == 0, done.stderr
    return snapshot, run(["git", "rev-parse", "HEAD"], snapshot).stdout.strip()


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the module, so pre-commit builds the hooks' environment once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def pre_commit(pre_commit_home, git_identity):
    def call(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
        env.pop("SSPAGE_SITE", None)
        return run([sys.executable, "-m", "pre_commit", *args], site, env)

    return call


def site_repo(top: Path, hooks_repo: tuple[Path, str], site: str = ".") -> Path:
    """`sspage init` in ``top``, its pre-commit config pointed at the snapshot and committed."""
    git(top, "init", "-q")
    sspage.scaffold_site(top / site, title="Hooks")
    config = top / ".pre-commit-config.yaml"
    text = config.read_text("utf-8")
    rev = f'rev: "v{sspage.__version__}"'
    assert f"repo: {skeleton.REPOSITORY_URL}\n" in text and rev in text
    text = text.replace(skeleton.REPOSITORY_URL, str(hooks_repo[0])).replace(rev, f"rev: {hooks_repo[1]}")
    config.write_text(text, "utf-8")
    git(top, "add", ".pre-commit-config.yaml")
    git(top, "commit", "-q", "-m", "Use the local hooks")
    return top / site / "content" / "pages" / "example.yaml"


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


@pytest.mark.slow
def test_hooks_pass_on_a_good_site(tmp_path, hooks_repo, pre_commit):
    site_repo(tmp_path, hooks_repo)
    result = pre_commit(tmp_path, "run", "--all-files")
    assert result.returncode == 0, output(result)
    assert "sspage check" in result.stdout and "Passed" in result.stdout


@pytest.mark.slow
def test_check_hook_fails_on_a_broken_page_with_the_checks_message(tmp_path, hooks_repo, pre_commit):
    page = site_repo(tmp_path, hooks_repo)
    lines = page.read_text("utf-8").splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if line == "    state: pending\n")
    page.write_text("".join(lines).replace("state: pending", "state: bogus"), "utf-8")
    result = pre_commit(tmp_path, "run", "sspage-check", "--all-files")
    assert result.returncode == 1, output(result)
    assert (f"content/pages/example.yaml:{number}:12: items[2].state: unknown value 'bogus' "
            "(use 0/pending, 1/active or 2/complete)") in result.stdout
    assert "Checked 1 page: 1 problem" in result.stdout


@pytest.mark.slow
def test_fmt_hook_fills_in_a_hand_edit_without_committing(tmp_path, hooks_repo, pre_commit):
    page = site_repo(tmp_path, hooks_repo)
    head = git(tmp_path, "rev-parse", "HEAD")
    with page.open("a", encoding="utf-8") as file:
        file.write("  - text: Added by hand  # no id, no times\n")
    result = pre_commit(tmp_path, "run", "sspage-fmt", "--all-files")
    assert result.returncode == 1, output(result)
    assert "files were modified by this hook" in result.stdout
    assert "Filled in content/pages/example.yaml" in result.stdout
    text = page.read_text("utf-8")
    assert "text: Added by hand  # no id, no times\n" in text  # the comment is kept
    item = sspage.open_site(tmp_path).page("example").sorted_items()[-1]
    assert item.text == "Added by hand" and item.id and item.created_utc
    assert git(tmp_path, "rev-parse", "HEAD") == head  # the hook made no commit
    again = pre_commit(tmp_path, "run", "sspage-fmt", "--all-files")
    assert again.returncode == 0, output(again)


@pytest.mark.slow
def test_installed_hook_refuses_a_commit_of_a_broken_page(tmp_path, hooks_repo, pre_commit):
    page = site_repo(tmp_path, hooks_repo)
    assert pre_commit(tmp_path, "install").returncode == 0
    page.write_text(page.read_text("utf-8").replace("state: active", "state: done?"), "utf-8")
    git(tmp_path, "add", "-A")
    head = git(tmp_path, "rev-parse", "HEAD")
    refused = run(["git", "commit", "-q", "-m", "Broken"], tmp_path)
    assert refused.returncode != 0
    assert "items[1].state: unknown value 'done?'" in output(refused)
    assert git(tmp_path, "rev-parse", "HEAD") == head


@pytest.mark.slow
def test_hooks_for_a_site_below_the_repository_top(tmp_path, hooks_repo, pre_commit):
    page = site_repo(tmp_path, hooks_repo, site="status")
    good = pre_commit(tmp_path, "run", "--all-files")
    assert good.returncode == 0, output(good)
    page.write_text(page.read_text("utf-8").replace("state: pending", "state: 7"), "utf-8")
    bad = pre_commit(tmp_path, "run", "sspage-check", "--all-files")
    assert bad.returncode == 1
    assert "content/pages/example.yaml:" in bad.stdout and "items[2].state" in bad.stdout
