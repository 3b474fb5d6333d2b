"""Benchmark the page store as whole processes, next to their floors, in one run.

    python benchmarks/bench_store.py            # 1,000 and 10,000 pages
    python benchmarks/bench_store.py --quick    # 1,000 pages only

Measures:
* ``sspage check`` on sites of 1,000 and 10,000 generated pages (10 items each),
  next to PyYAML's C loader alone reading the same files in one process;
* one ``sspage item set`` (no git: the site is not a repository) next to the
  shell floor, ``python -c pass`` from the same environment.

Targets (issue 2): check of 10,000 pages under 2.5 s wall; item set under 0.12 s.
Run it from a regular install (``pip install .``): an editable install adds an
import hook to every start.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sitegen import generate  # noqa: E402

BIN = Path(sys.executable).parent
SSPAGE = str(BIN / "sspage") if (BIN / "sspage").exists() else shutil.which("sspage") or "sspage"


def wall(command: list[str], runs: int, cwd: Path | None = None, env: dict[str, str] | None = None) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def yaml_alone(folder: Path) -> float:
    code = (
        "import sys, os, yaml, time\n"
        "t = time.perf_counter()\n"
        "d = sys.argv[1]\n"
        "for n in sorted(os.listdir(d)):\n"
        "    with open(os.path.join(d, n), 'rb') as f: yaml.load(f, Loader=yaml.CSafeLoader)\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(folder)], check=True,
                         capture_output=True, text=True).stdout
    return float(out)


def row(label: str, times: list[float], note: str = "") -> None:
    print(f"{label:<44} median {statistics.median(times):7.3f} s   min {min(times):7.3f} s  "
          f"(n={len(times)}){'  ' + note if note else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pages only")
    parser.add_argument("--runs", type=int, default=5, help="runs of each check")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [1000, 10000]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, sspage at {SSPAGE}")
    env = {**os.environ, "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="sspage-bench-") as temp:
        for size in sizes:
            root = generate(Path(temp) / f"site-{size}", size)
            subprocess.run([SSPAGE, "--site", str(root), "check"], check=True,
                           stderr=subprocess.DEVNULL)  # warm the page cache
            row(f"sspage check, {size:,} pages", wall([SSPAGE, "--site", str(root), "check"],
                                                     args.runs, env=env))
            alone = [yaml_alone(root / "content" / "pages") for _ in range(3)]
            row(f"  PyYAML C loader alone, 1 process", alone, "(parse only, no start-up)")
        root = Path(temp) / "site-1000"
        floor = wall([sys.executable, "-c", "pass"], 21)
        states = ["active", "pending"] * 11
        times = []
        for state in states[:21]:
            times += wall([SSPAGE, "--site", str(root), "--no-commit", "item", "set", "project-00042", "#3",
                           "--state", state], 1, env=env)
        row("python -c pass (shell floor)", floor)
        row("sspage item set (no commit)", times,
            f"= floor + {statistics.median(times) - statistics.median(floor):.3f} s")


if __name__ == "__main__":
    main()
