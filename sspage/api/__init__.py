"""``sspage api``: SharedStatus's HTTP API over the git store.

Starlette, uvicorn and pygit2 are the ``api`` extra (``pip install 'sspage[api]'``);
nothing else imports this package, so the other commands start as fast as
before. The pieces, one module each:

* :mod:`.app`: the endpoints, and the checks each request passes;
* :mod:`.pages`: publicCode to file, and the cached GET bodies;
* :mod:`.writer`: the one thread that writes and commits, grouping commits if asked;
* :mod:`.commits`: the commits, made with libgit2 in a helper process;
* :mod:`.publish`: rebuilding the static site and pushing after commits;
* :mod:`.ratelimit`, :mod:`.errors`, :mod:`.log`, :mod:`.openapi`, :mod:`.static`;
* :mod:`.server`: all of it served by uvicorn.
"""

from __future__ import annotations

from .app import DEFAULT_AUTHOR, Api, Options, create_app
from .server import serve_api

__all__ = ["DEFAULT_AUTHOR", "Api", "Options", "create_app", "serve_api"]
