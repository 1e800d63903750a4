"""Registering, logging in and out, and where a login may send you next."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.auth.redirects import is_safe_next
from app.extensions import db
from app.models import User
from tests.app.helpers import PASSWORD, AuthActions, MakeUser

GOOD_REGISTRATION = {
    "username": "newbie",
    "email": "newbie@example.com",
    "password": "long enough",
    "password2": "long enough",
}


def _users(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        users = db.session.scalars(sa.select(User).order_by(User.id))
        return [(user.username, user.email) for user in users]


def test_login_page_renders_for_anonymous(client: FlaskClient) -> None:
    """GET /login shows the three contract fields inside the layout."""
    page = client.get("/login").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="remember_me"'):
        assert field in page
    assert 'class="navbar' in page


def test_register_page_renders_for_anonymous(client: FlaskClient) -> None:
    """GET /register shows username, email, password and password2."""
    page = client.get("/register").get_data(as_text=True)
    for field in ("username", "email", "password", "password2"):
        assert f'name="{field}"' in page


def test_register_creates_user_with_hashed_password(app: Flask, client: FlaskClient) -> None:
    """A valid registration stores the user (email lowercased, password hashed) and redirects."""
    response = client.post("/register", data={**GOOD_REGISTRATION, "email": "NewBie@Example.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user is not None
        assert (user.username, user.email) == ("newbie", "newbie@example.com")
        assert user.password_hash is not None
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("long enough")


def test_registered_user_can_log_in(client: FlaskClient, auth: AuthActions) -> None:
    """The account made by /register works on /login."""
    client.post("/register", data=GOOD_REGISTRATION)
    response = auth.login("newbie", "long enough")
    assert response.headers["Location"] == "/index"
    assert "newbie" in client.get("/index").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"email": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"email": "a" * 120 + "@example.com"}, "Field cannot be longer than 120 characters."),
        ({"password": "", "password2": ""}, "This field is required."),
        ({"password": "short", "password2": "short"}, "Field must be between 8 and 128"),
        ({"password": "x" * 129, "password2": "x" * 129}, "Field must be between 8 and 128"),
        ({"password2": "different!"}, "The passwords do not match."),
        ({"username": "john smith"}, "Use 1 to 64 characters"),
        ({"username": "x" * 65}, "Use 1 to 64 characters"),
        ({"username": "tab\there"}, "Use 1 to 64 characters"),
        ({"username": "new\nline"}, "Use 1 to 64 characters"),
        ({"username": "nul\x00byte"}, "Use 1 to 64 characters"),
        ({"username": "j\u00f6rg"}, "Use 1 to 64 characters"),
        ({"username": "\u0430lice"}, "Use 1 to 64 characters"),  # Cyrillic a, a look-alike
        ({"username": "\U0001f600"}, "Use 1 to 64 characters"),
        ({"username": ".."}, "Use 1 to 64 characters"),
        ({"username": '"},{"level":"error'}, "Use 1 to 64 characters"),
    ],
)
def test_registration_errors_are_form_errors(
    app: Flask, client: FlaskClient, changes: dict[str, str], message: str
) -> None:
    """Each bad field re-renders the form (200) with a message, and stores nothing."""
    response = client.post("/register", data={**GOOD_REGISTRATION, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _users(app) == []


@pytest.mark.parametrize("name", ["a", "Bob_99", "first.last", "x-y", "9lives", "z" * 64])
def test_valid_usernames_register(app: Flask, client: FlaskClient, name: str) -> None:
    """Letters, digits, '.', '_' and '-' up to 64 characters are accepted."""
    response = client.post("/register", data={**GOOD_REGISTRATION, "username": name})
    assert response.status_code == 302
    assert _users(app) == [(name, "newbie@example.com")]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "SUSAN"}, "Please use a different username."),
        ({"email": "Susan@Example.com"}, "Please use a different email address."),
    ],
)
def test_registering_a_taken_name_or_email_is_a_form_error(
    app: Flask, client: FlaskClient, make_user: MakeUser, changes: dict[str, str], message: str
) -> None:
    """A taken username (in any case) or email is a 200 with the error, never a 500."""
    make_user("susan", "susan@example.com")
    response = client.post("/register", data={**GOOD_REGISTRATION, **changes})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _users(app) == [("susan", "susan@example.com")]


def test_login_with_wrong_password_is_refused(
    client: FlaskClient, make_user: MakeUser, auth: AuthActions
) -> None:
    """A wrong password flashes a generic message and leaves you logged out."""
    make_user("susan")
    response = auth.login("susan", "wrong password")
    assert response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invalid username or password." in page
    assert client.get("/index").status_code == 302


def test_login_with_unknown_user_is_refused(client: FlaskClient, auth: AuthActions) -> None:
    """An unknown username gets the same message as a wrong password."""
    response = auth.login("ghost")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invalid username or password." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "", "password": PASSWORD}, "This field is required."),
        ({"username": "susan", "password": ""}, "This field is required."),
        ({"username": "s" * 65, "password": PASSWORD}, "Field cannot be longer than 64"),
        ({"username": "susan", "password": "p" * 129}, "Field cannot be longer than 128"),
    ],
)
def test_login_form_errors(client: FlaskClient, data: dict[str, str], message: str) -> None:
    """Empty or over-long login fields are form errors (200), not lookups."""
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_login_username_ignores_case(make_user: MakeUser, auth: AuthActions) -> None:
    """Usernames are case-insensitive at login as they are at registration."""
    make_user("Susan")
    assert auth.login("sUSAN").headers["Location"] == "/index"


def test_remember_me_sets_a_remember_cookie(
    client: FlaskClient, make_user: MakeUser, auth: AuthActions
) -> None:
    """Ticking remember_me gives a long-lived remember_token cookie; not ticking it does not."""
    make_user("susan")
    auth.login("susan")
    assert client.get_cookie("remember_token") is None
    auth.logout()
    auth.login("susan", remember_me="y")
    assert client.get_cookie("remember_token") is not None


def test_logout_ends_the_session(client: FlaskClient, alice: User, auth: AuthActions) -> None:
    """After /logout, pages that need a login redirect to it again."""
    assert client.get("/index").status_code == 200
    assert auth.logout().headers["Location"] == "/index"
    assert client.get("/index").headers["Location"].startswith("/login")


def test_logout_when_anonymous_is_harmless(client: FlaskClient) -> None:
    """Logging out without a session just redirects."""
    assert client.post("/logout").status_code == 302


def test_get_logout_does_not_log_out(client: FlaskClient, alice: User) -> None:
    """A GET /logout (a link or an image on another site) is a 405 and the session stays."""
    assert client.get("/logout").status_code == 405
    assert client.get("/index").status_code == 200


def test_logout_needs_the_csrf_token(csrf_client: FlaskClient, make_user: MakeUser) -> None:
    """With CSRF enforced, a POST /logout without the token is refused and the session stays;
    the navbar's form, which carries it, logs out."""
    make_user("alice")
    auth = AuthActions(csrf_client)
    assert auth.login("alice").status_code == 302
    assert csrf_client.post("/logout").status_code == 400
    assert csrf_client.get("/index").status_code == 200
    assert auth.logout().status_code == 302
    assert csrf_client.get("/index").headers["Location"].startswith("/login")


def test_logged_in_users_are_sent_home_from_login_and_register(
    client: FlaskClient, alice: User
) -> None:
    """/login and /register redirect a logged-in user to the feed."""
    assert client.get("/login").headers["Location"] == "/index"
    assert client.get("/register").headers["Location"] == "/index"


def test_login_required_pages_redirect_with_next(client: FlaskClient) -> None:
    """Anonymous visitors of a protected page go to /login with ?next= back to it."""
    for path in ("/", "/index", "/explore", "/user/anyone", "/edit_profile"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_login_follows_a_local_next(make_user: MakeUser, auth: AuthActions) -> None:
    """A local ?next= path (with its query) is where the login lands."""
    make_user("susan")
    response = auth.client.post(
        "/login?next=/user/susan%3Fpage%3D2", data={"username": "susan", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/user/susan?page=2"


HOSTILE_NEXTS = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/index",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "///evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXTS)
def test_login_ignores_a_foreign_next(make_user: MakeUser, auth: AuthActions, target: str) -> None:
    """An off-site or ambiguous ?next= is dropped: the login lands on /index."""
    make_user("susan")
    response = auth.client.post(
        "/login", query_string={"next": target}, data={"username": "susan", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/index"


@pytest.mark.parametrize("target", HOSTILE_NEXTS)
def test_is_safe_next_rejects_foreign_targets(target: str) -> None:
    """The pure check agrees: none of the hostile targets is local."""
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/index", "/user/bob?page=2", "/explore#top"])
def test_is_safe_next_accepts_local_paths(target: str) -> None:
    """Ordinary site paths are accepted."""
    assert is_safe_next(target)


def test_failed_login_keeps_a_safe_next_only(make_user: MakeUser, auth: AuthActions) -> None:
    """After a failed login the retry keeps a local next, and drops a foreign one."""
    make_user("susan")
    bad = {"username": "susan", "password": "nope"}
    kept = auth.client.post("/login", query_string={"next": "/explore"}, data=bad)
    assert kept.headers["Location"] == "/login?next=/explore"
    dropped = auth.client.post("/login", query_string={"next": "//evil"}, data=bad)
    assert dropped.headers["Location"] == "/login"
