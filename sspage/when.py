"""Times as people type them: ``2026-12-31``, ``2026-12-31T17:00``, ``30d``, ``never``."""

from __future__ import annotations

import datetime as dt
import re

from .errors import InputError

_RELATIVE = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$", re.I)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
NEVER = ("never", "none", "null")


def parse_when(text: str, *, now: dt.datetime, timezone: str = "UTC") -> dt.datetime | None:
    """A moment in UTC, or None for ``never``. Times without a zone are in ``timezone``.

    A bare date means the end of that day: ``--expires 2026-12-31`` keeps the
    page up through the 31st.
    """
    value = text.strip()
    if value.lower() in NEVER:
        return None
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), _UNITS[relative.group(2).lower()]
        return now + dt.timedelta(**{unit: amount})
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            moment = dt.datetime.combine(dt.date.fromisoformat(value) + dt.timedelta(days=1), dt.time())
        else:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise InputError(
            f"cannot read the time {text!r}",
            hint="use 2026-12-31, 2026-12-31T17:00, 2026-12-31T17:00:00Z, 30d, 12h or never",
        ) from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)
