"""A real ``sspage api`` process on 127.0.0.1, for the API tests (no test client, no mocks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from helpers import BASE_URL

import sspage


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_git_site(root: Path) -> Path:
    """An initialised site at the top of a new git repository, committed."""
    root.mkdir(parents=True, exist_ok=True)
    sspage.init_site(root, title="Test", base_url=BASE_URL)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Repo User")
    git(root, "config", "user.email", "repo.user@example.com")
    git(root, "config", "commit.gpgsign", "false")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Scaffold")
    return root


def run_cli(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    env.pop("SSPAGE_SITE", None)
    result = subprocess.run([sys.executable, "-m", "sspage", "--site", str(root), *args],
                            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


class ApiServer:
    """``python -m sspage --site ROOT api --port 0 OPTIONS...``, stopped by :meth:`stop`."""

    def __init__(self, root: Path, *options: str, global_options: tuple[str, ...] = ()) -> None:
        self.root = root
        self.log_path = root.parent / f"api-{root.name}-{time.monotonic_ns()}.log"
        env = {**os.environ}
        env.pop("SSPAGE_SITE", None)
        self.log_file = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sspage", "--site", str(root), *global_options, "api",
             "--port", "0", *options],
            stdout=subprocess.DEVNULL, stderr=self.log_file, stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 60
        self.url = ""
        while not self.url:
            for event in self.events():
                if event.get("event") == "listening":
                    self.url = event["url"]
            if self.proc.poll() is not None:
                raise AssertionError(f"sspage api exited {self.proc.returncode}: {self.text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"sspage api did not start: {self.text()}")
            time.sleep(0.05)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def text(self) -> str:
        return self.log_path.read_text("utf-8", "replace")

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = []
        for line in self.text().splitlines():
            if line.startswith("{"):
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if name is None or event.get("event") == name:
                    found.append(event)
        return found

    def wait_for(self, name: str, timeout: float = 20, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events(name):
                if all(event.get(key) == value for key, value in fields.items()):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no {name} event {fields} in:\n{self.text()}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
                self.proc.kill()
                self.proc.wait()
                raise
        self.log_file.close()
        if hasattr(self, "client"):
            self.client.close()
        return self.proc.returncode

    def __enter__(self) -> ApiServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
