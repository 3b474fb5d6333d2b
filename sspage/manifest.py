"""The build manifest: what the last successful build read and wrote.

The manifest lives in the site's own state folder
(``.sspage/builds/<hash of the output path>/manifest.json``), never in the
published output: it names every page, listed or not. It is written last,
after every output is in place, so it only ever describes a finished build.
The output folder gets only a marker file holding a random build token; if
the folder was emptied or replaced, the marker no longer matches and the next
build is a full one. It records:

* ``inputs``: one hash of everything that shapes every page: the sspage
  version and the source of the modules that render, the versions of Jinja,
  Markdown and nh3, every file of the theme chain, and the site config. When
  it differs from this build's, every page is rendered again.
* per page (keyed by slug): the source file's ``mtimeNs``, ``size`` and
  ``sha256``; its publicCode, expiresUtc and whether it was expired and
  listed at that build; the outputs it produced; for listed pages, what the
  index shows, so that the index can be rebuilt without reading every page;
  and, for pages that show a timeline, a fingerprint of it (see
  :mod:`sspage.timeline`), so that a page whose history changed is rendered again.
* ``siteOutputs``: the files that belong to the whole site (index, assets...).

A build compares each source's stat with the record first and hashes the
file only when the stat differs, so a no-op build reads no page at all.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
from pathlib import Path

import msgspec

from . import __version__
from .service.records import ServicesManifest

FORMAT = 4
MARKER = ".sspage-build"

# The modules whose code decides what an output holds; editing one (in a
# checkout, where the version does not move) must rebuild everything.
RENDERING_MODULES = ("build.py", "render.py", "theme.py", "markdown.py", "manifest.py",
                     "shapes.py", "model.py", "service/model.py", "service/records.py",
                     "service/compute.py", "service/views.py", "service/build.py",
                     "service/shapes.py", "service/rules.py", "service/render.py",
                     "service/reader.py", "timeline.py", "history.py",
                     "service/statuspage.py", "service/feeds.py", "service/published.py",
                     "service/badges.py", "service/uptime.py", "service/reading.py", "service/embed.py",
                     "service/workers.py", "service/layout.py", "service/incremental.py",
                     "service/objects.py")
RENDERING_LIBRARIES = ("jinja2", "cmarkgfm", "nh3", "markupsafe", "icalendar", "rcssmin")


class Listing(msgspec.Struct, frozen=True, rename="camel"):
    """What the index shows of a listed page."""

    title: str
    updated_utc: str
    done: int
    total: int
    overall: str


class PageRecord(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    """One page's line in the manifest. Flat, with the outputs as one string: every
    build decodes 10,000 of these, and fewer objects decode in half the time."""

    mtime_ns: int  # the source file's stat and hash when it was read
    size: int
    sha256: str
    public_code: str
    expires_utc: str | None
    expired: bool
    listed: bool
    output_lines: str  # the output paths it produced, one a line
    listing: Listing | None = None
    history: str | None = None  # the fingerprint of the timeline it showed, if it showed one

    @property
    def outputs(self) -> list[str]:
        return self.output_lines.split("\n") if self.output_lines else []


class Manifest(msgspec.Struct, rename="camel"):
    format: int
    sspage: str
    marker: str  # the token in {out}/.sspage-build when this manifest was written
    inputs: str
    site_outputs: list[str]
    pages: dict[str, PageRecord]
    services: ServicesManifest | None = None  # service pages and statuses (sspage/service/records.py)


def state_dir(site_root: Path, out: Path) -> Path:
    """Where the manifest and lock of builds into ``out`` live: inside the site, not ``out``."""
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return site_root / ".sspage" / "builds" / key


# The last manifest this process read or wrote, by path, with the stat it had then:
# sspage serve builds again and again, and decoding 10,000 records costs ~20 ms.
_KNOWN: dict[Path, tuple[tuple[int, int], Manifest]] = {}


def load_manifest(site_root: Path, out: Path) -> Manifest | None:
    """The last build's manifest, or None if there is none we can trust."""
    path = state_dir(site_root, out) / "manifest.json"
    try:
        stat = os.stat(path)
        known = _KNOWN.get(path)
        if known is not None and known[0] == (stat.st_mtime_ns, stat.st_size):
            manifest = known[1]
        else:
            manifest = msgspec.json.decode(path.read_bytes(), type=Manifest)
        marker = (out / MARKER).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError, msgspec.DecodeError, msgspec.ValidationError):
        return None  # missing, or from another version: a full build puts it right
    if manifest.format != FORMAT or manifest.marker != marker:
        return None  # the output folder is not the one this manifest describes
    return manifest


def encode_manifest(manifest: Manifest) -> bytes:
    return msgspec.json.encode(manifest) + b"\n"


def remember_manifest(path: Path, manifest: Manifest) -> None:
    """Note the manifest just written to ``path``, so the next build in this process skips decoding it."""
    stat = os.stat(path)
    _KNOWN.clear()
    _KNOWN[path] = ((stat.st_mtime_ns, stat.st_size), manifest)


def inputs_fingerprint(theme_fingerprint: str, config_json: bytes) -> str:
    digest = hashlib.sha256(f"format {FORMAT} sspage {__version__}\0".encode())
    package = Path(__file__).resolve().parent
    for name in RENDERING_MODULES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    for library in RENDERING_LIBRARIES:
        digest.update(_library_stamp(library).encode() + b"\0")
    digest.update(theme_fingerprint.encode() + b"\0" + config_json)
    return digest.hexdigest()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _library_stamp(name: str) -> str:
    # importlib.metadata.version() costs about 15 ms a package, too much for a no-op
    # build; an upgrade rewrites the package's files, so their stat changes just as well.
    # PathFinder rather than importlib.util.find_spec: the same answer for installed
    # packages, without importing importlib.util on every build.
    spec = importlib.machinery.PathFinder.find_spec(name)
    if spec is None or spec.origin is None:
        return f"{name} missing"
    stat = os.stat(spec.origin)
    return f"{name} {spec.origin} {stat.st_mtime_ns} {stat.st_size}"
