"""Flask's signed-cookie sessions, with the signing serializer built once per set of keys."""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

_KeySet = tuple[str | bytes, ...]


class ReusedSerializerSessionInterface(SecureCookieSessionInterface):
    """The stock session interface; Flask builds its serializer twice per request, this once.

    The serializer holds only the keys and fixed settings, so it is rebuilt exactly when
    SECRET_KEY or SECRET_KEY_FALLBACKS change (tests and key rotation change them live).
    """

    def __init__(self) -> None:
        self._cached: tuple[_KeySet, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for the app's current keys, reused while they stay the same."""
        keys: _KeySet = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        self._cached = (keys, serializer)
        return serializer


def init_app(app: Flask) -> None:
    """Give the app its own session interface (Flask's default is one shared by every app)."""
    app.session_interface = ReusedSerializerSessionInterface()
