"""Serves the built officer console (``console/dist``, built by ``make console``) at ``/console``.

The console keeps its session token in memory and sends it in the ``Authorization`` header (never a
cookie), so no request can ride on ambient credentials; the headers below also forbid framing and
any script or connection to another origin.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "console" / "dist"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _ConsoleFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        # hashed bundle names never change content; index.html must be revalidated
        immutable = path.startswith("assets/") and response.status_code == 200
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


def console_dist() -> Path:
    return Path(os.environ.get("NODE_CONSOLE_DIR") or DEFAULT_DIST)


def mount_console(app: FastAPI, dist: Path | None = None) -> bool:
    """Mount the console if it has been built; return whether it was."""
    folder = dist or console_dist()
    if not (folder / "index.html").is_file():
        return False

    @app.get("/console", include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.mount("/console", _ConsoleFiles(directory=folder, html=True), name="console")
    return True
