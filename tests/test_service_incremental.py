"""What incremental service builds keep between builds, checked against counting or
building everything again: the components' incident times and the object cache."""

from __future__ import annotations

import os
import random
import re

import pytest
from service_helpers import OPEN_INCIDENT, make_service, service_dir, write

import sspage
from sspage.build import build_site
from sspage.manifest import state_dir
from sspage.service import reader
from sspage.service.compute import component_times, moved_times

JUNE_15 = "1781524800"  # 2026-06-15T12:00:00Z


@pytest.fixture(autouse=True)
def fixed_build_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", JUNE_15)


# -- the components' times -------------------------------------------------------------------


def _entry(rng, keys):
    start = rng.randint(0, 50)
    return (rng.sample(keys, rng.randint(1, 3)), f"{start:03d}", f"{start + rng.randint(0, 20):03d}")


def _grown(rng, keys, before):
    """What a new update does: the same start, a change as late or later, the same keys or more."""
    names, start, last = before
    more = [k for k in keys if k not in names][: rng.randint(0, 1)]
    return ([*names, *more], start, f"{int(last) + rng.randint(0, 5):03d}")


def test_moved_times_agree_with_counting_everything():
    rng = random.Random(6)
    keys = ["api", "db", "cdn", "web", "sms"]
    answered = 0
    for _ in range(2000):
        entries = {n: (_entry(rng, keys) if rng.random() < 0.9 else None) for n in range(10)}
        times = component_times(e for e in entries.values() if e is not None)
        changes, only_grown = [], True
        for n in rng.sample(range(10), rng.randint(1, 3)):
            before = entries[n]
            if before is not None and rng.random() < 0.5:
                after = _grown(rng, keys, before)
            else:
                after = _entry(rng, keys) if rng.random() < 0.8 else None
                only_grown = only_grown and before is None
            entries[n] = after
            changes.append((before, after))
        moved = moved_times(times, changes)
        if only_grown:
            assert moved is not None  # a new update never costs a count of every incident
        if moved is not None:
            answered += 1
            assert moved == component_times(e for e in entries.values() if e is not None)
    assert answered > 500  # the shortcut is taken, not just always declined


# -- incremental builds against clean ones --------------------------------------------------------


def _incident(number, start_day, *, end_day=None, keys=("api",), private=False):
    end = f"endUtc: 2026-05-{end_day:02d}T12:00:00Z\n" if end_day else ""
    components = "".join(f"  {key}: partial_outage\n" for key in keys)
    updates = (f"  - timeUtc: 2026-05-{start_day:02d}T10:00:00Z\n    status: investigating\n"
               f"    message: Looking into number {number}.\n")
    if end_day:
        updates += f"  - timeUtc: 2026-05-{end_day:02d}T12:00:00Z\n    status: resolved\n    message: Done.\n"
    return (f"id: inc{number:09d}\ntitle: Incident {number}\nimpact: minor\n"
            f"startUtc: 2026-05-{start_day:02d}T10:00:00Z\n{end}private: {str(private).lower()}\n"
            f"components:\n{components}updates:\n{updates}")


def _outputs(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".sspage-build"}


def _save(path, text, tick=[0]):  # noqa: B006 - a counter for distinct modification times
    path.write_text(text, "utf-8")
    tick[0] += 1
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + tick[0] * 10**9))


def test_random_edits_build_what_a_clean_build_does(site, tmp_path):
    """Edits that move an incident's start, its last change and its components, hide it,
    delete it or add one: after each, the incremental build's files equal a clean build's."""
    acme = make_service(site)
    folder = service_dir(acme) / "incidents"
    rng = random.Random(15)
    keys = ["api", "db", "cdn", "web"]
    for number in range(60):  # more than the 50 the documents list and the 25 the feeds do
        day = 1 + number % 28
        write(acme, f"incidents/i{number:03d}.yaml",
              _incident(number, day, end_day=day + 1 if number % 9 else None, keys=rng.sample(keys, 2)))
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    for step in range(14):
        name = f"i{rng.randrange(64):03d}.yaml"
        action = rng.choice(["update", "start", "components", "private", "delete", "title"])
        if step == 0:  # the latest change of the API's: its updated_at moves back
            name, action = "2026-06-08-api-errors.yaml", "delete"
        path = folder / name
        if not path.exists() or action == "delete" and step % 2:
            number = int(name[1:4])
            _save(path, _incident(number, rng.randint(1, 27), end_day=28, keys=rng.sample(keys, 2)))
        elif action == "delete":
            path.unlink()
        elif action == "update":
            text = re.sub(r"endUtc: .*\n", "", path.read_text("utf-8"))  # reopened
            _save(path, text + f"  - timeUtc: 2026-06-1{step % 5}T09:00:00Z\n    status: monitoring\n"
                               f"    message: Step {step}.\n")
        elif action == "start":  # earlier: its updates must not come before it
            head, _, tail = path.read_text("utf-8").partition("startUtc: 2026-05-")
            day = rng.randint(1, int(tail[:2]))
            _save(path, f"{head}startUtc: 2026-05-{day:02d}T0{step % 10}:00:00Z{tail[12:]}")
        elif action == "components":
            text = path.read_text("utf-8")
            head, _, tail = text.partition("components:\n")
            tail = tail[tail.index("updates:"):]
            chosen = rng.sample(keys, rng.randint(1, 3))
            _save(path, head + "components:\n" + "".join(f"  {k}: major_outage\n" for k in chosen) + tail)
        elif action == "private":
            text = path.read_text("utf-8")
            _save(path, text.replace("private: false", "private: true") if "private: false" in text
                  else text.replace("private: true", "private: false"))
        else:
            _save(path, path.read_text("utf-8").replace("title: Incident", "title: The incident"))
        build_site(sspage.open_site(acme.root), out)
        clean = tmp_path / f"clean-{step}"
        build_site(sspage.open_site(acme.root), clean)
        incremental, expected = _outputs(out), _outputs(clean)
        assert sorted(incremental) == sorted(expected), (step, action, name)
        different = [n for n in expected if incremental[n] != expected[n]]
        assert different == [], (step, action, name)


# -- the object cache -----------------------------------------------------------------------------


def _count_reads(monkeypatch):
    read = reader.read
    seen = []

    def counting(site, path, kind, *args, **kwargs):
        seen.append(path.name)
        return read(site, path, kind, *args, **kwargs)

    monkeypatch.setattr(reader, "read", counting)
    return seen


def _many_incidents(acme, count=40):
    for number in range(count):
        write(acme, f"incidents/i{number:03d}.yaml", _incident(number, 1 + number % 27, end_day=28))


def test_an_open_incidents_update_reads_no_other_incident(site, monkeypatch):
    acme = make_service(site)
    _many_incidents(acme)
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    _save(path, OPEN_INCIDENT + "  - timeUtc: 2026-06-09T10:00:00Z\n    status: monitoring\n"
                                "    message: A fix is out.\n")
    seen = _count_reads(monkeypatch)
    build_site(sspage.open_site(acme.root), out)
    # The documents list 40 resolved incidents, read from the cache; the edited file is read.
    assert [name for name in seen if name.startswith("i")] == []
    assert "2026-06-08-api-errors.yaml" in seen


def test_a_changed_file_is_never_taken_from_the_cache(site):
    acme = make_service(site)
    _many_incidents(acme)
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    path = service_dir(acme) / "incidents" / "i039.yaml"
    _save(path, path.read_text("utf-8").replace("Looking into number 39", "Looking into number 39 again"))
    build_site(sspage.open_site(acme.root), out)
    assert b"number 39 again" in (out / "status/acme/history.atom").read_bytes()


@pytest.mark.parametrize("damage", ["garbage", "another build's", "missing"])
def test_a_cache_that_does_not_match_the_manifest_is_ignored(site, tmp_path, damage, monkeypatch):
    acme = make_service(site)
    _many_incidents(acme)
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    cache = state_dir(acme.root, out) / "objects-acme.msgpack"
    assert cache.is_file()
    if damage == "garbage":
        cache.write_bytes(b"\x81\xa3not a cache")
    elif damage == "missing":
        cache.unlink()
    else:  # a valid cache, whose objects say something else than the files: never trusted
        good = cache.read_bytes()
        cache.write_bytes(good.replace(b"Looking into number", b"Looking into NUMBER"))
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    _save(path, OPEN_INCIDENT.replace("API errors", "API errors (update)"))
    seen = _count_reads(monkeypatch)
    build_site(sspage.open_site(acme.root), out)
    assert len([name for name in seen if name.startswith("i")]) == 40  # read again, all of them
    clean = tmp_path / "clean"
    build_site(sspage.open_site(acme.root), clean)
    assert _outputs(out) == _outputs(clean)
    assert b"NUMBER" not in (out / "status/acme/history.atom").read_bytes()


def test_a_file_saved_during_a_build_is_not_cached_as_its_record(site, tmp_path, monkeypatch):
    # The worker reads version X and records its hash; the file is saved as Y before the
    # build reads it again for the main page; then X is put back (an undo). The object
    # read from Y must never be taken for X's record.
    from sspage.service import render

    acme = make_service(site)
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    path = service_dir(acme) / "incidents" / "2026-06-08-api-errors.yaml"
    version_x, version_y = (OPEN_INCIDENT.replace("API errors", title) for title in ("Title X", "Title Y"))
    _save(path, version_x)
    state_inputs = render.ServiceBuilder._state_inputs
    saved = []

    def racing(self, *args, **kwargs):
        if not saved:
            saved.append(True)
            _save(path, version_y)
        return state_inputs(self, *args, **kwargs)

    monkeypatch.setattr(render.ServiceBuilder, "_state_inputs", racing)
    build_site(sspage.open_site(acme.root), out)
    monkeypatch.undo()
    _save(path, version_x)
    build_site(sspage.open_site(acme.root), out)
    window = service_dir(acme) / "maintenance" / "2026-06-20-cdn-upgrade.yaml"
    _save(window, window.read_text("utf-8").replace("CDN upgrade", "CDN upgrade, again"))
    build_site(sspage.open_site(acme.root), out)  # renders the main page, reading the incident
    clean = tmp_path / "clean"
    build_site(sspage.open_site(acme.root), clean)
    assert saved and _outputs(out) == _outputs(clean)
    assert b"Title Y" not in (out / "status/acme/index.html").read_bytes()


def test_a_lost_cache_is_written_again(tmp_path):
    # The manifest names the cache's hash, but the file is gone: a build that uses the
    # very same objects (so the same hash) must still write it.
    import types

    import msgspec

    from sspage.service.model import PostedUpdate
    from sspage.service.objects import ObjectCache

    post = msgspec.convert({"title": "A post", "text": "Text.", "severity": "info",
                            "timeUtc": "2026-06-01T10:00:00Z"}, PostedUpdate)
    records = {"update": {"u1": types.SimpleNamespace(sha256="a" * 64)}}
    cache = tmp_path / "objects-acme.msgpack"
    first = ObjectCache(cache, None)
    first.put("update", "u1", "a" * 64, post)
    digest = first.save(records)
    assert digest is not None and cache.is_file()
    cache.unlink()
    again = ObjectCache(cache, digest)
    assert again.get("update", "u1", "a" * 64, tmp_path / "u1.yaml") is None  # nothing to read
    again.put("update", "u1", "a" * 64, post)
    assert again.save(records) == digest
    assert cache.is_file()
    assert ObjectCache(cache, digest).get("update", "u1", "a" * 64, tmp_path / "u1.yaml").title == "A post"


def test_open_incidents_with_one_start_keep_a_clean_builds_order(site, tmp_path):
    acme = make_service(site)
    out = acme.root / "public"
    build_site(sspage.open_site(acme.root), out)
    # Another open incident, started at the same time, whose name sorts before the first's.
    _save(service_dir(acme) / "incidents" / "2026-06-08-aaa.yaml",
          OPEN_INCIDENT.replace("open00000001", "open00000002").replace("API errors", "AAA errors"))
    build_site(sspage.open_site(acme.root), out)
    clean = tmp_path / "clean"
    build_site(sspage.open_site(acme.root), clean)
    assert _outputs(out) == _outputs(clean)
