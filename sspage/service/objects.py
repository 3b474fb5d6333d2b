"""The files a service build reads in full, kept decoded between builds.

Besides the files that changed, a build of a service reads the open incidents,
the shown windows and posts, and, when the page-level documents are rendered
(an update to an open incident), the 50 most recent and 25 most recently
changed incidents: about a hundred YAML files parsed and validated, some 15 ms
of a rebuild that must stay under 0.3 s. This cache keeps those objects as
msgpack next to the build's manifest, each with the hash of the file it came
from: a file is used from the cache only while its manifest record still has
that hash, so an edited file is always read again.

The manifest's service record holds the hash of the cache file it goes with,
so a cache left by a build that did not finish, or by another version, is
never trusted: it is simply ignored, and the files are read.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import msgspec

from .model import Incident, Maintenance, PostedUpdate

TYPES: dict[str, type[Any]] = {"incident": Incident, "maintenance": Maintenance, "update": PostedUpdate}
LIMIT = 400  # entries kept; past it, only those this build used (others are rarely wanted again)

Entries = dict[str, tuple[str, bytes]]  # "kind/stem" -> (the file's sha256, the object as msgpack)


class ObjectCache:
    def __init__(self, path: Path, expected: str | None) -> None:
        """The cache at ``path`` if its hash is ``expected`` (the manifest's), else an empty one."""
        self.path = path
        self.loaded_hash: str | None = None  # the hash of the file on disk, when it is the expected one
        self.old: Entries = {}
        self.used: Entries = {}
        self._decoders: dict[str, msgspec.msgpack.Decoder[Any]] = {}
        if expected is None:
            return
        try:
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == expected:
                self.old = msgspec.msgpack.decode(data, type=Entries)
                self.loaded_hash = expected
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            self.old = {}

    def get(self, kind: str, stem: str, sha256: str | None, path: Path) -> Any | None:
        """The object of ``kind/stem`` if it was cached from a file with this ``sha256``."""
        key = f"{kind}/{stem}"
        found = self.used.get(key) or self.old.get(key)
        if sha256 is None or found is None or found[0] != sha256:
            return None
        decoder = self._decoders.get(kind)
        if decoder is None:
            decoder = self._decoders[kind] = msgspec.msgpack.Decoder(TYPES[kind])
        try:
            value = decoder.decode(found[1])
        except (msgspec.DecodeError, msgspec.ValidationError):
            return None
        self.used[key] = found
        value.path = path
        value.stem = stem
        return value

    def put(self, kind: str, stem: str, sha256: str | None, value: Any) -> None:
        if sha256 is not None and kind in TYPES:
            self.used[f"{kind}/{stem}"] = (sha256, msgspec.msgpack.encode(value))

    def save(self, current: dict[str, dict[str, Any]]) -> str | None:
        """Write what is worth keeping (``current``: this build's records, by kind then stem);
        the hash for the manifest, or None when there is nothing to keep."""
        entries = {key: entry for key, entry in self.old.items() if _still(current, key, entry[0])}
        entries.update(self.used)
        if len(entries) > LIMIT:
            entries = dict(self.used)
        if not entries:
            return None
        data = msgspec.msgpack.encode(dict(sorted(entries.items())))
        digest = hashlib.sha256(data).hexdigest()
        if digest != self.loaded_hash:  # a missing or damaged file is written again too
            # No fsync: the manifest, written after and fsynced, names this hash; a cache lost
            # in a crash no longer matches it, and is ignored.
            temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temp.write_bytes(data)
            os.replace(temp, self.path)
        return digest


def _still(current: dict[str, dict[str, Any]], key: str, sha256: str) -> bool:
    kind, _, stem = key.partition("/")
    record = current.get(kind, {}).get(stem)
    return record is not None and record.sha256 == sha256
