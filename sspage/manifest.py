"""The build manifest: what the last successful build read and wrote.

``{out}/.sspage/manifest.json`` is written last, after every output is in
place, so it only ever describes a finished build. It records:

* ``inputs``: one hash of everything that shapes every page: the sspage
  version and the source of the modules that render, the versions of Jinja,
  Markdown and nh3, every file of the theme chain, and the site config. When
  it differs from this build's, every page is rendered again.
* per page (keyed by slug): the source file's ``mtime_ns``, ``size`` and
  ``sha256``; its publicCode, expiresUtc and whether it was expired and
  listed at that build; the outputs it produced; and, for listed pages, what
  the index shows, so that the index can be rebuilt without reading every page.
* ``siteOutputs``: the files that belong to the whole site (index, assets...).

A build compares each source's stat with the record first and hashes the
file only when the stat differs, so a no-op build reads no page at all.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

import msgspec

from . import __version__

FORMAT = 1
MANIFEST = ".sspage/manifest.json"

# The modules whose code decides what an output holds; editing one (in a
# checkout, where the version does not move) must rebuild everything.
RENDERING_MODULES = ("build.py", "render.py", "theme.py", "markdown.py", "manifest.py",
                     "shapes.py", "model.py")
RENDERING_LIBRARIES = ("jinja2", "markdown", "nh3", "markupsafe")


class Source(msgspec.Struct, frozen=True):
    mtime_ns: int
    size: int
    sha256: str


class Listing(msgspec.Struct, frozen=True, rename="camel"):
    """What the index shows of a listed page."""

    title: str
    updated_utc: str
    done: int
    total: int
    overall: str


class PageRecord(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    source: Source
    public_code: str
    expires_utc: str | None
    expired: bool
    listed: bool
    outputs: list[str]
    listing: Listing | None = None


class Manifest(msgspec.Struct, rename="camel"):
    format: int
    sspage: str
    inputs: str
    site_outputs: list[str]
    pages: dict[str, PageRecord]


def load_manifest(out: Path) -> Manifest | None:
    """The last build's manifest, or None if there is none we can trust."""
    try:
        data = (out / MANIFEST).read_bytes()
        manifest = msgspec.json.decode(data, type=Manifest)
    except (OSError, msgspec.DecodeError):
        return None  # missing, or from another version: a full build puts it right
    return manifest if manifest.format == FORMAT else None


def encode_manifest(manifest: Manifest) -> bytes:
    return msgspec.json.encode(manifest) + b"\n"


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
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return f"{name} missing"
    stat = os.stat(spec.origin)
    return f"{name} {spec.origin} {stat.st_mtime_ns} {stat.st_size}"
