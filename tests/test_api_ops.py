"""`sspage api` as a service: --build, --push, --group-commit, integration keys, start-up, stopping."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from apiserver import ApiServer, git, make_git_site, run_cli
from click.testing import CliRunner

from sspage.cli import cli


def wait_until(check, timeout=20.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def create(server, title="Kitchen renovation", items=("Survey booked", "Materials ordered")):
    response = server.client.post("/v1/status-pages",
                                  json={"title": title, "items": [{"text": t} for t in items]})
    assert response.status_code == 201, response.text
    body = response.json()
    return body, {"Authorization": f"Bearer {body['apiToken']}"}


def test_build_serves_the_site_and_keeps_it_current(tmp_path):
    root = make_git_site(tmp_path / "site")
    out = tmp_path / "out"
    with ApiServer(root, "--build", "--out", str(out)) as server:
        body, auth = create(server)
        code = body["publicCode"]
        mirror = out / "v1" / "status-pages" / code
        wait_until(mirror.exists, message="the new page's mirror")
        page = server.client.get(f"/s/{code}/")
        assert page.status_code == 200 and "Kitchen renovation" in page.text
        assert page.headers["content-type"].startswith("text/html")
        item = body["items"][0]["id"]
        server.client.patch(f"/v1/status-pages/{code}/items/{item}", json={"state": 2}, headers=auth)
        api_body = server.client.get(f"/v1/status-pages/{code}").content
        wait_until(lambda: mirror.read_bytes() == api_body, message="the rebuilt mirror")
        assert server.client.get(f"/v1/status-pages/{code}.json").content == api_body  # the static twin
        # The build's own state is not served, nor any hidden file.
        assert server.client.get("/.sspage/manifest.json").status_code == 404
        assert server.client.get("/nothing-here").status_code == 404
        assert server.events("build")


def test_push_after_commits_and_a_clear_log_on_rejection(tmp_path):
    root = make_git_site(tmp_path / "site")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    with ApiServer(root, "--push", "origin") as server:
        body, auth = create(server)
        head = git(root, "rev-parse", "HEAD").strip()
        server.wait_for("push", remote="origin", commit=head[:12])
        assert git(remote, "rev-parse", "main").strip() == head
        # Someone else pushes to the remote: ours is rejected, and the log says why and what to do.
        other = tmp_path / "other"
        subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
        git(other, "-c", "user.name=O", "-c", "user.email=o@example.com", "commit", "-q",
            "--allow-empty", "-m", "elsewhere")
        git(other, "push", "-q", "origin", "main")
        server.client.patch(f"/v1/status-pages/{body['publicCode']}/items/{body['items'][0]['id']}",
                            json={"state": 1}, headers=auth)
        rejected = server.wait_for("push_rejected")
        assert "git pull --rebase origin main" in rejected["hint"]
        server.wait_for("push_retry")
    # Stopping pushes what is left (still rejected here, and said so again).
    assert len(server.events("push_rejected")) >= 2


def test_group_commit(tmp_path):
    root = make_git_site(tmp_path / "site")
    with ApiServer(root, "--group-commit", "400") as server:
        pages = [create(server, title=f"Page {n}") for n in range(4)]
        before = int(git(root, "rev-list", "--count", "HEAD"))

        def patch(page):
            body, auth = page
            return server.client.patch(
                f"/v1/status-pages/{body['publicCode']}/items/{body['items'][0]['id']}",
                json={"state": 2}, headers=auth)

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(patch, pages))
        assert [r.status_code for r in results] == [200] * 4
        # Two changes to one page are never grouped: the first is committed before the second.
        body, auth = pages[0]
        url = f"/v1/status-pages/{body['publicCode']}/items/{body['items'][1]['id']}"
        with ThreadPoolExecutor(2) as pool:
            pair = list(pool.map(lambda s: server.client.patch(url, json={"state": s}, headers=auth), (1, 2)))
        assert [r.status_code for r in pair] == [200, 200]
    commits = int(git(root, "rev-list", "--count", "HEAD")) - before
    assert 2 <= commits < 6
    log = git(root, "log", f"-{commits}", "--format=%B")
    assert log.count("Sspage-Item:") == 6
    assert "API: " in log and "- Page" in log
    assert git(root, "status", "--porcelain") == ""
    for n, (body, _) in enumerate(pages):
        data = yaml.safe_load((root / "content" / "pages" / f"{body['adminCode']}.yaml").read_text())
        assert data["items"][0]["state"] == "complete", n


def test_stopping_answers_queued_writes_and_logs_it(tmp_path):
    root = make_git_site(tmp_path / "site")
    server = ApiServer(root)
    create(server)
    assert server.stop() == 0
    assert server.events()[-1]["event"] == "stopped"


def test_start_up_errors(tmp_path):
    root = make_git_site(tmp_path / "site")
    result = run_cli(root, "api", "--push", "nowhere", check=False)
    assert result.returncode == 1
    assert "Error: --push nowhere: there is no git remote of that name" in result.stderr
    result = run_cli(root, "api", "--create-limit", "lots", check=False)
    assert result.returncode == 2 and "write it like 10/min" in result.stderr
    plain = tmp_path / "plain"
    subprocess.run([sys.executable, "-m", "sspage", "init", "--no-git", str(plain)], check=True,
                   capture_output=True)
    result = run_cli(plain, "api", "--push", "origin", check=False)
    assert result.returncode == 1 and "--push needs a site in a git repository" in result.stderr
    with ApiServer(root) as first:
        port = first.url.rsplit(":", 1)[1]
        result = run_cli(root, "api", "--port", port, check=False)
        assert result.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_the_cli_does_not_load_the_api():
    code = ("import sys, sspage.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'anyio')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- sspage integration-key ---------------------------------------------------------------------


def test_integration_key_commands(tmp_path):
    root = make_git_site(tmp_path / "site")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, ["--site", str(root), *args], prog_name="sspage")

    created = run("integration-key", "create", "crm-import")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("ssik_") and len(key) == 48
    assert created.stderr == "The key is shown only once and only its hash is stored: keep it now.\n"
    site_yaml = (root / "content" / "site.yaml").read_text()
    assert key not in site_yaml and "name: crm-import" in site_yaml and "hash: sha256:" in site_yaml
    assert "# The site's settings" in site_yaml  # comments are kept
    assert git(root, "log", "-1", "--format=%s").strip() == "site: create integration key crm-import"
    assert run("check").exit_code == 0
    listed = run("integration-key", "list", "--json")
    assert [k["name"] for k in json.loads(listed.stdout)] == ["crm-import"]
    assert "sha256" not in listed.stdout
    duplicate = run("integration-key", "create", "crm-import")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.stderr
    bad = run("integration-key", "create", "CRM Import")
    assert bad.exit_code == 1 and "invalid key name 'CRM Import'" in bad.stderr
    revoked = run("integration-key", "revoke", "crm-import")
    assert revoked.exit_code == 0 and revoked.stdout == "Revoked crm-import\n"
    assert "integration_keys" not in (root / "content" / "site.yaml").read_text()
    missing = run("integration-key", "revoke", "crm-import")
    assert missing.exit_code == 1 and "no integration key named 'crm-import'" in missing.stderr
    assert run("integration-key", "list").stderr == "No integration keys\n"


ZEROS, ONES = "sha256:" + "0" * 64, "sha256:" + "1" * 64


@pytest.mark.parametrize("content, message", [
    ("integration_keys:\n  - name: a\n    hash: sha256:nope\n", "integration_keys[0].hash"),
    (f"integration_keys:\n  - name: Bad Name\n    hash: {ZEROS}\n", "integration_keys[0].name"),
    (f"integration_keys:\n  - name: a\n    hash: {ZEROS}\n  - name: a\n    hash: {ONES}\n", "same name"),
])
def test_bad_integration_keys_in_site_yaml(tmp_path, content, message):
    root = make_git_site(tmp_path / "site")
    with open(root / "content" / "site.yaml", "a") as handle:
        handle.write(content)
    result = run_cli(root, "check", check=False)
    assert result.returncode == 1 and message in result.stdout + result.stderr


def test_without_git_the_api_writes_without_committing(tmp_path):
    import sspage

    sspage.init_site(tmp_path / "plain", title="Plain", base_url="https://status.example.com")
    with ApiServer(tmp_path / "plain") as server:
        body, auth = create(server)
        patched = server.client.patch(
            f"/v1/status-pages/{body['publicCode']}/items/{body['items'][0]['id']}",
            json={"state": 1}, headers=auth)
        assert patched.status_code == 200 and patched.json()["state"] == 1
        assert not server.events("commit")
    assert not (tmp_path / "plain" / ".git").exists()


def test_no_commit_and_author_options(tmp_path):
    root = make_git_site(tmp_path / "site")
    before = git(root, "rev-list", "--count", "HEAD")
    with ApiServer(root, global_options=("--no-commit",)) as server:
        create(server)
    assert git(root, "rev-list", "--count", "HEAD") == before
    assert "content/pages/kitchen-renovation.yaml" in git(root, "status", "--porcelain", "-uall")
    with ApiServer(root, global_options=("--author", "Status bot <bot@example.com>")) as server:
        create(server, title="Loft")
    assert git(root, "log", "-1", "--format=%an <%ae>").strip() == "Status bot <bot@example.com>"
    bad = run_cli(root, "--author", "nobody", "api", check=False)
    assert bad.returncode == 1 and "--author must look like 'Name <email>'" in bad.stderr
