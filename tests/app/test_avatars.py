"""Avatars drawn by the app: the SVG, its cacheable route, the AVATARS setting, no other host."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.avatars.svg import avatar_svg, colour, initials
from app.config import ConfigError, gather_settings
from app.extensions import db
from app.models import Post, User, find_user
from tests.app.helpers import MakeUser
from tests.apps import built_app
from tests.observability.log_reading import events_named

_SVG = "{http://www.w3.org/2000/svg}"
# Any attribute that makes a browser fetch: src, srcset, href of <link>, poster, data.
_FETCHING_ATTRIBUTE = re.compile(
    r'\b(?:src|srcset|poster|data)="([^"]*)"|<link\b[^>]*\bhref="([^"]*)"', re.I
)


@pytest.mark.parametrize(("name", "expected"), [
    ("alice", "A"), ("alice.smith", "AS"), ("bob_the-builder", "BT"), ("9lives", "9"),
    ("...", "?"),
])
def test_initials_take_the_first_letter_of_up_to_two_words(name: str, expected: str) -> None:
    """Initials are the capitalised first letters of the name's first two words."""
    assert initials(name) == expected


def test_colour_is_stable_per_name_and_ignores_letter_case() -> None:
    """One name always gives one colour, in any case; two names usually differ."""
    assert re.fullmatch(r"#[0-9a-f]{6}", colour("alice"))
    assert colour("alice") == colour("ALICE")
    assert colour("alice") != colour("bob")


def test_svg_escapes_a_hostile_name() -> None:
    """A name full of markup stays text: the document parses and holds no element of it."""
    document = avatar_svg('<script>"&x')
    root = ElementTree.fromstring(document)  # noqa: S314 (our own document, not untrusted)
    assert [element.tag for element in root.iter()] == [f"{_SVG}svg", f"{_SVG}rect", f"{_SVG}text"]
    assert root.get("aria-label") == '<script>"&x'
    assert "<script>" not in document


def test_avatar_route_serves_cacheable_svg(client: FlaskClient) -> None:
    """The route answers without a login, as SVG, with Cache-Control, ETag and a nosniff CSP."""
    response = client.get("/avatar/alice.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.cache_control.public and response.cache_control.max_age == 86_400
    assert response.headers["ETag"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert ">A</text>" in response.get_data(as_text=True)


def test_avatar_route_answers_304_to_a_matching_etag(client: FlaskClient) -> None:
    """A browser that revalidates with the ETag gets 304 and no body."""
    etag = client.get("/avatar/alice.svg").headers["ETag"]
    again = client.get("/avatar/alice.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_avatar_route_escapes_the_name_from_the_url(client: FlaskClient) -> None:
    """A hostile name in the URL comes back as escaped text in a well-formed document."""
    body = client.get("/avatar/%3Cscript%3Ealert(1).svg").get_data(as_text=True)
    assert "<script>" not in body
    ElementTree.fromstring(body)  # noqa: S314 (the app's own document, under test)


def test_avatar_route_refuses_names_longer_than_any_username(client: FlaskClient) -> None:
    """A name longer than the username limit is a 404, not a picture."""
    assert client.get("/avatar/" + "a" * 65 + ".svg").status_code == 404


def test_avatar_requests_log_at_debug_like_static_files(app_config: dict[str, Any]) -> None:
    """An avatar (one per post shown) logs request_finished at debug; a refused name at info."""
    with built_app({**app_config, "LOG_LEVEL": "DEBUG"}) as app:
        client = app.test_client()
        client.get("/avatar/alice.svg")
        client.get("/avatar/" + "x" * 65 + ".svg")
    finished = events_named(Path(app_config["LOG_DIR"]) / "microblog.log", "request_finished")
    assert [(e["level"], e["status"]) for e in finished] == [("debug", 200), ("info", 404)]


def test_avatars_setting_is_checked() -> None:
    """AVATARS takes local or gravatar (any case); anything else is an error naming it."""
    assert gather_settings({})["AVATARS"] == "local"
    assert gather_settings({"AVATARS": "Gravatar"})["AVATARS"] == "gravatar"
    with pytest.raises(ConfigError, match="AVATARS"):
        gather_settings({"AVATARS": "identicon"})


def _fetched_urls(html: str) -> list[str]:
    return [src or href for src, href in _FETCHING_ATTRIBUTE.findall(html)]


def test_no_page_fetches_from_another_host_by_default(app: Flask, client: FlaskClient,
                                                      alice: User, make_user: MakeUser) -> None:
    """Every page a signed-in user sees loads its images, styles and scripts from the app only."""
    make_user("bob")
    with app.app_context():
        db.session.add(Post(body="hello", author=find_user("bob")))
        db.session.commit()
    client.post("/follow/bob")
    fetched = {path: _fetched_urls(client.get(path).get_data(as_text=True))
               for path in ("/index", "/explore", "/user/bob", "/user/alice", "/edit_profile")}
    assert "/avatar/bob.svg" in fetched["/index"]
    assert "/avatar/alice.svg" in fetched["/user/alice"]
    for path, urls in fetched.items():
        assert [url for url in urls if re.match(r"(https?:)?//", url)] == [], path


def test_gravatar_only_when_configured(app: Flask, client: FlaskClient, alice: User) -> None:
    """With AVATARS=gravatar the profile's avatar is Gravatar's, by SHA-256 of the email."""
    app.config["AVATARS"] = "gravatar"
    html = client.get("/user/alice").get_data(as_text=True)
    assert re.search(r'src="https://www\.gravatar\.com/avatar/[0-9a-f]{64}\?', html)


def test_counts_are_singular_for_one(client: FlaskClient, alice: User,
                                     make_user: MakeUser) -> None:
    """One follower reads "1 follower"; two read "2 followers"; following never takes an s."""
    make_user("bob")
    client.post("/follow/bob")
    page = client.get("/user/bob").get_data(as_text=True)
    assert '<span class="followers-count">1</span> follower,' in page
    assert '<span class="following-count">0</span> following.' in page
    assert '<span class="following-count">1</span> following.' in client.get(
        "/user/alice").get_data(as_text=True)
