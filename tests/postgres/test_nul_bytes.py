"""PostgreSQL refuses NUL bytes in text (SQLite stores them): hostile input must not be a 500."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """A crash must show up as the 500 a visitor would get, not as a raised exception."""
    return {**app_config, "PROPAGATE_EXCEPTIONS": False}


@pytest.mark.parametrize(
    ("path", "form", "expected_status"),
    [
        ("/login", {"username": "al\x00ice", "password": "any password"}, 302),  # "invalid" flash
        ("/register", {"username": "b\x00b", "email": "bob@example.com",
                       "password": "long enough", "password2": "long enough"}, 200),
        ("/register", {"username": "bob", "email": "b\x00b@example.com",
                       "password": "long enough", "password2": "long enough"}, 200),
    ],
    ids=["login-username", "register-username", "register-email"],
)
def test_nul_in_a_signed_out_form_is_not_a_crash(
    app: Flask, path: str, form: dict[str, str], expected_status: int
) -> None:
    """A NUL byte in a sign-in or sign-up field is refused like any bad value."""
    assert app.test_client().post(path, data=form).status_code == expected_status


def test_nul_in_a_new_username_is_a_form_error(alice_client: FlaskClient) -> None:
    """Renaming yourself to a name with a NUL byte is a form error."""
    response = alice_client.post("/edit_profile", data={"username": "al\x00ice", "about_me": ""})
    assert response.status_code == 200


def test_nul_in_a_profile_address_is_a_404(alice_client: FlaskClient) -> None:
    """/user/<name> with an encoded NUL byte finds nobody."""
    assert alice_client.get("/user/al%00ice").status_code == 404
