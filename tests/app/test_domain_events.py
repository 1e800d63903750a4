"""Domain events reach the JSON log with the request's ID, and never a password."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.app.helpers import AuthActions, MakeUser

SECRET_PASSWORD = "hunter2-never-logged"


def _events(log_dir: Path, names: set[str], wait_s: float = 5.0) -> list[dict[str, Any]]:
    """The log's records with these event names, once all of them have been written."""
    deadline = time.monotonic() + wait_s
    while True:
        records = [
            json.loads(line)
            for path in sorted(log_dir.glob("microblog.log*"))
            if not path.name.endswith(".lock")
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
        wanted = [record for record in records if record.get("event") in names]
        if {record["event"] for record in wanted} >= names or time.monotonic() > deadline:
            return wanted
        time.sleep(0.05)


def test_a_user_journey_leaves_its_events(app: Flask, client: FlaskClient, auth: AuthActions,
                                          make_user: MakeUser) -> None:
    """Register, fail and succeed to log in, post, follow, rename: each is one event."""
    make_user("bob")
    client.post("/register", data={"username": "carol", "email": "carol@example.com",
                                   "password": SECRET_PASSWORD, "password2": SECRET_PASSWORD})
    auth.login("carol", "wrong-password-also-secret")
    auth.login("carol", SECRET_PASSWORD)
    client.post("/index", data={"post": "first!"})
    client.post("/follow/bob")
    client.post("/edit_profile", data={"username": "bob"})
    client.post("/edit_profile", data={"username": "caroline", "about_me": "hi"})

    names = {"user_registered", "login_failed", "user_logged_in", "post_created",
             "user_followed", "username_conflict", "profile_updated"}
    records = _events(Path(app.config["LOG_DIR"]), names)
    by_name = {record["event"]: record for record in records}
    assert set(by_name) == names
    assert all(record["request_id"] for record in records)
    assert by_name["user_registered"]["username"] == "carol"
    assert by_name["login_failed"]["username"] == "carol"
    assert by_name["user_followed"]["followed_username"] == "bob"
    assert by_name["username_conflict"]["during"] == "edit_profile"
    assert by_name["profile_updated"]["username"] == "caroline"
    assert by_name["post_created"]["user_id"] is not None

    everything = "".join(p.read_text() for p in Path(app.config["LOG_DIR"]).glob("microblog.log*"))
    assert SECRET_PASSWORD not in everything
    assert "wrong-password-also-secret" not in everything
