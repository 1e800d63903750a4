"""The session interface reuses its serializer, and only while the keys stay the same."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from app.sessions import ReusedSerializerSessionInterface


def test_the_serializer_is_reused_until_a_key_changes(app: Flask) -> None:
    """Same keys, same serializer; a new SECRET_KEY or fallback list builds a new one."""
    interface = app.session_interface
    assert isinstance(interface, ReusedSerializerSessionInterface)
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first
    app.config["SECRET_KEY_FALLBACKS"] = ["old-key"]
    rotated = interface.get_signing_serializer(app)
    assert rotated is not first
    assert rotated is not None and rotated.loads(first.dumps({"a": 1})) == {"a": 1}
    app.config["SECRET_KEY"] = "another-key"
    assert interface.get_signing_serializer(app) is not rotated


def test_a_new_secret_key_signs_everyone_out(app: Flask, client: FlaskClient,
                                             alice: User) -> None:
    """A cookie signed with a key the app no longer has is not a session (nothing stale kept)."""
    assert client.get("/index").status_code == 200
    app.config["SECRET_KEY"] = "a-brand-new-key"
    assert client.get("/index").status_code == 302


def test_an_app_without_a_key_has_no_serializer(app: Flask) -> None:
    """As Flask's own: no SECRET_KEY, no signed sessions."""
    app.config["SECRET_KEY"] = None
    assert app.session_interface.get_signing_serializer(app) is None
