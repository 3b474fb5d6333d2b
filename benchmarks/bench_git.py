"""Benchmark ``sspage item set`` with its git commit, next to the shell floor, in one run.

    python benchmarks/bench_git.py               # 10,000 pages, 15 runs of each
    python benchmarks/bench_git.py --pages 1000 --runs 21

Sets up a git repository holding a generated site of N pages (committed once
with plain git), then measures, alternating so all see the same machine:

* ``sspage item set PAGE ITEM --state S``: edit, validate, write and commit,
  once right after the floor's commit (sspage must read the new HEAD's tree
  into its temporary index) and once right after its own (it need not);
* the shell floor: ``edit the file; git add FILE; git commit -q -m x``, run
  as one ``bash -c`` command (sed stands in for the edit);
* for reference, ``sspage --no-commit item set`` (the same edit, no git);
* ``sspage fmt --since HEAD --check`` after hand edits of three pages, next to
  ``git status`` (both look at every file; fmt reads only the three).

Targets (issue 4): sspage at most 3x the floor, and under 0.15 s wall median.
Run it from a regular install (``pip install .``), not an editable one.
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
STATES = ("pending", "active", "complete")


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, stdout=subprocess.DEVNULL)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure_fmt_since(root: Path, env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """``fmt --since HEAD --check`` after hand edits of three pages, next to ``git status``.

    Both must look at every file of the work tree; fmt then reads only the three.
    """
    pages = sorted((root / "content" / "pages").glob("project-*.yaml"))
    state, text, added = pages[1], pages[2], pages[3]
    state.write_text(state.read_text().replace("state: pending", "state: complete", 1)
                     .replace("state: active", "state: complete", 1))
    text.write_text(text.read_text().replace("    text: ", "    text: Edited by hand, ", 1))
    added.write_text(added.read_text() + "  - text: Added by hand\n")
    fmt_times, status_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([SSPAGE, "fmt", "--since", "HEAD", "--check"], cwd=root, env=env,
                              capture_output=True, text=True)
        fmt_times.append(time.perf_counter() - start)
        if done.returncode != 1 or done.stdout.count("Would fill in") != 3:
            sys.exit(f"fmt --since did not find the three edits: {done.stdout}{done.stderr}")
        status_times.append(timed(["git", "status", "--porcelain"], root, env))
    return fmt_times, status_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"python {sys.version.split()[0]}, {version}, {os.cpu_count()} cores, sspage at {SSPAGE}")
    env = {**os.environ, "NO_COLOR": "1", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.com"}
    env.pop("SSPAGE_SITE", None)
    with tempfile.TemporaryDirectory(prefix="sspage-bench-git-") as temp:
        root = generate(Path(temp) / "site", args.pages)
        (root / ".gitignore").write_text(".sspage/\n")
        git(root, "init", "-q", "-b", "main")
        # Keep git's automatic gc from starting in the background of a commit (the 10,000 loose
        # objects would trigger it, and it would load the machine during the measured runs);
        # pack them now instead.
        git(root, "config", "gc.auto", "0")
        git(root, "add", "-A")
        subprocess.run(["git", "commit", "-q", "-m", "Generated site"], cwd=root, env=env, check=True)
        git(root, "gc", "-q")
        page = root / "content" / "pages" / f"project-{args.pages // 2:05d}.yaml"
        floor_file = root / "content" / "pages" / f"project-{args.pages // 3:05d}.yaml"
        rel = floor_file.relative_to(root).as_posix()
        floor_cmd = ["bash", "-c", f'sed -i "s/^updatedUtc: .*/updatedUtc: 2026-06-09T1$N:00:00Z/" {rel}'
                     f" && git add {rel} && git commit -q -m x"]
        after_other: list[float] = []  # the floor committed just before: HEAD moved
        back_to_back: list[float] = []  # the previous command was sspage's: HEAD as it left it
        floor_times: list[float] = []
        plain_times: list[float] = []
        plain = root / "content" / "pages" / f"project-{args.pages // 4:05d}.yaml"

        def item_set(item: str, state: str, *options: str, target: Path = page) -> float:
            return timed([SSPAGE, *options, "item", "set", target.stem, item, "--state", state], root, env)

        def commit_count() -> int:
            return int(subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root, check=True,
                                      capture_output=True, text=True).stdout)

        item_set("#1", "complete")  # warm-up, and a known state to start the cycle from
        item_set("#2", "complete")
        item_set("#1", "complete", "--no-commit", target=plain)
        expected = commit_count() + 3 * args.runs
        for run in range(args.runs):  # each item's state differs from run to run: always a change
            floor_times.append(timed(floor_cmd, root, {**env, "N": str(run % 10)}))
            after_other.append(item_set("#1", STATES[run % 3]))
            back_to_back.append(item_set("#2", STATES[run % 3]))
            plain_times.append(item_set("#1", STATES[run % 3], "--no-commit", target=plain))
        commits = commit_count()
        status = subprocess.run(["git", "status", "--porcelain", "--", ".", f":!{plain.relative_to(root)}"],
                                cwd=root, capture_output=True, text=True, check=True).stdout
        fmt_times, status_times = measure_fmt_since(root, env, args.runs)
    floor_median = statistics.median(floor_times)
    if commits != expected:
        sys.exit(f"expected {expected} commits, found {commits}: some run did not commit")
    print(f"{args.pages:,} pages, {args.runs} runs each, {commits} commits at the end, "
          f"work tree {'clean' if not status else 'NOT clean'}")
    print(f"shell floor (edit; git add; git commit)          median {floor_median:.3f} s"
          f"   min {min(floor_times):.3f} s")
    ok = True
    for label, times in (("sspage item set, after another commit", after_other),
                         ("sspage item set, after sspage's own commit", back_to_back)):
        median = statistics.median(times)
        passed = median / floor_median <= 3 and median < 0.15
        ok = ok and passed
        print(f"{label:<48} median {median:.3f} s   min {min(times):.3f} s   "
              f"{median / floor_median:.2f}x the floor: {'PASS' if passed else 'FAIL'}")
    print(f"  for reference: sspage --no-commit item set     median {statistics.median(plain_times):.3f} s"
          f"   min {min(plain_times):.3f} s")
    print(f"targets: <= 3x the floor and < 0.150 s median: {'PASS' if ok else 'FAIL'}")
    print(f"sspage fmt --since HEAD --check, 3 of {args.pages:,} pages hand-edited: median "
          f"{statistics.median(fmt_times):.3f} s   min {min(fmt_times):.3f} s "
          f"(git status --porcelain: median {statistics.median(status_times):.3f} s)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
