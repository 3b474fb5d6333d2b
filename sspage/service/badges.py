"""Status badges: an SVG per service page and per component, and shields.io's endpoint JSON.

The SVG has the shape of shields.io's "flat" badge, so it sits well beside
other badges in a README. Text widths come from a table of Verdana's advance
widths at 11 px (the font the badge asks for first), so a badge is the same
bytes on every machine and needs no font file; a character outside the table
is measured by its East Asian width. Status is told in words, and the colour
only repeats them; the SVG has ``role="img"``, an ``aria-label`` and a
``<title>`` saying both the label and the status.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from html import escape  # xml.sax.saxutils would import urllib.request: 0.2 s

#: Background of the status half, by component status or banner (white text on each
#: has a contrast of 4.5:1 or more). shields.io's named colours for the endpoint JSON.
COLOURS = {
    "operational": ("#2b7a3d", "brightgreen"),
    "none": ("#2b7a3d", "brightgreen"),
    "under_maintenance": ("#1f5fa8", "blue"),
    "maintenance": ("#1f5fa8", "blue"),
    "degraded_performance": ("#8a6100", "yellow"),
    "minor": ("#8a6100", "yellow"),
    "partial_outage": ("#b3470a", "orange"),
    "major": ("#b3470a", "orange"),
    "major_outage": ("#b71c1c", "red"),
    "critical": ("#b71c1c", "red"),
}
LABEL_COLOUR = "#555"
PADDING = 6  # each side of a text, in px
CACHE_SECONDS = 300  # shields.io's smallest cacheSeconds

# Verdana 11 px advance widths of printable ASCII, from " " (32) to "~" (126).
_ASCII = (
    3.87, 4.33, 5.05, 9.0, 6.99, 11.84, 7.99, 2.95, 4.99, 4.99, 6.99, 9.0, 4.0, 4.99, 4.0, 4.99,
    6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 6.99, 4.99, 4.99, 9.0, 9.0, 9.0, 6.0,
    11.0, 7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.63, 5.0, 7.62, 6.12, 9.27, 8.23, 8.66,
    6.63, 8.66, 7.65, 7.52, 6.78, 8.05, 7.52, 10.88, 7.54, 6.77, 7.54, 4.99, 4.99, 4.99, 9.0, 6.99,
    6.99, 6.61, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.79, 6.51, 3.02, 10.7, 6.96, 6.68,
    6.85, 6.85, 4.69, 5.73, 4.33, 6.96, 6.51, 8.98, 6.51, 6.51, 5.78, 6.98, 4.99, 6.98, 9.0,
)
_WIDE = 11.0  # a full-width character (CJK), an em
_OTHER = 7.0  # any other character: about an average Latin letter


def text_width(text: str) -> float:
    """The width of ``text`` in Verdana 11 px, rounded to a tenth of a pixel."""
    total = 0.0
    for char in text:
        code = ord(char)
        if 32 <= code <= 126:
            total += _ASCII[code - 32]
        elif unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += _WIDE
        else:
            total += _OTHER
    return round(total, 1)


def badge_svg(label: str, message: str, status: str) -> bytes:
    """A flat badge: ``label`` on grey, ``message`` on the colour of ``status``."""
    colour = COLOURS[status][0]
    left = round(text_width(label) + 2 * PADDING)
    right = round(text_width(message) + 2 * PADDING)
    width = left + right
    said = escape(f"{label}: {message}")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{said}">',
        f"<title>{said}</title>",
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>',
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>',
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>',
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'font-size="11">',
        f'<text x="{left / 2:g}" y="14">{escape(label)}</text>',
        f'<text x="{left + right / 2:g}" y="14">{escape(message)}</text>',
        "</g></svg>",
    ]
    return ("".join(parts) + "\n").encode()


def shields_json(label: str, message: str, status: str) -> bytes:
    """shields.io's endpoint badge JSON (https://shields.io/badges/endpoint-badge)."""
    document = {"schemaVersion": 1, "label": label, "message": message,
                "color": COLOURS[status][1], "cacheSeconds": CACHE_SECONDS}
    return (json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n").encode()


def badge_paths(slug: str, component: str | None = None) -> list[str]:
    """The badge and the shields JSON of a page (``component`` None) or of one component."""
    base = f"status/{slug}/" + (f"components/{component}/" if component else "")
    return [f"{base}badge.svg", f"{base}shields.json"]


def badge_files(slug: str, title: str, banner: str, components: Mapping[str, tuple[str, str]],
                words: Mapping[str, Mapping[str, str]]) -> list[tuple[str, bytes]]:
    """Every badge of a page: the page's (its ``banner``), then each component's.

    ``components`` maps a visible component's key to its name and effective status;
    ``words`` is the theme's ``service`` strings (``banner``, ``component_status``).
    """
    files: list[tuple[str, bytes]] = []
    entries: list[tuple[str | None, str, str, str]] = [(None, title, words["banner"][banner], banner)]
    entries += [(key, name, words["component_status"][status], status)
                for key, (name, status) in components.items()]
    for key, label, message, status in entries:
        svg_path, json_path = badge_paths(slug, key)
        files.append((svg_path, badge_svg(label, message, status)))
        files.append((json_path, shields_json(label, message, status)))
    return files
