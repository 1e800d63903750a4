"""`flask admin grant|revoke|list`: the operator's way to give and take the admin role."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.extensions import db
from app.models import User, find_user
from tests.app.helpers import AuthActions, MakeUser
from tests.observability.log_reading import events_named


def _is_admin(app: Flask, username: str) -> bool:
    with app.app_context():
        user = find_user(username)
        assert user is not None
        admin = user.is_admin
        db.session.remove()
    return admin


def test_grant_gives_the_role_and_logs_it(app: Flask, make_user: MakeUser) -> None:
    """`admin grant` (any letter case) sets the role, says so, and logs `admin_granted` once."""
    alice = make_user("alice")
    result = app.test_cli_runner().invoke(args=["admin", "grant", "ALICE"])
    assert result.exit_code == 0, result.output
    assert result.output == "alice is now an admin.\n"
    assert _is_admin(app, "alice")
    again = app.test_cli_runner().invoke(args=["admin", "grant", "alice"])
    assert (again.exit_code, again.output) == (0, "alice is already an admin.\n")
    [event] = events_named(Path(app.config["LOG_DIR"]) / "microblog.log", "admin_granted")
    assert (event["username"], event["target_user_id"]) == ("alice", alice.id)


def test_revoke_takes_the_role_and_logs_it(app: Flask, make_user: MakeUser) -> None:
    """`admin revoke` clears the role and logs `admin_revoked`; a second revoke changes nothing."""
    make_user("alice", is_admin=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["admin", "revoke", "alice"]).output == \
        "alice is no longer an admin.\n"
    assert not _is_admin(app, "alice")
    assert runner.invoke(args=["admin", "revoke", "alice"]).output == "alice is not an admin.\n"
    log_file = Path(app.config["LOG_DIR"]) / "microblog.log"
    assert len(events_named(log_file, "admin_revoked")) == 1


def test_list_prints_the_admins(app: Flask, make_user: MakeUser) -> None:
    """`admin list` prints one admin per line, sorted, and nobody else."""
    for name, role in (("zoe", True), ("bob", False), ("Anna", True)):
        make_user(name, is_admin=role)
    result = app.test_cli_runner().invoke(args=["admin", "list"])
    assert result.exit_code == 0
    assert result.stdout == "Anna\nzoe\n"


def test_list_without_admins_says_how_to_grant(app: Flask) -> None:
    """No admin yet: nothing on stdout, the grant command on stderr."""
    result = app.test_cli_runner().invoke(args=["admin", "list"])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "flask --app wsgi admin grant USERNAME" in result.stderr


def test_an_unknown_user_is_an_error(app: Flask, make_user: MakeUser) -> None:
    """Grant or revoke for a name with no account: a message on stderr, exit status 1."""
    make_user("alice")
    runner = app.test_cli_runner()
    for command in ("grant", "revoke"):
        result = runner.invoke(args=["admin", command, "mallory"])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert "no user named 'mallory'" in result.stderr


def test_a_revoked_admin_loses_the_console_at_once(
    app: Flask, make_user: MakeUser, auth: AuthActions
) -> None:
    """A session that opened /admin gets a 404 on its next request after `admin revoke`."""
    make_user("alice", is_admin=True)
    auth.login("alice")
    assert auth.client.get("/admin/errors").status_code == 200
    app.test_cli_runner().invoke(args=["admin", "revoke", "alice"])
    assert auth.client.get("/admin/errors").status_code == 404


def test_new_accounts_are_not_admins(app: Flask, make_user: MakeUser) -> None:
    """The column defaults to false: nobody holds the role until it is granted."""
    make_user("alice")
    with app.app_context():
        assert db.session.query(User).filter_by(is_admin=True).count() == 0
