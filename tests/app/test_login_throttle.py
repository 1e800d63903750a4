"""Login attempts limited per account and per client address; what a failed login logs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.app.helpers import PASSWORD, MakeUser
from tests.apps import built_app
from tests.observability.log_reading import events_named, read_log

ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 5
WRONG_PASSWORD = "wrong password"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Small limits, so a test reaches them in a few attempts."""
    return {**app_config, "LOGIN_ACCOUNT_LIMIT": f"{ACCOUNT_LIMIT} per 15 minutes",
            "LOGIN_ADDRESS_LIMIT": f"{ADDRESS_LIMIT} per 15 minutes"}


@pytest.fixture
def log_file(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


def _login(client: FlaskClient, username: str, password: str = WRONG_PASSWORD,
           address: str = "192.0.2.1", **headers: str) -> TestResponse:
    return client.post("/login", data={"username": username, "password": password},
                       environ_overrides={"REMOTE_ADDR": address}, headers=headers)


def test_an_account_is_locked_after_its_failures(
    client: FlaskClient, make_user: MakeUser, log_file: Path
) -> None:
    """After the account's failures, even the right password gets the branded 429 page with
    its request ID, a Retry-After, and a `login_throttled` event naming the account."""
    make_user("alice")
    for _ in range(ACCOUNT_LIMIT):
        assert _login(client, "alice").status_code == 302
    response = _login(client, "Alice", PASSWORD, **{"X-Request-ID": "throttled-1"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many requests" in page
    assert re.search(r'<code id="request-id"[^>]*>\s*throttled-1\s*</code>', page)
    assert int(response.headers["Retry-After"]) > 0
    [event] = events_named(log_file, "login_throttled")
    assert event["level"] == "warning" and event["request_id"] == "throttled-1"
    assert (event["limit"], event["username"], event["username_known"]) == \
        ("account", "alice", True)
    assert client.get("/index").status_code == 302  # not logged in


def test_the_account_limit_holds_across_addresses(client: FlaskClient, make_user: MakeUser) -> None:
    """Changing address does not buy more guesses at one account."""
    make_user("alice")
    for number in range(ACCOUNT_LIMIT):
        assert _login(client, "alice", address=f"192.0.2.{number + 10}").status_code == 302
    assert _login(client, "alice", PASSWORD, address="198.51.100.7").status_code == 429


def test_other_accounts_are_not_locked(client: FlaskClient, make_user: MakeUser) -> None:
    """One account's failures leave the others free to sign in."""
    make_user("alice")
    make_user("bob")
    for _ in range(ACCOUNT_LIMIT):
        _login(client, "alice")
    assert _login(client, "bob", PASSWORD).status_code == 302
    assert client.get("/index").status_code == 200


def test_an_address_is_limited_across_accounts(
    client: FlaskClient, make_user: MakeUser, log_file: Path
) -> None:
    """Guessing many names from one address hits the address limit; other addresses go on."""
    make_user("alice")
    for number in range(ADDRESS_LIMIT):
        assert _login(client, f"guess{number}").status_code == 302
    assert _login(client, "alice", PASSWORD).status_code == 429
    [event] = events_named(log_file, "login_throttled")
    assert (event["limit"], event["username"]) == ("address", "alice")
    assert _login(client, "alice", PASSWORD, address="198.51.100.7").status_code == 302


def test_successful_logins_cost_nothing(client: FlaskClient, make_user: MakeUser) -> None:
    """Only failures count: signing in and out more often than the limits is fine."""
    make_user("alice")
    for _ in range(ADDRESS_LIMIT + 2):
        assert _login(client, "alice", PASSWORD).status_code == 302
        assert client.post("/logout").status_code == 302


def test_showing_the_form_is_never_limited(client: FlaskClient) -> None:
    """GET /login stays 200 for a throttled address (only POSTs are limited)."""
    for number in range(ADDRESS_LIMIT + 1):
        _login(client, f"guess{number}", address="127.0.0.1")
    assert client.get("/login").status_code == 200


def test_a_failed_login_for_an_unknown_name_does_not_log_it(
    client: FlaskClient, log_file: Path
) -> None:
    """A name that is no account (maybe a password typed in the wrong box) is never written."""
    _login(client, "hunter2-my-password")
    [event] = events_named(log_file, "login_failed")
    assert event["username_known"] is False
    assert "username" not in event
    assert "hunter2" not in log_file.read_text(encoding="utf-8")


def test_a_failed_login_for_an_account_names_it(
    client: FlaskClient, make_user: MakeUser, log_file: Path
) -> None:
    """A wrong password for an existing account logs the account's username."""
    make_user("alice")
    _login(client, "ALICE")
    [event] = events_named(log_file, "login_failed")
    assert (event["username"], event["username_known"]) == ("alice", True)
    assert "wrong password" not in log_file.read_text(encoding="utf-8")


def test_without_a_trusted_proxy_forwarded_addresses_are_ignored(client: FlaskClient) -> None:
    """By default X-Forwarded-For is not believed: a client cannot dodge the address limit."""
    for number in range(ADDRESS_LIMIT):
        _login(client, f"guess{number}", **{"X-Forwarded-For": f"203.0.113.{number}"})
    response = _login(client, "guess", **{"X-Forwarded-For": "203.0.113.99"})
    assert response.status_code == 429


def test_behind_a_trusted_proxy_clients_are_told_apart(app_config: dict[str, Any]) -> None:
    """PROXY_FIX_X_FOR=1: the client address comes from the proxy's X-Forwarded-For, in the
    limit and in the log."""
    with built_app({**app_config, "PROXY_FIX_X_FOR": 1}) as app:
        client = app.test_client()
        for number in range(ADDRESS_LIMIT):
            _login(client, f"guess{number}", **{"X-Forwarded-For": "203.0.113.5"})
        assert _login(client, "x", **{"X-Forwarded-For": "203.0.113.5"}).status_code == 429
        assert _login(client, "x", **{"X-Forwarded-For": "203.0.113.6"}).status_code == 302
        finished = [e for e in read_log(Path(app.config["LOG_DIR"]) / "microblog.log")
                    if e.get("event") == "request_finished"]
        assert {e["remote_addr"] for e in finished} == {"203.0.113.5", "203.0.113.6"}
