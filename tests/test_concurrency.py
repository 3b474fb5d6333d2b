"""Several writers at once, and writes that fail half way."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys

import pytest
import yaml
from helpers import snapshot

import sspage
from sspage import StoreError
from sspage.lock import SiteLock

WORKERS = 8
PER_WORKER = 3


def _add_items(root: str, worker: int, count: int) -> list[str]:
    site = sspage.open_site(root)
    return [site.add_item("shared", f"worker {worker} item {n}").id for n in range(count)]


def _check_page(site, expected_texts):
    path = site.pages_dir / "shared.yaml"
    page = site.page("shared")  # validates the whole file
    texts = sorted(item.text for item in page.items)
    assert texts == sorted(expected_texts)
    assert len({item.id for item in page.items}) == len(page.items)
    orders = [item.sort_order for item in page.items]
    assert len(set(orders)) == len(orders), "two writers gave out the same sortOrder"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert len(data["items"]) == len(expected_texts)
    assert [p for p in os.listdir(site.pages_dir) if p != "shared.yaml"] == []  # no temp files left
    return page


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_processes_adding_items_at_once(site):
    site.create_page("Shared")
    context = multiprocessing.get_context("fork")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(_add_items, [(str(site.root), w, PER_WORKER) for w in range(WORKERS)])
    ids = [item_id for chunk in results for item_id in chunk]
    assert len(set(ids)) == WORKERS * PER_WORKER
    page = _check_page(site, [f"worker {w} item {n}" for w in range(WORKERS) for n in range(PER_WORKER)])
    assert sorted(item.id for item in page.items) == sorted(ids)
    assert sorted(item.sort_order for item in page.items) == list(range(WORKERS * PER_WORKER))
    assert sspage.check_site(site).problems == []


def _run_cli(root, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSPAGE_SITE", None)
    return subprocess.Popen([sys.executable, "-m", "sspage", "--site", str(root), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_cli_processes_adding_items_at_once(site):
    site.create_page("Shared")
    procs = [_run_cli(site.root, "item", "add", "shared", f"cli {n}", "--json") for n in range(WORKERS)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * WORKERS, outputs
    _check_page(site, [f"cli {n}" for n in range(WORKERS)])


@pytest.mark.slow
def test_cli_processes_mixed_commands_at_once(site):
    site.create_page("Shared", items=[f"seed {n}" for n in range(WORKERS)])
    procs = []
    for n in range(WORKERS):
        procs.append(_run_cli(site.root, "item", "add", "shared", f"cli {n}"))
        procs.append(_run_cli(site.root, "item", "done", "shared", f"seed {n}"))
        procs.append(_run_cli(site.root, "page", "set", "shared", "--latest-update", f"update {n}"))
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), outputs
    page = _check_page(site, [f"seed {n}" for n in range(WORKERS)] + [f"cli {n}" for n in range(WORKERS)])
    assert all(int(i.state) == 2 for i in page.items if i.text.startswith("seed"))
    assert page.latest_update in {f"update {n}" for n in range(WORKERS)}


# -- interrupted writes ------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk full", "interrupt"])
@pytest.mark.parametrize("operation", [
    lambda s: s.add_item("kitchen-renovation", "new"),
    lambda s: s.update_item("kitchen-renovation", "#1", state=2),
    lambda s: s.update_page("kitchen-renovation", title="New title"),
    lambda s: s.rotate_token("kitchen-renovation"),
    lambda s: s.create_page("Another"),
], ids=["add", "update", "page set", "rotate", "create"])
def test_interrupted_write_keeps_the_old_file(site, monkeypatch, error, operation):
    created = site.create_page("Kitchen renovation", items=["a", "b"])
    before = snapshot(site.root)

    def failing_replace(src, dst):
        assert os.path.exists(src)  # the new text was fully written to a temp file first
        raise error

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(type(error)):
        operation(site)
    monkeypatch.undo()
    assert snapshot(site.root) == before
    assert sorted(os.listdir(site.pages_dir)) == ["kitchen-renovation.yaml"]  # no temp files
    assert site.verify_token("kitchen-renovation", created.token)
    # the site still works afterwards: the lock was released
    site.add_item("kitchen-renovation", "after")
    assert [i.text for i in site.page("kitchen-renovation").sorted_items()] == ["a", "b", "after"]


def test_failed_write_in_cli_is_reported_and_keeps_the_file(site, runner, monkeypatch):
    site.create_page("Kitchen renovation", items=["a"])
    before = snapshot(site.root)

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    result = runner("item", "add", "kitchen-renovation", "new")
    monkeypatch.undo()
    assert result.exit_code != 0
    assert snapshot(site.root) == before
    assert sorted(os.listdir(site.pages_dir)) == ["kitchen-renovation.yaml"]


def test_write_keeps_file_mode(site):
    created = site.create_page("Kitchen renovation", items=["a"])
    os.chmod(created.page.path, 0o640)
    site.add_item("kitchen-renovation", "b")
    assert created.page.path.stat().st_mode & 0o777 == 0o640


def test_lock_held_elsewhere_times_out_cleanly(site):
    site.create_page("Kitchen renovation", items=["a"])
    before = snapshot(site.root)
    other = SiteLock(site.root / ".sspage" / "lock")
    site.lock.timeout = 0.2
    with other:
        with pytest.raises(StoreError, match="another sspage process"):
            site.add_item("kitchen-renovation", "b")
    assert snapshot(site.root) == before
    site.add_item("kitchen-renovation", "b")  # free again
    assert len(site.page("kitchen-renovation").items) == 2


def test_lock_is_reentrant_and_released(site):
    site.create_page("Kitchen renovation")
    with site.lock, site.lock:
        site.add_item("kitchen-renovation", "inside")
    other = SiteLock(site.root / ".sspage" / "lock", timeout=0.2)
    with other:
        pass


# -- a waiter is seen by the holder -------------------------------------------------------------


def test_the_holder_sees_a_process_waiting_for_the_lock(site):
    import threading
    import time

    holder = SiteLock(site.root / ".sspage" / "lock")
    other = SiteLock(site.root / ".sspage" / "lock", timeout=10)
    got = threading.Event()

    def wait_for_it():
        with other:
            got.set()

    with holder:
        assert holder.waiting() is False
        thread = threading.Thread(target=wait_for_it)
        thread.start()
        deadline = time.monotonic() + 5
        while not holder.waiting() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert holder.waiting() is True
        assert not got.is_set()
    thread.join(10)
    assert got.is_set()
    with holder:
        assert holder.waiting() is False  # the waiter let go of its mark once it had the lock
    holder.close()


# -- a group of atomic writes (the API's) -------------------------------------------------------


def test_grouped_writes_are_put_in_place_together(tmp_path):
    import threading

    from sspage.atomic import atomic_delete, atomic_write, grouped_writes
    from sspage.yamlio import read_bytes

    one, two, gone, new = (tmp_path / f"{name}.yaml" for name in ("one", "two", "gone", "new"))
    for path in (one, two, gone):
        path.write_text(f"{path.stem}: old\n")
    seen_elsewhere: list[bytes] = []
    with grouped_writes() as group:
        atomic_write(one, "one: first\n")
        atomic_write(one, "one: new\n")  # twice in a group: the last one counts
        atomic_write(two, "two: new\n", "\r\n")
        atomic_write(new, "new: at once\n")
        atomic_write(gone, "gone: written, then deleted\n")
        atomic_delete(gone)
        # Not in place yet, but this thread reads what it wrote; others read the old files.
        assert one.read_text() == "one: old\n"
        assert read_bytes(one) == b"one: new\n"
        assert read_bytes(two) == b"two: new\r\n"
        thread = threading.Thread(target=lambda: seen_elsewhere.append(read_bytes(one)))
        thread.start()
        thread.join()
        assert new.read_text() == "new: at once\n"  # a new file is not held back
        assert not gone.exists()
        assert len(group.pending) == 2
    assert seen_elsewhere == [b"one: old\n"]
    assert one.read_bytes() == b"one: new\n"
    assert two.read_bytes() == b"two: new\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.yaml", "one.yaml", "two.yaml"]
    assert group.failed == {}


def test_a_group_whose_file_cannot_be_made_durable_changes_nothing(tmp_path, monkeypatch):
    import sspage.atomic as atomic

    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text("one: old\n")
    two.write_text("two: old\n")
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output"), atomic.grouped_writes() as group:
        atomic.atomic_write(one, "one: new\n")
        atomic.atomic_write(two, "two: new\n")
    assert one.read_text() == "one: old\n" and two.read_text() == "two: old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.yaml", "two.yaml"]  # no temp files
    assert list(group.failed) == [0]
