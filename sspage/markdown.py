"""A page's latestUpdate: Markdown in, sanitised HTML out.

Markdown lets raw HTML through, so its output is never trusted: nh3 (the
Rust ammonia sanitiser) keeps only an allowlist of tags and attributes, and
a link survives only with an absolute http, https or mailto address. Every
link gets ``rel="nofollow noopener"``: the text is written by whoever edits
the page, not by the site's owner. Only this function's output may be marked
safe in a template.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset({
    "a", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "strong", "ul",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

# The page's own h1 and the section's h2 come first, so Markdown headings start at h3.
_HEADING = re.compile(r"<(/?)h([1-6])\b")

_converter: Any = None


def render_markdown(text: str) -> str:
    """Sanitised HTML for ``text``. Safe to insert into a page unescaped."""
    global _converter
    import markdown  # type: ignore[import-untyped, unused-ignore]
    import nh3

    if _converter is None:
        _converter = markdown.Markdown(output_format="html")
    html = _converter.reset().convert(text)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 2, 6)}", html)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(LINK_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    # ammonia keeps relative URLs; a relative link in a status update is a typo at best,
    # and a way to point at something on our own origin at worst.
    if name == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        return value if scheme in LINK_SCHEMES else None
    return value
