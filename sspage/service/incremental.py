"""What an incremental build of a service works out from the last build's records,
rather than from every file or every record again.

* which month pages of the archive to render: the changed incidents' months,
  and the neighbours of a month that appeared or is gone (their pagers link it);
* each component's first and last incident times (Statuspage's ``created_at``
  and ``updated_at``), moved by the changed incidents (:func:`compute.moved_times`);
* the records in the manifest's order, sorted again only when a name was added.

Each answer equals what counting everything gives: ``tests/test_service_incremental.py``
compares incremental builds after random edits with clean builds, file by file.
"""

from __future__ import annotations

from typing import Any

from .compute import Named, component_times, moved_times
from .records import IncidentRecord, ServiceRecord


def sorted_records(records: dict[str, dict[str, Any]], kind: str,
                   copied: ServiceRecord | None) -> dict[str, Any]:
    """The records of ``kind`` by name, as the manifest keeps them (deterministic bytes). When
    they were ``copied`` from the last build's (sorted), the order holds unless a name was added."""
    found = records[kind]
    before = copied.of(kind) if copied is not None else None
    if before is not None and all(stem in before for stem in found):
        return found
    return dict(sorted(found.items()))


def months_to_render(months: list[str], by_month: dict[str, list[IncidentRecord]],
                      changes: list[tuple[IncidentRecord | None, IncidentRecord | None]]) -> set[str]:
    """The month pages an incremental build renders: those of the changed incidents (before
    and after the change), and the neighbours of a month that appeared or is gone, whose
    pagers link to it. ``months`` are the published ones, newest first."""
    wanted = {record.month for pair in changes for record in pair if record is not None}
    moved_in: dict[str, set[int]] = {}  # month -> the records that were not in it before
    gone = set()
    for before, after in changes:
        was = before.month if before is not None and before.shown else None
        if after is not None and after.shown and after.month != was:
            moved_in.setdefault(after.month, set()).add(id(after))
        if was is not None and was not in by_month:
            gone.add(was)
    appeared = {month for month, newcomers in moved_in.items()
                if len(by_month[month]) == len(newcomers)}  # only newcomers: it is new
    for month in appeared | gone:
        around = sorted({*months, month}, reverse=True)
        index = around.index(month)
        wanted.update(around[max(index - 1, 0):index + 2])
    return wanted & set(months)


def incident_times(old: ServiceRecord | None, incidents: dict[str, IncidentRecord],
                    touched: set[str]) -> dict[str, tuple[str, str]]:
    """Each component's first and last published incident times (compute.component_times):
    from the last build's and the incidents that changed, or (if that cannot tell) from all."""
    if old is not None and old.times is not None:
        moved = moved_times(old.times, [(_named(old.incidents.get(stem)), _named(incidents.get(stem)))
                                        for stem in sorted(touched)])
        if moved is not None:
            return moved
    return component_times(named for record in incidents.values() if (named := _named(record)))


def _named(record: IncidentRecord | None) -> Named | None:
    return None if record is None or not record.shown else (record.components, record.start, record.updated)
