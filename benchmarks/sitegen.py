"""Generate large sites for the benchmarks: N pages of 10 items, in sspage's own file format."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

STATES = ("pending", "active", "complete")
WORDS = ("survey", "materials", "ordered", "booked", "inspection", "fitting", "delivery",
         "plaster", "wiring", "plumbing", "sign-off", "painting", "tiles", "roof", "windows")

SITE_YAML = """\
title: Benchmark site
base_url: https://status.example.com
language: en
timezone: Europe/London
"""


def page_text(rng: random.Random, number: int, items: int = 10) -> str:
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
                   for _ in range(12))
    lines = [
        f"publicCode: {code}",
        f"title: Project {number} {rng.choice(WORDS).capitalize()}",
        "latestUpdate: |",
        f"  Work is **on track**. Next visit: {rng.choice(WORDS)}.",
        "createdUtc: 2026-06-08T14:30:00Z",
        "updatedUtc: 2026-06-08T15:10:00Z",
        "expiresUtc: null",
        "items:",
    ]
    for index in range(items):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).capitalize()
        lines += [
            f"  - id: {uuid.UUID(int=rng.getrandbits(128), version=4)}",
            f"    text: {text}",
            f"    sortOrder: {index}",
            f"    state: {rng.choice(STATES)}",
            "    createdUtc: 2026-06-08T14:30:00Z",
            "    updatedUtc: 2026-06-08T15:10:00Z",
        ]
    return "\n".join(lines) + "\n"


def generate(root: Path, pages: int, seed: int = 1) -> Path:
    """A site with ``pages`` pages at ``root`` (created); deterministic for a seed."""
    rng = random.Random(seed)
    folder = root / "content" / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "content" / "site.yaml").write_text(SITE_YAML)
    for number in range(pages):
        (folder / f"project-{number:05d}.yaml").write_text(page_text(rng, number))
    return root
