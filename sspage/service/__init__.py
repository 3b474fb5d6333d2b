"""Service status pages: components, incidents, maintenance, posted updates and statuses.

The SharedStatus pages of :mod:`sspage` track progress; service pages track
health, in the manner of Statuspage, Freshstatus, Oh Dear and Stativate. They
live in the same git store (``content/services/``, one file per incident,
window and post), change through the same command line, and are published by
the same build. ``docs/service-pages.md`` describes the files and the rules.
"""
