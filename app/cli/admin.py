"""`flask admin grant|revoke|list`: the admin role is given by an operator, never claimed."""

from __future__ import annotations

from dataclasses import dataclass

import click
import sqlalchemy as sa
import structlog
from flask.cli import AppGroup

from app.extensions import db
from app.models import User, find_user

log = structlog.get_logger(__name__)

admin = AppGroup("admin", help="Grant, revoke and list the admin role (who may use /admin).")


def _user_or_fail(username: str) -> User:
    """The account named `username` (any letter case), or a clear error with exit status 1."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@dataclass(frozen=True)
class _RoleChange:
    """What `grant` or `revoke` sets, the event it logs, and what it says either way."""

    is_admin: bool
    event: str
    unchanged: str  # said when the user already holds (or lacks) the role: nothing is logged
    changed: str


_GRANT = _RoleChange(True, "admin_granted", "is already an admin.", "is now an admin.")
_REVOKE = _RoleChange(False, "admin_revoked", "is not an admin.", "is no longer an admin.")


@admin.command("grant")
@click.argument("username")
def grant(username: str) -> None:
    """Give USERNAME the admin role: the /admin console and the Admin link."""
    _change_role(username, _GRANT)


@admin.command("revoke")
@click.argument("username")
def revoke(username: str) -> None:
    """Take the admin role from USERNAME (effective on their next request)."""
    _change_role(username, _REVOKE)


def _change_role(username: str, change: _RoleChange) -> None:
    """Set the user's role, logging and committing only when it really changes."""
    user = _user_or_fail(username)
    if user.is_admin == change.is_admin:
        click.echo(f"{user.username} {change.unchanged}")
        return
    user.is_admin = change.is_admin
    db.session.commit()
    log.info(change.event, username=user.username, target_user_id=user.id)
    click.echo(f"{user.username} {change.changed}")


@admin.command("list")
def list_admins() -> None:
    """Print the usernames holding the admin role, one per line."""
    names = db.session.scalars(
        sa.select(User.username).where(User.is_admin).order_by(sa.func.lower(User.username))
    ).all()
    for name in names:
        click.echo(name)
    if not names:
        click.echo("No admins. Grant the role with: "
                   ".venv/bin/flask --app wsgi admin grant USERNAME", err=True)
