"""How long ``sspage serve`` takes to rebuild after one page changes, on a large site.

    python benchmarks/bench_serve.py              # 10,000 pages
    python benchmarks/bench_serve.py --pages 1000

Starts ``sspage serve`` on 127.0.0.1, edits one page file at a time (the state
of one item), and times each change from the write to the moment the server
announces the new build on its reload channel (what an open browser waits
on). serve waits for changes to settle (SETTLE = 0.05 s) before it builds;
the figure the issue asks for is the time after settling. Target (issue 3):
under 0.1 s at 10,000 pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sitegen import generate  # noqa: E402

BIN = Path(sys.executable).parent
SSPAGE = str(BIN / "sspage")
SETTLE = 0.05


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait(base: str, seen: str) -> dict:
    with urllib.request.urlopen(f"{base}/__sspage__/wait?build={seen}", timeout=60) as response:
        return json.loads(response.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--changes", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sspage-bench-serve-") as temp:
        root = generate(Path(temp) / "site", args.pages)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log: list[str] = []
        started = time.perf_counter()
        server = subprocess.Popen([SSPAGE, "--site", str(root), "serve", "--port", str(port)],
                                  stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})
        ready = threading.Event()

        def read() -> None:
            assert server.stderr is not None
            for line in server.stderr:
                log.append(line.rstrip())
                if line.startswith("Serving"):
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            if not ready.wait(300):
                raise SystemExit("serve did not start:\n" + "\n".join(log))
            print(f"{args.pages:,} pages; first build and start: {time.perf_counter() - started:.2f} s")
            seen = wait(base, "")["build"]
            totals = []
            page = root / "content" / "pages" / "project-00042.yaml"
            for number in range(args.changes):
                text = page.read_text()
                state = "active" if number % 2 == 0 else "complete"
                new = re.sub(r"(?m)^    state: \w+$", f"    state: {state}", text, count=1)
                time.sleep(0.3)  # let the previous change settle completely
                before = time.perf_counter()
                page.write_text(new)
                state_now = wait(base, seen)
                totals.append(time.perf_counter() - before)
                assert state_now["error"] is None, state_now
                seen = state_now["build"]
            builds = [float(m.group(1)) for line in log
                      if (m := re.search(r"\(1 changed\) in ([0-9.]+) s", line))]
            after = [t - SETTLE for t in totals]
            print(f"change -> browser notified     median {statistics.median(totals):.3f} s  "
                  f"max {max(totals):.3f} s  (n={len(totals)})")
            print(f"  after settling ({SETTLE} s)       median {statistics.median(after):.3f} s  "
                  f"max {max(after):.3f} s  target < 0.1 s: "
                  f"{'PASS' if statistics.median(after) < 0.1 else 'FAIL'}")
            print("\n".join("  serve: " + line for line in log if line.startswith("Built")))
            if builds:
                print(f"  build itself (serve's log)   median {statistics.median(builds):.3f} s  "
                      f"max {max(builds):.3f} s")
        finally:
            server.terminate()
            server.wait(120)


if __name__ == "__main__":
    main()
