"""Profiles and profile editing, including the seed app's famous rename crash."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from tests.app.helpers import AuthActions, MakeUser

TAKEN = "Please use a different username."


def _profiles(app: Flask) -> list[tuple[str, str | None]]:
    """Every (username, about_me) in id order, read fresh from the database."""
    with app.app_context():
        rows = db.session.execute(sa.select(User.username, User.about_me).order_by(User.id))
        return [(row.username, row.about_me) for row in rows]


@contextmanager
def _row_inserted_before_next_commit(app: Flask, username: str, email: str) -> Iterator[None]:
    """Insert a user through a second, independent connection just before the app flushes.

    This is the race: the app's validator has already run (and passed) when the conflicting
    row appears, so only the database's unique constraint can catch it.
    """
    other_engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    inserted: list[bool] = []

    def insert_conflict(*_args: object) -> None:
        if inserted:
            return
        inserted.append(True)
        with other_engine.begin() as connection:
            connection.execute(
                User.__table__.insert().values(username=username, email=email)
            )

    with app.app_context():
        sa.event.listen(db.session, "before_flush", insert_conflict)
    try:
        yield
    finally:
        with app.app_context():
            sa.event.remove(db.session, "before_flush", insert_conflict)
        other_engine.dispose()
    assert inserted, "the app never flushed, so the race was not exercised"


def test_profile_page_shows_the_user(client: FlaskClient, alice: User,
                                     make_user: MakeUser) -> None:
    """A profile shows name, avatar, about me, last seen, counts and a Follow button."""
    make_user("bob", about_me="I build things.")
    page = client.get("/user/bob").get_data(as_text=True)
    assert "<h1 class=\"h3\">bob</h1>" in page
    assert 'src="/avatar/bob.svg"' in page
    assert "I build things." in page
    assert "Last seen:" in page
    assert '<span class="followers-count">0</span> followers' in page
    assert 'action="/follow/bob"' in page


def test_own_profile_links_to_edit(client: FlaskClient, alice: User) -> None:
    """Your own profile offers Edit instead of Follow."""
    page = client.get("/user/alice").get_data(as_text=True)
    assert 'href="/edit_profile"' in page
    assert "/follow/alice" not in page


def test_unknown_profile_is_404(client: FlaskClient, alice: User) -> None:
    """An unknown username is a 404 page."""
    assert client.get("/user/nobody").status_code == 404


def test_profile_lookup_ignores_case(client: FlaskClient, alice: User) -> None:
    """/user/ALICE is alice's profile."""
    response = client.get("/user/ALICE")
    assert response.status_code == 200
    assert "<h1 class=\"h3\">alice</h1>" in response.get_data(as_text=True)


def test_edit_profile_form_is_prefilled(client: FlaskClient, make_user: MakeUser,
                                        auth: AuthActions) -> None:
    """GET /edit_profile shows the current username and about me."""
    make_user("dora", about_me="Explorer")
    auth.login("dora")
    page = client.get("/edit_profile").get_data(as_text=True)
    assert 'name="username"' in page
    assert 'value="dora"' in page
    assert "Explorer</textarea>" in page


def test_edit_profile_saves(app: Flask, client: FlaskClient, alice: User) -> None:
    """A free username and an about me are saved, then the form is shown again with a flash."""
    response = client.post("/edit_profile", data={"username": "alice2", "about_me": "Hi!"})
    assert response.headers["Location"] == "/edit_profile"
    assert "Your changes have been saved." in client.get("/edit_profile").get_data(as_text=True)
    assert _profiles(app) == [("alice2", "Hi!")]
    assert client.get("/user/alice2").status_code == 200


def test_changing_only_the_case_of_your_own_name_is_allowed(app: Flask, client: FlaskClient,
                                                            alice: User) -> None:
    """Your own name in other letters is not "taken"."""
    assert client.post("/edit_profile", data={"username": "Alice"}).status_code == 302
    assert _profiles(app) == [("Alice", None)]


@pytest.mark.parametrize("taken", ["bob", "BOB", "Bob"])
def test_seed_bug_renaming_to_a_taken_username_is_a_form_error(
    app: Flask, client: FlaskClient, alice: User, make_user: MakeUser, taken: str
) -> None:
    """Regression for the seed's crash: renaming to a taken name is a 200 with the error."""
    make_user("bob")
    before = _profiles(app)
    response = client.post("/edit_profile", data={"username": taken, "about_me": "changed"})
    assert response.status_code == 200
    assert TAKEN in response.get_data(as_text=True)
    assert _profiles(app) == before == [("alice", None), ("bob", None)]


def test_rename_race_is_a_form_error_not_a_500(app: Flask, client: FlaskClient,
                                               alice: User) -> None:
    """If "bob" is taken after the validator ran, the unique index wins and the user sees why."""
    with _row_inserted_before_next_commit(app, "bob", "bob@example.com"):
        response = client.post("/edit_profile", data={"username": "bob", "about_me": "x"})
    assert response.status_code == 200
    assert TAKEN in response.get_data(as_text=True)
    assert _profiles(app) == [("alice", None), ("bob", None)]
    assert client.get("/user/alice").status_code == 200  # the session still works afterwards


def test_rename_race_with_other_letter_case(app: Flask, client: FlaskClient,
                                            alice: User) -> None:
    """The race is caught even when the winner spelled the name in other letters."""
    with _row_inserted_before_next_commit(app, "BOB", "bob@example.com"):
        response = client.post("/edit_profile", data={"username": "bob"})
    assert TAKEN in response.get_data(as_text=True)
    assert _profiles(app) == [("alice", None), ("BOB", None)]


@pytest.mark.parametrize(
    ("winner", "message"),
    [
        (("newbie", "someone@example.com"), TAKEN),
        (("someone", "newbie@example.com"), "Please use a different email address."),
    ],
)
def test_registration_race_is_a_form_error(app: Flask, client: FlaskClient,
                                           winner: tuple[str, str], message: str) -> None:
    """Two sign-ups for one name or email: the loser gets the form error, not a crash."""
    data = {"username": "newbie", "email": "newbie@example.com",
            "password": "long enough", "password2": "long enough"}
    with _row_inserted_before_next_commit(app, *winner):
        response = client.post("/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": ""}, "This field is required."),
        ({"username": "two words"}, "Use 1 to 64 characters"),
        ({"username": "line\nbreak"}, "Use 1 to 64 characters"),
        ({"username": "bell\x07"}, "Use 1 to 64 characters"),
        ({"username": "\u00fcber"}, "Use 1 to 64 characters"),
        ({"username": "u" * 65}, "Use 1 to 64 characters"),
        ({"username": "alice", "about_me": "a" * 281},
         "Field cannot be longer than 280 characters."),
    ],
)
def test_edit_profile_bad_input_is_a_form_error(app: Flask, client: FlaskClient, alice: User,
                                                data: dict[str, str], message: str) -> None:
    """Bad names and over-long about-me texts are 200s with an error; nothing changes."""
    response = client.post("/edit_profile", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _profiles(app) == [("alice", None)]


def test_about_me_keeps_hostile_text_inert(app: Flask, client: FlaskClient, alice: User) -> None:
    """Markup and JSON fragments in about me are stored as typed and shown escaped."""
    text = '<script>alert(1)</script>\n{"level": "error"}'
    client.post("/edit_profile", data={"username": "alice", "about_me": text})
    assert _profiles(app) == [("alice", text)]
    page = client.get("/user/alice").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
