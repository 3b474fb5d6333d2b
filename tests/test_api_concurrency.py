"""Writers through the API and the command line at once: nothing lost, every change a commit."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from apiserver import ApiServer, git, make_git_site

API_CLIENTS = 4
PER_CLIENT = 6
CLI_WRITERS = 6


def cli(root, *args):
    env = {**os.environ}
    env.pop("SSPAGE_SITE", None)
    return subprocess.Popen([sys.executable, "-m", "sspage", "--site", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("group", ["0", "150"], ids=["commit-each", "group-commit"])
def test_api_and_cli_writers_at_once(tmp_path, group):
    root = make_git_site(tmp_path / "site")
    with ApiServer(root, "--group-commit", group, "--create-limit", "0") as server:
        shared = server.client.post("/v1/status-pages", json={
            "title": "Shared", "items": [{"text": f"seed {n}"} for n in range(API_CLIENTS * PER_CLIENT)]})
        body = shared.json()
        code, slug = body["publicCode"], body["adminCode"]
        auth = {"Authorization": f"Bearer {body['apiToken']}"}
        seeds = body["items"]
        commits_before = int(git(root, "rev-list", "--count", "HEAD"))

        def api_client(number):
            statuses = []
            for n in range(PER_CLIENT):
                added = server.client.post(f"/v1/status-pages/{code}/items", headers=auth,
                                           json={"text": f"api {number}.{n}"})
                statuses.append(added.status_code)
                seed = seeds[number * PER_CLIENT + n]["id"]
                done = server.client.patch(f"/v1/status-pages/{code}/items/{seed}", headers=auth,
                                           json={"state": 2})
                statuses.append(done.status_code)
            created = server.client.post("/v1/status-pages", json={"title": f"API page {number}"})
            statuses.append(created.status_code)
            return statuses

        with ThreadPoolExecutor(API_CLIENTS) as pool:
            futures = [pool.submit(api_client, n) for n in range(API_CLIENTS)]
            procs = [cli(root, "item", "add", slug, f"cli {n}") for n in range(CLI_WRITERS)]
            procs += [cli(root, "page", "set", slug, "--latest-update", "Busy day")]
            outputs = [proc.communicate(timeout=180) for proc in procs]
            results = [future.result() for future in futures]
        assert all(status in (200, 201) for statuses in results for status in statuses), results
        assert [proc.returncode for proc in procs] == [0] * len(procs), outputs
        page = server.client.get(f"/v1/status-pages/{code}").json()

    texts = sorted(item["text"] for item in page["items"])
    expected = sorted([f"seed {n}" for n in range(API_CLIENTS * PER_CLIENT)]
                      + [f"api {c}.{n}" for c in range(API_CLIENTS) for n in range(PER_CLIENT)]
                      + [f"cli {n}" for n in range(CLI_WRITERS)])
    assert texts == expected
    assert all(item["state"] == 2 for item in page["items"] if item["text"].startswith("seed"))
    assert page["latestUpdate"] == "Busy day"
    assert len({item["sortOrder"] for item in page["items"]}) == len(page["items"])
    # The file on disk is what HEAD holds, and the work tree is clean.
    rel = f"content/pages/{slug}.yaml"
    assert yaml.safe_load(git(root, "show", f"HEAD:{rel}")) == yaml.safe_load((root / rel).read_text())
    assert git(root, "status", "--porcelain") == ""
    # Every change has its trailer in some commit.
    changes = API_CLIENTS * (2 * PER_CLIENT + 1) + CLI_WRITERS + 1
    commits = int(git(root, "rev-list", "--count", "HEAD")) - commits_before
    log = git(root, "log", f"-{commits}", "--format=%B")
    assert log.count("Sspage-Page:") == changes
    if group == "0":
        assert commits == changes
    else:
        assert commits <= changes
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=root, capture_output=True, text=True)
    assert fsck.returncode == 0 and fsck.stdout == "", fsck.stdout + fsck.stderr
    assert not list((root / ".git" / "sspage-pending").glob("[!.]*"))


def test_cli_gets_its_turn_while_the_api_stays_busy(tmp_path):
    root = make_git_site(tmp_path / "site")
    with ApiServer(root, "--group-commit", "50") as server:
        pages = []
        for n in range(8):
            body = server.client.post("/v1/status-pages", json={
                "title": f"Busy {n}", "items": [{"text": "step"}]}).json()
            pages.append(body)
        stop = __import__("threading").Event()

        def hammer(body):
            auth = {"Authorization": f"Bearer {body['apiToken']}"}
            url = f"/v1/status-pages/{body['publicCode']}/items/{body['items'][0]['id']}"
            state = 0
            while not stop.is_set():
                state = (state + 1) % 3
                assert server.client.patch(url, json={"state": state}, headers=auth).status_code == 200

        with ThreadPoolExecutor(len(pages)) as pool:
            futures = [pool.submit(hammer, body) for body in pages]
            __import__("time").sleep(1.5)
            proc = cli(root, "item", "add", pages[0]["adminCode"], "from the CLI")
            out = proc.communicate(timeout=60)
            stop.set()
            for future in futures:
                future.result()
        assert proc.returncode == 0, out
    assert "from the CLI" in (root / "content" / "pages" / f"{pages[0]['adminCode']}.yaml").read_text()
    assert git(root, "status", "--porcelain") == ""
