"""Login attempts rate-limited per account and per client address, with Flask-Limiter.

Only failures count (`deduct_when`): a user who signs in correctly spends nothing. Once an
account or an address has used up its failures in the window, every attempt from it gets the
branded 429 page (app/errors) until the window moves on, correct password or not, and a
`login_throttled` event. The counts live in RATELIMIT_STORAGE_URI: `memory://` is per process,
`redis://` is shared by every worker and host.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import structlog
from flask import current_app, g, request
from flask.wrappers import Response
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from app.extensions import limiter
from app.models import User, find_user

log = structlog.get_logger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


def attempted_account() -> str:
    """The limit key of the username typed, folded as accounts are; hashed, because people
    type passwords into the username box and the key sits in the storage (Redis) as it is."""
    name = request.form.get("username", "").strip().lower()
    return "account:" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:32]


def client_address() -> str:
    """The limit key of the client's address (its real one behind a trusted proxy: ProxyFix)."""
    return "address:" + get_remote_address()


def record_login_failure() -> None:
    """Count this request against both limits (called by the view when a login fails)."""
    g.login_failed = True


def _failed(_response: Response) -> bool:
    return bool(g.get("login_failed"))


def account_fields(user: User | None) -> dict[str, object]:
    """Log fields for the account a login named: its username when it exists, else only that
    it does not (what was typed into the username box may be a password)."""
    if user is None:
        return {"username_known": False}
    return {"username": user.username, "username_known": True}


def _log_throttled(per: str) -> Callable[[RequestLimit], None]:
    def on_breach(request_limit: RequestLimit) -> None:
        log.warning("login_throttled", limit=per, window=str(request_limit.limit),
                    **account_fields(find_user(request.form.get("username", ""))))
    return on_breach


def login_limits(view: Callable[P, R]) -> Callable[P, R]:
    """Decorate the login view with both limits, for POSTs only (showing the form is free)."""
    per_address = limiter.limit(
        lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], key_func=client_address,
        methods=["POST"], deduct_when=_failed, on_breach=_log_throttled("address"),
    )
    per_account = limiter.limit(
        lambda: current_app.config["LOGIN_ACCOUNT_LIMIT"], key_func=attempted_account,
        methods=["POST"], deduct_when=_failed, on_breach=_log_throttled("account"),
    )
    return per_address(per_account(view))
