"""The web UI: `/`, `/join/<room id>` (an invite) and `/login` pages and `/static/*` assets, served from the configured static folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.params import FromPath
from litestar.response import File

from runtime.web.rest_bodies import ApiError


def _page(request: Request[Any, Any, Any], name: str) -> File:
    static_dir: Path = request.app.state.chat.settings.static_dir
    path = static_dir / name
    if not path.is_file():
        raise ApiError(404, "NotFound", f"the web UI page {name} is not installed (looked in {static_dir})")
    return File(path, content_disposition_type="inline", media_type="text/html")


@get("/", include_in_schema=False, cache=False)
async def index_page(request: Request[Any, Any, Any]) -> File:
    return _page(request, "index.html")


@get("/join/{room_id:str}", include_in_schema=False, cache=False)
async def invite_page(request: Request[Any, Any, Any], room_id: FromPath[str]) -> File:
    """An invite link: the chat page, which joins the room (after sign-in); the id is checked by the join itself."""
    del room_id
    return _page(request, "index.html")


@get("/login", include_in_schema=False, cache=False)
async def login_page(request: Request[Any, Any, Any]) -> File:
    static_dir: Path = request.app.state.chat.settings.static_dir
    return _page(request, "login.html" if (static_dir / "login.html").is_file() else "index.html")


@get("/static/{asset_path:path}", include_in_schema=False)
async def static_asset(request: Request[Any, Any, Any], asset_path: FromPath[str]) -> File:
    static_dir: Path = request.app.state.chat.settings.static_dir.resolve()
    if "\x00" in asset_path:  # resolve() raises on NUL: answer as for any other bad path
        raise ApiError(404, "NotFound", "no static file with a NUL in its name")
    target = (static_dir / asset_path.lstrip("/")).resolve()
    # Refuse anything that resolves outside the folder (../, symlinks out).
    if not target.is_relative_to(static_dir) or not target.is_file():
        raise ApiError(404, "NotFound", f"no static file {asset_path[:100]!r}")
    return File(target, filename=target.name, content_disposition_type="inline")  # the name gives the type: ES modules need JavaScript


static_router = Router(path="/", route_handlers=[index_page, invite_page, login_page, static_asset])
