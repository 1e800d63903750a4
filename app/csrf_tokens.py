"""`csrf_token()` for templates: Flask-WTF's token, with its serializer built once per key.

Flask-WTF's `generate_csrf` builds a `URLSafeTimedSerializer` on every call, and building one
serializes a probe object to JSON; the serializer holds only the key and the salt, so one per
key gives the same tokens. Validation stays Flask-WTF's (`CSRFProtect`, `validate_csrf`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_wtf.csrf import csrf_meta_tag
from itsdangerous import URLSafeTimedSerializer

SALT = "wtf-csrf-token"  # Flask-WTF's, so its validate_csrf accepts these tokens

# Keys come from configuration: a handful per process (tests build apps with several).
_MAX_CACHED_KEYS = 8
_serializers: dict[str | bytes, URLSafeTimedSerializer] = {}


def generate_csrf() -> str:
    """The request's CSRF token, exactly as `flask_wtf.csrf.generate_csrf()` returns it."""
    config = current_app.config
    secret_key = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    if secret_key is None:
        raise RuntimeError("A secret key is required to use CSRF.")
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field_name is None:
        raise RuntimeError("A field name is required to use CSRF.")
    if field_name not in g:
        serializer = _serializer(secret_key)
        if field_name not in session:
            session[field_name] = _new_raw_token()
        try:
            token = serializer.dumps(session[field_name])
        except TypeError:  # as Flask-WTF: an unserializable value in the session is replaced
            session[field_name] = _new_raw_token()
            token = serializer.dumps(session[field_name])
        setattr(g, field_name, token)
    return str(g.get(field_name))


def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    serializer = _serializers.get(secret_key)
    if serializer is None:
        serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        if len(_serializers) < _MAX_CACHED_KEYS:
            _serializers[secret_key] = serializer
    return serializer


def _new_raw_token() -> str:
    return hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (Flask-WTF's format, not a hash of secrets)


def init_app(app: Flask) -> None:
    """Templates' `csrf_token` (the global and Flask-WTF's context processor) becomes ours, and
    Flask-WTF's check skips safe methods before its exemption lookups.

    Call it after `CSRFProtect.init_app`, which installs all three.
    """
    app.jinja_env.globals["csrf_token"] = generate_csrf
    processors = app.template_context_processors[None]
    for index, processor in enumerate(processors):
        if getattr(processor, "__module__", None) == "flask_wtf.csrf":
            processors[index] = _csrf_processor
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if getattr(hook, "__module__", None) == "flask_wtf.csrf":
            hooks[index] = _checked_methods_only(hook)


def _checked_methods_only(csrf_protect: Callable[[], None]) -> Callable[[], None]:
    """Flask-WTF's before_request check, entered only for the methods it checks.

    `CSRFProtect.protect` returns for other methods (GET, HEAD...) too, but only after looking
    up the view's exemptions: a cost on every page for nothing.
    """

    def csrf_protect_checked_methods() -> None:
        if request.method in current_app.config["WTF_CSRF_METHODS"]:
            csrf_protect()

    return csrf_protect_checked_methods


def _csrf_processor() -> dict[str, Any]:
    return {"csrf_token": generate_csrf, "csrf_meta_tag": csrf_meta_tag}
