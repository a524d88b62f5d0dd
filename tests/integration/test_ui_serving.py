"""The web UI as the app serves it: pages at / and /login, assets with their types, nothing outside the folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from runtime.web.app import create_app
from runtime.web.settings import DEFAULT_STATIC_DIR, Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("ui-serving")
    settings = Settings(bot="none", store=f"sqlite:{folder / 'chat.db'}", auth_key_dir=str(folder / "keys"))
    with TestClient(app=create_app(settings, configure_logs=False)) as test_client:
        yield test_client


def test_the_pages(client: TestClient) -> None:
    chat = client.get("/")
    assert chat.status_code == 200 and chat.headers["content-type"] == "text/html; charset=utf-8"
    assert 'class="chat-container"' in chat.text
    login = client.get("/login")
    assert login.status_code == 200 and 'id="signin-template"' in login.text


@pytest.mark.parametrize("room", ["room-1f6c", "room%20with%20spaces", "%3Cscript%3E", "x" * 600, "%E0%A4%A", "%00"])
def test_an_invite_path_serves_the_chat_page_whatever_the_id(client: TestClient, room: str) -> None:
    # The page checks the id (js/invite.js) and the join checks membership: the route only hands out the page.
    invite = client.get(f"/join/{room}")
    assert invite.status_code == 200 and 'class="chat-container"' in invite.text
    assert invite.headers["content-type"] == "text/html; charset=utf-8"


def test_nothing_but_one_segment_is_an_invite(client: TestClient) -> None:
    assert client.get("/join/").status_code == 404
    assert client.get("/join/a/b").status_code == 404


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("js/chat-page.js", "text/javascript"), ("js/login-page.js", "text/javascript"), ("css/chat.css", "text/css")],
)
def test_assets_are_served_with_the_type_browsers_demand(client: TestClient, path: str, media_type: str) -> None:
    # A module script served as application/octet-stream is refused by every browser: the page would be blank.
    response = client.get(f"/static/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.content == (DEFAULT_STATIC_DIR / path).read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../settings.py",
        "/static/%2e%2e/settings.py",
        "/static/js/..%2f..%2fsettings.py",
        "/static/%2e%2e%2f%2e%2e%2fapp.py",
        "/static/js/missing.js",
        "/static/" + "a/" * 2000 + "x.js",
        "/static/js/chat-page.js%00.png",
    ],
)
def test_hostile_and_missing_asset_paths_are_a_plain_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404), path
    assert "Traceback" not in response.text and "import " not in response.text
    assert "def " not in response.text  # no Python source leaked


def test_every_file_of_the_ui_is_reachable(client: TestClient) -> None:
    files = [p for p in DEFAULT_STATIC_DIR.rglob("*") if p.is_file()]
    assert files
    for path in files:
        relative = path.relative_to(DEFAULT_STATIC_DIR).as_posix()
        response = client.get(f"/static/{relative}")
        assert response.status_code == 200, relative
        assert Path(relative).suffix in (".html", ".js", ".css"), f"unexpected file in the UI folder: {relative}"
