"""The built site, served beside the API by ``sspage api --build``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.staticfiles import StaticFiles

from .errors import problem


class SiteFiles:
    """``StaticFiles`` over the build output, refusing hidden files (the build's own state)."""

    def __init__(self, folder: Path) -> None:
        self.files = StaticFiles(directory=folder, html=True, check_dir=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if any(part.startswith(".") for part in path.split("/")):
            await problem(404, "Not found")(scope, receive, send)
            return
        await self.files(scope, receive, send)
