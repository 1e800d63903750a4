"""Session and remember-me cookies: HttpOnly and SameSite=Lax always, Secure when configured."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.config import gather_settings
from tests.app.helpers import MakeUser
from tests.apps import built_app

COOKIES = ("session", "remember_token")


def _set_cookies(client: FlaskClient) -> dict[str, str]:
    """The Set-Cookie headers of a login with "remember me", by cookie name."""
    response = client.post("/login", data={"username": "alice", "password":
                                           "correct horse battery", "remember_me": "y"})
    assert response.status_code == 302
    headers = response.headers.getlist("Set-Cookie")
    return {header.split("=", 1)[0]: header for header in headers}


def test_cookies_are_httponly_and_samesite_lax(client: FlaskClient, make_user: MakeUser) -> None:
    """Both cookies: HttpOnly (no script reads them), SameSite=Lax, and not Secure by default."""
    make_user("alice")
    cookies = _set_cookies(client)
    for name in COOKIES:
        attributes = {part.strip().lower() for part in cookies[name].split(";")}
        assert "httponly" in attributes, name
        assert "samesite=lax" in attributes, name
        assert "secure" not in attributes, name


def test_cookies_are_secure_when_configured(app_config: dict[str, Any],
                                            make_user: MakeUser) -> None:
    """SESSION_COOKIE_SECURE and REMEMBER_COOKIE_SECURE add Secure (HTTPS only)."""
    config = {**app_config, "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}
    with built_app(config) as app:
        client = app.test_client()
        make_user("alice")  # the fixture's app shares the database file
        cookies = _set_cookies(client)
    for name in COOKIES:
        assert "secure" in {part.strip().lower() for part in cookies[name].split(";")}, name


@pytest.mark.parametrize("key", ["SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"])
def test_secure_cookies_from_the_environment(key: str) -> None:
    """The environment can switch Secure on (true/false words, like every boolean setting)."""
    assert gather_settings({key: "true"})[key] is True
    assert gather_settings({})[key] is False


def test_proxy_settings_from_the_environment() -> None:
    """PROXY_FIX_* come from the environment as numbers of trusted hops (default 0)."""
    settings = gather_settings({"PROXY_FIX_X_FOR": "1"})
    assert (settings["PROXY_FIX_X_FOR"], settings["PROXY_FIX_X_PROTO"]) == (1, 0)
