"""docs/api.md: every curl example runs, in order, against a real server, with the documented result."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from apiserver import ApiServer, make_git_site, run_cli
from test_api import assert_like

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
# (status, which item $ITEM names) for each curl block of docs/api.md, in order.
PLAN = [(201, None), (200, None), (200, 1), (201, None), (204, "added"), (304, None), (201, None), (422, 1)]


def blocks() -> list[tuple[str, str]]:
    return re.findall(r"```(\w+)\n(.*?)```", DOC.read_text("utf-8"), re.S)


@pytest.mark.skipif(shutil.which("curl") is None and not os.environ.get("CI"), reason="needs curl")
def test_every_curl_example_runs(tmp_path):
    root = make_git_site(tmp_path / "site")
    key = run_cli(root, "integration-key", "create", "docs").stdout.strip()
    found = blocks()
    examples = []
    for index, (kind, text) in enumerate(found):
        if kind == "sh" and "curl" in text:
            following = found[index + 1] if index + 1 < len(found) else ("", "")
            examples.append((text, json.loads(following[1]) if following[0] == "json" else None))
    assert len(examples) == len(PLAN), "docs/api.md's curl examples and PLAN differ: update PLAN"
    env = {"PATH": os.environ["PATH"], "KEY": key}
    with ApiServer(root) as server:
        env["API"] = server.url
        out = tmp_path / "body"
        seen: dict = {}
        for (command, documented), (status, item) in zip(examples, PLAN, strict=True):
            if item == 1:
                env["ITEM"] = seen["created"]["items"][1]["id"]
            elif item == "added":
                env["ITEM"] = seen["added"]["id"]
            if "If-None-Match" in command:
                env["ETAG"] = server.client.get(f"/v1/status-pages/{env['CODE']}").headers["etag"]
            script = 'curl() { command curl -sS -o "$OUT" -w "%{http_code}" "$@"; }\n' + command
            result = subprocess.run(["bash", "-c", script], env={**env, "OUT": str(out)},
                                    capture_output=True, text=True, timeout=60)
            assert result.stdout == str(status), (command, result.stdout, result.stderr,
                                                  out.read_text() if out.exists() else "")
            body = json.loads(out.read_bytes()) if out.exists() and out.stat().st_size else None
            if documented is not None:
                assert_like(body, documented)
            if "CODE" not in env:
                seen["created"] = body
                env["CODE"], env["TOKEN"] = body["publicCode"], body["apiToken"]
            if status == 201 and body and "text" in body:
                seen["added"] = body
            out.unlink(missing_ok=True)
