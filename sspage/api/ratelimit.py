"""Rate limits per client address: a token bucket for each (limit, address).

A bucket holds up to ``per_minute`` requests and refills at that rate, so a
client may send a burst of a minute's allowance and then one request every
``60 / per_minute`` seconds. Memory stays bounded: when many addresses are
tracked, buckets that have refilled completely (idle clients) are dropped.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_TRACKED = 50_000


class RateLimiter:
    """``take(address)`` is 0 when the request may go ahead, else the seconds to wait."""

    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.capacity = max(1.0, per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)
        self.lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.per_minute <= 0

    def take(self, address: str) -> int:
        """Spend one request for ``address``; return 0, or whole seconds until one is allowed."""
        if self.unlimited:
            return 0
        now = self.clock()
        with self.lock:
            tokens, then = self.buckets.get(address, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self.buckets[address] = (tokens - 1.0, now)
                if len(self.buckets) > MAX_TRACKED:
                    self._forget_idle(now)
                return 0
            self.buckets[address] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self.rate))

    def _forget_idle(self, now: float) -> None:
        full = [address for address, (tokens, then) in self.buckets.items()
                if tokens + (now - then) * self.rate >= self.capacity]
        for address in full:
            del self.buckets[address]
        if len(self.buckets) > MAX_TRACKED:  # a flood of distinct addresses: start afresh
            self.buckets.clear()


def parse_limit(text: str) -> float:
    """``10/min``, ``600/hour``, ``5/s`` or ``0`` (no limit) as requests per minute."""
    value = text.strip().lower()
    if value in ("0", "off", "none"):
        return 0.0
    number, _, unit = value.partition("/")
    seconds = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
               "h": 3600, "hour": 3600}.get(unit.strip() or "min")
    try:
        count = float(number)
    except ValueError:
        count = -1.0
    if seconds is None or count < 0 or not math.isfinite(count):
        raise ValueError(f"{text!r} is not a rate: write it like 10/min, 600/hour or 5/s (0: no limit)")
    return count * 60.0 / seconds
