"""Benchmark ``sspage api``: GET throughput and latency, PATCH with a commit each, and grouped.

    python benchmarks/bench_api.py                  # 10,000 pages; the issue's targets
    python benchmarks/bench_api.py --pages 1000 --patch-seconds 10 --get-seconds 5   # a quick look

Generates a site of N pages (10 items each, every page with a known API
token) in a new git repository, starts ``sspage api`` on 127.0.0.1 on a free
port, and loads it with a client in this process (asyncio over plain sockets,
HTTP/1.1 keep-alive; no third-party load generator needed):

* **GET, cached page**: ``--connections`` clients request one page as fast as
  they can for ``--get-seconds`` (after a warm-up); requests per second, p50, p99.
* **PATCH, one commit per request** (the default server): closed loop with
  ``--patch-clients`` clients for ``--commit-seconds``: how many commits a
  second the server sustains, p50, p99.
* **PATCH, grouped commits** (``--group-commit MS``, default 100): open loop at
  ``--patch-rate`` requests a second for ``--patch-seconds`` (60 by default);
  latency is measured from when each request was due, so a server that falls
  behind shows it.

Every PATCH changes one item of a page no other request touches. After each
run the script checks that nothing was lost: every changed item has its new
state in the file *and* in HEAD, the work tree is clean, each change is in a
commit (trailers counted), and ``git fsck`` is clean. It prints PASS or FAIL
against the targets of issue 5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from sitegen import generate  # noqa: E402

BIN = Path(sys.executable).parent
SSPAGE = str(BIN / "sspage") if (BIN / "sspage").exists() else shutil.which("sspage") or "sspage"
STATES = ("pending", "active", "complete")


# -- the site --------------------------------------------------------------------------------


def token_of(number: int) -> str:
    return f"bench-token-{number:05d}-" + "x" * 24


def make_site(root: Path, pages: int) -> list[tuple[str, str]]:
    """Generate the site and commit it; returns each page's (publicCode, first item id)."""
    import hashlib

    generate(root, pages)
    found = []
    for number in range(pages):
        path = root / "content" / "pages" / f"project-{number:05d}.yaml"
        text = path.read_text()
        digest = hashlib.sha256(token_of(number).encode()).hexdigest()
        text = text.replace("expiresUtc: null\n", f"expiresUtc: null\napiTokenHash: sha256:{digest}\n", 1)
        path.write_text(text)
        code = re.search(r"^publicCode: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
        item = re.search(r"^  - id: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
        found.append((code, item))
    (root / ".gitignore").write_text(".sspage/\npublic/\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    for args in (["init", "-q", "-b", "main"], ["config", "gc.auto", "0"],
                 ["config", "user.name", "Bench"], ["config", "user.email", "b@example.com"],
                 ["add", "-A"], ["commit", "-q", "-m", "Generated site"], ["gc", "-q"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    return found


# -- the server ------------------------------------------------------------------------------


class Server:
    def __init__(self, root: Path, log: Path, *options: str) -> None:
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("SSPAGE_SITE", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.log = log
        self.handle = open(log, "w")  # noqa: SIM115
        self.proc = subprocess.Popen([SSPAGE, "--site", str(root), "api", "--port", "0", *options],
                                     stdout=subprocess.DEVNULL, stderr=self.handle, env=env)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for line in log.read_text().splitlines():
                if '"event":"listening"' in line:
                    url = json.loads(line)["url"]
                    self.host, port = url.removeprefix("http://").rsplit(":", 1)
                    self.port = int(port)
                    return
            if self.proc.poll() is not None:
                sys.exit(f"sspage api exited: {log.read_text()}")
            time.sleep(0.1)
        sys.exit("sspage api did not start in 120 s")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.handle.close()


# -- the load generator ----------------------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(self, data: bytes) -> int:
        """Send one request, read its whole response; the status."""
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        length = int(match.group(1)) if match else 0
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def get_request(host: str, code: str) -> bytes:
    return f"GET /v1/status-pages/{code} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def patch_request(host: str, code: str, item: str, token: str, state: int) -> bytes:
    body = json.dumps({"state": state}).encode()
    return (f"PATCH /v1/status-pages/{code}/items/{item} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def closed_loop(server: Server, clients: int, seconds: float,
                      next_request: object) -> tuple[list[float], dict[int, int], float]:
    """``clients`` connections, each sending its next request as soon as the last is answered."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connections = [await Connection.open(server.host, server.port) for _ in range(clients)]
    stop_at = time.perf_counter() + seconds

    async def client(connection: Connection) -> None:
        while time.perf_counter() < stop_at:
            data = next_request()  # type: ignore[operator]
            if data is None:
                return
            started = time.perf_counter()
            status = await connection.request(data)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return latencies, statuses, elapsed


async def open_loop(server: Server, rate: float, seconds: float, requests: list[bytes],
                    pool: int) -> tuple[list[float], dict[int, int], float]:
    """One request every 1/rate s, on a free connection; latency counted from when it was due."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    free: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool):
        free.put_nowait(await Connection.open(server.host, server.port))
    total = min(len(requests), int(rate * seconds))
    start = time.perf_counter()

    async def one(index: int) -> None:
        due = start + index / rate
        connection = await free.get()
        status = await connection.request(requests[index])
        latencies.append(time.perf_counter() - due)
        statuses[status] = statuses.get(status, 0) + 1
        free.put_nowait(connection)

    tasks = []
    for index in range(total):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(index)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not free.empty():
        free.get_nowait().close()
    return latencies, statuses, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, latencies: list[float], statuses: dict[int, int], elapsed: float) -> float:
    rate = len(latencies) / elapsed
    print(f"  {label}: {len(latencies):,} requests in {elapsed:.1f} s = {rate:,.0f}/s, "
          f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
          f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.0f} ms; statuses {dict(sorted(statuses.items()))}")
    return rate


# -- checking that nothing was lost ----------------------------------------------------------


def verify(root: Path, changed: dict[int, int], commits_before: int, grouped: bool) -> bool:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    ok = True
    lost = []
    for number, state in changed.items():
        rel = f"content/pages/project-{number:05d}.yaml"
        for text in ((root / rel).read_text(), git("show", f"HEAD:{rel}")):
            first = re.search(r"^    state: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
            if first not in (STATES[state], str(state)):
                lost.append(number)
    status = git("status", "--porcelain")
    commits = int(git("rev-list", "--count", "HEAD")) - commits_before
    log = git("log", f"-{commits}", "--format=%B") if commits else ""
    items = log.count("Sspage-Item:")
    fsck = subprocess.run(["git", "fsck", "--no-progress"], cwd=root, capture_output=True, text=True)
    if lost:
        ok = False
        print(f"  LOST: {len(lost)} changes are not in the file or in HEAD (e.g. page {lost[0]})")
    if status.strip():
        ok = False
        print(f"  work tree not clean:\n{status[:500]}")
    if items != len(changed) or (not grouped and commits != len(changed)):
        ok = False
    if fsck.returncode != 0 or fsck.stdout.strip() or "error" in fsck.stderr:
        ok = False
        print(f"  git fsck: {fsck.stdout[:300]} {fsck.stderr[:300]}")
    print(f"  checked: {len(changed):,} changes, {commits:,} commits holding {items:,} item "
          f"trailers, {len(lost)} lost, work tree {'clean' if not status.strip() else 'NOT clean'}, "
          f"git fsck {'clean' if fsck.returncode == 0 and not fsck.stdout.strip() else 'NOT clean'}")
    return ok


# -- the runs --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=32, help="GET clients")
    parser.add_argument("--get-seconds", type=float, default=15)
    parser.add_argument("--patch-clients", type=int, default=8, help="clients of the commit-per-request run")
    parser.add_argument("--commit-seconds", type=float, default=20)
    parser.add_argument("--patch-rate", type=float, default=110, help="grouped run: requests a second")
    parser.add_argument("--patch-seconds", type=float, default=60)
    parser.add_argument("--group-commit", type=int, default=100, metavar="MS")
    parser.add_argument("--only", choices=("default", "grouped"),
                        help="run only the GET and commit-per-request runs, or only the grouped run")
    parser.add_argument("--keep", action="store_true", help="keep the generated site and logs")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"python {sys.version.split()[0]}, {version}, {os.cpu_count()} cores, sspage at {SSPAGE}, "
          f"load average {os.getloadavg()[0]:.2f}")
    temp = Path(tempfile.mkdtemp(prefix="sspage-bench-api-"))
    try:
        root = temp / "site"
        pages = make_site(root, args.pages)
        print(f"{args.pages:,} pages generated and committed")
        results = run_all(args, root, temp, pages)
    finally:
        if args.keep:
            print(f"kept {temp}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    ok = all(results.values())
    for name, passed in results.items():
        print(f"{name}: {'PASS' if passed else 'FAIL'}")
    sys.exit(0 if ok else 1)


def run_all(args: argparse.Namespace, root: Path, temp: Path,
            pages: list[tuple[str, str]]) -> dict[str, bool]:
    results: dict[str, bool] = {}
    cursor = iter(range(len(pages)))

    def commits() -> int:
        return int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, capture_output=True,
                                  text=True, check=True).stdout)

    def next_patch(server: Server, changed: dict[int, int]) -> object:
        def make() -> bytes | None:
            number = next(cursor, None)
            if number is None:
                return None
            code, item = pages[number]
            changed[number] = 0 if "state: pending" not in _first_state(root, number) else 2
            return patch_request(server.host, code, item, token_of(number), changed[number])
        return make

    if args.only != "grouped":
        results.update(run_default(args, root, temp, pages, commits, next_patch))
    if args.only != "default":
        results.update(run_grouped(args, root, temp, commits, next_patch))
    return results


def run_default(args: argparse.Namespace, root: Path, temp: Path, pages: list[tuple[str, str]],
                commits: Any, next_patch: Any) -> dict[str, bool]:
    """GET and PATCH with a commit per request, on the default server."""
    results: dict[str, bool] = {}
    server = Server(root, temp / "api-default.log")
    try:
        host = server.host
        code = pages[len(pages) // 2][0]
        request = get_request(host, code)
        asyncio.run(closed_loop(server, args.connections, 2, lambda: request))  # warm-up
        print(f"GET /v1/status-pages/{{code}} of one cached page, {args.connections} connections, "
              f"{args.get_seconds:g} s:")
        latencies, statuses, elapsed = asyncio.run(
            closed_loop(server, args.connections, args.get_seconds, lambda: request))
        rate = report("GET", latencies, statuses, elapsed)
        p99 = percentile(latencies, 0.99)
        results["GET >= 3,000/s with p99 < 20 ms"] = rate >= 3000 and p99 < 0.020 and \
            set(statuses) == {200}
        print(f"PATCH, one commit per request, {args.patch_clients} clients, {args.commit_seconds:g} s:")
        changed: dict[int, int] = {}
        before = commits()
        latencies, statuses, elapsed = asyncio.run(
            closed_loop(server, args.patch_clients, args.commit_seconds, next_patch(server, changed)))
        report("PATCH (commit each)", latencies, statuses, elapsed)
    finally:
        server.stop()
    results["commit per request: nothing lost, git fsck clean"] = \
        verify(root, changed, before, grouped=False) and set(statuses) == {200}
    return results


def run_grouped(args: argparse.Namespace, root: Path, temp: Path, commits: Any,
                next_patch: Any) -> dict[str, bool]:
    """PATCH with grouped commits, open loop at the target rate."""
    results: dict[str, bool] = {}
    server = Server(root, temp / "api-grouped.log", "--group-commit", str(args.group_commit))
    try:
        changed = {}
        make = next_patch(server, changed)
        requests = [make() for _ in range(int(args.patch_rate * args.patch_seconds))]
        if any(r is None for r in requests):
            sys.exit("not enough pages for this many PATCH requests: raise --pages")
        before = commits()
        print(f"PATCH, --group-commit {args.group_commit}, {args.patch_rate:g} requests a second "
              f"for {args.patch_seconds:g} s (open loop):")
        latencies, statuses, elapsed = asyncio.run(
            open_loop(server, args.patch_rate, args.patch_seconds, requests, pool=64))  # type: ignore[arg-type]
        rate = report("PATCH (grouped)", latencies, statuses, elapsed)
        p99 = percentile(latencies, 0.99)
    finally:
        server.stop()
    groups = [json.loads(line) for line in (temp / "api-grouped.log").read_text().splitlines()
              if '"event":"commit"' in line]
    if groups:
        sizes = [g.get("changes", 0) for g in groups]
        times = [g.get("ms", 0) for g in groups]
        print(f"  {len(groups)} commits, {statistics.mean(sizes):.1f} changes each, "
              f"commit median {statistics.median(times):.0f} ms")
    results["PATCH >= 100/s for the whole run, p99 < 300 ms"] = rate >= 100 and p99 < 0.300 and \
        set(statuses) == {200}
    results["grouped: nothing lost, git fsck clean"] = verify(root, changed, before, grouped=True)
    return results


def _first_state(root: Path, number: int) -> str:
    text = (root / "content" / "pages" / f"project-{number:05d}.yaml").read_text()
    return re.search(r"^    state: \S+$", text, re.M).group(0)  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
