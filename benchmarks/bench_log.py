"""Benchmark ``sspage log`` on a large history: 10,000 pages and 100,000 commits.

    python benchmarks/bench_log.py                    # 10,000 pages, 100,000 commits (~7 min)
    python benchmarks/bench_log.py --pages 1000 --commits 10000 --runs 5
    python benchmarks/bench_log.py --keep             # keep the repository, and reuse it next time
    python benchmarks/bench_log.py --slow-runs 0      # skip the runs without a commit-graph

The repository is generated under the system's temporary folder (never in the
work tree), written directly as a git pack (see ``PackWriter``; ``git
fast-import`` takes about 15 minutes for it): a first commit with every page,
then one commit per change, each setting one item's state in one page, a few
minutes apart. Nine in ten look like sspage's own (subject and
``Sspage-Page``/``Sspage-Item`` trailers), one in ten like a hand edit (no
trailers). Then it measures, as whole processes, the median of several runs of:

* ``sspage log PAGE``: one page's whole history (target: under 1 s);
* ``sspage log -n 50``: the latest 50 changes of the site;
* ``sspage log PAGE --item ITEM``: one item's history, hand edits included;
* ``git log --format=%H -- PATH``: git alone on the same page, for reference.

each without (once each by default: about a minute apiece) and then with git's
commit-graph and its changed-path Bloom filters (``git commit-graph write
--reachable --changed-paths``, whose time it prints too). Run it from a
regular install (``pip install .``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from sitegen import SITE_YAML, page_text  # noqa: E402

BIN = Path(sys.executable).parent
SSPAGE = str(BIN / "sspage") if (BIN / "sspage").exists() else shutil.which("sspage") or "sspage"
STATES = ("pending", "active", "complete")
LABELS = {"pending": "Pending", "active": "Active", "complete": "Complete"}
AUTHORS = [("Ana Lima", "ana@example.com"), ("Ben Okafor", "ben@example.com"),
           ("Chloé Martin", "chloe@example.com"), ("Dev Patel", "dev@example.com"),
           ("Eli Cohen", "eli@example.com")]
START = 1_735_689_600  # 2025-01-01T00:00:00Z
ITEMS = 10
FIRST_ITEM_LINE = 8  # page_text(): 8 lines of page fields, then 6 lines an item
ITEM_LINES = 6


def build_repo(root: Path, pages: int, commits: int, seed: int = 1) -> dict[str, str]:
    """A git repository at ``root`` with a site of ``pages`` pages and ``commits`` commits.

    Returns facts the measurements need: a page's slug and an item id of it.
    """
    rng = random.Random(seed)
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for key, value in (("gc.auto", "0"), ("user.name", "Bench"), ("user.email", "bench@example.com")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    texts = [page_text(rng, number, ITEMS).split("\n") for number in range(pages)]
    slugs = [f"project-{number:05d}" for number in range(pages)]
    pack = PackWriter(root / ".git" / "objects" / "pack", count=pages + 6 + 5 * (commits - 1))
    blobs = [pack.add(BLOB, "\n".join(text).encode()) for text in texts]
    site_yaml = pack.add(BLOB, SITE_YAML.encode())
    ignore = pack.add(BLOB, b".sspage/\npublic/\n")
    # Every name is project-NNNNN.yaml, so every entry of the pages tree has one length and
    # a change of one page is a change of 20 bytes at a known place: a delta is three ops.
    entry = len(b"100644 ") + len(slugs[0]) + len(".yaml") + 1 + 20
    pages_tree = bytearray(b"".join(b"100644 %s.yaml\0" % slug.encode() + blob
                                    for slug, blob in zip(slugs, blobs, strict=True)))
    moment = START
    parent: bytes | None = None

    def commit(message: str, author: tuple[str, str], changed: int | None) -> None:
        nonlocal parent
        if changed is None:
            tree = pack.add(TREE, bytes(pages_tree))
        else:
            tree = pack.add_changed(TREE, bytes(pages_tree), changed * entry + entry - 20, 20)
        content = pack.add(TREE, b"40000 pages\0" + tree + b"100644 site.yaml\0" + site_yaml)
        top = pack.add(TREE, b"100644 .gitignore\0" + ignore + b"40000 content\0" + content)
        who = f"{author[0]} <{author[1]}> {moment} +0000"
        head = f"tree {top.hex()}\n" + (f"parent {parent.hex()}\n" if parent else "")
        parent = pack.add(COMMIT, f"{head}author {who}\ncommitter {who}\n\n{message}".encode())

    commit("Import the site\n", AUTHORS[0], None)
    for _ in range(commits - 1):
        moment += rng.randint(60, 600)
        number = rng.randrange(pages)
        item = rng.randrange(ITEMS)
        lines = texts[number]
        first = FIRST_ITEM_LINE + item * ITEM_LINES
        old = lines[first + 3].split(": ", 1)[1]
        new = rng.choice([s for s in STATES if s != old])
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
        lines[first + 3] = f"    state: {new}"
        lines[first + 5] = f"    updatedUtc: {stamp}"
        lines[5] = f"updatedUtc: {stamp}"
        blob = pack.add(BLOB, "\n".join(lines).encode())
        pages_tree[number * entry + entry - 20:(number + 1) * entry] = blob
        title = lines[1].split(": ", 1)[1]
        text = lines[first + 1].split(": ", 1)[1]
        if rng.random() < 0.9:
            code = lines[0].split(": ", 1)[1]
            ident = lines[first].split(": ", 1)[1]
            message = (f'{title}: "{text}" {LABELS[old]} → {LABELS[new]}\n\n'
                       f"Sspage-Page: {code}\nSspage-Item: {ident}\n")
        else:
            message = f"Update {slugs[number]} by hand\n"
        commit(message, rng.choice(AUTHORS), number)
    assert parent is not None
    pack.close()
    (root / ".git" / "refs" / "heads" / "main").write_text(parent.hex() + "\n")
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=root, check=True)
    middle = texts[pages // 2]
    return {"page": slugs[pages // 2], "item": middle[FIRST_ITEM_LINE].split(": ", 1)[1]}


COMMIT, TREE, BLOB, OFS_DELTA = 1, 2, 3, 6
NAMES = {COMMIT: b"commit", TREE: b"tree", BLOB: b"blob"}


class PackWriter:
    """Writes a git pack and its index directly: ``git fast-import`` formats and sorts
    every entry of a 10,000-entry tree for each commit (about 9 ms, 15 minutes for
    100,000 commits), while the pages tree here changes by 20 bytes a commit.

    Changed trees are stored as deltas on the previous version, as ``git gc`` would,
    in chains of at most ``DEPTH``. Objects are hashed here, so the index needs no
    ``git index-pack``; ``git fsck`` accepts the result.
    """

    DEPTH = 50

    def __init__(self, folder: Path, count: int) -> None:
        self.folder = folder
        self.temp = folder / "tmp-bench.pack"
        self.handle = open(self.temp, "wb")  # noqa: SIM115 (closed by close())
        self.digest = hashlib.sha1()
        self.count = count
        self.entries: list[tuple[bytes, int, int]] = []  # (id, crc32, offset)
        self.offset = 0
        self.last: tuple[int, int] | None = None  # offset and depth of the previous changed object
        self._write(b"PACK" + (2).to_bytes(4, "big") + count.to_bytes(4, "big"))

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def _object_id(self, kind: int, data: bytes) -> bytes:
        return hashlib.sha1(NAMES[kind] + b" %d\0" % len(data) + data).digest()

    def _store(self, object_id: bytes, kind: int, size: int, body: bytes, level: int = 1) -> int:
        header = bytearray()
        byte = (kind << 4) | (size & 15)
        size >>= 4
        while size:
            header.append(byte | 0x80)
            byte = size & 0x7F
            size >>= 7
        header.append(byte)
        raw = bytes(header) + body
        start = self.offset
        self._write(raw)
        self.entries.append((object_id, zlib.crc32(raw), start))
        return start

    def add(self, kind: int, data: bytes) -> bytes:
        object_id = self._object_id(kind, data)
        start = self._store(object_id, kind, len(data), zlib.compress(data, 1))
        if kind == TREE and len(data) > 4096:
            self.last = (start, 0)
        return object_id

    def add_changed(self, kind: int, data: bytes, at: int, length: int) -> bytes:
        """``data``: the last big object added, with ``data[at:at+length]`` changed."""
        if self.last is None or self.last[1] >= self.DEPTH:
            return self.add(kind, data)
        base, depth = self.last
        object_id = self._object_id(kind, data)
        delta = (_varint(len(data)) * 2 + _copy(0, at) + bytes([length]) + data[at:at + length]
                 + _copy(at + length, len(data) - at - length))
        distance = self.offset - base
        encoded = bytearray([distance & 0x7F])
        distance >>= 7
        while distance:
            distance -= 1
            encoded.insert(0, 0x80 | (distance & 0x7F))
            distance >>= 7
        start = self._store(object_id, OFS_DELTA, len(delta), bytes(encoded) + zlib.compress(delta))
        self.last = (start, depth + 1)
        return object_id

    def close(self) -> None:
        assert len(self.entries) == self.count, (len(self.entries), self.count)
        checksum = self.digest.digest()
        self.handle.write(checksum)
        self.handle.close()
        entries = sorted(self.entries)
        index = bytearray(b"\377tOc" + struct.pack(">I", 2))
        fanout = [0] * 256
        for object_id, _, _ in entries:
            fanout[object_id[0]] += 1
        total = 0
        for count in fanout:
            total += count
            index += struct.pack(">I", total)
        index += b"".join(e[0] for e in entries)
        index += b"".join(struct.pack(">I", e[1]) for e in entries)
        assert self.offset < 2**31, "pack over 2 GiB: large offsets are not written"
        index += b"".join(struct.pack(">I", e[2]) for e in entries)
        index += checksum
        index += hashlib.sha1(index).digest()
        name = f"pack-{checksum.hex()}"
        (self.folder / f"{name}.idx").write_bytes(bytes(index))
        self.temp.rename(self.folder / f"{name}.pack")


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _copy(offset: int, size: int) -> bytes:
    """A delta's copy op; size must fit 3 bytes (under 16 MiB)."""
    if size == 0:
        return b""
    flags, args = 0x80, bytearray()
    for bit in range(4):
        byte = (offset >> (8 * bit)) & 0xFF
        if byte:
            flags |= 1 << bit
            args.append(byte)
    for bit in range(3):
        byte = (size >> (8 * bit)) & 0xFF
        if byte:
            flags |= 1 << (4 + bit)
            args.append(byte)
    return bytes([flags]) + bytes(args)


def bench_timeline_build(root: Path, page: str, env: dict[str, str], runs: int) -> None:
    """``sspage build`` with one page showing its timeline: the first build reads that page's
    history (one ``git log`` on its file); a build after one commit reads that commit only."""
    path = root / "content" / "pages" / f"{page}.yaml"
    text = path.read_text("utf-8")
    if "history: true" not in text:
        path.write_text(text.replace("items:\n", "history: true\nitems:\n", 1), "utf-8")
        subprocess.run(["git", "commit", "-q", "-am", f"Show the history of {page}"], cwd=root,
                       check=True, env=env)
    out = root.parent / f"{root.name}-public"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(root / ".sspage", ignore_errors=True)
    build = [SSPAGE, "build", "--out", str(out)]
    print(f"\nsspage build, one page with history: true (load {os.getloadavg()[0]:.2f}):")
    seconds, _ = timed(build, root, env)
    print(f"  {'first build (every page, and that history)':<52} {seconds:7.3f} s")
    noop = [timed(build, root, env)[0] for _ in range(runs)]
    print(f"  {'no-op build (HEAD unchanged: no git)':<52} {statistics.median(noop):7.3f} s"
          f"   min {min(noop):.3f} s")
    after: list[float] = []
    for run in range(runs):
        state = ("active", "complete", "pending")[run % 3]
        subprocess.run([SSPAGE, "item", "set", page, "#2", "--state", state], cwd=root, env=env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after.append(timed(build, root, env)[0])
    print(f"  {'build after one sspage commit to that page':<52} {statistics.median(after):7.3f} s"
          f"   min {min(after):.3f} s")
    code = text.split("publicCode: ", 1)[1].split("\n", 1)[0]
    events = (out / "s" / code / "index.html").read_text("utf-8").count('<li class="event')
    print(f"  (the page's timeline shows {events} changes)")
    shutil.rmtree(out, ignore_errors=True)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="runs of each, with the commit-graph")
    parser.add_argument("--slow-runs", type=int, default=1,
                        help="runs of each without the commit-graph (0: skip them)")
    parser.add_argument("--build", action="store_true",
                        help="also time builds with one page showing its timeline (history: true)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated repository, and reuse a kept one of the same size")
    args = parser.parse_args()
    version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"python {sys.version.split()[0]}, {version}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}, sspage at {SSPAGE}")
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SSPAGE_SITE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    kept = Path(tempfile.gettempdir()) / f"sspage-bench-log-{args.pages}-{args.commits}"
    root = kept if args.keep else Path(tempfile.mkdtemp(prefix="sspage-bench-log-")) / "repo"
    try:
        if not (root / ".git").is_dir():
            shutil.rmtree(root, ignore_errors=True)
            started = time.perf_counter()
            facts = build_repo(root, args.pages, args.commits)
            print(f"generated {args.pages:,} pages and {args.commits:,} commits "
                  f"in {time.perf_counter() - started:.1f} s at {root}")
        else:
            facts = {"page": f"project-{args.pages // 2:05d}"}
            text = (root / "content" / "pages" / f"{facts['page']}.yaml").read_text()
            facts["item"] = text.split("  - id: ", 1)[1].split("\n", 1)[0]
            print(f"reusing {root}")
        graph = root / ".git" / "objects" / "info" / "commit-graph"
        reuse = args.slow_runs == 0 and graph.is_file()  # a kept repository's graph, still valid
        if not reuse:
            graph.unlink(missing_ok=True)
            shutil.rmtree(root / ".git" / "objects" / "info" / "commit-graphs", ignore_errors=True)
        page, item = facts["page"], facts["item"]
        path = f"content/pages/{page}.yaml"
        commands = {
            f"sspage log {page}": [SSPAGE, "log", page],
            "sspage log -n 50": [SSPAGE, "log", "-n", "50"],
            f"sspage log {page} --item {item[:8]}": [SSPAGE, "log", page, "--item", item[:8]],
            f"git log --format=%H -- {path}": ["git", "log", "--format=%H", "--", path],
        }
        results: dict[str, list[float]] = {}
        for phase in ("no commit-graph", "commit-graph with changed paths"):
            if phase != "no commit-graph" and reuse:
                print("\nreusing the kept repository's commit-graph")
            elif phase != "no commit-graph":
                seconds, _ = timed(["git", "commit-graph", "write", "--reachable", "--changed-paths"],
                                   root, env)
                print(f"\ngit commit-graph write --reachable --changed-paths: {seconds:.1f} s")
            runs = args.slow_runs if phase == "no commit-graph" else args.runs
            if not runs:
                continue
            print(f"\n{phase} ({runs} run{'s' * (runs != 1)} each, median; "
                  f"load {os.getloadavg()[0]:.2f}):")
            for label, command in commands.items():
                times = []
                lines = 0
                for _ in range(runs):
                    seconds, output = timed(command, root, env)
                    times.append(seconds)
                    lines = output.count(b"\n")
                results[f"{phase}: {label}"] = times
                print(f"  {label:<52} {statistics.median(times):7.3f} s   min {min(times):.3f} s"
                      f"   ({lines} lines)")
        page_median = statistics.median(results[f"commit-graph with changed paths: sspage log {page}"])
        passed = page_median < 1.0
        if args.build:
            bench_timeline_build(root, page, env, args.runs)
        print(f"\ntarget: one page's history under 1 s (with the commit-graph): {page_median:.3f} s "
              f"{'PASS' if passed else 'FAIL'}   (load {os.getloadavg()[0]:.2f})")
    finally:
        if not args.keep:
            shutil.rmtree(root.parent, ignore_errors=True)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
