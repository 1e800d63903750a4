"""Templates' csrf_token() is ours (serializer built once per key) and Flask-WTF accepts it."""

from __future__ import annotations

import pytest
from flask import Flask, g, render_template_string, session
from flask.testing import FlaskClient
from flask_wtf.csrf import validate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms import ValidationError

from app import csrf_tokens


def test_templates_call_ours_through_the_global_and_the_context(app: Flask) -> None:
    """Both ways a template finds csrf_token (jinja global, Flask-WTF's processor) reach ours."""
    assert app.jinja_env.globals["csrf_token"] is csrf_tokens.generate_csrf
    with app.test_request_context("/"):
        rendered = render_template_string("{{ csrf_token() }}")
        assert rendered == g.csrf_token
        assert render_template_string("{{ csrf_token() }}") == rendered  # one per request


def test_flask_wtf_validates_the_token_and_it_signs_the_session_value(app: Flask) -> None:
    """The token is Flask-WTF's format: its validate_csrf passes, and it signs session's raw one."""
    with app.test_request_context("/"):
        token = csrf_tokens.generate_csrf()
        validate_csrf(token)
        raw = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").loads(token)
        assert raw == session["csrf_token"] and len(raw) == 40


def test_a_new_csrf_key_signs_new_tokens(app: Flask) -> None:
    """WTF_CSRF_SECRET_KEY set live is used at once; the old key's tokens no longer validate."""
    with app.test_request_context("/"):
        session["csrf_token"] = "f" * 40
        old = csrf_tokens.generate_csrf()
    app.config["WTF_CSRF_SECRET_KEY"] = "a-separate-csrf-key"
    with app.test_request_context("/"):
        session["csrf_token"] = "f" * 40
        new = csrf_tokens.generate_csrf()
        validate_csrf(new)
        assert new != old
        with pytest.raises(ValidationError):
            validate_csrf(old)


def test_one_serializer_per_key() -> None:
    """The serializer is built once per key, and each key has its own."""
    first = csrf_tokens._serializer("key-one")
    assert csrf_tokens._serializer("key-one") is first
    assert csrf_tokens._serializer("key-two") is not first


def test_without_a_secret_key_it_refuses(app: Flask) -> None:
    """As Flask-WTF: no key, no token (an error, not an unsigned value)."""
    app.config["SECRET_KEY"] = None
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="secret key"):
        csrf_tokens.generate_csrf()


def test_the_check_runs_for_the_configured_methods_only(csrf_app: Flask,
                                                        csrf_client: FlaskClient) -> None:
    """Flask-WTF's check is skipped for safe methods, and still follows WTF_CSRF_METHODS."""
    assert all(getattr(hook, "__module__", "") != "flask_wtf.csrf"
               for hook in csrf_app.before_request_funcs[None])
    assert csrf_client.get("/login").status_code == 200
    assert csrf_client.post("/login", data={"username": "x"}).status_code == 400
    csrf_app.config["WTF_CSRF_METHODS"] = {"GET", "POST"}
    assert csrf_client.get("/login").status_code == 400
